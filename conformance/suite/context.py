"""Everything the suite's tests share during one run, and the run's result once they are done."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace

import pytest

from conformance.checks.catalogue import Check
from conformance.checks.findings import CheckContext, ContractViolation, Failure, Violation
from conformance.checks.stateless_judge import StatelessJudge
from conformance.config import RunConfig
from conformance.generation.probe import Credentials, Probe
from conformance.results.model import NOT_RUN, CheckResult, RunResult, Withheld
from conformance.results.text import render_failure
from conformance.safety import endpoint_quota
from conformance.spec.schemas import Schemas
from conformance.spec.stage import StageResult
from conformance.stateful.sessions import Sessions
from conformance.target.client import Target
from conformance.target.exchange import Exchange
from conformance.target.redact import Redactor
from conformance.target.traffic import Limits, Traffic

EXPLORATION_SPENT = "not sent: the exploration's time budget (--max-time) is spent"


class NotApplicable(pytest.skip.Exception):  # type: ignore[name-defined]  # an attribute of pytest.skip: mypy cannot see it
    """The check judges a kind of response the target never gave (not a gap in the run: it does not block)."""


@dataclass
class RunContext:
    config: RunConfig
    stage: StageResult
    checks: list[Check]
    target: Target
    credentials: Credentials
    other_key: str | None
    stateless: StatelessJudge
    sessions: Sessions
    redactor: Redactor
    results: dict[str, CheckResult] = field(default_factory=dict)
    current_stage: str = ""  # the stage whose checks are running, for the live display
    deadline: float | None = None  # monotonic: when exploring stops (--max-time; none under compare)
    notes: list[str] = field(default_factory=list)  # what the verdict does not turn on (RunResult.notes)
    retried: set[str] = field(default_factory=set)  # checks whose first failure was sent again (flakiness)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.config.max_time and not self.config.fixed_corpus:
            self.deadline = time.monotonic() + self.config.max_time

    @classmethod
    def build(cls, config: RunConfig, stage: StageResult, checks: list[Check], base_url: str, api_key: str,
              other_key: str | None) -> RunContext:
        known: set[str] = set()
        stateless = StatelessJudge(checks, CheckContext(config.profile, Schemas(stage.repaired), known))
        traffic = Traffic(Limits(config.max_requests, config.timeout_total, config.rate_limit,
                                 endpoint_quota(base_url)))
        target = Target(base_url, timeout=config.request_timeout, verify=config.verify, on_exchange=stateless.evaluate,
                        traffic=traffic, on_retract=stateless.retract)
        credentials = Credentials(api_key, config.for_user_id, other_key)
        sessions = Sessions(target, credentials, given=config.session_ids, completed=config.completed_session_id,
                            expired=config.expired_session_id, test_control=config.test_control, known_ids=known,
                            no_real_sessions=config.no_real_sessions or config.embedded)
        redactor = Redactor({api_key: "XENDIT_API_KEY", other_key or "": "XENDIT_OTHER_API_KEY"})
        return cls(config, stage, checks, target, credentials, other_key, stateless, sessions, redactor)

    @property
    def no_real_sessions(self) -> bool:
        """The target holds no session but the run's (the bundled emulator, or --no-real-sessions)."""
        return self.sessions.no_real_sessions

    def exploring(self) -> bool:
        """Whether the exploration may still send (its time budget, --max-time, is not spent)."""
        return self.deadline is None or time.monotonic() < self.deadline

    def send_probe(self, probe: Probe, target: Target, exploring: bool = True) -> Exchange:
        """Send a generated request (on `target`, a connection of this thread's), unless the safety rule withholds
        it or, `exploring`, the exploration's time is spent; the first failure of each check is sent again, to
        tell a flaky one."""
        intent = self.credentials.probe_intent(probe)
        if exploring and not self.exploring():
            return target.skip(intent, probe.method, probe.path, probe.headers, EXPLORATION_SPENT)
        withholding = self.sessions.guard(probe.method, probe.session_id)
        if withholding:
            return target.skip(intent, probe.method, probe.path, probe.headers, withholding.reason,
                               withholding.status)
        exchange = target.send(intent, probe.method, probe.path, probe.headers, probe.body, version=probe.version)
        with self.lock:
            fresh = set(exchange.violations) - self.retried
            self.retried.update(fresh)
        if fresh:
            again = target.send(replace(intent, family="retry"), probe.method, probe.path, probe.headers, probe.body,
                                version=probe.version)
            self.stateless.mark_flaky(exchange, fresh - set(again.violations))
        return exchange

    def violation(self, failures: list[Failure]) -> ContractViolation:
        return ContractViolation(failures, "\n\n".join(render_failure(item, self.redactor) for item in failures))

    def expect(self, check_id: str, ok: bool, exchange: Exchange, seen: str, expected: str) -> None:
        """Raise the check's failure unless `ok`; skip the check if the request was not sent or not judged."""
        if exchange.skipped:
            pytest.skip(exchange.skipped)
        if not ok:
            raise self.violation([Failure(check_id, Violation(seen, expected), exchange)])

    def withheld(self) -> list[Withheld]:
        counts = Counter((exchange.intent.family, exchange.withheld) for exchange in self.stateless.exchanges
                         if exchange.withheld)
        return [Withheld(family, status, count) for (family, status), count in sorted(counts.items())]

    def result(self, seconds: float, interrupted: str | None = None) -> RunResult:
        """The run's result: one CheckResult per selected check, in catalogue order (a check that never reported
        was not run, and says why). `interrupted`: the signal that ended the run early."""
        traffic, config = self.target.traffic, self.config
        reason = traffic.stopped or ("the run was interrupted" if interrupted else "the suite did not reach it")
        accepted = set(config.allow_skip)
        checks = []
        for check in self.checks:
            result = self.results.get(check.id) or CheckResult(check, NOT_RUN, f"not run: {reason}")
            result.accepted_skip = result.outcome == NOT_RUN and check.id in accepted
            checks.append(result)
        return RunResult(
            target=self.redactor.text(self.target.base_url), embedded=config.embedded, profile=config.profile,
            seed=config.seed, max_examples=config.max_examples, spec=self.stage, checks=checks,
            exchanges=list(self.stateless.exchanges), redactor=self.redactor, seconds=seconds, requests=traffic.sent,
            traffic=traffic.figures(), stalls=list(traffic.stalls), stopped=traffic.stopped, interrupted=interrupted,
            target_gone=traffic.gone, withheld=self.withheld(),
            safety_note=self.sessions.safety_note(), dropped_sessions=list(self.sessions.dropped),
            notes=list(self.notes), selected=config.checks, fail_on_should=config.fail_on_should)
