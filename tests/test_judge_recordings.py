"""`conformance judge` on recordings as they come: truncated, malformed, binary, from a client whose earlier traffic
was not recorded, carrying cookies and tokens. Every case ends in a verdict or a clear error with its position —
never a traceback (``invoke`` raises what the command lets escape)."""

from __future__ import annotations

import base64
import json

import requests

from conformance.emulator import running
from conformance.judge.har import har_entry
from conformance.judge.ndjson import ndjson_line
from conformance.judge.proxy import serving
from conformance.judge.recorded import Recorded
from conformance.target.identity import basic
from tests.cli import invoke
from tests.test_judge_traffic import KEYS, judged, outcomes, record
from tests.trial import EMULATOR, KEY

SECRET_COOKIE, SECRET_TOKEN = "session=c00k1e-v4lue-9f8e7d", "eyJhbGciOiJIUzI1NiJ9.secret-token-5e6f"


def _cancel(session_id: str, status: int, body: dict, headers: list | None = None, at: float = 1.8e9) -> Recorded:
    return Recorded("test", "POST", f"http://api.test/sessions/{session_id}/cancel",
                    headers or [("Authorization", basic(KEY))], None, at, status=status,
                    response_headers=[("Content-Type", "application/json")],
                    response_body=json.dumps(body).encode())


def test_a_truncated_har_is_judged_up_to_where_it_ends_and_says_so(tmp_path):
    entries = [har_entry(_cancel("ps-" + "Z" * 24, 404, {"error_code": "NOT_FOUND", "message": "no"}, at=1.8e9 + i))
               for i in range(40)]
    text = json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}})
    (tmp_path / "cut.har").write_text(text[:len(text) * 2 // 3])
    code, report = judged(tmp_path / "cut.har")
    assert code == 0 and report["verdict"] == "conformant"
    judged_count = int(report["run"]["notes"][0].split()[1])
    assert 0 < judged_count < 40 and outcomes(report, "passed") >= {"CANCEL-NOT-FOUND", "CANCEL-4XX-SCHEMA"}
    skipped = next(note for note in report["run"]["notes"] if "not judged: cut.har: near byte" in note)
    assert "truncated" in skipped and f"the {judged_count} entries before it were read" in skipped


def test_input_that_is_no_recording_is_a_usage_error_with_its_position(tmp_path):
    (tmp_path / "binary.har").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    (tmp_path / "wrong.jsonl").write_text('{"request": {"method": "POST"}, "at": 1}\nnot json at all\n')
    (tmp_path / "empty.har").write_text("")
    for name, position in (("binary.har", "near byte"), ("wrong.jsonl", "line 1"), ("empty.har", "empty")):
        done = invoke("judge", str(tmp_path / name), "--json-report", str(tmp_path / "r.json"))
        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stderr.startswith("error: ") and position in done.stderr and "Traceback" not in done.stderr


def test_bad_lines_are_skipped_out_loud_and_bodies_in_base64_are_read(tmp_path):
    good = _cancel("ps-" + "Z" * 24, 404, {"error_code": "NOT_FOUND", "message": "no"})
    binary = json.loads(ndjson_line(_cancel("ps-" + "Y" * 24, 404, {"error_code": "NOT_FOUND", "message": "x"})))
    binary["response"]["body_base64"] = base64.b64encode(b"\xff\xfe{\x00}").decode()  # UTF-16: no client reads it
    lines = [ndjson_line(good), "{truncated\n", json.dumps({"at": 1.8e9, "response": None}) + "\n",
             json.dumps(binary) + "\n"]
    (tmp_path / "mixed.jsonl").write_text("".join(lines))
    code, report = judged(tmp_path / "mixed.jsonl")
    assert code == 1 and "CANCEL-CONTENT-TYPE" in outcomes(report, "failed")
    skipped = next(note for note in report["run"]["notes"] if "not judged:" in note and "2 entries" in note)
    assert "mixed.jsonl: line 2, column 2: not JSON" in skipped and "mixed.jsonl: line 3" in skipped


def test_a_session_whose_earlier_life_was_not_recorded_is_not_judged_until_the_model_knows_it(tmp_path):
    with running(EMULATOR) as base_url:
        session = requests.post(base_url + "/sessions", headers={"Authorization": basic(KEY)}, json={
            "reference_id": "unrecorded", "session_type": "PAY", "mode": "PAYMENT_LINK", "amount": 1000,
            "currency": "IDR", "country": "ID"}, timeout=10).json()["payment_session_id"]
        recorded = []
        with serving(base_url, recorded.append) as proxy_url:
            for _ in range(2):
                requests.post(f"{proxy_url}/sessions/{session}/cancel", headers={"Authorization": basic(KEY)},
                              timeout=10)
    (tmp_path / "late.jsonl").write_text("".join(map(ndjson_line, recorded)))
    code, report = judged(tmp_path / "late.jsonl")
    checks = {check["id"]: check for check in report["checks"]}
    assert checks["LIFE-CANCEL-ACTIVE"]["outcome"] == "not_run"  # never passed on a guess
    assert "1 request(s) on a cancel path, of a session whose earlier life the recording does not show" in \
        checks["LIFE-CANCEL-ACTIVE"]["reason"]
    assert checks["LIFE-RECANCEL"]["outcome"] == "passed"  # the accepted cancel showed it: the second is judged
    assert code == 0


def test_cookies_and_tokens_of_any_scheme_stay_out_of_every_output(tmp_path):
    headers = [("Authorization", f"Bearer {SECRET_TOKEN}"), ("Cookie", SECRET_COOKIE)]
    failing = _cancel("ps-" + "Z" * 24, 500, {"error_code": "SERVER_ERROR", "message": "boom"}, headers)
    failing.response_headers.append(("Set-Cookie", SECRET_COOKIE + "; Path=/"))
    keyed = _cancel("ps-" + "Y" * 24, 500, {"error_code": "SERVER_ERROR", "message": "boom"})
    (tmp_path / "secret.jsonl").write_text(ndjson_line(failing) + ndjson_line(keyed))
    code, report = judged(tmp_path / "secret.jsonl", "--transcript", str(tmp_path / "transcript.jsonl"),
                          "--evidence", str(tmp_path / "evidence.zip"), "-v")
    assert code == 1 and "CANCEL-NO-5XX" in outcomes(report, "failed")
    for path in tmp_path.iterdir():
        if path.name in ("secret.jsonl",):
            continue
        data = path.read_bytes()
        for secret in (SECRET_COOKIE, SECRET_TOKEN, "c00k1e-v4lue", KEY):
            assert secret.encode() not in data, (path.name, secret)
    failure = next(check for check in report["checks"] if check["id"] == "CANCEL-NO-5XX")["failures"][0]
    assert failure["exchange"]["request"]["headers"]["Authorization"] in ("Bearer <redacted>",
                                                                         "Basic base64($XENDIT_API_KEY:)")


def test_a_transcript_judges_as_the_traffic_it_records(tmp_path):
    """The suite's own transcript (keys redacted to placeholders) places each request by its placeholder."""
    with running(EMULATOR) as base_url:
        record(base_url, tmp_path / "traffic.jsonl", expiry=False)
    _, first = judged(tmp_path / "traffic.jsonl", "--transcript", str(tmp_path / "transcript.jsonl"))
    code, again = judged(tmp_path / "transcript.jsonl", env={})  # no key given: the placeholders are the keys
    assert code == 0
    assert {c["id"]: c["outcome"] for c in again["checks"]} == {c["id"]: c["outcome"] for c in first["checks"]}
    assert KEYS["XENDIT_API_KEY"] not in (tmp_path / "transcript.jsonl").read_text()


def test_a_field_a_har_records_twice_is_judged_as_sent_not_joined(tmp_path):
    """A HAR keeps each response's fields as a list: Content-Type twice with one value is what a client recovers from
    (CANCEL-FIELDS-ONCE warns), not a value "application/json, application/json" it would misread."""
    twice = [("Content-Type", "application/json"), ("Content-Type", "application/json")]
    entries = [har_entry(_cancel("ps-" + "Z" * 24, 404, {"error_code": "NOT_FOUND", "message": "no"}, at=1.8e9 + i))
               for i in range(3)]
    for entry in entries:
        entry["response"]["headers"] = [{"name": name, "value": value} for name, value in twice]
    (tmp_path / "twice.har").write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
                                                            "entries": entries}}))
    code, report = judged(tmp_path / "twice.har")
    assert code == 0 and report["verdict"] == "conformant", report["reasons"]
    assert "CANCEL-FIELDS-ONCE" in outcomes(report, "warned")
    assert "CANCEL-CONTENT-TYPE" in outcomes(report, "passed")
