"""The exploration's passes. A first pass explores the whole budget (--max-steps) and raises nothing: every step is
judged, every finding kept with the sequence that led to it, and the sessions a finding involves are set aside (the
model no longer vouches for them). Then each check that failed gets a pass of its own, the same sequences again (same
seed), where its failure raises an exception of its own: Hypothesis shrinks it, on fresh sessions every attempt, until
the shrinking budget (seconds) runs out; the shortest failing sequence seen is the one reported.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import HypothesisException
from hypothesis.stateful import run_state_machine_as_test

from conformance.generation.explore import CheckFailed, leaves
from conformance.stateful.exploration import STEPS_PER_SEQUENCE, Exploration, expiry_wait, sequences_for
from conformance.stateful.ledger import Budget, Ledger
from conformance.stateful.opening import Opening
from conformance.stateful.rules import LifecycleMachine


def _pass(run: Exploration, seed: int, shrink: bool) -> None:
    """One Hypothesis run of the machine over `run.budget`; failures of `run.shrinking` raise and are shrunk."""
    machine = type("Lifecycle", (LifecycleMachine,), {"run": run})
    sequences = 2 * sequences_for(run.budget.max_steps)  # some steps do nothing (a burst of an
    # ended session, ...): the budget, not the number of sequences, ends the pass
    phases = [Phase.generate] + ([Phase.shrink] if shrink else [])
    config = settings(max_examples=sequences, stateful_step_count=STEPS_PER_SEQUENCE, deadline=None, database=None,
                      phases=phases, suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
                      print_blob=False, verbosity=Verbosity.quiet)
    hypothesis_seed(seed)(machine)
    try:
        run_state_machine_as_test(machine, settings=config)
    except BaseException as error:  # noqa: BLE001 - Hypothesis reports the failure it shrank as an exception
        if isinstance(error, KeyboardInterrupt):
            raise
        unexpected = [leaf for leaf in leaves(error) if not isinstance(leaf, CheckFailed | HypothesisException)]
        if unexpected:  # a bug of the suite, not a finding
            raise


def witness(run: Exploration) -> Opening:
    """The opening's witnesses: every selected lifecycle check judged, whatever the step or time budget."""
    opening = type("Opening", (Opening,), {"run": run})()
    opening.witness()
    return opening


def explore_lifecycle(run: Exploration, seed: int, *, shrink_seconds: float, opening: Opening | None = None) -> Ledger:
    """After the witnesses (`opening`'s, or run now), the sweeps and Hypothesis's sequences within the budget
    (--max-steps, the exploration's deadline), judging every step and raising nothing; then, for each check that
    failed (in the order found, while `shrink_seconds` last and the deadline allows), run the same sequences again
    raising that check's failures, so that Hypothesis shrinks them to a minimal sequence (on fresh sessions each
    time)."""
    opening = opening or witness(run)
    explored = run.budget
    opening.sweep()
    _pass(run, seed, shrink=False)
    if explored.steps < explored.max_steps and not explored.live():
        run.cut_short = (f"the lifecycle exploration stopped after {explored.steps} of {explored.max_steps} steps "
                         "(--max-steps): its share of --max-time was spent")
    opening.closing()
    deadline = min(time.monotonic() + shrink_seconds, explored.deadline or float("inf"))
    for check_id in list(run.ledger.detected):
        if time.monotonic() >= deadline:
            break
        run.budget = Budget(explored.max_steps, 2 * expiry_wait(run.margin), deadline)  # sequences may wait
        run.shrinking = check_id
        _pass(run, seed, shrink=True)
    run.budget, run.shrinking = explored, None
    return run.ledger
