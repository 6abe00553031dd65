"""JUnit XML as Jenkins, GitLab and junit2html read it, valid against Jenkins' ``junit-10.xsd`` (the schema of its
xUnit plugin): one testsuite per stage, one testcase per check, named by its ID, its time the check's setup, call and
teardown (the stateless stage's requests are sent in a fixture's setup).

Outcomes: a MUST failure is ``<failure>``, a check that broke ``<error>``; everything that is neither a pass nor a
failure shows as ``<skipped>`` with a ``type`` (``warning``: a SHOULD check failed; ``not-run``; ``not-applicable``), so
no consumer shows it as a green pass. The schema has no properties on a testcase: each testcase's ``<system-out>``
opens with ``name: value`` lines (check_id, level, family, basis, statement, outcome), then the details. Each
testsuite's properties carry the run's verdict and its reasons, and what rate limits cost (``traffic.SCOPE.FIGURE``:
requests, 429s, seconds waited and paced, in all and per endpoint).
"""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from conformance.checks.catalogue import LIFECYCLE, SPEC, STATELESS
from conformance.report.sequence import sequence_text
from conformance.results.model import ERROR, FAILED, NOT_APPLICABLE, NOT_RUN, WARNED, CheckResult, RunResult
from conformance.results.records import displayable, traffic_record

MESSAGE_LIMIT = 300
SKIPPED_TYPE = {WARNED: "warning", NOT_RUN: "not-run", NOT_APPLICABLE: "not-applicable"}


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _properties(parent: ET.Element, pairs: list[tuple[str, str]]) -> None:
    properties = ET.SubElement(parent, "properties")
    for name, value in pairs:
        ET.SubElement(properties, "property", name=name, value=displayable(value))


def _traffic(run: RunResult) -> list[tuple[str, str]]:
    """``traffic.total.rate_limited``, ``traffic.cancel.waited_s``, ...: the report.json figures, as properties."""
    record = traffic_record(run.traffic)
    scopes = {"total": record["total"], **record["endpoints"]}
    return [(f"traffic.{scope}.{name}", str(value)) for scope, figures in scopes.items()
            for name, value in figures.items()]


def _facts(result: CheckResult) -> str:
    """The check's facts as ``name: value`` lines, the head of its testcase's ``<system-out>``."""
    check = result.check
    return "\n".join(f"{name}: {value}" for name, value in [
        ("check_id", check.id), ("level", check.level), ("family", check.family), ("basis", check.basis.kind),
        ("statement", check.statement), ("quote", " ".join(check.quote.split())), ("outcome", result.outcome),
        ("description", check.description)])


def _testcase(suite: ET.Element, result: CheckResult, run: RunResult) -> None:
    check = result.check
    case = ET.SubElement(suite, "testcase", name=check.id, classname=f"conformance.{check.stage}",
                         time=_seconds(result.duration))
    text = displayable(run.redactor.text(result.reason))
    first = (text.strip().splitlines() or [result.outcome])[0][:MESSAGE_LIMIT]
    steps = result.failures[0].steps if result.failures else ()
    if steps:
        text += displayable(f"\n\nThe failing sequence ({len(steps)} steps):\n" + sequence_text(steps, run.redactor))
    label = "WARNING (SHOULD check failed): " if result.outcome == WARNED else ""
    if result.outcome in (FAILED, ERROR):
        element = ET.SubElement(case, "failure" if result.outcome == FAILED else "error", message=first,
                                type="contract-violation" if result.outcome == FAILED else "check-error")
        element.text = text
    elif result.outcome in SKIPPED_TYPE:
        ET.SubElement(case, "skipped", type=SKIPPED_TYPE[result.outcome], message=label + first)
    details = label + text if result.outcome in SKIPPED_TYPE else ""
    ET.SubElement(case, "system-out").text = displayable(_facts(result)) + ("\n\n" + details if details else "")


def render_junit(run: RunResult) -> str:
    root = ET.Element("testsuites", name="xendit-cancel-conformance")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
    for stage in (SPEC, STATELESS, LIFECYCLE):
        results = [result for result in run.checks if result.check.stage == stage]
        counts = {"tests": len(results), "failures": sum(r.outcome == FAILED for r in results),
                  "errors": sum(r.outcome == ERROR for r in results),
                  "skipped": sum(r.outcome in SKIPPED_TYPE for r in results),
                  "time": sum(r.duration for r in results)}
        attributes = {"name": stage, **{k: str(v) for k, v in counts.items() if k != "time"},
                      "time": _seconds(counts["time"])}
        suite = ET.SubElement(root, "testsuite", attributes)
        _properties(suite, [("verdict", run.verdict), ("target", run.target), ("profile", run.profile),
                            ("seed", str(run.seed)), ("requests", str(run.requests))]
                    + [("reason", run.redactor.text(reason)) for reason in run.reasons]
                    + ([("stopped_early", run.stopped)] if run.stopped else [])
                    + [("note", run.redactor.text(note)) for note in run.notes] + _traffic(run))
        for result in results:
            _testcase(suite, result, run)
        if stage == SPEC:
            ET.SubElement(suite, "system-out").text = displayable(_spec_details(run))
        for key in totals:
            totals[key] += counts[key]
    for key, value in totals.items():
        if key != "skipped":  # the schema has no skipped count on <testsuites>
            root.set(key, _seconds(value) if key == "time" else str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _spec_details(run: RunResult) -> str:
    stage = run.spec
    lines = [f"document: {stage.path} (sha256 {stage.published_sha256})",
             f"errors as published: {len(stage.published_problems)}", f"repairs: {len(stage.repairs)}"]
    lines += [f"  [{item.rule}] {item.pointer}: {json.dumps(item.before)} -> {json.dumps(item.after)}"
              for item in stage.repairs]
    lines += [f"warning: {warning.pointer}: {warning.message}" for warning in stage.warnings]
    return "\n".join(lines)
