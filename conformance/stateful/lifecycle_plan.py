"""The lifecycle stage's part of ``--dry-run``: what the state machine may send, and which sessions it creates and
cancels."""

from __future__ import annotations

from hypothesis.stateful import INITIALIZE_RULE_MARKER, RULE_MARKER

from conformance.checks.catalogue import LIFECYCLE, Check
from conformance.config import RunConfig
from conformance.generation.clients import CLIENT_VARIANTS
from conformance.stateful import watch
from conformance.stateful.bodies import edge_bodies
from conformance.stateful.crowd import CROWD
from conformance.stateful.exploration import BURST, STEPS_PER_SEQUENCE, sequences_for
from conformance.stateful.rules import LifecycleMachine
from conformance.stateful.variants import ID_VARIANTS
from conformance.stateful.watch import CREATE_ATTEMPTS, ROLES


def _said(doc: str | None, paragraphs: int = 1) -> str:
    """The first `paragraphs` of a docstring, on one line."""
    return " ".join(" ".join((doc or "").split("\n\n")[:paragraphs]).split())


def rules() -> list[str]:
    """Each rule of the machine as its docstring says it (the first paragraph): the plan never restates them."""
    return [f"{function.__name__}: {_said(function.__doc__)}" for function in vars(LifecycleMachine).values()
            if hasattr(function, RULE_MARKER) or hasattr(function, INITIALIZE_RULE_MARKER)]


def _sizes() -> str:
    return (f"sizes: {len(ID_VARIANTS)} id variants, {len(CLIENT_VARIANTS)} client variants, bursts of {BURST}, "
            f"crowds of {CROWD[0]}-{CROWD[1]}; beside the exploration, the watch: {_said(watch.__doc__, 2)}")


def lifecycle_plan(config: RunConfig, checks: list[Check]) -> list[str]:
    sequences = sequences_for(config.max_steps)
    lines = ["", f"Lifecycle: {config.max_steps} model-checked steps (--max-steps): an opening sequence whose "
             "witnesses take each kind of step once on sessions with every optional field (they judge every "
             "lifecycle check and are never cut), then sweeps of every credential, id variant and isolation "
             f"direction, then random sequences of up to {STEPS_PER_SEQUENCE} (seed {config.seed}); after each "
             "request on the cancel path the session "
             "and every other session of the sequence are read back (GET). A failing sequence is shrunk for a few "
             "seconds more, on fresh sessions. Rules:"]
    lines += [f"  - {rule}" for rule in [*rules(), _sizes()]]
    lines += ["", "Lifecycle checks:"]
    lines += [f"  {check.id:26} {check.description}" for check in checks if check.stage == LIFECYCLE]
    given = ", ".join(config.session_ids) or "none"
    opening = 1 + len(edge_bodies("")) + len(ROLES) * CREATE_ATTEMPTS + 1  # the second rich session, the edge
    # bodies, the watch's cohort (created again if refused for a slow target; one create retried as the main owner)
    lines += ["", f"Sessions: the given ids ({given}) are used in the first sequence; then up to "
              f"{2 * sequences * 4 + config.max_steps + opening} are created with POST /sessions (reference_id "
              f"conformance-<run tag>-...), four per sequence, at most one per step, and {opening} by the opening "
              "(a second rich session, the edge bodies, the sessions watched across their expiry). The suite cancels "
              "only these sessions "
              "and the ids it was given" + (", completing and expiring some through test control." if
                                            config.test_control or config.embedded else ".") +
              " Every request goes through the endpoints' rate limits and --max-requests: a step the budget refuses is "
              "recorded as not sent, and a check with nothing sent is skipped with why."]
    return lines
