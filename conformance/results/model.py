"""The result of a run: each selected check's outcome with its evidence, what the run could not do and why, and the
verdict that follows from them (derived, never stored, so every writer shows the same one).

Outcomes: ``passed`` (judged at least once, never failed), ``failed``, ``warned`` (a SHOULD check failed),
``not_applicable`` (the check judges a kind of response the target never gave, e.g. a 5XX body), ``not_run`` (it could
not judge: setup missing, withheld by safety, budget spent, interrupted, target gone), ``error`` (the check itself
broke).

Verdicts: NON-CONFORMANT when a MUST check failed (or a SHOULD check of the target, with ``--fail-on-should``);
otherwise INCOMPLETE when a selected MUST check was not judged (unless accepted with ``--allow-skip``), a check broke,
the run stopped early (or left a stalled family's requests unsent) or was interrupted; otherwise CONFORMANT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from conformance.checks.findings import Failure, SpecFinding
from conformance.checks.registry import MUST, SPEC, Check
from conformance.exitcodes import ExitCode
from conformance.spec.stage import StageResult
from conformance.target.exchange import Exchange
from conformance.target.redact import Redactor
from conformance.target.traffic import Stall, TrafficFigures


class CheckOutcome(StrEnum):
    """What became of one check in a run."""

    PASSED = "passed"
    FAILED = "failed"
    WARNED = "warned"  # a SHOULD failed
    NOT_APPLICABLE = "not_applicable"  # the target never gave the kind of response it judges
    NOT_RUN = "not_run"  # it could not judge (the reason says why)
    ERROR = "error"  # the check itself broke


class RunVerdict(StrEnum):
    CONFORMANT = "conformant"
    NON_CONFORMANT = "non-conformant"
    INCOMPLETE = "incomplete"


PASSED, FAILED, WARNED, NOT_APPLICABLE, NOT_RUN, ERROR = CheckOutcome
OUTCOMES = (FAILED, ERROR, WARNED, NOT_RUN, NOT_APPLICABLE, PASSED)  # the order reports list them in
CONFORMANT, NON_CONFORMANT, INCOMPLETE = RunVerdict
INTERRUPTIONS = {"SIGINT": "the run was interrupted (Ctrl-C)",
                 "SIGTERM": "the run was terminated (SIGTERM: a CI job's timeout, a container stopping)"}


@dataclass
class CheckResult:
    check: Check
    outcome: CheckOutcome
    reason: str = ""  # why not run / not applicable / the error; for failures, their rendered text
    judged: int = 0  # responses (or steps) the check judged
    failing: int = 0  # responses that failed it (failures keeps at most a few)
    duration: float = 0.0
    failures: list[Failure] = field(default_factory=list)  # the minimal one first
    findings: list[SpecFinding] = field(default_factory=list)
    accepted_skip: bool = False  # not run, and the user accepted that with --allow-skip

    @property
    def blocks(self) -> bool:
        """A MUST check that did not judge: the run cannot be called conformant."""
        return self.check.level == MUST and (
            self.outcome == ERROR or (self.outcome == NOT_RUN and not self.accepted_skip))


@dataclass(frozen=True)
class Withheld:
    """Requests the safety rule did not send: a GET with the key did not answer 404 for their id."""

    family: str
    get_status: str  # what the GET answered: "200", "405", "no response"
    count: int


@dataclass
class RunResult:
    target: str  # redacted
    embedded: bool  # the bundled emulator
    profile: str
    seed: int
    max_examples: int
    spec: StageResult
    checks: list[CheckResult]
    exchanges: list[Exchange] = field(repr=False)
    redactor: Redactor = field(repr=False)
    seconds: float = 0.0
    requests: int = 0
    traffic: TrafficFigures = field(default_factory=TrafficFigures)  # per endpoint: requests, 429s, waits
    stalls: list[Stall] = field(default_factory=list)  # families whose requests to an endpoint timed out: not sent
    stopped: str | None = None  # why sending stopped early (a budget, the target stopped answering)
    interrupted: str | None = None  # the signal that ended the run early: SIGINT (Ctrl-C) or SIGTERM
    target_gone: bool = False
    withheld: list[Withheld] = field(default_factory=list)
    safety_note: str | None = None  # said once when the safety GET could not tell real sessions from unknown ones
    dropped_sessions: list[tuple[str, str]] = field(default_factory=list)  # --session-id values not used, and why
    notes: list[str] = field(default_factory=list)  # what the run did or left that the verdict does not turn on:
    # exploration --max-time cut short (after the witnesses judged every check), where checkout links were fetched
    selected: list[str] | None = None  # --checks, if the run was limited to some checks
    fail_on_should: bool = False
    accepted_by: str = "accepted with --allow-skip"  # why a MUST check not judged does not block the verdict

    def counts(self) -> dict[str, int]:
        return {outcome: sum(r.outcome == outcome for r in self.checks) for outcome in OUTCOMES}

    def _fails(self, result: CheckResult) -> bool:
        return result.outcome == FAILED or (
            self.fail_on_should and result.outcome == WARNED and result.check.stage != SPEC)

    @property
    def verdict(self) -> RunVerdict:
        if any(self._fails(result) for result in self.checks):
            return NON_CONFORMANT
        if self.interrupted or self.stopped or self.stalls or any(result.blocks for result in self.checks):
            return INCOMPLETE
        return CONFORMANT

    @property
    def reasons(self) -> list[str]:
        """Why the verdict is what it is, in words every report shows identically."""
        reasons = [f"{r.check.id} ({r.check.level}) failed" + (f" on {r.failing} response(s)" if r.failing else "")
                   for r in self.checks if self._fails(r)]
        if self.interrupted:
            reasons.append(INTERRUPTIONS[self.interrupted])
        if self.stopped:
            reasons.append(f"the run stopped early: {self.stopped}")
        reasons += [stall.reason for stall in self.stalls]
        reasons += [f"{r.check.id} (MUST) {'errored' if r.outcome == ERROR else 'was not judged'}: "
                    f"{first_line(r.reason)}" for r in self.checks if r.blocks]
        reasons += [f"{r.check.id} (MUST) was not judged, {self.accepted_by}: {first_line(r.reason)}"
                    for r in self.checks if r.accepted_skip]
        return reasons

    @property
    def exit_code(self) -> ExitCode:
        if self.interrupted:
            return ExitCode.TERMINATED if self.interrupted == "SIGTERM" else ExitCode.INTERRUPTED
        verdict = self.verdict
        if verdict == NON_CONFORMANT:
            return ExitCode.FAILED
        if verdict == INCOMPLETE:
            return ExitCode.UNREACHABLE if self.target_gone else ExitCode.INCOMPLETE
        return ExitCode.OK

    def withheld_total(self) -> int:
        return sum(item.count for item in self.withheld)


def first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""
