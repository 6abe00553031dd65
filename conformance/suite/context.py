"""Everything the suite's tests share during one run."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from conformance.checks.catalogue import Check
from conformance.checks.recorder import Failure, Recorder
from conformance.checks.verdict import CheckContext, ContractViolation, Violation
from conformance.config import RunConfig
from conformance.generation.probe import Credentials
from conformance.report.render import render_failure
from conformance.safety import default_rate
from conformance.spec.schemas import Schemas
from conformance.spec.stage import StageResult
from conformance.suite.sessions import Sessions
from conformance.target.client import Target
from conformance.target.exchange import Exchange
from conformance.target.redact import Redactor
from conformance.target.traffic import Limits, Traffic


@dataclass
class Outcome:
    check: Check
    state: str  # passed, failed, warned, skipped, error
    text: str = ""
    duration: float = 0.0
    failures: list[Failure] = field(default_factory=list)


@dataclass
class RunContext:
    config: RunConfig
    stage: StageResult
    checks: list[Check]
    target: Target
    credentials: Credentials
    other_key: str | None
    recorder: Recorder
    sessions: Sessions
    redactor: Redactor
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @classmethod
    def build(cls, config: RunConfig, stage: StageResult, checks: list[Check], base_url: str, api_key: str,
              other_key: str | None) -> RunContext:
        known: set[str] = set()
        recorder = Recorder(checks, CheckContext(config.profile, Schemas(stage.repaired), known))
        rate = config.rate_limit if config.rate_limit is not None else default_rate(base_url)
        traffic = Traffic(Limits(config.max_requests, config.timeout_total, rate or None))
        target = Target(base_url, timeout=config.request_timeout, verify=config.verify, on_exchange=recorder.evaluate,
                        traffic=traffic)
        credentials = Credentials(api_key, config.for_user_id, (other_key,) if other_key else ())
        sessions = Sessions(target, credentials, given=config.session_ids, completed=config.completed_session_id,
                            expired=config.expired_session_id, test_control=config.test_control, known_ids=known)
        redactor = Redactor({api_key: "XENDIT_API_KEY", other_key or "": "XENDIT_OTHER_API_KEY"})
        return cls(config, stage, checks, target, credentials, other_key, recorder, sessions, redactor)

    def final_outcomes(self) -> list[Outcome]:
        """One outcome per selected check, in catalogue order; checks that never ran are skipped, with why."""
        reason = f"not run: {self.target.traffic.stopped or 'the run was interrupted'}"
        return [self.outcomes.get(check.id) or Outcome(check, "skipped", reason) for check in self.checks]

    def violation(self, failures: list[Failure]) -> ContractViolation:
        return ContractViolation(failures, "\n\n".join(render_failure(item, self.redactor) for item in failures))

    def expect(self, check_id: str, ok: bool, exchange: Exchange, seen: str, expected: str) -> None:
        """Raise the check's failure unless `ok`; skip the check if the request was not sent or not judged."""
        if exchange.skipped:
            pytest.skip(exchange.skipped)
        if not ok:
            raise self.violation([Failure(check_id, Violation(seen, expected), exchange)])
