"""`conformance replay`: the recorded request of a failure, sent again and judged by the same check."""

from __future__ import annotations

import subprocess

import pytest

from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from tests.cli import invoke
from tests.fakes import KEY


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
