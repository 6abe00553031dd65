"""How long the project's own tests take: the README's test command (`pytest -n 2`), REPEAT times, with the wall time
of each run, its pass/fail counts and the tests that failed, and, from the last run, the 20 slowest tests (pytest's
``--durations``); the last run's whole output is kept in the temp dir's bench_tests.log.

Usage: python benchmarks/bench_tests.py [REPEAT] [extra pytest options...]   (default: 1 run of the whole suite)
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLOWEST = 20
LOG = Path(tempfile.gettempdir()) / "bench_tests.log"  # the last run's whole pytest output


def one_run(extra: list[str]) -> tuple[float, str]:
    """(wall seconds, pytest's output) of one `pytest -n 2` run."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider",
                           f"--durations={SLOWEST}", *extra], cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout + done.stderr


def slowest(output: str) -> list[str]:
    """The lines of pytest's "slowest durations" table."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if "slowest" in line and "durations" in line), None)
    if start is None:
        return []
    return [line for line in lines[start + 1:] if re.match(r"\s*\d+\.\d+s ", line)][:SLOWEST]


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    extra = sys.argv[2:]
    runs = []
    for index in range(1, repeat + 1):
        wall, output = one_run(extra)
        tally = next((line for line in reversed(output.splitlines()) if re.search(r"\d+ (passed|failed)", line)), "?")
        print(f"run {index}: {wall:.1f} s wall — {tally.strip('= ')}", flush=True)
        for line in output.splitlines():
            if line.startswith(("FAILED ", "ERROR ")):
                print("  " + line[:160], flush=True)
        runs.append((wall, output))
        LOG.write_text(output)
    print(f"median wall: {statistics.median(wall for wall, _ in runs):.1f} s over {repeat} run(s)")
    print(f"{SLOWEST} slowest (last run; its whole output: {LOG}):")
    for line in slowest(runs[-1][1]):
        print("  " + line.strip())


if __name__ == "__main__":
    main()
