"""How long the default run takes, and where the time goes.

Runs `conformance run` (the README's main job: the bundled emulator, default budget) as a subprocess, REPEAT
times, and prints per run: wall time of the whole process, the run's own duration (from its summary line), the
requests sent, requests per second, the time spent waiting on the target (when at least one request was waiting
for its answer, from the transcript) and the rest — the suite's own code (generation, shrinking, checks,
reports). Python start-up and imports are the difference between the wall time and the run's duration.

Usage: python benchmarks/bench_run.py [REPEAT] [extra `conformance run` options...]
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one_run(extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        transcript = Path(tmp) / "t.jsonl"
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "conformance", "run", "--junit-xml", f"{tmp}/j.xml",
                               "--transcript", str(transcript), *extra], capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"the run failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
        records = [json.loads(line) for line in transcript.read_text().splitlines()]
    duration = float(re.search(r"(\d+) requests in ([\d.]+) s", done.stdout).group(2))
    sent = [record for record in records if not record["skipped"]]
    answered = sorted((record["at"], record["at"] + record["response"]["elapsed_ms"] / 1000) for record in sent
                      if record["response"])
    return {"wall": wall, "run": duration, "requests": len(sent), "waiting": covered(answered)}


def covered(intervals: list[tuple[float, float]]) -> float:
    """Seconds during which at least one request was waiting for its answer (requests sent side by side overlap)."""
    total, until = 0.0, float("-inf")
    for start, end in intervals:
        total += max(0.0, end - max(start, until))
        until = max(until, end)
    return total


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    extra = sys.argv[2:]
    runs = [one_run(extra) for _ in range(repeat)]
    options = " ".join(extra) or "(defaults: bundled emulator, --max-examples 50)"
    print(f"conformance run {options}, {repeat} runs")
    print(f"{'run':>4} {'wall s':>8} {'run s':>8} {'requests':>9} {'req/s':>8} {'target s':>9} {'suite s':>8}")
    for index, run in enumerate(runs, 1):
        print(f"{index:>4} {run['wall']:>8.2f} {run['run']:>8.2f} {run['requests']:>9} "
              f"{run['requests'] / run['run']:>8.1f} {run['waiting']:>9.2f} {run['run'] - run['waiting']:>8.2f}")
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    print(f"median: wall {median['wall']:.2f} s, run {median['run']:.2f} s, {median['requests']:.0f} requests, "
          f"{median['requests'] / median['run']:.1f} req/s, waiting on the target {median['waiting']:.2f} s "
          f"({100 * median['waiting'] / median['run']:.0f}%), "
          f"suite's own code {median['run'] - median['waiting']:.2f} s")


if __name__ == "__main__":
    main()
