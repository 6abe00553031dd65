"""What a check says about one exchange, and what it needs to know to say it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conformance.spec.schemas import Schemas

if TYPE_CHECKING:
    from conformance.checks.recorder import Failure


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
class CheckContext:
    profile: str
    schemas: Schemas
    known_ids: set[str] = field(default_factory=set)


class ContractViolation(AssertionError):
    """A check failed; carries the structured failures (exchanges) or findings (in the document), and their text."""

    def __init__(self, failures: list[Failure], text: str, findings: Sequence[object] | None = None):
        # findings: the spec stage's (results.model.SpecFinding, a later layer), carried here, not read
        super().__init__(text)
        self.failures = failures
        self.findings = findings or []
