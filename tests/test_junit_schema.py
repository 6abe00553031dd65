"""junit.xml against the rules of Jenkins' ``junit-10.xsd`` (its xUnit plugin's JUnit schema, the one GitLab's and
junit2html's readers also accept), and what those consumers compute from it: counts, times, warnings.

No PyPI package ships a JUnit XSD (junit2html, pytest-jux, nose2 and unittest-xml-reporting were checked), and the
published schema may not be copied into the repository, so its rules are restated here as data: the attributes each
element takes (and requires), the children it may have, and times as plain decimals."""

from __future__ import annotations

import re
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest

from conformance.compare.collect import collect
from conformance.config import RunConfig
from conformance.emulator import running
from conformance.emulator.variants import VARIANTS
from conformance.report.junit import render_junit
from tests.cli import EMULATOR_EXPIRY_LAG
from tests.trial import EMULATOR, KEY, OTHER_KEY

RESULTS = {"failure", "error", "skipped"}
CHILDLESS = (set(), {"type", "message"}, set())
# element: (required attributes, other attributes allowed, children allowed)
RULES = {
    "testsuites": (set(), {"name", "time", "tests", "failures", "errors"}, {"testsuite"}),
    "testsuite": ({"name", "tests", "failures", "errors"},
                  {"group", "time", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url"},
                  {"testsuite", "properties", "testcase", "system-out", "system-err"}),
    "properties": (set(), set(), {"property"}),
    "property": ({"name", "value"}, set(), set()),
    "testcase": ({"name"}, {"time", "classname", "group"},
                 RESULTS | {"rerunFailure", "rerunError", "flakyFailure", "flakyError", "system-out", "system-err"}),
    **dict.fromkeys(RESULTS, CHILDLESS),
    "system-out": (set(), set(), set()),
    "system-err": (set(), set(), set()),
}
TIME = re.compile(r"\d+\.\d{3}")  # what Jenkins, GitLab and junit2html all parse: no exponent, no unit
STATELESS_FAMILIES = {"schemathesis", "ids", "auth", "for-user-id", "retry"}  # "safety": both stages send it


def violations(element: ET.Element, where: str = "") -> list[str]:
    """Every way `element` and its descendants break the schema's rules."""
    where = f"{where}/{element.tag}[{element.get('name', '')}]"
    if element.tag not in RULES:
        return [f"{where}: no such element"]
    required, optional, children = RULES[element.tag]
    names = set(element.keys())
    found = [f"{where}: no {name!r}" for name in sorted(required - names)]
    found += [f"{where}: attribute {name!r} not allowed" for name in sorted(names - required - optional)]
    if "time" in names and not TIME.fullmatch(element.get("time")):
        found.append(f"{where}: time {element.get('time')!r}")
    for child in element:
        found += ([f"{where}: child <{child.tag}> not allowed"] if child.tag not in children
                  else violations(child, where))
    return found


def counted(suite: ET.Element) -> dict[str, int]:
    cases = suite.findall("testcase")
    return {"tests": len(cases), **{f"{tag}s" if tag != "skipped" else tag: sum(case.find(tag) is not None
                                                                                for case in cases)
                                    for tag in ("failure", "error", "skipped")}}


@pytest.fixture(scope="module")
def junit():
    """junit.xml of a run against a variant whose 401s carry the wrong error_code (a SHOULD check warns too)."""
    with running(EMULATOR, api=VARIANTS["unauthorized-code"].api) as base_url:
        result, _ = collect(RunConfig(max_steps=40, base_url=base_url, api_key=KEY, other_api_key=OTHER_KEY,
                                      test_control=True, max_examples=5, expiry_lag=EMULATOR_EXPIRY_LAG,
                                      progress=False))
    return SimpleNamespace(result=result, root=ET.fromstring(render_junit(result)))


def test_it_follows_the_schema(junit):
    assert violations(junit.root) == []


def test_the_rules_catch_what_jenkins_rejects():
    broken = ET.fromstring('<testsuites skipped="1" time="1e-05"><testsuite name="s" tests="1" failures="0">'
                           '<testcase name="c" time="0.1"><properties/><skipped/></testcase></testsuite></testsuites>')
    assert violations(broken) == [
        "/testsuites[]: attribute 'skipped' not allowed", "/testsuites[]: time '1e-05'",
        "/testsuites[]/testsuite[s]: no 'errors'", "/testsuites[]/testsuite[s]/testcase[c]: time '0.1'",
        "/testsuites[]/testsuite[s]/testcase[c]: child <properties> not allowed"]


def test_counts_agree_with_the_testcases(junit):
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in junit.root:
        assert {name: int(suite.get(name)) for name in ("tests", "failures", "errors", "skipped")} == counted(suite)
        for name in totals:
            totals[name] += int(suite.get(name))
    assert {name: int(junit.root.get(name)) for name in totals} == totals


def test_names_are_check_ids_and_facts_open_the_output(junit):
    for result, case in zip(junit.result.checks, junit.root.iter("testcase"), strict=True):
        assert case.get("name") == result.check.id
        facts = dict(line.split(": ", 1) for line in case.findtext("system-out").split("\n\n")[0].splitlines())
        assert (facts["check_id"], facts["level"], facts["outcome"]) == (result.check.id, result.check.level,
                                                                         result.outcome)


def test_a_should_warning_is_a_typed_skip_not_a_pass(junit):
    warned = [case for case in junit.root.iter("testcase") if "outcome: warned" in case.findtext("system-out")]
    assert warned
    for case in warned:
        skipped = case.find("skipped")
        assert skipped.get("type") == "warning" and skipped.get("message").startswith("WARNING (SHOULD check failed)")
        assert "WARNING (SHOULD check failed)" in case.findtext("system-out")


def test_each_stage_takes_at_least_the_time_its_requests_took(junit):
    """The stateless stage sends its requests in a fixture's setup: its time must include that. (Its witnesses go
    out during the lifecycle stage, with the lifecycle's: every check is judged before anything is explored.)"""
    times = {suite.get("name"): float(suite.get("time")) for suite in junit.root}
    lifecycle = [exchange.sent_at for exchange in junit.result.exchanges if exchange.intent.family == "lifecycle"]
    for stage, families, since in [("stateless", STATELESS_FAMILIES, max(lifecycle)), ("lifecycle", {"lifecycle"}, 0)]:
        sent = [exchange.sent_at for exchange in junit.result.exchanges
                if exchange.intent.family in families and exchange.sent_at > since]
        assert times[stage] >= max(sent) - min(sent) - 0.002, stage
    assert float(junit.root.get("time")) == pytest.approx(sum(times.values()), abs=0.002)
