"""The fixtures the suite's modules share: the run's context, stashed by the conformance plugin, and the witnesses
that judge every selected check before anything is explored."""

from __future__ import annotations

import pytest

from conformance.stateful.opening import Opening
from conformance.suite.context import RunContext
from conformance.suite.plugin import RUN_CONTEXT
from conformance.suite.witnesses import send_witnesses


@pytest.fixture(scope="session")
def conformance(request: pytest.FixtureRequest):
    return request.config.stash[RUN_CONTEXT]


@pytest.fixture(scope="session")
def witnessed(conformance: RunContext) -> Opening | None:
    """Every selected check judged first (``witnesses``); exploring comes after, within --max-time."""
    return send_witnesses(conformance)
