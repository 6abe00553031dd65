"""One target's run for a comparison: the suite's whole corpus, kept in memory."""

from __future__ import annotations

import time

from conformance.config import RunConfig
from conformance.results.model import RunResult
from conformance.run import prepare, run_suite


def collect(config: RunConfig) -> tuple[RunResult, str]:
    """Run the suite against `config`'s target, without reports or terminal output: its result (every exchange,
    every outcome) and the tag its sessions carry. Raises UsageError, TargetUnreachable, or KeyboardInterrupt."""
    started = time.perf_counter()
    with prepare(config) as context:
        if run_suite(context):
            raise KeyboardInterrupt
        return context.result(time.perf_counter() - started), context.sessions.tag
