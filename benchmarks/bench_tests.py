"""How long the project's own tests take: the README's test command (as `.ci/run` runs it), REPEAT times, with the
wall time of each run, the CPU time of its whole process tree (the machine is CPU-bound for most of a run: that time
over the number of cores is the floor no packing of the tests goes below), its pass/fail counts and the tests that
failed, and, from the last run, the 20 slowest tests (pytest's ``--durations``) and the seconds spent per test file;
the last run's whole output is kept in the temp dir's bench_tests.log.

Usage: python benchmarks/bench_tests.py [REPEAT] [extra pytest options...]   (default: 1 run of the whole suite)
"""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLOWEST = 20
LOG = Path(tempfile.gettempdir()) / "bench_tests.log"  # the last run's whole pytest output
OPTIONS = re.search(r"bin/pytest (.*)", (ROOT / ".ci/run").read_text())[1].split()  # the README's command's


def cpu_of_children() -> float:
    """User and system seconds of every finished descendant (each process waited for by its parent counts)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(extra: list[str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, pytest's output) of one run of the README's test command."""
    started, cpu = time.perf_counter(), cpu_of_children()
    done = subprocess.run([sys.executable, "-m", "pytest", *OPTIONS, "-q", "-p", "no:cacheprovider",
                           "--durations=0", "--durations-min=0", *extra], cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - started, cpu_of_children() - cpu, done.stdout + done.stderr


def durations(output: str) -> list[tuple[float, str]]:
    """(seconds, "phase test id") of every phase pytest timed, slowest first."""
    found = (re.match(r"\s*(\d+\.\d+)s (.+)", line) for line in output.splitlines())
    return [(float(match[1]), match[2].strip()) for match in found if match]


def by_file(timed: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """Seconds per test file (every phase of every test), most first."""
    files: dict[str, float] = {}
    for seconds, what in timed:
        name = what.split(None, 1)[-1].split("::")[0]
        files[name] = files.get(name, 0) + seconds
    return sorted(((seconds, name) for name, seconds in files.items()), reverse=True)


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    extra = sys.argv[2:]
    runs = []
    for index in range(1, repeat + 1):
        wall, cpu, output = one_run(extra)
        tally = next((line for line in reversed(output.splitlines()) if re.search(r"\d+ (passed|failed)", line)), "?")
        print(f"run {index}: {wall:.1f} s wall, {cpu:.0f} s CPU (a floor of {cpu / (os.cpu_count() or 1):.0f} s "
              f"on {os.cpu_count()} cores) — {tally.strip('= ')}", flush=True)
        for line in output.splitlines():
            if line.startswith(("FAILED ", "ERROR ")):
                print("  " + line[:160], flush=True)
        runs.append((wall, output))
        LOG.write_text(output)
    print(f"median wall: {statistics.median(wall for wall, _ in runs):.1f} s over {repeat} run(s)")
    timed = durations(runs[-1][1])
    print(f"{SLOWEST} slowest (last run; its whole output: {LOG}):")
    for seconds, what in timed[:SLOWEST]:
        print(f"  {seconds:6.2f}s {what}")
    print("seconds per test file, summed over the workers (last run):")
    for seconds, name in by_file(timed):
        print(f"  {seconds:7.1f}s {name}")


if __name__ == "__main__":
    main()
