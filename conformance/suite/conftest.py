"""The fixtures the suite's modules share: the run's context, stashed by the conformance plugin, and the witnesses
that judge every selected check before anything is explored."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from conformance.checks.catalogue import LIFECYCLE, STATELESS
from conformance.generation.strategies import witness_probes
from conformance.stateful.exploration import WAIT, Exploration
from conformance.stateful.ledger import Budget
from conformance.stateful.opening import Opening
from conformance.stateful.passes import witness
from conformance.suite.context import RunContext
from conformance.suite.plugin import RUN_CONTEXT


@pytest.fixture(scope="session")
def conformance(request: pytest.FixtureRequest):
    return request.config.stash[RUN_CONTEXT]


@pytest.fixture(scope="session")
def witnessed(conformance: RunContext) -> Opening | None:
    """Every selected check judged first, with the fewest requests: the lifecycle's witnesses (the opening's, on
    the run's own sessions), then the stateless checks' witness probes, sent at once. Exploring comes after, within
    --max-time; the opening, returned, goes on with it."""
    config, stages = conformance.config, {check.stage for check in conformance.checks}
    opening = None
    if LIFECYCLE in stages:
        opening = witness(Exploration(
            conformance.sessions, conformance.credentials, conformance.other_key, config.profile,
            {check.id for check in conformance.checks}, Budget(config.max_steps, WAIT),
            test_control=conformance.sessions.test_control, no_real_sessions=conformance.no_real_sessions,
            fixed_corpus=config.fixed_corpus))
    if STATELESS in stages:
        probes = witness_probes(conformance.credentials)
        with ThreadPoolExecutor(len(probes)) as pool:
            list(pool.map(lambda probe: conformance.send_probe(probe, conformance.target.fork(), exploring=False),
                          probes))
    return opening
