"""How long the project's own tests take: the README's test command (as `.ci/run` runs it), REPEAT times, with the
wall time of each run, the CPU time of its whole process tree (the machine is CPU-bound for most of a run: that time
over the number of cores is the floor no packing of the tests goes below), its pass/fail counts and the tests that
failed, and, from the last run, the 20 slowest tests (pytest's ``--durations``) and the seconds spent per test file;
the last run's whole output is kept in the temp dir's bench_tests.log. From the last run too, the CPU of each test
(``cpu_per_test``): the 20 tests that cost the most, the CPU per test file, and what no test accounts for (the
workers' start and collection).

Usage: python benchmarks/bench_tests.py [REPEAT] [extra pytest options...]   (default: 1 run of the whole suite)
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLOWEST = 20
LOG = Path(tempfile.gettempdir()) / "bench_tests.log"  # the last run's whole pytest output
CPU_DIR = Path(tempfile.gettempdir()) / "bench_tests_cpu"  # the last run's CPU per test, a file per worker
OPTIONS = re.search(r"bin/pytest (.*)", (ROOT / ".ci/run").read_text())[1].split()  # the README's command's


def cpu_of_children() -> float:
    """User and system seconds of every finished descendant (each process waited for by its parent counts)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(extra: list[str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, pytest's output) of one run of the README's test command."""
    shutil.rmtree(CPU_DIR, ignore_errors=True)
    CPU_DIR.mkdir()
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    started, cpu = time.perf_counter(), cpu_of_children()
    done = subprocess.run([sys.executable, "-m", "pytest", *OPTIONS, "-q", "-p", "no:cacheprovider",
                           "-p", "benchmarks.cpu_per_test", "--durations=0", "--durations-min=0", *extra], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": path,
                                                               "BENCH_CPU_DIR": str(CPU_DIR)})
    return time.perf_counter() - started, cpu_of_children() - cpu, done.stdout + done.stderr


def durations(output: str) -> list[tuple[float, str]]:
    """(seconds, "phase test id") of every phase pytest timed, slowest first."""
    found = (re.match(r"\s*(\d+\.\d+)s (.+)", line) for line in output.splitlines())
    return [(float(match[1]), match[2].strip()) for match in found if match]


def cpu_per_test() -> list[tuple[float, str]]:
    """(CPU seconds, test id) of every test of the last run, most first."""
    lines = (line for log in CPU_DIR.glob("*.jsonl") for line in log.read_text().splitlines())
    return sorted(((record["cpu"], record["test"]) for record in map(json.loads, lines)), reverse=True)


def by_file(spent: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """Seconds per test file, most first, from (seconds, test id) pairs."""
    files: dict[str, float] = {}
    for seconds, test in spent:
        name = test.split("::")[0]
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
        runs.append((wall, cpu, output))
        LOG.write_text(output)
    print(f"median wall: {statistics.median(wall for wall, _, _ in runs):.1f} s over {repeat} run(s)")
    timed = durations(runs[-1][2])
    print(f"{SLOWEST} slowest (last run; its whole output: {LOG}):")
    for seconds, what in timed[:SLOWEST]:
        print(f"  {seconds:6.2f}s {what}")
    print("seconds per test file, summed over the workers (last run):")
    for seconds, name in by_file([(seconds, what.split(None, 1)[1]) for seconds, what in timed]):  # "phase id"
        print(f"  {seconds:7.1f}s {name}")
    costs = cpu_per_test()
    print(f"{SLOWEST} tests that cost the most CPU (last run):")
    for seconds, test in costs[:SLOWEST]:
        print(f"  {seconds:6.2f}s {test}")
    print("CPU seconds per test file (last run):")
    for seconds, name in by_file(costs):
        print(f"  {seconds:7.1f}s {name}")
    print(f"  {runs[-1][1] - sum(seconds for seconds, _ in costs):7.1f}s in no test (the workers' start, collection, "
          "the controller)")


if __name__ == "__main__":
    main()
