"""`conformance judge` and `conformance proxy` on real traffic: a scripted client's requests to the emulator (and
to faulty and conformant variants of it) pass through the proxy; what it recorded is judged by the run's checks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from conformance.emulator import running
from conformance.emulator.variants import VARIANTS
from conformance.judge.ndjson import ndjson_line
from conformance.judge.proxy import serving
from tests.cli import command, environment, invoke
from tests.scripted_client import drive
from tests.trial import EMULATOR, KEY, OTHER_KEY

KEYS = {"XENDIT_API_KEY": KEY, "XENDIT_OTHER_API_KEY": OTHER_KEY}
FAULTS = {  # faults that show in a client's traffic, and the checks the judge must fail for each
    "status-misspelled": {"CANCEL-200-CANCELED", "CANCEL-200-SCHEMA", "LIFE-CANCEL-ACTIVE"},
    "answers-session-before-cancel": {"CANCEL-200-CANCELED", "LIFE-CANCEL-ACTIVE"},
    "amount-as-string": {"CANCEL-200-SCHEMA"},
    "error-without-message": {"CANCEL-4XX-SCHEMA"},
    "errors-as-text-plain": {"CANCEL-CONTENT-TYPE"},
    "unauthorized-403": {"CANCEL-AUTH", "CANCEL-ERROR-CODE", "LIFE-AUTH-NO-EFFECT"},
    "invalid-status-409": {"CANCEL-ERROR-CODE", "LIFE-RECANCEL", "LIFE-COMPLETED", "LIFE-EXPIRED"},
    "accepted-202": {"CANCEL-STATUS", "LIFE-CANCEL-ACTIVE"},
    "missing-key-accepted": {"CANCEL-AUTH", "LIFE-AUTH-NO-EFFECT"},
    "cancel-ignores-owner": {"LIFE-OTHER-BUSINESS"},
    "rejected-cancel-cancels": {"LIFE-AUTH-NO-EFFECT"},
    "recancel-succeeds": {"LIFE-RECANCEL"},
    "completed-cancelable": {"LIFE-COMPLETED"},
    "expired-cancelable": {"LIFE-EXPIRED"},
    "cancel-not-persisted": {"LIFE-GET-CANCELED"},  # and LIFE-RECANCEL or LIFE-CONCURRENT, as the order goes
    "id-case-insensitive": {"LIFE-ID-VARIANT"},
    "cancel-path-answers-get": {"CANCEL-METHOD"},
}  # not unknown-id-canceled: it fakes only ids of a real session's form, which traffic cannot tell from a session
# created before the recording began (README: the judge's limits)
CONFORMANT = ["extra-session-fields", "optional-fields-omitted", "chunked-responses", "gzip-responses",
              "connection-close", "json-charset", "field-names-upper-case", "method-405-text-plain"]


def record(base_url: str, path: Path, expiry: bool = True, keys: tuple[str, str] = (KEY, OTHER_KEY)) -> int:
    """The scripted client's traffic to `base_url` through an in-process proxy, written to `path` as JSON lines
    with each response's raw bytes; the number of exchanges."""
    recorded = []
    with serving(base_url, recorded.append) as proxy_url:
        drive(proxy_url, expiry=expiry, keys=keys)
    path.write_text("".join(ndjson_line(item) for item in recorded))
    return len(recorded)


def judged(path: Path, *options: str, env: dict | None = None) -> tuple[int, dict]:
    """Exit code and report.json of `conformance judge` (in this process: a traceback fails the test)."""
    report = path.parent / "report.json"
    done = invoke("judge", str(path), "--json-report", str(report), "--junit-xml", str(path.parent / "junit.xml"),
                  "--html-report", str(path.parent / "report.html"), "-q", *options, env=KEYS if env is None else env)
    return done.returncode, json.loads(report.read_text())


def outcomes(report: dict, *states: str) -> set[str]:
    return {check["id"] for check in report["checks"] if check["outcome"] in states}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_each_fault_that_shows_in_traffic_is_caught(tmp_path, name):
    variant = VARIANTS[name]
    with running(EMULATOR, api=variant.api) as base_url:
        record(base_url, tmp_path / "traffic.jsonl", expiry=name in ("expired-cancelable", "invalid-status-409"))
    code, report = judged(tmp_path / "traffic.jsonl")
    missed = FAULTS[name] - outcomes(report, "failed", "warned")
    assert not missed, f"{name}: not caught: {missed}; {report['reasons']}"
    assert code == (1 if outcomes(report, "failed") else 0)
    assert outcomes(report, "failed", "warned") <= variant.catches | variant.sometimes | FAULTS[name] | {
        "CANCEL-STATUS", "CANCEL-ERROR-CODE", "LIFE-CONCURRENT", "LIFE-CONCURRENT-422", "LIFE-UPDATED",
        "LIFE-STATUS-MESSAGE", "LIFE-READ", "LIFE-FRAME", "LIFE-METHOD-NO-EFFECT", "CANCEL-4XX-SCHEMA", "LIFE-RECANCEL"}


@pytest.mark.parametrize("name", [None, *CONFORMANT])
def test_correct_and_conformant_servers_are_judged_without_failure(tmp_path, name):
    api = VARIANTS[name].api if name else None
    with running(EMULATOR, **({"api": api} if api else {})) as base_url:
        count = record(base_url, tmp_path / "traffic.jsonl", expiry=name is None)
    code, report = judged(tmp_path / "traffic.jsonl")
    failing = outcomes(report, "failed", "error") | (outcomes(report, "warned") - VARIANTS[name].catches
                                                      if name else outcomes(report, "warned"))
    assert not failing, report["reasons"]
    assert code == 0 and report["verdict"] == "conformant"
    assert f"judged {count} recorded exchange(s)" in report["run"]["notes"][0]
    if name is None:  # the whole script exercises the lifecycle (a race only when the two cancels overlapped)
        assert outcomes(report, "passed") >= {"LIFE-CANCEL-ACTIVE", "LIFE-RECANCEL", "LIFE-GET-CANCELED",
                                              "LIFE-FRAME", "LIFE-AUTH-NO-EFFECT", "LIFE-OTHER-BUSINESS",
                                              "LIFE-COMPLETED", "LIFE-EXPIRED", "LIFE-ID-VARIANT",
                                              "CANCEL-200-SCHEMA", "CANCEL-AUTH", "CANCEL-NOT-FOUND"}


def test_require_makes_a_check_never_exercised_incomplete(tmp_path):
    with running(EMULATOR) as base_url:
        record(base_url, tmp_path / "traffic.jsonl", expiry=False)
    code, report = judged(tmp_path / "traffic.jsonl", "--require", "LIFE-CHECKOUT,CANCEL-AUTH")
    assert (code, report["verdict"]) == (4, "incomplete")
    assert any(reason.startswith("LIFE-CHECKOUT (MUST) was not judged") for reason in report["reasons"])
    assert "LIFE-CHECKOUT" in report["run"]["notes"][-1]  # named among those never exercised


def test_the_proxy_forwards_unchanged_writes_a_har_that_round_trips_and_keeps_no_secret(tmp_path):
    """The real command, stopped by Ctrl-C: its reports, its redacted HAR (HAR 1.2), which judges as it did."""
    with running(EMULATOR) as base_url:
        process = subprocess.Popen(
            command("proxy", "--upstream", base_url, "--listen", "127.0.0.1:0", "--har", "traffic.har",
                    "--transcript", "transcript.jsonl", "--json-report", "report.json", "--junit-xml", "junit.xml",
                    "--html-report", "report.html"),
            cwd=tmp_path, env=environment(KEYS), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = process.stderr.readline()
        sent = drive(line.split()[3], expiry=False)
        process.send_signal(signal.SIGINT)
        output, errors = process.communicate(timeout=60)
    assert process.returncode == 0, output + errors
    assert "Traceback" not in errors
    proxied = json.loads((tmp_path / "report.json").read_text())
    assert proxied["verdict"] == "conformant" and proxied["run"]["requests"] == sent
    har = json.loads((tmp_path / "traffic.har").read_text())
    log = har["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] and len(log["entries"]) == sent
    for entry in log["entries"]:
        assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= entry.keys()
        assert {"send", "wait", "receive"} <= entry["timings"].keys()
        for message in (entry["request"], entry["response"]):
            assert all(set(item) == {"name", "value"} for item in message["headers"])
            assert {"httpVersion", "cookies", "headers", "headersSize", "bodySize"} <= message.keys()
        assert {"size", "mimeType", "text"} <= entry["response"]["content"].keys()
    create = log["entries"][0]["request"]
    assert create["method"] == "POST" and json.loads(create["postData"]["text"])["reference_id"] == "judge-a"
    for name in os.listdir(tmp_path):  # no key in any output, in any form the redactor knows
        text = (tmp_path / name).read_text(errors="replace")
        assert KEY not in text and OTHER_KEY not in text, name
    code, again = judged(tmp_path / "traffic.har", env={})
    assert code == 0
    assert {c["id"]: c["outcome"] for c in again["checks"]} == {c["id"]: c["outcome"] for c in proxied["checks"]}
    code, transcript = judged(tmp_path / "transcript.jsonl", env={})
    assert {c["id"]: c["outcome"] for c in transcript["checks"]} == {c["id"]: c["outcome"] for c in
                                                                      proxied["checks"]}
