"""How checks become pytest items and items' reports become check results: one test item per check of a stage
(``per_check``), selection by check ID, stage order, SHOULD checks as warnings, and one CheckResult per check for
the run's result (``ConformancePlugin``). The stage modules (``*_stage.py``) are collected by the suite's conftest."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import pytest

from conformance.checks.catalogue import CATALOGUE, FAMILIES, LIFECYCLE, REGISTRY, SHOULD, SPEC, STATELESS
from conformance.checks.findings import ContractViolation
from conformance.checks.registry import Stage
from conformance.results.model import (
    ERROR,
    FAILED,
    NOT_APPLICABLE,
    NOT_RUN,
    PASSED,
    WARNED,
    CheckOutcome,
    CheckResult,
)
from conformance.suite.context import NotApplicable, RunContext

STAGE_ORDER = {SPEC: 0, LIFECYCLE: 1, STATELESS: 2}  # stateless verdicts last: they cover every exchange
RUN_CONTEXT = pytest.StashKey[RunContext]()


def per_check(stage: Stage) -> pytest.MarkDecorator:
    """Parametrize a stage's one test over the stage's checks: an item per check, marked and named by its ID."""
    return pytest.mark.parametrize("check", [pytest.param(check, marks=pytest.mark.check(check.id), id=check.id)
                                             for check in CATALOGUE if check.stage == stage])


def check_of(item: pytest.Item) -> str:
    marker = item.get_closest_marker("check")
    if marker is None:
        raise pytest.UsageError(f"{item.nodeid} has no check marker")
    return marker.args[0]


class ConformancePlugin:
    def __init__(self, context: RunContext, progress: Callable[[CheckResult], None] | None = None):
        self.context = context
        self.progress = progress
        self.selected = {check.id for check in context.checks}
        self._checks: dict[str, str] = {}
        self._spent: defaultdict[str, float] = defaultdict(float)  # seconds per check: setup (a session fixture's
        # work), call, teardown
        self._last_stop = 0.0

    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[RUN_CONTEXT] = self.context
        config.addinivalue_line("markers", "check(id): the catalogue check this test enforces")
        for family in FAMILIES:
            config.addinivalue_line("markers", f"{family}: conformance checks of the {family} family")

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        keep = [item for item in items if check_of(item) in self.selected]
        dropped = [item for item in items if check_of(item) not in self.selected]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        keep.sort(key=lambda item: STAGE_ORDER[REGISTRY[check_of(item)].stage])
        for item in keep:
            check = REGISTRY[check_of(item)]
            item.add_marker(check.family)
            item.user_properties += [("check_id", check.id), ("level", check.level), ("statement", check.statement)]
        items[:] = keep
        self._checks = {item.nodeid: check_of(item) for item in keep}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        check = REGISTRY[check_of(item)]
        if report.failed:  # whatever pytest would print or write to --junitxml: no secrets
            report.longrepr = self.context.redactor.text(str(report.longrepr))
        if call.excinfo is not None and isinstance(call.excinfo.value, pytest.skip.Exception):
            report.conformance_reason = call.excinfo.value.msg
            report.conformance_not_applicable = isinstance(call.excinfo.value, NotApplicable)
        if call.excinfo is not None and isinstance(call.excinfo.value, ContractViolation):
            report.conformance_failures = call.excinfo.value.failures
            report.conformance_findings = call.excinfo.value.findings
            report.conformance_text = str(call.excinfo.value)
            report.longrepr = f"{check.id} ({check.level}): {check.description}\n\n{report.conformance_text}"
            if check.level == SHOULD and report.when == "call":
                report.outcome = "passed"
                report.conformance_warned = True
        return report

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._session = session

    def pytest_runtest_logfinish(self, nodeid: str, location) -> None:
        """A signal interrupted the run (Ctrl-C, SIGTERM: see run.run_suite): no check after this one."""
        if self.context.target.traffic.interrupted:
            self._session.shouldstop = self.context.target.traffic.interrupted

    def pytest_runtest_logstart(self, nodeid: str, location) -> None:
        check_id = self._checks.get(nodeid)
        if check_id:
            self.context.current_stage = REGISTRY[check_id].stage

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        check_id = self._checks.get(report.nodeid)
        if check_id is None:
            return
        self._spent[check_id] += self._elapsed(report)
        if check_id in self.context.results:
            self.context.results[check_id].duration = self._spent[check_id]
        if report.when != "call" and report.passed:
            return
        check = REGISTRY[check_id]
        result = CheckResult(check, self._outcome(report), duration=self._spent[check_id],
                             failures=getattr(report, "conformance_failures", []),
                             findings=getattr(report, "conformance_findings", []))
        if check.id in self.context.stateless.applied or check.stage == STATELESS:
            result.judged = self.context.stateless.applied.get(check.id, 0)
            result.failing = self.context.stateless.failed.get(check.id, 0)
        if report.skipped:
            result.reason = getattr(report, "conformance_reason", None) or str(report.longrepr)
        elif result.outcome != PASSED:
            result.reason = getattr(report, "conformance_text", None) or self.context.redactor.text(
                str(report.longrepr))
        previous = self.context.results.get(check_id)
        if previous is None or previous.outcome == PASSED:
            self.context.results[check_id] = result
            if self.progress and report.when != "teardown":
                self.progress(result)

    def _elapsed(self, report: pytest.TestReport) -> float:
        """Seconds since the previous phase ended, so that a stage's checks add up to its wall time."""
        stop = getattr(report, "stop", 0.0)
        elapsed = stop - self._last_stop if self._last_stop and stop else report.duration
        self._last_stop = stop
        return max(elapsed, report.duration)

    @staticmethod
    def _outcome(report: pytest.TestReport) -> CheckOutcome:
        if getattr(report, "conformance_warned", False):
            return WARNED
        if report.skipped:
            return NOT_APPLICABLE if getattr(report, "conformance_not_applicable", False) else NOT_RUN
        if report.failed:
            return FAILED if hasattr(report, "conformance_failures") else ERROR
        return PASSED
