"""The witnesses: every selected check judged first, with the fewest requests, before anything is explored. The
run's fixture sends them; ``--dry-run`` sends them to a bundled emulator of its own to count them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from conformance.checks.catalogue import LIFECYCLE, STATELESS
from conformance.generation.strategies import witness_probes
from conformance.model.state import Margin
from conformance.stateful.exploration import MARGIN_SECONDS, Exploration
from conformance.stateful.ledger import Budget
from conformance.stateful.opening import Opening
from conformance.stateful.passes import witness
from conformance.suite.context import RunContext


def send_witnesses(context: RunContext) -> Opening | None:
    """The lifecycle's witnesses (the opening's, on the run's own sessions), then the stateless checks' witness
    probes, sent at once. The opening, returned, goes on with the exploration."""
    config, stages = context.config, {check.stage for check in context.checks}
    opening = None
    if LIFECYCLE in stages:
        opening = witness(Exploration(
            context.sessions, context.credentials, context.other_key, config.profile,
            {check.id for check in context.checks}, Budget(config.max_steps, 0.0),
            test_control=context.sessions.test_control, margin=Margin(MARGIN_SECONDS, config.expiry_lag),
            no_real_sessions=context.no_real_sessions,
            fixed_corpus=config.fixed_corpus, checkout_hosts=tuple(config.checkout_hosts)))
    if STATELESS in stages:
        probes = witness_probes(context.credentials)
        with ThreadPoolExecutor(len(probes)) as pool:
            list(pool.map(lambda probe: context.send_probe(probe, context.target.fork(), exploring=False), probes))
    return opening
