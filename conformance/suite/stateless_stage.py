"""Stateless checks: every response the run received (generated inputs and lifecycle alike) against each check."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from conformance.checks.catalogue import MUST, STATELESS, Check
from conformance.checks.stateless_judge import StatelessJudge
from conformance.generation.clients import client_probes
from conformance.generation.explore import explore_inputs
from conformance.generation.from_schema import fuzz_probes
from conformance.generation.strategies import auth_probes, find_simplest, id_probes, sub_account_probes
from conformance.suite.check_items import per_check
from conformance.suite.context import EXPLORATION_SPENT, NotApplicable, RunContext


@pytest.fixture(scope="session")
def explored(conformance, witnessed):
    """After the witnesses, send every generated input once (each family's explicit examples first) while
    --max-time lasts; shrink each distinct MUST failure to a minimal input. --workers families explore at once, each
    on its own connections."""
    config, credentials, stateless = conformance.config, conformance.credentials, conformance.stateless
    # with a fixed corpus (compare) nothing is shrunk, so every target gets every generated input
    must = set() if config.fixed_corpus else {check.id for check in conformance.checks if check.level == MUST}

    def run_family(family) -> list:
        examples, strategy = family
        target = conformance.target.fork()
        return explore_inputs(strategy, lambda probe: conformance.send_probe(probe, target), examples=examples,
                       max_examples=config.max_examples, seed_value=config.seed, shrink=config.shrink, must=must)

    families = [fuzz_probes(conformance.stage.repaired, credentials, config.seed), id_probes(credentials),
                auth_probes(credentials), sub_account_probes(credentials), client_probes(credentials)]
    if config.workers > 1:  # a first draw here imports what drawing needs, so the families' threads do not import it
        for _, strategy in families:  # at once (pytest's rewriting of imports is not thread-safe on 3.11)
            find_simplest(strategy)
    with ThreadPoolExecutor(max_workers=config.workers) as pool:
        for found_in_family in pool.map(run_family, families):
            for found in found_in_family:
                stateless.mark_minimal(found.check_id, found.exchange, found.violation)
    spent = Counter(exchange.intent.family for exchange in stateless.exchanges
                    if exchange.skipped == EXPLORATION_SPENT)
    conformance.notes += [f"{count} generated request(s) of the {family} family not sent: --max-time was spent"
                              for family, count in sorted(spent.items())]
    return stateless


@per_check(STATELESS)
def test_stateless(check: Check, conformance: RunContext, explored: StatelessJudge) -> None:
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
