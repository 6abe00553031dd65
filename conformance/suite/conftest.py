"""The suite's collection of its stage modules, and the fixtures they share: the run's context, stashed by the
conformance plugin, and the witnesses that judge every selected check before anything is explored."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.stateful.opening import Opening
from conformance.suite.check_items import RUN_CONTEXT
from conformance.suite.context import RunContext
from conformance.suite.witnesses import send_witnesses

SUITE = Path(__file__).resolve().parent
STAGE_MODULES = "*_stage.py"  # the suite's modules: products, not tests, so not named test_*.py


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    """Collect the stage modules whatever the caller's pytest configuration says of file names."""
    if file_path.match(STAGE_MODULES) and file_path.parent == SUITE:
        return pytest.Module.from_parent(parent, path=file_path)
    return None


@pytest.fixture(scope="session")
def conformance(request: pytest.FixtureRequest):
    return request.config.stash[RUN_CONTEXT]


@pytest.fixture(scope="session")
def witnessed(conformance: RunContext) -> Opening | None:
    """Every selected check judged first (``witnesses``); exploring comes after, within --max-time."""
    return send_witnesses(conformance)
