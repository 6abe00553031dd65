"""A user's own integration tests as a conformance gate: ``pytest --conformance-judge-traffic`` judges the traffic
their tests send with requests (the real pytest, in a subprocess, against the real emulator): their tests pass either
way; the session fails when the traffic shows the emulator departing from the document, and says which check."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from conformance.emulator.app import Api
from conformance.emulator.variants import VARIANTS

KEY, OTHER_KEY = list(DEFAULT_KEYS)[:2]
USER_TESTS = '''
import os
import requests

BASE = os.environ["TARGET"]
AUTH = (os.environ["XENDIT_API_KEY"], "")
BODY = {"reference_id": "order-1", "session_type": "PAY", "mode": "PAYMENT_LINK", "amount": 10000,
        "currency": "IDR", "country": "ID"}


def test_a_cancelled_session_stays_cancelled():
    http = requests.Session()
    created = http.post(f"{BASE}/sessions", json=BODY, auth=AUTH).json()
    cancel = f"{BASE}/sessions/{created['payment_session_id']}/cancel"
    assert http.post(cancel, auth=AUTH).status_code == 200
    http.get(f"{BASE}/sessions/{created['payment_session_id']}", auth=AUTH)
    http.post(cancel, auth=AUTH)  # the user's test does not look at the second answer; the judge does
    http.get(f"{BASE}/sessions/{created['payment_session_id']}", auth=AUTH)
'''


def _session(tmp_path, api) -> tuple[subprocess.CompletedProcess, dict]:
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    with running(EmulatorConfig(api_keys=DEFAULT_KEYS), api=api) as base_url:
        environment = {**{k: v for k, v in os.environ.items() if not k.startswith(("XENDIT_", "CONFORMANCE_"))},
                       "TARGET": base_url, "XENDIT_API_KEY": KEY}
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py",
                               "--conformance-judge-traffic", "--conformance-json-report", "traffic.json",
                               "--conformance-junit-xml", "traffic.xml", "--conformance-html-report", "traffic.html"],
                              cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)
    report = json.loads((tmp_path / "traffic.json").read_text())
    return done, {check["id"]: check["outcome"] for check in report["checks"]}


def test_the_correct_emulators_traffic_passes_the_session(tmp_path):
    done, outcomes = _session(tmp_path, Api)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout and "CONFORMANT" in done.stdout
    assert outcomes["LIFE-RECANCEL"] == "passed" and outcomes["CANCEL-200-SCHEMA"] == "passed"
    assert KEY not in done.stdout + (tmp_path / "traffic.json").read_text() + (tmp_path / "traffic.html").read_text()


@pytest.mark.parametrize("fault", ["recancel-succeeds", "amount-as-string"])
def test_a_faulty_emulators_traffic_fails_the_session_though_every_test_passed(tmp_path, fault):
    done, outcomes = _session(tmp_path, VARIANTS[fault].api)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 passed" in done.stdout and "NON-CONFORMANT" in done.stdout
    must = {check_id for check_id in VARIANTS[fault].catches if check_id.startswith(("LIFE-RECANCEL", "CANCEL-200"))}
    assert must and all(outcomes[check_id] == "failed" for check_id in must), outcomes
