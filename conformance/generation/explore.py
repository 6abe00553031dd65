"""Drive Hypothesis over a strategy of probes: send each, check each response, and shrink every distinct
failure (one per check ID) to a minimal input."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from conformance.checks.findings import Violation
from conformance.generation.probe import Probe
from conformance.target.exchange import Exchange

Send = Callable[[Probe], Exchange]


class CheckFailed(AssertionError):
    """Raised inside a Hypothesis example so that it shrinks; one subclass per check ID keeps bugs distinct."""

    check_id = ""

    def __init__(self, exchange: Exchange, violation: Violation):
        super().__init__(f"{self.check_id}: {violation.message}")
        self.exchange = exchange
        self.violation = violation


@cache
def failure_type(check_id: str) -> type[CheckFailed]:
    name = "Failed_" + check_id.replace("-", "_")
    return type(name, (CheckFailed,), {"check_id": check_id})


def leaves(error: BaseException) -> Iterable[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from leaves(inner)
    else:
        yield error


def explore_inputs(strategy: st.SearchStrategy[Probe], send: Send, *, examples: Iterable[Probe] = (), max_examples: int,
            seed_value: int, shrink: bool, must: set[str]) -> list[CheckFailed]:
    """Send the explicit examples, then run the strategy; return the minimal failing exchange of each MUST check
    that failed."""
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])

    @settings(max_examples=max_examples, database=None, deadline=None, phases=phases, derandomize=False,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=True, print_blob=False)
    @seed(seed_value)
    @given(strategy)
    def run(probe: Probe) -> None:
        exchange = send(probe)
        for check_id, violation in exchange.violations.items():
            if check_id in must:
                raise failure_type(check_id)(exchange, violation)

    for probe in examples:
        run = example(probe)(run)

    try:
        run()
    except BaseException as error:  # noqa: BLE001 - Hypothesis reports found bugs as an exception group
        if isinstance(error, KeyboardInterrupt):
            raise
        found = [leaf for leaf in leaves(error) if isinstance(leaf, CheckFailed)]
        if not found:
            raise
        return found
    return []
