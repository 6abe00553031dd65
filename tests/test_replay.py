"""`conformance replay`: the recorded request of a failure, sent again and judged by the same check."""

from __future__ import annotations

import json
import subprocess

import pytest

from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from tests.cli import QUICK, conformance, invoke
from tests.fakes import KEY, NOT_FOUND, fixed, free_port, serve


def replay(*args: str, key: str | None = KEY) -> subprocess.CompletedProcess:
    return invoke("replay", *args, env={"XENDIT_API_KEY": key} if key else None)


@pytest.fixture
def failed_run(failing_run):
    """The JSON report of the shared failing run (conftest); its target still answers."""
    return failing_run.folder / "report.json"


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
        done = conformance("run", "--base-url", base_url, "--api-key", KEY, *QUICK,
                           "--checks", "CANCEL-AUTH,SPEC-EXAMPLES", "--junit-xml", str(out / "j.xml"),
                           "--json-report", str(out / "report.json"), "--html-report", str(out / "r.html"))
        assert done.returncode == 1, done.stdout
        yield out / "report.json"


def test_an_auth_failure_replays_under_the_runs_safety_rule(auth_failures):
    """The safety GET goes with the configured key (404 here), not with the failure's own unusable credentials."""
    failures = [f["id"] for c in json.loads(auth_failures.read_text())["checks"] if c["id"] == "CANCEL-AUTH"
                for f in c["failures"]]
    assert len(failures) > 1
    for failure_id in failures:
        done = replay(failure_id, "--report", str(auth_failures))
        assert done.returncode == 1 and "STILL FAILS CANCEL-AUTH" in done.stdout, done.stdout + done.stderr


def test_what_is_not_replayable_says_why_and_a_stopped_target_is_exit_3(auth_failures):
    finding = replay("SPEC-EXAMPLES#1", "--report", str(auth_failures))
    assert finding.returncode == 2 and "a finding in the document" in finding.stderr
    stopped = replay("CANCEL-AUTH#1", "--report", str(auth_failures), "--base-url", f"http://127.0.0.1:{free_port()}")
    assert stopped.returncode == 3 and "does not answer" in stopped.stderr, stopped.stdout + stopped.stderr
