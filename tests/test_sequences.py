"""A lifecycle failure's sequence, end to end on a real faulty variant (re-cancelling answers 200): its files beside
the JUnit report (no key in them, an earlier run's stale ones gone), the script reproducing the failing status in
bash, the terminal, report.html and JUnit showing the steps, and ``conformance replay`` of it on the faulty variant
(still fails) and on the correct emulator (answers differently)."""

from __future__ import annotations

import html
import io
import json
import os
import subprocess
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest
from rich.console import Console

from conformance.config import RunConfig
from conformance.emulator import EmulatorConfig, running
from conformance.emulator.variants import VARIANTS
from conformance.replay import _withheld
from conformance.report.sequence import SESSION_ID
from conformance.run import run
from tests.canary import KEY, OTHER, leaked
from tests.cli import EMULATOR_EXPIRY_LAG, invoke
from tests.fakes import free_port

CHECK = "LIFE-RECANCEL"
EMULATOR = EmulatorConfig(api_keys={KEY: "5f9a3c2e1b7d4a6c8e0f1a2b", OTHER: "6a0b4d3f2c8e5b7d9f1a2b3c"},
                          test_control=True, min_expiry_seconds=1)
KEYS = {"XENDIT_API_KEY": KEY, "XENDIT_OTHER_API_KEY": OTHER}


@pytest.fixture(scope="module")
def failed(tmp_path_factory):
    """One run (30 steps, no shrinking, LIFE-RECANCEL only) against the faulty variant, which keeps running; an
    earlier run's sequence and an unrelated file were in sequences/ before it."""
    out = tmp_path_factory.mktemp("sequences")
    (out / "sequences").mkdir()
    (out / "sequences" / "LIFE-OLD-CHECK.txt").write_text("an earlier run's")
    (out / "sequences" / "notes.txt").write_text("not a check's")
    with running(EMULATOR, api=VARIANTS["recancel-succeeds"].api) as base_url:
        config = RunConfig(base_url=base_url, api_key=KEY, other_api_key=OTHER, test_control=True, checks=[CHECK],
                           max_steps=30, shrink=False, expiry_lag=EMULATOR_EXPIRY_LAG, progress=False,
                           junit_xml=out / "junit.xml", json_report=out / "report.json",
                           html_report=out / "report.html")
        terminal = io.StringIO()
        assert run(config, Console(file=terminal, width=200)) == 1, terminal.getvalue()
        failure = next(check for check in json.loads((out / "report.json").read_text())["checks"]
                       if check["id"] == CHECK)["failures"][0]
        yield SimpleNamespace(out=out, base_url=base_url, terminal=terminal.getvalue(), steps=failure["steps"],
                              script=out / "sequences" / f"{CHECK}.sh", text=out / "sequences" / f"{CHECK}.txt")


def test_the_files_are_written_without_a_key_and_stale_ones_removed(failed):
    assert failed.script.stat().st_mode & 0o777 == 0o755 and failed.text.is_file()
    assert {path.name for path in (failed.out / "sequences").iterdir()} == {f"{CHECK}.sh", f"{CHECK}.txt",
                                                                             "notes.txt"}
    assert f"report: {failed.script}" in failed.terminal
    for path in (failed.script, failed.text):
        assert leaked(path.read_text()) == {}, path.name
    text = failed.text.read_text()
    assert text.count("<- the failing step") == 1 and f"{len(failed.steps):3}. " in text


def test_the_script_reproduces_the_failing_status_in_bash(failed):
    recorded = failed.steps[-1]["exchange"]["response"]["status"]
    done = subprocess.run(["bash", str(failed.script)], capture_output=True, text=True, timeout=60,
                          env={**KEYS, "BASE_URL": failed.base_url, "PATH": os.environ["PATH"]})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith(f"→ {recorded}") and recorded == 200


def test_the_terminal_html_and_junit_show_the_sequence(failed):
    earlier = len(failed.steps) - 8
    assert earlier > 0 and f"{earlier} earlier steps in {failed.text}" in failed.terminal
    assert f"{CHECK}: the failing sequence" in failed.terminal and f"script: {failed.script}" in failed.terminal
    assert f"{earlier:3}. " not in failed.terminal and f"{earlier + 1:3}. " in failed.terminal
    page = (failed.out / "report.html").read_text()
    shown = page.split('<pre class="sequence">')[1].split("</pre>")[0]
    assert html.unescape(shown) == failed.text.read_text().rstrip("\n")
    assert html.escape(str(failed.script)) in page
    case = next(case for case in ET.parse(failed.out / "junit.xml").iter("testcase") if case.get("name") == CHECK)
    assert "The failing sequence" in case.find("failure").text and "<- the failing step" in case.find("failure").text
    assert leaked(page) == {} and leaked(failed.terminal) == {}


def test_replay_still_fails_on_the_faulty_variant(failed):
    done = invoke("replay", CHECK, "--report", str(failed.out / "report.json"), env=KEYS)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1].startswith(f"STILL FAILS {CHECK} as recorded: the failing step answers 200")
    assert lines[0].startswith("  1. POST /sessions → 201")
    assert lines[-2].startswith(f"{len(failed.steps):3}. POST /sessions/ps-") and lines[-2].endswith("/cancel → 200")
    assert leaked(done.stdout + done.stderr) == {}
    recorded = [SESSION_ID.search(step["exchange"]["response"]["body"]).group()[3:19] for step in failed.steps
                if step["exchange"]["request"]["path"] == "/sessions" and step["exchange"]["response"]["status"] == 201]
    sent = [line.lower() for line in lines if " POST /sessions/" in line and "withheld" not in line]
    assert recorded and sent  # (the withholding rule has its own test below)
    assert not [line for line in sent if any(prefix in line for prefix in recorded)]  # the run's sessions live on


def test_replay_answers_differently_on_the_correct_emulator(failed):
    with running(EMULATOR) as base_url:
        done = invoke("replay", CHECK, "--report", str(failed.out / "report.json"), "--base-url", base_url, env=KEYS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the failing step now answers 422 error_code INVALID_SESSION_STATUS (recorded 200 status CANCELED)" \
        in done.stdout


def test_replay_of_a_sequence_to_a_stopped_target_is_exit_3(failed):
    done = invoke("replay", CHECK, "--report", str(failed.out / "report.json"), "--base-url",
                  f"http://127.0.0.1:{free_port()}", env=KEYS)
    assert done.returncode == 3 and "does not answer" in done.stderr, done.stdout + done.stderr


def test_replay_sends_a_state_changing_request_only_for_a_session_it_created():
    created, other = "ps-" + "a" * 24, "ps-" + "b" * 24
    sent = [("POST", f"/sessions/{created}/cancel"), ("POST", f"/sessions/{created.upper()}/cancel"),
            ("GET", f"/sessions/{other}"), ("POST", "/sessions")]
    withheld = [("POST", f"/sessions/{other}/cancel"), ("DELETE", f"/sessions/{other}"),
                ("POST", f"/sessions/{created}/../{other}/cancel"), ("POST", f"/sessions/{created}/%2E%2E/{other}")]
    assert [_withheld(method, path, [created]) for method, path in sent] == [None] * len(sent)
    assert all(_withheld(method, path, [created]) for method, path in withheld)
