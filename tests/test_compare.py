"""`conformance compare`: the emulator against itself differs nowhere; against faulty variants, exactly the cases
their fault touches differ; alignment, normalisation, allow rules and the command line."""

from __future__ import annotations

import json
import re
from contextlib import ExitStack
from dataclasses import replace
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from conformance.cli import main
from conformance.compare.collect import collect
from conformance.compare.comparison import compare
from conformance.compare.diff import AllowRule, Difference, allowed, causes, differences
from conformance.compare.observe import Case, Observation, field_types, observations
from conformance.compare.render import answer
from conformance.compare.targets import TargetSpec
from conformance.config import RunConfig
from conformance.emulator import DEFAULT_KEYS, running
from conformance.emulator.variants import VARIANTS
from tests.cli import EMULATOR_EXPIRY_LAG, conformance
from tests.fakes import free_port
from tests.trial import EMULATOR

KEY_A, KEY_B = DEFAULT_KEYS
ENV = {"CMP_KEY": KEY_A, "CMP_OTHER_KEY": KEY_B}
BASE = RunConfig(seed=1, max_examples=10, max_steps=20, shrink=False, expiry_lag=EMULATOR_EXPIRY_LAG)
STEPS = ("--max-steps", "20", "--expiry-lag", str(EMULATOR_EXPIRY_LAG))  # the command line's budget in these tests


def only_422_became_409(values: dict[str, str]) -> bool:
    """The reference answered 422 (among others, for a case sent several times) where the variant answered 409."""
    return "422" in values["reference"] and values["faulty"] == values["reference"].replace("422", "409")


@pytest.fixture(scope="module")
def servers():
    """The reference emulator and two variants, each on its own port."""
    with ExitStack() as stack:
        yield SimpleNamespace(
            reference=stack.enter_context(running(EMULATOR)),
            status_409=stack.enter_context(running(EMULATOR, api=VARIANTS["invalid-status-409"].api)),
            not_found_code=stack.enter_context(running(EMULATOR, api=VARIANTS["session-not-found-code"].api)))


@pytest.fixture
def keys(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def target(name: str, url: str) -> TargetSpec:
    return TargetSpec.parse(f"{name}={url},key=CMP_KEY,other-key=CMP_OTHER_KEY,test-control")


def test_the_emulator_against_itself_differs_nowhere(servers, keys):
    comparison = compare([TargetSpec.parse("bundled=bundled"), target("external", servers.reference)], BASE)
    result = comparison.result
    assert result.compared > 100
    assert result.found == [] and result.partial == [] and not comparison.different
    assert [run.cases for run in comparison.targets] == [result.compared] * 2
    assert [run.bundled for run in comparison.targets] == [True, False]


def test_a_wrong_status_differs_in_exactly_the_cases_it_touches(servers, keys):
    comparison = compare([target("reference", servers.reference), target("faulty", servers.status_409)], BASE)
    found = comparison.result.found
    assert {item.aspect for item in found} == {"status"} and all(only_422_became_409(item.values) for item in found)
    descriptions = {item.case.description for item in found}
    assert {"one of 4 concurrent cancels", "cancel the session after its expires_at, not read since its creation",
            "test control: complete"} & descriptions == {"one of 4 concurrent cancels",
                                                          "cancel the session after its expires_at, not read since "
                                                          "its creation"}  # test control answers 409 in both
    assert comparison.different
    assert comparison.targets[1].outcomes["LIFE-RECANCEL"] == "failed"
    [cause] = comparison.result.causes  # one root cause, whatever the multiplicities
    assert len(cause.differences) == len(found) and only_422_became_409(cause.example.values)
    assert any(answer(item).startswith("409 · application/json") for item in cause.example.observed["faulty"])


@pytest.fixture(scope="module")
def not_found_code_runs(servers):
    """Observations of the reference and of a variant whose 404s carry SESSION_NOT_FOUND."""
    runs = {}
    for name, url in [("reference", servers.reference), ("faulty", servers.not_found_code)]:
        config = replace(BASE, base_url=url, api_key=KEY_A, other_api_key=KEY_B, test_control=True,
                         fixed_corpus=True)  # as compare() runs every target
        runs[name] = observations(*collect(config))
    return runs


def test_a_wrong_error_code_differs_in_every_case_it_shows_in_and_nowhere_else(not_found_code_runs):
    reference, faulty = not_found_code_runs["reference"], not_found_code_runs["faulty"]
    result = differences(not_found_code_runs)
    assert {item.aspect for item in result.found} == {"error_code"}
    common = [case for case in reference if case in faulty]
    shown = {case for case in common if any(item.error_code == "SESSION_NOT_FOUND" for item in faulty[case])}
    assert {item.case for item in result.found} == shown
    [cause] = result.causes  # one fault: one row, however many cases show it
    assert len(cause.differences) == len(result.found) > 20
    assert {case.family for case in shown} >= {"ids", "auth", "for-user-id", "lifecycle", "schemathesis"}
    # the fault is the variant's only difference: with its code put back, every common case shows the same answers
    restored = {case: {replace(item, error_code="NOT_FOUND") if item.error_code == "SESSION_NOT_FOUND" else item
                       for item in faulty[case]} for case in common}
    assert all(restored[case] == set(reference[case]) for case in common)


def test_a_failing_target_is_sent_the_whole_generated_corpus(not_found_code_runs):
    result = differences(not_found_code_runs)
    assert {case.family for case, _ in result.partial} <= {"lifecycle"}


# --- alignment and normalisation, on made-up observations ----------------------------------------------------------

def case(description: str = "cancel", family: str = "lifecycle") -> Case:
    return Case(family, description, "POST", "/sessions/{session-1}/cancel", (), "")


OK = Observation("200", "application/json", "object", None, "CANCELED",
                 (("amount", "integer"), ("created", "string (date-time)")))
REJECTED = Observation("422", "application/json", "object", "INVALID_SESSION_STATUS", None,
                       (("error_code", "string"), ("message", "string")))


def test_concurrent_answers_compare_in_any_order():
    runs = {"a": {case(): [OK] + [REJECTED] * 7}, "b": {case(): [REJECTED] * 3 + [OK] + [REJECTED] * 4}}
    assert differences(runs).found == []
    runs["b"][case()] = [OK, OK] + [REJECTED] * 6
    [status, code, session] = differences(runs).found
    assert (status.aspect, status.values) == ("status", {"a": "200, 422 ×7", "b": "200 ×2, 422 ×6"})
    assert (code.aspect, session.aspect) == ("error_code", "session_status")


def test_extra_sends_by_the_suite_compare_as_sets():
    assert differences({"a": {case(): [REJECTED]}, "b": {case(): [REJECTED, REJECTED]}}).found == []
    assert [item.aspect for item in differences({"a": {case(): [REJECTED]}, "b": {case(): [REJECTED, OK]}}).found]


def test_fields_and_types_are_compared_where_the_status_agrees():
    extra = Observation("200", "application/json", "object", None, "CANCELED",
                        (("amount", "string"), ("created", "string (date-time)"), ("livemode", "boolean")))
    fields, types = differences({"a": {case(): [OK]}, "b": {case(): [extra]}}).found
    assert (fields.aspect, fields.fields, fields.values) == ("fields", ("livemode",), {"a": "—", "b": "livemode"})
    assert (types.aspect, types.fields, types.values) == ("types", ("amount",), {"a": "amount: integer",
                                                                                 "b": "amount: string"})
    not_found = Observation("404", "application/json", "object", "NOT_FOUND", None, (("error_code", "string"),))
    assert {item.aspect for item in differences({"a": {case(): [OK]}, "b": {case(): [not_found]}}).found} == {
        "status", "error_code", "session_status"}


def test_cases_sent_to_only_some_targets_are_listed_not_compared():
    result = differences({"a": {case(): [OK], case("get"): [OK]}, "b": {case(): [OK]}})
    assert (result.compared, result.found, result.partial) == (1, [], [(case("get"), ("a",))])


def test_volatile_values_compare_by_type():
    body = {"payment_session_id": "ps-0123456789abcdef01234567", "created": "2025-01-02T03:04:05.678Z",
            "payment_link_url": "https://checkout.example/ps-1", "amount": 10000, "rate": 1.5, "metadata": None,
            "items": [{"name": "a", "quantity": 1}, {"name": "b", "quantity": "2"}], "ok": True}
    assert dict(field_types(body)) == {
        "payment_session_id": "string", "created": "string (date-time)", "payment_link_url": "string (uri)",
        "amount": "integer", "rate": "number", "metadata": "null", "items": "array", "items[]": "object",
        "items[].name": "string", "items[].quantity": "integer|string", "ok": "boolean"}


def test_differences_group_by_root_cause():
    def status(description: str, a: str, b: str) -> Difference:
        return Difference(case(description), "status", {"a": a, "b": b})

    found = [status("concurrent", "200, 422 ×7", "200, 409 ×7"), status("x", "422", "409"),
             status("y", "404", "200"), Difference(case("x"), "error_code", {"a": "NOT_FOUND", "b": "—"}),
             replace(status("z", "422", "409"), allowed=True)]
    groups = causes(found)
    assert [[item.case.description for item in group.differences] for group in groups] == [
        ["concurrent", "x"], ["y"], ["x"], ["z"]]
    assert groups[0].example.case.description == "x"  # the shortest request stands for its cause


# --- allow rules ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("colour", "no aspect matches"), ("status:amount", "concern fields"), ("", "no aspect matches")])
def test_allow_rules_that_cannot_match_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        AllowRule.parse(text)


def test_allow_rules_match_aspect_fields_and_case():
    item = Difference(case("cancel an ACTIVE session"), "fields", {"a": "—", "b": "livemode, version"},
                      ("livemode", "version"))
    rules = AllowRule.parse
    assert allowed(item, [rules("fields")]) and allowed(item, [rules("fields:*")])
    assert not allowed(item, [rules("fields:livemode")])  # every field concerned must be covered...
    assert allowed(item, [rules("fields:livemode"), rules("fields:version")])  # ...by some rule
    assert allowed(item, [rules("f*@lifecycle: cancel an*")]) and allowed(item, [rules(f"fields@{item.case.id}")])
    assert not allowed(item, [rules("fields@ids: *")]) and not allowed(item, [rules("types")])
    assert not allowed(Difference(case(), "status", {"a": "200", "b": "404"}), [rules("*:livemode")])


@pytest.mark.parametrize(("text", "expected"), [
    ("a=http://h:1", TargetSpec("a", "http://h:1")),
    ("sandbox=https://api.xendit.co,key=SANDBOX_KEY", TargetSpec("sandbox", "https://api.xendit.co", "SANDBOX_KEY")),
    ("e=bundled", TargetSpec("e", None)),
    ("p=http://h:1,other-key=B,test-control", TargetSpec("p", "http://h:1", other_key_variable="B", test_control=True)),
])
def test_target_options(text, expected):
    assert TargetSpec.parse(text) == expected


# --- the command line ----------------------------------------------------------------------------------------------

def targets(servers) -> list[str]:
    return ["--target", f"reference={servers.reference},key=CMP_KEY,other-key=CMP_OTHER_KEY,test-control",
            "--target", f"faulty={servers.status_409},key=CMP_KEY,other-key=CMP_OTHER_KEY,test-control",
            "--max-examples", "5"]


def test_the_command_shows_writes_and_exits_1_on_a_difference(servers, tmp_path):
    done = conformance("compare", *targets(servers), *STEPS, "--json", str(tmp_path / "c.json"),
                       "--html", str(tmp_path / "c.html"), env=ENV)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "DIFFERENT" in done.stdout
    report = json.loads((tmp_path / "c.json").read_text())
    differing = len(report["differences"])
    assert report["different"] and differing > 1
    assert "Differences by root cause" in done.stdout
    assert f"{differing} difference(s) from 1 root cause(s)" in done.stdout
    [cause] = report["causes"]
    assert len(cause["cases"]) == differing
    assert any(response.startswith("409") for response in cause["example"]["responses"]["faulty"])
    assert [case_id for case_id in cause["cases"] if case_id in done.stdout] == [cause["example"]["case"]["id"]]
    assert [target["name"] for target in report["targets"]] == ["reference", "faulty"]
    page = (tmp_path / "c.html").read_text()
    assert '<section class="compare">' in page and "<script" not in page and "409" in page
    assert page.count(f"<tr><td>{differing}</td>") == 1 and f"{differing - 1} more like this" in page
    for text in [done.stdout, done.stderr, page, json.dumps(report)]:
        assert KEY_A not in text and KEY_B not in text


def test_allowed_differences_do_not_fail(servers, keys):
    done = CliRunner().invoke(main, ["compare", *targets(servers), *STEPS, "--allow-diff", "status@lifecycle: *",
                                     "--allow-diff", "status@watch: *"])  # the watch sends beside the lifecycle
    assert done.exit_code == 0, done.output
    allowed_count = re.search(r"(\d+) allowed difference\(s\) not shown", done.stdout)
    assert allowed_count and int(allowed_count.group(1)) > 1 and "SAME" in done.stdout, done.stdout


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--target", "a=http://127.0.0.1:1"], 2, "at least two"),
    (["--target", "a=http://127.0.0.1:1", "--target", "a=http://127.0.0.1:2"], 2, "distinct names"),
    (["--target", "a=127.0.0.1:1", "--target", "b=http://127.0.0.1:2"], 2, "must start http"),
    (["--target", "a=http://127.0.0.1:1,key=NOPE_KEY", "--target", "b=http://127.0.0.1:2"], 2, "$NOPE_KEY is not set"),
    (["--target", "a=http://127.0.0.1:1,token=X", "--target", "b=http://127.0.0.1:2"], 2, "is not key=ENVVAR"),
    (["--target", "a=bundled", "--target", "b=bundled", "--allow-diff", "colour"], 2, "no aspect matches"),
    (["--target", f"down=http://127.0.0.1:{free_port()},key=CMP_KEY", "--target", "b=bundled"], 3,
     "target down: http://127.0.0.1"),
])
def test_usage_errors_and_unreachable_targets(args, code, message, keys):
    done = CliRunner().invoke(main, ["compare", *args])
    assert done.exit_code == code, done.output
    assert message in done.stderr and done.exception is None or isinstance(done.exception, SystemExit)
