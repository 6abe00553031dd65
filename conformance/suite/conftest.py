"""The one fixture the suite's modules share: the run's context, stashed by the conformance plugin."""

from __future__ import annotations

import pytest

from conformance.suite.plugin import RUN_CONTEXT


@pytest.fixture(scope="session")
def conformance(request: pytest.FixtureRequest):
    return request.config.stash[RUN_CONTEXT]
