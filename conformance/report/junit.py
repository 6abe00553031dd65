"""JUnit XML as Jenkins and GitLab read it: one testsuite per stage, one testcase per check, named by its ID."""

from __future__ import annotations

import io
from pathlib import Path

from junitparser import Error, JUnitXml, Properties, Property, Skipped, SystemOut, TestCase, TestSuite
from junitparser import Failure as JUnitFailure

from conformance.checks.catalogue import LIFECYCLE, SPEC, STATELESS
from conformance.suite.context import Outcome, RunContext
from conformance.target.redact import write_redacted

MESSAGE_LIMIT = 300


def _testcase(outcome: Outcome, context: RunContext) -> TestCase:
    check, redact = outcome.check, context.redactor.text
    case = TestCase(f"{check.id} {check.description}", classname=f"conformance.{check.stage}", time=outcome.duration)
    properties = Properties()
    for name, value in [("check_id", check.id), ("level", check.level), ("statement", check.statement),
                        ("quote", check.quote), ("outcome", outcome.state)]:
        properties.add_property(Property(name, value))
    case.append(properties)
    first_line = redact(outcome.text.strip().splitlines()[0] if outcome.text.strip() else outcome.state)
    if outcome.state == "failed":
        failure = JUnitFailure(first_line[:MESSAGE_LIMIT], "contract-violation")
        failure.text = redact(outcome.text)
        case.result = [failure]
    elif outcome.state == "error":
        error = Error(first_line[:MESSAGE_LIMIT], "check-error")
        error.text = redact(outcome.text)
        case.result = [error]
    elif outcome.state == "skipped":
        case.result = [Skipped(redact(outcome.text)[:MESSAGE_LIMIT])]
    elif outcome.state == "warned":
        case.system_out = "WARNING (SHOULD-level check failed):\n" + redact(outcome.text)
    return case


def _spec_details(context: RunContext) -> str:
    stage = context.stage
    lines = [f"document: {stage.path} (sha256 {stage.published_sha256})",
             f"errors as published: {len(stage.published_problems)}", f"repairs: {len(stage.repairs)}"]
    lines += [f"  [{item.rule}] {item.pointer}: {item.before!r} -> {item.after!r}" for item in stage.repairs]
    lines += [f"warning: {warning.pointer}: {warning.message}" for warning in stage.warnings]
    return "\n".join(lines)


def write_junit(context: RunContext, path: Path) -> Path:
    xml = JUnitXml("xendit-cancel-conformance")
    for stage in (SPEC, STATELESS, LIFECYCLE):
        suite = TestSuite(stage)
        suite.add_property("target", context.redactor.text(context.target.base_url))
        suite.add_property("profile", context.config.profile)
        suite.add_property("seed", str(context.config.seed))
        suite.add_property("requests", str(context.target.traffic.sent))
        if context.target.traffic.stopped:
            suite.add_property("stopped_early", context.target.traffic.stopped)
        for outcome in context.final_outcomes():
            if outcome.check.stage == stage:
                suite.add_testcase(_testcase(outcome, context))
        if stage == SPEC:
            suite.append(SystemOut(context.redactor.text(_spec_details(context))))
        xml.add_testsuite(suite)
    buffer = io.BytesIO()
    xml.write(buffer, pretty=True)
    return write_redacted(path, buffer.getvalue().decode("utf-8"), context.redactor)
