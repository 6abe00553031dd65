"""Lifecycle checks: the state machine (``conformance.stateful``) explores sequences of operations on sessions the
run creates (or was given), judging each step against the reference model; then one test per check reports."""

from __future__ import annotations

import time

import pytest

from conformance.checks.catalogue import LIFECYCLE, Check
from conformance.stateful.exploration import Exploration
from conformance.stateful.opening import Opening
from conformance.stateful.passes import explore_lifecycle
from conformance.suite.check_items import per_check
from conformance.suite.context import RunContext

SHRINK_SECONDS = 4.0  # after the first failure, for shrinking every distinct one
NEEDS = {  # what a check needs beyond the run's own sessions, and why it may not have judged
    "LIFE-OTHER-BUSINESS": "needs the key of another business: pass --other-api-key",
    "LIFE-COMPLETED": "no COMPLETED session: pass --completed-session-id, or --test-control if the target implements "
                      "the emulator's test-control extension",
    "LIFE-CHECKOUT": "no session's checkout link (payment_link_url) could be fetched while it was ACTIVE",
}


@pytest.fixture(scope="session")
def lifecycle(conformance: RunContext, witnessed: Opening):
    """After the witnesses, explore the lifecycle: --max-steps model-checked steps, within half the time
    --max-time leaves (the generated inputs get the rest)."""
    config, run = conformance.config, witnessed.run
    if conformance.deadline is not None:
        run.budget.deadline = time.monotonic() + max(0.0, conformance.deadline - time.monotonic()) / 2
    shrink = config.shrink and not config.fixed_corpus  # compare: every target the same requests, unshrunk
    explore_lifecycle(run, config.seed, shrink_seconds=SHRINK_SECONDS if shrink else 0.0, opening=witnessed)
    if run.cut_short:
        conformance.notes.append(run.cut_short)
    margin, watch = run.margin, witnessed.watch
    if run.watched:
        conformance.notes.append(f"no session was watched across its expires_at: {run.watched}")
    elif watch is not None and watch.thread is not None:
        conformance.notes.append(f"sessions watched across their expires_at: either status allowed from {margin.skew:g}"
                                 f" s before it to {margin.skew + margin.lag:g} s after it (clock skew and latency "
                                 f"±{margin.skew:g} s, --expiry-lag {margin.lag:g} s)")
    conformance.notes += [f"checkout links (payment_link_url) fetched without credentials from {origin}"
                          for origin in sorted(run.checkout_origins)]
    return run


def _not_judged(conformance: RunContext, run: Exploration, check_id: str) -> str:
    stopped = conformance.target.traffic.stopped
    if stopped:
        return f"not judged: {stopped}"
    if run.create_error:
        return f"not judged: {run.create_error}; pass ACTIVE ids with --session-id"
    if check_id == "LIFE-EXPIRED" and not (run.expiry_supported or conformance.config.test_control):
        return "not judged: the target refused an expires_at a second ahead and test control is off"
    if check_id == "LIFE-CHECKOUT" and run.checkout_refused and not run.checkout_served:
        return f"not judged: {run.checkout_refused}"
    reason = NEEDS.get(check_id)
    if run.reused_ids and not reason:
        return (f"not judged in {run.budget.steps} steps: POST /sessions answered {run.reused_ids} creates with an "
                "id it had already given another session (a mock answering its example?), and a finding about a "
                "session sets aside every session of its id")
    return f"not judged in {run.budget.steps} steps" + (
        f" ({reason})" if reason else ": findings of other checks set aside the sessions its witness steps used")


@per_check(LIFECYCLE)
def test_lifecycle(check: Check, conformance: RunContext, lifecycle: Exploration) -> None:
    failure = lifecycle.ledger.failures.get(check.id)
    if failure is not None:
        raise conformance.violation([failure])
    if not lifecycle.ledger.judged[check.id]:
        pytest.skip(_not_judged(conformance, lifecycle, check.id))
