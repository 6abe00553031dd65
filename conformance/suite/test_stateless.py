"""Stateless checks: every response the run received (generated inputs and lifecycle alike) against each check."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from conformance.checks.catalogue import CATALOGUE, MUST, STATELESS
from conformance.generation.explore import explore
from conformance.generation.from_schema import fuzz_probes
from conformance.generation.probe import Probe
from conformance.generation.strategies import auth_probes, id_probes, sub_account_probes
from conformance.safety import to_confirm
from conformance.suite.context import NotApplicable
from conformance.target.client import Target
from conformance.target.exchange import Exchange

STATELESS_CHECKS = [check for check in CATALOGUE if check.stage == STATELESS]


@pytest.fixture(scope="session")
def explored(conformance):
    """Send every generated input once (each family's explicit examples first); shrink each distinct MUST failure
    to a minimal input. With --workers N, N families explore at once, each on its own connections."""
    config, credentials, recorder = conformance.config, conformance.credentials, conformance.recorder
    document = conformance.stage.repaired
    sessions = conformance.sessions
    retried: set[str] = set()
    retried_lock = threading.Lock()

    def sender(target: Target) -> Callable[[Probe], Exchange]:
        def send(probe: Probe) -> Exchange:
            intent = credentials.probe_intent(probe)
            for session_id in sorted(to_confirm(probe.method, probe.session_id)):
                withholding = sessions.unsafe(session_id)
                if withholding:
                    return target.skip(intent, probe.method, probe.path, probe.headers, withholding.reason,
                                       withholding.status)
            exchange = target.send(intent, probe.method, probe.path, probe.headers, probe.body)
            with retried_lock:
                fresh = set(exchange.violations) - retried
                retried.update(fresh)
            if fresh:  # once per check: does the failure reproduce on the same request?
                again = target.send(replace(intent, family="retry"), probe.method, probe.path, probe.headers,
                                    probe.body)
                recorder.mark_flaky(exchange, fresh - set(again.violations))
            return exchange

        return send

    # with a fixed corpus (compare) nothing is shrunk, so every target gets every generated input
    must = set() if config.fixed_corpus else {check.id for check in conformance.checks if check.level == MUST}

    def run_family(family) -> list:
        examples, strategy = family
        return explore(strategy, sender(conformance.target.fork()), examples=examples,
                       max_examples=config.max_examples, seed_value=config.seed, shrink=config.shrink, must=must)

    families = [fuzz_probes(document, credentials, config.seed), id_probes(credentials),
                auth_probes(credentials), sub_account_probes(credentials)]
    with ThreadPoolExecutor(max_workers=config.workers) as pool:
        for found_in_family in pool.map(run_family, families):
            for found in found_in_family:
                recorder.mark_minimal(found.check_id, found.exchange, found.violation)
    return recorder


@pytest.mark.parametrize("check", [pytest.param(check, marks=pytest.mark.check(check.id), id=check.id)
                                   for check in STATELESS_CHECKS])
def test_stateless(check, conformance, explored):
    if check.id in explored.errors:
        raise RuntimeError(f"the check itself failed:\n{explored.errors[check.id]}")
    if explored.failures[check.id]:
        raise conformance.violation(explored.failures[check.id])
    if explored.applied[check.id]:
        return
    judged = explored.cancel_exchanges
    if check.applies_to and judged:
        raise NotApplicable(f"the target never answered with {check.applies_to}, among the {judged} responses of "
                            "the cancel path it judges")
    withheld = sum(1 for exchange in explored.exchanges if exchange.withheld)
    stopped = conformance.target.traffic.stopped
    pytest.skip(f"no response this check applies to, among {judged} judged"
                + (f"; {withheld} request(s) withheld by the safety rule" if withheld else "")
                + (f"; {stopped}" if stopped else ""))
