"""`conformance compare --recording`: one client's traffic recorded through the proxy against two implementations,
paired exchange by exchange. The correct emulator against itself differs nowhere (its ids and timestamps are new
each time); a faulty variant differs exactly where its fault shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.compare.recordings import Pairing, compare_recordings
from conformance.compare.targets import RecordingSpec
from conformance.config import RunConfig
from conformance.emulator import running
from conformance.emulator.variants import VARIANTS
from conformance.judge.har import HarWriter, har_entry
from conformance.judge.identities import Identity
from conformance.judge.judgement import judging
from conformance.judge.ndjson import line_record
from conformance.judge.readers import read_recording
from conformance.target.exchange import Exchange, Intent, Request, Response
from conformance.target.identity import KEY, MAIN, Actor
from conformance.target.wire import Wire, read_message
from tests.cli import invoke
from tests.test_judge_traffic import KEYS, record
from tests.trial import EMULATOR

FAULT = "invalid-status-409"  # a refused cancel answered 409 where the document says 422


def _as_har(lines: Path, har: Path) -> None:
    """A JSON-lines recording written again as HAR (the response as a HAR keeps it: fields and decoded body)."""
    writer = HarWriter(har)
    for number, line in enumerate(lines.read_bytes().splitlines(), 1):
        item = line_record(line, f"line {number}")
        message = read_message(Wire(item.wire, True, item.method))
        item.response_headers, item.response_body = list(message.fields), message.body or b""
        writer.write(har_entry(item))
    writer.close()


@pytest.fixture(scope="module")
def recordings(tmp_path_factory) -> Path:
    """The scripted client's traffic to the emulator twice (once kept as HAR) and to the faulty variant."""
    folder = tmp_path_factory.mktemp("recordings")
    for name, variant in (("correct", None), ("again", None), ("faulty", FAULT)):
        with running(EMULATOR, **({"api": VARIANTS[variant].api} if variant else {})) as base_url:
            record(base_url, folder / f"{name}.jsonl", expiry=False)
    _as_har(folder / "again.jsonl", folder / "again.har")
    return folder


def compared(folder: Path, *recordings: str, env: dict | None = None) -> tuple[int, dict, str]:
    """Exit code, JSON and terminal output of `conformance compare --recording ...` (in this process)."""
    done = invoke("compare", *(arg for item in recordings for arg in ("--recording", item)), "--json",
                  str(folder / "compare.json"), "--html", str(folder / "compare.html"), cwd=folder, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    data = json.loads((folder / "compare.json").read_text()) if done.returncode in (0, 1) else {}
    return done.returncode, data, done.stdout + done.stderr


def test_the_same_client_against_the_same_implementation_differs_nowhere(recordings):
    code, data, output = compared(recordings, "emulator=correct.jsonl", "again=again.har")
    assert code == 0, output
    assert data["subject"] == "recordings" and data["seed"] is None
    assert data["differences"] == [] and data["partial"] == [] and not data["different"]
    assert data["compared"] == data["targets"][0]["cases"] == data["targets"][1]["cases"] > 25
    assert [run["requests"] for run in data["targets"]] == [34, 34]
    assert "SAME no difference between the recordings" in output


def test_a_faulty_implementation_differs_where_its_fault_shows(recordings):
    code, data, output = compared(recordings, "emulator=correct.jsonl", "faulty=faulty.jsonl")
    assert code == 1, output
    assert {item["aspect"] for item in data["differences"]} == {"status"}
    assert all("422" in item["values"]["emulator"] and item["values"]["faulty"] == item["values"]["emulator"].replace(
        "422", "409") for item in data["differences"])
    cancels = {item["case"]["path"] for item in data["differences"]}
    assert {"/sessions/{session-1}/cancel", "/sessions/{session-7}/cancel"} <= cancels <= {  # the second cancel, the
        "/sessions/{session-1}/cancel", "/sessions/{session-7}/cancel", "/sessions/{session-6}/cancel"}  # completed
    # session's, and the race's loser when the two cancels overlapped
    [cause] = data["causes"]  # one fault, one root cause
    assert cause["example"]["responses"]["faulty"][0].startswith("409")
    assert data["partial"] == []
    assert data["targets"][1]["outcomes"]["LIFE-RECANCEL"] == "failed"  # each recording judged, too
    assert "DIFFERENT the recordings behave differently" in output and "409" in output
    page = (recordings / "compare.html").read_text()
    assert "<script" not in page and "<th>recording</th><th>file</th>" in page and "409" in page


def test_allowed_differences_and_usage_errors(recordings):
    done = invoke("compare", "--recording", "emulator=correct.jsonl", "--recording", "faulty=faulty.jsonl",
                  "--allow-diff", "status@recorded: *", cwd=recordings)
    assert done.returncode == 0 and "beyond the allowed ones" in done.stdout, done.stdout + done.stderr
    for args, message in (
            (["--recording", "a=correct.jsonl"], "at least two"),
            (["--recording", "a=correct.jsonl", "--target", "b=bundled"], "not both"),
            (["--recording", "a=correct.jsonl", "--recording", "a=again.har"], "distinct names"),
            (["--recording", "a=missing.har", "--recording", "b=again.har"], "missing.har: cannot be read"),
            (["--recording", "a=correct.jsonl,key=UNSET_KEY", "--recording", "b=again.har"], "$UNSET_KEY is not set"),
            (["--recording", "=x.har", "--recording", "b=again.har"], "expected NAME=FILE")):
        done = invoke("compare", *args, cwd=recordings)
        assert done.returncode == 2 and message in done.stdout + done.stderr, (args, done.stdout + done.stderr)


@pytest.mark.parametrize(("text", "expected"), [
    ("sandbox=traffic.har", RecordingSpec("sandbox", Path("traffic.har"))),
    ("emu=a,b.jsonl,key=EMU_KEY,other-key=EMU_OTHER",
     RecordingSpec("emu", Path("a,b.jsonl"), (("main", "EMU_KEY"), ("other", "EMU_OTHER")))),
])
def test_recording_options(text, expected):
    assert RecordingSpec.parse(text) == expected
    assert expected.keys({"EMU_KEY": "k1", "EMU_OTHER": "k2"}) == (
        {"main": "k1", "other": "k2"} if expected.variables else {})


# --- pairing -------------------------------------------------------------------------------------------------------

def _exchange(method: str, path: str, status: int, body: dict, at: float, elapsed: float = 0.01) -> Exchange:
    exchange = Exchange(Intent("recorded", path, path.split("/")[2] if path.count("/") >= 2 else ""),
                        Request(method, "http://api.test" + path, {"Authorization": "Basic x"}, None), sent_at=at)
    exchange.response = Response(status, {"Content-Type": "application/json"}, json.dumps(body).encode(), elapsed)
    return exchange


def _pairs(*exchanges: Exchange) -> dict[str, list[str]]:
    pairing = Pairing()
    identity = Identity(Actor(MAIN, "", KEY), True, True)
    for exchange in exchanges:
        pairing.add(exchange, identity)
    return {f"{case.description}: {case.method} {case.path}": [item.status for item in found]
            for case, found in pairing.observed.items()}


def test_sessions_are_numbered_by_first_appearance_and_races_compare_as_multisets():
    created = {"payment_session_id": "ps-" + "a" * 24, "status": "ACTIVE"}
    assert _pairs(
        _exchange("POST", "/sessions", 201, created, 1.0),
        _exchange("POST", "/sessions/ps-unknown/cancel", 404, {"error_code": "NOT_FOUND"}, 2.0),
        _exchange("POST", "/sessions/" + "ps-" + "a" * 24 + "/cancel", 422, {}, 3.05, 0.1),  # answered after the next
        _exchange("POST", "/sessions/" + "ps-" + "a" * 24 + "/cancel", 200, created, 3.0, 0.02),  # overlapping
        _exchange("GET", "/sessions/" + "ps-" + "a" * 24, 200, created, 4.0),
        _exchange("POST", "/sessions/" + "ps-" + "a" * 24 + "/cancel", 422, {}, 5.0),
    ) == {"#1, main's key: POST /sessions": ["201"],
          "#1, main's key: POST /sessions/{session-2}/cancel": ["404"],
          "#1, main's key: POST /sessions/{session-1}/cancel": ["422", "200"],
          "#1, main's key: GET /sessions/{session-1}": ["200"],
          "#2, main's key: POST /sessions/{session-1}/cancel": ["422"]}


def test_an_exchange_only_one_recording_has_is_listed_apart(recordings, tmp_path):
    lines = (recordings / "correct.jsonl").read_text().splitlines(keepends=True)
    extra = json.loads(lines[3])  # a GET of the first session, sent once more at the end
    extra["at"] = json.loads(lines[-1])["at"] + 1
    (tmp_path / "more.jsonl").write_text("".join(lines) + json.dumps(extra) + "\n")
    (tmp_path / "correct.jsonl").write_text("".join(lines))
    code, data, output = compared(tmp_path, "emulator=correct.jsonl", "more=more.jsonl")
    assert code == 0, output
    [partial] = data["partial"]
    assert partial["targets"] == ["more"] and partial["case"]["path"] == "/sessions/{session-1}"
    assert "only on more:" in output and "1 in only some recordings (unpaired, not compared)" in output


def test_keys_given_and_keys_learned_name_the_same_roles(recordings):
    """One recording's keys given, the other's learned from its creates: the roles pair all the same."""
    given = "emulator=correct.jsonl,key=XENDIT_API_KEY,other-key=XENDIT_OTHER_API_KEY"
    code, data, output = compared(recordings, given, "again=again.har", env=KEYS)
    assert code == 0 and data["partial"] == [] and data["compared"] > 25, output
    assert data["targets"][0]["outcomes"]["LIFE-OTHER-BUSINESS"] == "passed"


def test_cases_name_who_asked_by_role(recordings):
    comparison = compare_recordings([RecordingSpec("a", recordings / "correct.jsonl"),
                                     RecordingSpec("b", recordings / "faulty.jsonl")], RunConfig())
    labels = {f"{case.description}: {case.method} {case.path}" for case, _ in comparison.result.partial} | {
        f"{item.case.description}: {item.case.method} {item.case.path}" for item in comparison.result.found}
    assert "#2, main's key: POST /sessions/{session-1}/cancel" in labels
    assert {case.description for case in _cases(recordings / "correct.jsonl")} >= {
        "#1, no Authorization", "#1, other's key", "#1, Basic of no known key", "#1, main's key"}


def _cases(path: Path) -> list:
    pairing = Pairing()
    judgement = judging(RunConfig(), "test", keys={})
    for item in read_recording(path):
        judged = judgement.judge(item)
        if judged:
            pairing.add(*judged)
    return list(pairing.observed)


def test_entries_a_recording_could_not_read_are_said(recordings, tmp_path):
    lines = (recordings / "correct.jsonl").read_text()
    (tmp_path / "correct.jsonl").write_text(lines)
    (tmp_path / "damaged.jsonl").write_text(lines + "{not json\n")
    code, data, output = compared(tmp_path, "emulator=correct.jsonl", "damaged=damaged.jsonl")
    assert code == 0 and data["partial"] == [], output
    assert data["targets"][1]["stopped_early"] == "1 entry not read (`conformance judge` says why)"
    assert "stopped early: 1 entry not read" in output
