"""A judgement of traffic: each exchange through the run's stateless checks (the ``StatelessJudge``) and each session's
life through the model (``lives``), counted so that the verdict says how much it judged and what it did not; then
the run's ``RunResult``, which every writer of a run writes unchanged.

A MUST check the traffic never exercised does not block the verdict (CONFORMANT is for what was observed, and
every report names those checks) unless ``--require`` names it: then the verdict is INCOMPLETE, as a run's."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping

from conformance.checks.catalogue import LIFECYCLE, MUST, REGISTRY, SHOULD, SPEC, STATELESS, Check
from conformance.checks.findings import CheckContext, Failure
from conformance.checks.stateless_judge import StatelessJudge
from conformance.config import RunConfig
from conformance.judge.exchanges import api_path, exchange_of
from conformance.judge.identities import Identity, Keyring
from conformance.judge.lifecycle import Lives
from conformance.judge.recorded import Recorded, Skipped
from conformance.results.model import ERROR, FAILED, NOT_APPLICABLE, NOT_RUN, PASSED, WARNED, CheckResult, RunResult
from conformance.results.text import render_failure
from conformance.run import UsageError, check_usage
from conformance.spec.schemas import Schemas
from conformance.spec.stage import StageResult
from conformance.target.endpoints import CREATE, endpoint_of
from conformance.target.exchange import Exchange
from conformance.target.identity import MAIN, OTHER

KEEP = 20_000  # exchanges kept for the transcript and the evidence bundle; past that, only those that failed
SHOWN_SKIPS = 10  # skipped entries named one by one in the reports (all are counted)
NOT_EXERCISED = "not exercised by the traffic (the verdict covers what was observed; --require makes it block)"
HAR_BLIND = ("read from parsed messages (HAR or JSON without raw_base64): framing, content codings, field-line "
             "syntax and the status line were not judged — CANCEL-CONTENT-TYPE judged the fields and the body only")


def judging(config: RunConfig, source: str, require: Collection[str] = (),
            keys: Mapping[str, str | None] | None = None) -> Judgement:
    """The judgement `config` asks for (its checks, profile and keys, unless `keys` names others); UsageError for a
    configuration a run would refuse, or a check to require that does not exist."""
    checked = check_usage(config)
    unknown = sorted(set(require) - REGISTRY.keys())
    if unknown:
        raise UsageError(f"--require: unknown check ID(s): {', '.join(unknown)}")
    checks = [check for check in checked.checks if check.stage != SPEC]  # the document's own checks judge no
    # traffic: `conformance spec check` judges the document
    keyring = Keyring({MAIN: config.api_key, OTHER: config.other_api_key} if keys is None else keys)
    return Judgement(checks, checked.stage, config.profile, keyring, source, list(require), config.fail_on_should,
                     config.checks)


class Judgement:
    def __init__(self, checks: list[Check], stage: StageResult, profile: str, keyring: Keyring, source: str,
                 require: list[str] | None = None, fail_on_should: bool = False, selected: list[str] | None = None):
        self.checks, self.stage, self.profile, self.keyring, self.source = checks, stage, profile, keyring, source
        self.require, self.fail_on_should, self.selected = set(require or ()), fail_on_should, selected
        self.stateless = StatelessJudge(checks, CheckContext(profile, Schemas(stage.repaired)))
        self.lives = Lives({check.id for check in checks if check.stage == LIFECYCLE}, profile)
        self.kept: list[Exchange] = []
        self.judged = self.on_cancel_path = self.unplaced = self.parsed_only = 0
        self.skipped: list[Skipped] = []
        self.skip_count = 0
        self.started = time.perf_counter()

    def add(self, item: Recorded | Skipped) -> Exchange | None:
        """Judge one recorded exchange (a Skipped is counted and named); the Exchange judged."""
        judged = self.judge(item)
        return None if judged is None else judged[0]

    def judge(self, item: Recorded | Skipped) -> tuple[Exchange, Identity] | None:
        """As `add`: the Exchange judged and who asked."""
        if isinstance(item, Skipped):
            self.skip_count += 1
            if len(self.skipped) < SHOWN_SKIPS:
                self.skipped.append(item)
            return None
        if item.status == 201 and not item.redacted and endpoint_of(item.method, api_path(item.url)) == CREATE:
            self.keyring.learn(dict(item.headers))
        exchange, identity = exchange_of(item, self.keyring)
        self.stateless.evaluate(exchange)
        self.stateless.exchanges.clear()  # the judge keeps its own, bounded: a recording may be any size
        self.lives.observe(exchange, identity)
        self.judged += 1
        self.on_cancel_path += exchange.path_id is not None
        self.unplaced += not identity.decided
        self.parsed_only += item.wire is None and item.status is not None
        if len(self.kept) < KEEP or exchange.violations:
            self.kept.append(exchange)
        return exchange, identity

    def result(self, interrupted: str | None = None) -> RunResult:
        self.lives.finish()
        checks = [self._check_result(check) for check in self.checks]
        redactor = self.keyring.redactor
        return RunResult(
            target=redactor.text(self.source), embedded=False, profile=self.profile, seed=0, max_examples=0,
            spec=self.stage, checks=checks, exchanges=self.kept, redactor=redactor,
            seconds=time.perf_counter() - self.started, requests=self.judged, notes=self.notes(checks),
            interrupted=interrupted, selected=self.selected, fail_on_should=self.fail_on_should,
            accepted_by=NOT_EXERCISED)

    def _check_result(self, check: Check) -> CheckResult:
        if check.stage == STATELESS:
            judged, failing = self.stateless.applied[check.id], self.stateless.failed[check.id]
            failures, error = self.stateless.failures[check.id], self.stateless.errors.get(check.id)
        else:
            judged, failing = self.lives.judged[check.id], self.lives.failing[check.id]
            failures, error = self.lives.failures.get(check.id, []), self.lives.errors.get(check.id)
        if error:
            return CheckResult(check, ERROR, f"the check itself failed:\n{error}", judged, failing)
        if failures:
            return CheckResult(check, WARNED if check.level == SHOULD else FAILED, self._text(failures), judged,
                               failing, failures=failures)
        if judged:
            return CheckResult(check, PASSED, judged=judged)
        if check.stage == STATELESS and check.applies_to and self.on_cancel_path:
            return CheckResult(check, NOT_APPLICABLE, f"the traffic never had {check.applies_to}, among the "
                                                      f"{self.on_cancel_path} exchanges on the cancel path")
        reason = (self.lives.not_exercised(check.id) if check.stage == LIFECYCLE else
                  f"not exercised by the recording: none of its {self.judged} exchanges ({self.on_cancel_path} on "
                  "the cancel path) is one this check judges")
        return CheckResult(check, NOT_RUN, reason, accepted_skip=check.level == MUST and check.id not in self.require)

    def _text(self, failures: list[Failure]) -> str:
        return "\n\n".join(render_failure(failure, self.keyring.redactor) for failure in failures)

    def notes(self, checks: list[CheckResult]) -> list[str]:
        """How much was judged and what was not, in the words every report shows."""
        lives = self.lives.lives.values()
        known = sum(life.session is not None for life in lives)
        notes = [f"judged {self.judged} recorded exchange(s) ({self.on_cancel_path} on the cancel path) and "
                 f"{len(self.lives.lives)} session(s) ({known} known to the model at the end); sent nothing"]
        if self.skip_count:
            notes.append(f"{self.skip_count} entr{'y' if self.skip_count == 1 else 'ies'} of the recording not "
                         "judged: " + "; ".join(f"{item.where}: {item.reason}" for item in self.skipped)
                         + (" …" if self.skip_count > len(self.skipped) else ""))
        notes += [f"{count} request(s) {reason}: not judged" for reason, count in sorted(
            self.lives.not_judged.items())]
        if self.unplaced:
            notes.append(f"{self.unplaced} request(s) with credentials the recording does not place (give the keys "
                         "with --api-key/--other-api-key): the checks that turn on who asked did not judge them")
        if self.keyring.learned:
            notes.append(f"key(s) learned from the creates they made: {', '.join(self.keyring.learned)}")
        if self.parsed_only:
            notes.append(f"{self.parsed_only} response(s) {HAR_BLIND}")
        if len(self.kept) < self.judged:
            notes.append(f"the transcript and evidence keep the first {KEEP} exchanges and every failing one")
        never = [result.check.id for result in checks if result.outcome == NOT_RUN]
        if never:
            notes.append(f"never exercised by the traffic: {', '.join(never)}")
        return notes
