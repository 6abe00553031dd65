"""`conformance replay`: the recorded request of a failure, sent again and judged by the same check."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from tests.fakes import KEY, NOT_FOUND, fixed, serve
from tests.test_run import _closed_port, conformance


def replay(*args: str, key: str | None = KEY) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XENDIT_")}
    if key:
        env["XENDIT_API_KEY"] = key
    return subprocess.run([sys.executable, "-m", "conformance", "replay", *args], capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("replay")
    with serve(fixed(200, {"status": "CANCELED"})) as base_url:
        done = conformance("run", "--base-url", base_url, "--api-key", KEY, "--max-examples", "5",
                           "--checks", "CANCEL-NO-PHANTOM,CANCEL-NOT-FOUND", "--junit-xml", str(out / "j.xml"),
                           "--json-report", str(out / "report.json"), "--html-report", str(out / "r.html"))
        assert done.returncode == 1
        yield out / "report.json"


def test_still_fails_on_the_same_target(failed_run):
    done = replay("CANCEL-NO-PHANTOM", "--report", str(failed_run))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "STILL FAILS CANCEL-NO-PHANTOM" in done.stdout and "Reproduce: curl" in done.stdout
    assert KEY not in done.stdout


def test_passes_on_a_correct_target(failed_run):
    key = next(iter(DEFAULT_KEYS))
    with running(EmulatorConfig(api_keys=DEFAULT_KEYS)) as base_url:
        done = replay("CANCEL-NOT-FOUND#1", "--report", str(failed_run), "--base-url", base_url, key=key)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSES NOW CANCEL-NOT-FOUND" in done.stdout


def test_unknown_failure_and_missing_key_are_usage_errors(failed_run):
    unknown = replay("CANCEL-AUTH#3", "--report", str(failed_run))
    assert unknown.returncode == 2 and "no failure 'CANCEL-AUTH#3'" in unknown.stderr
    keyless = replay("CANCEL-NOT-FOUND", "--report", str(failed_run), key=None)
    assert keyless.returncode == 2 and "set it in the environment" in keyless.stderr


@pytest.fixture(scope="module")
def auth_failures(tmp_path_factory):
    """A target that answers 404 to everything: unusable keys included (CANCEL-AUTH), the document's example too."""
    out = tmp_path_factory.mktemp("auth")
    with serve(fixed(404, NOT_FOUND)) as base_url:
        done = conformance("run", "--base-url", base_url, "--api-key", KEY, "--max-examples", "5",
                           "--checks", "CANCEL-AUTH,SPEC-EXAMPLES,LIFE-RECANCEL", "--junit-xml", str(out / "j.xml"),
                           "--json-report", str(out / "report.json"), "--html-report", str(out / "r.html"))
        assert done.returncode == 1, done.stdout
        yield base_url, out / "report.json"


def test_an_auth_failure_replays_under_the_runs_safety_rule(auth_failures):
    """The safety GET goes with the configured key (404 here), not with the failure's own unusable credentials."""
    _, report = auth_failures
    failures = [f["id"] for c in json.loads(report.read_text())["checks"] if c["id"] == "CANCEL-AUTH"
                for f in c["failures"]]
    assert len(failures) > 1
    for failure_id in failures:
        done = replay(failure_id, "--report", str(report))
        assert done.returncode == 1 and "STILL FAILS CANCEL-AUTH" in done.stdout, done.stdout + done.stderr


def test_what_is_not_replayable_says_why_and_a_stopped_target_is_exit_3(auth_failures, tmp_path):
    _, report = auth_failures
    finding = replay("SPEC-EXAMPLES#1", "--report", str(report))
    assert finding.returncode == 2 and "a finding in the document" in finding.stderr
    assert "Traceback" not in finding.stdout + finding.stderr
    stopped = replay("CANCEL-AUTH#1", "--report", str(report), "--base-url", f"http://127.0.0.1:{_closed_port()}")
    assert stopped.returncode == 3 and "does not answer" in stopped.stderr, stopped.stdout + stopped.stderr
