"""The lifecycle stage alone against the bundled emulator, at the run's defaults: its steps, its requests (by family:
the exploration's, the watch's beside it, the safety GETs), the crowds' share, and its wall time.

Runs the stage in-process REPEAT times (seed 1, the default --max-steps, shrinking as a run does) on an emulator
with the suite's expiry floor of 1 s and test control, and prints one line per repeat and the medians.

Usage: python benchmarks/bench_lifecycle.py [REPEAT]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter

import _repository  # noqa: F401 - the repository on sys.path, for the tests' helpers
from bench_mutants import exploration

from conformance.config import RunConfig
from conformance.emulator import running
from conformance.stateful.passes import explore_lifecycle
from conformance.suite.lifecycle_stage import SHRINK_SECONDS
from tests.trial import EMULATOR


def once() -> dict:
    sent: list = []
    with running(EMULATOR) as base_url:
        run = exploration(base_url, sent.append)
        started = time.perf_counter()
        explore_lifecycle(run, RunConfig().seed, shrink_seconds=SHRINK_SECONDS)
        seconds = time.perf_counter() - started
    families = Counter(exchange.intent.family for exchange in sent)
    crowd = sum(" at once: " in exchange.intent.description for exchange in sent)
    return {"steps": run.budget.steps, "requests": len(sent), "crowd": crowd, "seconds": seconds,
            "failures": sorted(run.ledger.failures), **{f"family {name}": count for name, count in families.items()}}


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    runs = [once() for _ in range(repeat)]
    for number, figures in enumerate(runs, 1):
        print(f"run {number}: " + ", ".join(f"{name} {value:.2f}" if isinstance(value, float) else f"{name} {value}"
                                            for name, value in figures.items()))
    median = {name: statistics.median(r[name] for r in runs) for name in ("steps", "requests", "crowd", "seconds")}
    print(f"median: steps {median['steps']}, requests {median['requests']}, crowd requests {median['crowd']}, "
          f"{median['seconds']:.2f} s")


if __name__ == "__main__":
    main()
