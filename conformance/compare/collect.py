"""One target's run for a comparison: the suite's whole corpus, sent without shrinking, kept in memory."""

from __future__ import annotations

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from conformance.config import RunConfig
from conformance.run import UsageError, _cache_dir, _checked, _pytest_args, _target
from conformance.suite.context import RunContext
from conformance.suite.plugin import ConformancePlugin


def collect(config: RunConfig) -> RunContext:
    """Run the suite against `config`'s target and return its context (every exchange, every outcome).

    Raises UsageError (misconfigured), TargetUnreachable, or KeyboardInterrupt (Ctrl-C during the run).
    """
    checks, stage = _checked(config)
    set_hypothesis_home_dir(_cache_dir() / "hypothesis")
    with _target(config) as (config, base_url, api_key, other_key):
        context = RunContext.build(config, stage, checks, base_url, api_key, other_key)
        context.target.probe()
        code = pytest.main(_pytest_args(config), plugins=[ConformancePlugin(context)])
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise UsageError(f"the suite could not run (pytest exit {int(code)})")
    return context
