"""`conformance run` end to end: the bundled emulator passes, wrong servers fail, reports are sound."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from conformance.checks.catalogue import CATALOGUE, LIFECYCLE, REGISTRY
from conformance.emulator import DEFAULT_KEYS, running
from tests.cli import QUICK, conformance, invoke
from tests.fakes import KEY, conformant_404, fixed, free_port, serve
from tests.trial import EMULATOR

KEY_A, KEY_B = DEFAULT_KEYS
SPEC_DIR = Path(__file__).resolve().parents[1] / "spec"
GENERATED = {"schemathesis", "ids", "auth", "for-user-id"}


def cases(path) -> dict:
    """JUnit testsuite name → {check ID: testcase}."""
    xml = JUnitXml.fromfile(str(path))
    return {suite.name: {case.name.split()[0]: case for case in suite} for suite in xml}


def results(case) -> set[type]:
    return {type(result) for result in case.result}


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("default")
    done = conformance("run", "--junit-xml", str(out / "junit.xml"), "--transcript", str(out / "t.jsonl"))
    return done, out


def test_bundled_emulator_passes(default_run):
    done, out = default_run
    assert done.returncode == 0, done.stdout + done.stderr
    suites = cases(out / "junit.xml")
    assert list(suites) == ["spec", "stateless", "lifecycle"]
    ran = {check_id for suite in suites.values() for check_id in suite}
    assert ran == {check.id for check in CATALOGUE}
    for suite in suites.values():
        for check_id, case in suite.items():
            assert not results(case) & {Failure, Error}, check_id
            properties = dict(line.split(": ", 1) for line in case.system_out.split("\n\n")[0].splitlines())
            # a correct server never answers 5XX, so the 5XX body check has nothing to judge; the document's own
            # example contradicts its schema (a SHOULD warning, shown as skipped type="warning")
            expected = {"CANCEL-5XX-SCHEMA": "not_applicable", "SPEC-EXAMPLES": "warned"}.get(check_id, "passed")
            assert properties["outcome"] == expected, check_id
            assert (Skipped in results(case)) == (expected != "passed"), check_id
            assert properties["check_id"] == check_id and properties["level"] == REGISTRY[check_id].level
            assert properties["basis"] == REGISTRY[check_id].basis.kind
            assert properties["statement"].startswith("/") or REGISTRY[check_id].basis.kind != "stated"
            assert case.name == check_id
    assert "PASS    LIFE-CONCURRENT" in done.stdout and "CONFORMANT (exit 0)" in done.stdout


def test_reports_never_contain_the_key(default_run):
    done, out = default_run
    for text in [done.stdout, done.stderr, *(path.read_text() for path in out.iterdir())]:
        assert KEY_A not in text and KEY_B not in text
    assert "$XENDIT_API_KEY" in (out / "t.jsonl").read_text()


def test_generated_inputs_cover_the_issue_list(default_run):
    _, out = default_run
    records = [json.loads(line) for line in (out / "t.jsonl").read_text().splitlines()]
    inputs = {record["intent"]["input"] for record in records if record["intent"]["family"] in GENERATED}
    for expected in ["0 characters", "26 characters", "28 characters", "255 characters", "4096 characters",
                     "27 characters, wrong prefix", "27 characters, upper case", "27 characters, not hex",
                     "27 code points, non-ASCII", "id with whitespace", "percent-encoded slash", "dot-dot segment",
                     "NUL byte", "single quote", "id with control characters", "no Authorization header",
                     "empty Authorization header", "Bearer scheme with the key", "Basic with malformed base64",
                     "unknown key", "valid key with a password", "empty for-user-id", "non-ASCII for-user-id"]:
        assert expected in inputs, expected
    assert any(name.startswith("schemathesis coverage") for name in inputs)
    assert any(name.startswith("schemathesis fuzzing (negative)") for name in inputs)


@pytest.fixture(scope="module")
def emulator():
    with running(EMULATOR) as base_url:
        yield base_url


def test_external_target_with_test_control_passes(emulator, tmp_path):
    done = invoke("run", "--base-url", emulator, "--test-control", "--other-api-key", KEY_B,
                  "--junit-xml", str(tmp_path / "j.xml"), *QUICK, env={"XENDIT_API_KEY": KEY_A})
    assert done.returncode == 0, done.stdout + done.stderr
    lifecycle = cases(tmp_path / "j.xml")[LIFECYCLE]
    assert len(lifecycle) == len([c for c in CATALOGUE if c.stage == LIFECYCLE])
    assert not any(results(case) for case in lifecycle.values())


def _generated_requests(path) -> list[tuple]:
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [(r["request"]["method"], r["request"]["url"], json.dumps(r["request"]["headers"], sort_keys=True))
            for r in records if r["intent"]["family"] in GENERATED]


def test_same_seed_sends_the_same_requests(emulator, tmp_path):
    streams = []
    for name, seed in [("a", "7"), ("b", "7"), ("c", "8")]:
        done = invoke("run", "--base-url", emulator, "--api-key", KEY_A, "--seed", seed, "--max-examples", "15",
                      "--checks", "CANCEL-NOT-FOUND,CANCEL-NO-5XX", "--junit-xml", str(tmp_path / f"{name}.xml"),
                      "--transcript", str(tmp_path / f"{name}.jsonl"))
        assert done.returncode == 0, done.stdout + done.stderr
        streams.append(sorted(_generated_requests(tmp_path / f"{name}.jsonl")))  # families go out side by side
    assert len(streams[0]) > 60
    assert streams[0] == streams[1]
    assert streams[0] != streams[2]


def test_a_server_that_cancels_anything_fails(tmp_path):
    with serve(fixed(200, {"status": "CANCELED"})) as base_url:
        done = invoke("run", "--base-url", base_url, "--api-key", "xnd_development_x", *QUICK,
                      "--junit-xml", str(tmp_path / "j.xml"))
    assert done.returncode == 1, done.stdout + done.stderr
    stateless = cases(tmp_path / "j.xml")["stateless"]
    for check_id in ["CANCEL-NO-PHANTOM", "CANCEL-NOT-FOUND", "CANCEL-200-ID"]:
        assert Failure in results(stateless[check_id]), check_id
    # it answers GET /sessions/{id} with 200 for every id, so every well-formed id looks real: the suite withholds
    # those cancels (safety), which leaves the credential probes nothing to judge; the run says so
    assert Skipped in results(stateless["CANCEL-AUTH"])
    assert "withheld" in done.stdout and "--no-real-sessions" in done.stdout
    failure = next(iter(stateless["CANCEL-NO-PHANTOM"].result))
    assert "Reproduce: curl" in failure.text and "Expected:" in failure.text
    assert "xnd_development_x" not in (tmp_path / "j.xml").read_text()


def test_lifecycle_not_run_is_incomplete_with_the_reasons(tmp_path):
    """No session can be had: the MUST lifecycle checks are not judged, so the run is INCOMPLETE (exit 4), not
    CONFORMANT; accepting exactly those skips gives a verdict on what was judged."""
    with serve(conformant_404) as base_url:
        done = invoke("run", "--base-url", base_url, "--api-key", KEY, *QUICK,
                      "--junit-xml", str(tmp_path / "j.xml"), "--json-report", str(tmp_path / "r.json"))
        must = [check.id for check in CATALOGUE if check.stage == LIFECYCLE and check.level == "MUST"]
        accepted = invoke("run", "--base-url", base_url, "--api-key", KEY, *QUICK,
                          "--allow-skip", ",".join(must), "--junit-xml", str(tmp_path / "k.xml"),
                          "--json-report", str(tmp_path / "s.json"))
    assert done.returncode == 4, done.stdout + done.stderr
    lifecycle = cases(tmp_path / "j.xml")[LIFECYCLE]
    assert all(Skipped in results(case) for case in lifecycle.values())
    assert "POST /sessions did not create a session" in done.stdout
    assert "NOT RUN LIFE-CANCEL-ACTIVE" in done.stdout and "INCOMPLETE (exit 4)" in done.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["verdict"] == "incomplete" and report["exit_code"] == 4
    assert "POST /sessions did not create a session" in " ".join(
        report["reasons"])
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    report = json.loads((tmp_path / "s.json").read_text())
    assert report["verdict"] == "conformant" and sorted(report["run"]["accepted_skips"]) == sorted(must)
    assert all(f"{check_id} (MUST) was not judged, accepted with --allow-skip" in " ".join(report["reasons"])
               for check_id in must)


def test_html_errors_fail_the_content_type_check(tmp_path):
    with serve(fixed(404, b"<html><body>Not Found</body></html>", "text/html")) as base_url:
        done = invoke("run", "--base-url", base_url, "--api-key", "k", *QUICK,
                      "--checks", "CANCEL-CONTENT-TYPE", "--junit-xml", str(tmp_path / "j.xml"))
    assert done.returncode == 1
    assert Failure in results(cases(tmp_path / "j.xml")["stateless"]["CANCEL-CONTENT-TYPE"])


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--base-url", f"http://127.0.0.1:{free_port()}", "--api-key", "k"], 3, "does not answer HTTP"),
    (["--base-url", "http://127.0.0.1:1"], 2, "--api-key"),
    (["--base-url", "", "--api-key", "k"], 2, "expected http://HOST"),
    (["--base-url", "localhost:8092", "--api-key", "k"], 2, "expected http://HOST"),
    (["--base-url", "ftp://127.0.0.1/", "--api-key", "k"], 2, "expected http://HOST"),
    (["--checks", "NOPE-1"], 2, "unknown check ID(s): NOPE-1"),
    (["--checks", ","], 2, "no check ID"),
    (["--allow-skip", "CANCEL-METHOD"], 2, "SHOULD checks, which never block"),
    (["--spec", "/nonexistent.json"], 2, "cannot read"),
    (["--spec", str(SPEC_DIR / "create-session.json")], 2, "does not describe POST /sessions/{session_id}/cancel"),
    (["--profile", "loose"], 2, "Invalid value"),
    (["--signing-key", str(SPEC_DIR / "SOURCES.md")], 2, "give --evidence PATH too"),
    (["--junit-xml", str(SPEC_DIR / "SOURCES.md" / "j.xml")], 2, "--junit-xml: "),
    (["--transcript", str(SPEC_DIR)], 2, "is a directory"),
])
def test_usage_and_unreachable_errors(args, code, message):
    done = invoke("run", *args)
    assert done.returncode == code, done.stdout + done.stderr
    assert message in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_checks_command_lists_the_catalogue_and_allowances():
    done = invoke("checks", "--profile", "lenient")
    assert done.returncode == 0
    for check in CATALOGUE:
        assert check.id in done.stdout
    assert "malformed-id-400" in done.stdout and "session-not-found-404" in done.stdout


def test_workers_explore_the_same_inputs_in_parallel(emulator, tmp_path):
    streams = []
    for workers in ("1", "3"):
        done = invoke("run", "--base-url", emulator, "--api-key", KEY_A, "--max-examples", "15",
                      "--workers", workers, "--checks", "CANCEL-NOT-FOUND,CANCEL-AUTH",
                      "--junit-xml", str(tmp_path / f"{workers}.xml"),
                      "--transcript", str(tmp_path / f"{workers}.jsonl"))
        assert done.returncode == 0, done.stdout + done.stderr
        streams.append(sorted(_generated_requests(tmp_path / f"{workers}.jsonl")))
    assert streams[0] == streams[1]
