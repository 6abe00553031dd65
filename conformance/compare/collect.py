"""One target's run for a comparison: the suite's whole corpus, kept in memory."""

from __future__ import annotations

import pytest

from conformance.config import RunConfig
from conformance.run import UsageError, prepare, run_suite
from conformance.suite.context import RunContext


def collect(config: RunConfig) -> RunContext:
    """Run the suite against `config`'s target, without reports or terminal output, and return its context (every
    exchange, every outcome). Raises UsageError, TargetUnreachable, or KeyboardInterrupt (Ctrl-C during the run)."""
    with prepare(config) as context:
        code = run_suite(context)
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise UsageError(f"the suite could not run (pytest exit {int(code)})")
    return context
