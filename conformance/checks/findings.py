"""What a check finds (a violation in an exchange, a failure with its exchange and sequence, a place in the
document), and what it needs to know to say it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from conformance.model.state import JSONObject
from conformance.spec.schemas import Schemas
from conformance.target.exchange import Exchange

NA = "not applicable"  # what a check says of an exchange or a step it does not judge


def json_object(exchange: Exchange | None) -> JSONObject | None:
    """The response's body when it is a JSON object (as the strict reader reads it); None otherwise."""
    parsed = exchange.response.json_or_none() if exchange is not None and exchange.response is not None else None
    return parsed if isinstance(parsed, dict) else None


@dataclass(frozen=True)
class Violation:
    """The contract was not met: what was seen, what was expected, and where in the schema if relevant."""

    message: str
    expected: str
    schema_path: str | None = None


@dataclass(frozen=True)
class SpecFinding:
    """A finding in the document itself (the spec stage): where, what, and what was expected."""

    check_id: str
    pointer: str
    message: str
    expected: str


@dataclass
class Failure:
    check_id: str
    violation: Violation
    exchange: Exchange
    minimal: bool = False
    flaky: bool = False  # a retry of the same request did not reproduce it
    steps: tuple[tuple[Exchange, str], ...] = ()  # lifecycle: the (minimal) failing sequence, (Exchange, model's
    # expectation) pairs, failing last


@dataclass
class CheckContext:
    profile: str
    schemas: Schemas
    known_ids: set[str] = field(default_factory=set)


class ContractViolation(AssertionError):
    """A check failed; carries the structured failures (exchanges) or findings (in the document), and their text."""

    def __init__(self, failures: list[Failure], text: str, findings: Sequence[SpecFinding] | None = None):
        super().__init__(text)
        self.failures = failures
        self.findings = findings or []
