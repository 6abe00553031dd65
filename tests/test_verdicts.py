"""Verdicts that never lie: a run is CONFORMANT only when every selected MUST check was judged and passed, whatever
stands between the suite and the target (a path prefix, a rate limit, a safety rule it cannot satisfy), and every
report can hold whatever the target sent."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import click
import pytest
from rich.console import Console

from conformance import __main__ as entry_point
from conformance.cli import COMMANDS, main
from conformance.config import RunConfig
from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from conformance.emulator.variants import VARIANTS
from conformance.exitcodes import ExitCode
from conformance.generation.probe import Credentials
from conformance.run import run
from conformance.stateful.sessions import Sessions
from conformance.target.client import Target
from tests.cli import QUICK, conformance, invoke
from tests.fakes import AUTHORIZED, KEY, NOT_FOUND, free_port, prefix_proxy, reply, serve, slow

KEY_A, KEY_B = DEFAULT_KEYS
EMULATOR = EmulatorConfig(min_expiry_seconds=1)


def in_process(tmp_path: Path, base_url: str, *, key: str = KEY_A, **options) -> tuple[int, dict, str]:
    """Run the suite in this process: (exit code, report.json, terminal output); a short lifecycle exploration
    unless `max_steps` says otherwise."""
    output = io.StringIO()
    options = {"max_steps": 40, **options}
    config = RunConfig(base_url=base_url, api_key=key, max_examples=5, junit_xml=tmp_path / "junit.xml",
                       json_report=tmp_path / "report.json", html_report=tmp_path / "report.html", **options)
    code = run(config, Console(file=output, width=200))
    return code, json.loads((tmp_path / "report.json").read_text()), output.getvalue()


def outcomes(report: dict) -> dict[str, str]:
    return {check["id"]: check["outcome"] for check in report["checks"]}


STATELESS_MUST = ["CANCEL-HTTP", "CANCEL-STATUS", "CANCEL-CONTENT-TYPE", "CANCEL-4XX-SCHEMA", "CANCEL-NO-5XX",
                  "CANCEL-NOT-FOUND", "CANCEL-AUTH", "ROBUST-NO-5XX"]


@pytest.mark.parametrize(("variant", "code"), [(None, 0), ("crash-on-long-id", 1)])
def test_a_base_url_with_a_path_prefix_is_judged_like_any_other(tmp_path, variant, code):
    """Through a proxy that mounts the API under /xendit: every request carries the prefix, and the checks see the
    API's paths (before the fix every stateless check judged nothing and a faulty target passed)."""
    api = VARIANTS[variant].api if variant else None
    with running(EMULATOR, **({"api": api} if api else {})) as backend, prefix_proxy(backend, "/xendit") as base_url:
        done, report, output = in_process(tmp_path, base_url, checks=STATELESS_MUST, no_real_sessions=True)
    assert done == code, output
    assert all(check["judged"] > 0 for check in report["checks"]), outcomes(report)
    if variant:
        assert outcomes(report)["CANCEL-NO-5XX"] == "failed"
        assert "/xendit/sessions/" in report["checks"][4]["failures"][0]["exchange"]["request"]["url"]


def test_concurrent_cancels_are_one_burst_under_a_rate_limit(tmp_path):
    """A limiter must not serialise a race: a non-atomic target still fails LIFE-CONCURRENT at 5 requests/s
    (0.2 s apart, the fault's race window: a limiter that serialised the burst would hide the race)."""
    with running(EMULATOR, api=VARIANTS["cancel-not-atomic"].api) as base_url:
        done, report, output = in_process(tmp_path, base_url, checks=["LIFE-CONCURRENT"], rate_limit=5.0,
                                          test_control=True, max_steps=5)
    assert done == 1 and outcomes(report)["LIFE-CONCURRENT"] == "failed", output


def _no_auth_no_get(handler) -> None:
    """Enforces no auth at all, and has no GET /sessions/{id} route (405): the safety GET can never say 404."""
    if handler.command == "GET":
        reply(handler, 405, {"error_code": "METHOD_NOT_ALLOWED", "message": "no"}, headers={"Allow": "POST"})
    else:
        reply(handler, 404, NOT_FOUND)


def test_a_safety_rule_that_withholds_everything_is_said_and_is_incomplete(tmp_path):
    with serve(_no_auth_no_get) as base_url:
        withheld, report, output = in_process(tmp_path / "a", base_url, key=KEY, checks=["CANCEL-AUTH"])
        acknowledged, second, _ = in_process(tmp_path / "b", base_url, key=KEY, checks=["CANCEL-AUTH"],
                                             no_real_sessions=True)
    assert withheld == 4 and report["verdict"] == "incomplete", output
    assert outcomes(report)["CANCEL-AUTH"] == "not_run"
    assert {item["get_status"] for item in report["safety"]["withheld"]} == {"405"}
    assert {item["family"] for item in report["safety"]["withheld"]} >= {"auth", "ids"}
    assert "--no-real-sessions" in report["safety"]["note"] and "--no-real-sessions" in output
    assert "request(s) withheld" in output
    # told that the target holds no real sessions, the suite sends them: the missing auth is found
    assert acknowledged == 1 and outcomes(second)["CANCEL-AUTH"] == "failed"


def test_a_given_session_that_is_not_active_is_reported(tmp_path):
    unknown = "ps-0123456789abcdef01234567"
    with running(EMULATOR) as base_url:
        done, report, output = in_process(tmp_path, base_url, checks=["LIFE-GET-CANCELED"], session_ids=[unknown])
    assert done == 0, output
    [dropped] = report["safety"]["dropped_sessions"]
    assert dropped["id"] == unknown
    assert "not readable as the run's key's session (GET answered 404)" in dropped["reason"]
    assert f"--session-id {unknown} not used" in output


def test_progress_moves_every_second_without_a_terminal(tmp_path):
    """Against a target answering in 50 ms, the stateless stage sends for several seconds (one family at a time):
    status lines come meanwhile, with the requests per family, before the stage's results — through the real
    command, whose output the suite's own pytest session must not capture."""
    with serve(slow(0.05)) as base_url:
        done = conformance("run", "--base-url", base_url, "--api-key", KEY, *QUICK, "--workers", "1",
                           "--checks",
                           "CANCEL-NOT-FOUND,CANCEL-AUTH", "--junit-xml", str(tmp_path / "j.xml"), "--json-report",
                           str(tmp_path / "r.json"), "--html-report", str(tmp_path / "r.html"),
                           env={"PYTHONUNBUFFERED": "1"})
    output = done.stdout
    lines = output.splitlines()
    status = [line for line in lines if "[stateless]" in line and " requests (" in line]
    first_result = next(i for i, line in enumerate(lines) if "CANCEL-NOT-FOUND" in line)
    assert len(status) >= 3 and lines.index(status[0]) < first_result, output
    counts = [int(line.split("[stateless] ")[1].split(" ")[0]) for line in status]
    assert counts == sorted(counts) and counts[-1] > counts[0]


def _nul_body(handler) -> None:
    ok = handler.headers.get("Authorization") == AUTHORIZED
    reply(handler, 404 if ok else 401, b'{"error_code": "NOT_FOUND", "message": "x\x00\x1b[31m\x07\xff"}')


def test_every_report_holds_what_xml_cannot(tmp_path):
    """A body with NUL, escape and invalid UTF-8 bytes: every report is written whole and parses."""
    with serve(_nul_body) as base_url:
        done, report, _ = in_process(tmp_path, base_url, key=KEY, checks=["CANCEL-CONTENT-TYPE"])
    assert done == 1 and outcomes(report)["CANCEL-CONTENT-TYPE"] == "failed"
    junit = (tmp_path / "junit.xml").read_text()
    ElementTree.fromstring(junit)  # well-formed: no raw control character
    assert "\\x00" in junit and "\\x1b" in junit
    html = (tmp_path / "report.html").read_text()
    assert "\x00" not in html and "\\x00" in html


def test_ctrl_c_at_start_up_is_exit_130_without_a_traceback():
    process = subprocess.Popen([sys.executable, "-m", "conformance", "run"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as a terminal
    # has it, even when these tests run in the background (where a shell ignores SIGINT, and the child inherits it)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    assert "Traceback" not in out + err and "interrupted" in out + err


def test_the_entry_points_exit_code_is_exit_codes_interrupted():
    """The entry point names 130 itself (it imports nothing a second Ctrl-C could interrupt): the same number."""
    assert entry_point.INTERRUPTED == ExitCode.INTERRUPTED


def test_each_command_is_found_by_its_own_name():
    """The group imports a command when asked for it by name (COMMANDS): the name there is the command's own."""
    context = click.Context(main)
    assert {name: getattr(main.get_command(context, name), "name", None) for name in COMMANDS} == {
        name: name for name in COMMANDS}
    assert main.get_command(context, "no-such-command") is None


def test_the_pytest_plugin_against_an_unreachable_target_is_one_clean_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance.suite",
                           "--conformance-base-url", f"http://127.0.0.1:{free_port()}", "--conformance-api-key",
                           KEY], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "does not answer HTTP" in done.stderr and "INTERNALERROR" not in done.stdout + done.stderr


def test_a_whole_run_through_a_path_prefix_is_conformant(tmp_path):
    """Every request the suite sends (create, get, cancel, test control, the checkout link) goes through the
    prefix: the emulator behind it, told its public URL, passes every check."""
    port = free_port()
    with prefix_proxy(f"http://127.0.0.1:{port}", "/xendit") as base_url, running(
            EmulatorConfig(port=port, min_expiry_seconds=1, public_url=base_url)):
        done, report, output = in_process(tmp_path, base_url, other_api_key=KEY_B, test_control=True)
    assert done == 0 and report["verdict"] == "conformant", output
    assert outcomes(report)["LIFE-CHECKOUT"] == "passed"


def test_an_incomplete_run_gives_an_evidence_bundle_that_says_so(tmp_path):
    """A budget-limited run: its bundle verifies (nothing was tampered with) but records INCOMPLETE, and
    verify-evidence exits 4 with the reasons, never VERIFIED-and-conformant."""
    with running(EMULATOR) as base_url:
        done, report, _ = in_process(tmp_path, base_url, max_requests=40, evidence=tmp_path / "evidence.zip")
    assert done == 4 and report["verdict"] == "incomplete"
    verified = invoke("verify-evidence", str(tmp_path / "evidence.zip"))
    assert verified.returncode == 4, verified.stdout + verified.stderr
    assert "VERIFIED" in verified.stdout and "the run it records is INCOMPLETE" in verified.stdout
    assert "the run stopped early: the request budget (--max-requests 40) is spent" in verified.stdout


def test_a_safety_get_without_an_answer_names_the_dead_target_not_a_real_session():
    sessions = Sessions(Target("http://127.0.0.1:1"), Credentials("k"), given=[], completed=None, expired=None,
                        test_control=False, known_ids=set())
    withholding = sessions.guard("POST", "ps-0123456789abcdef01234567")
    assert withholding.status == "no response" and "got no answer" in withholding.reason
    assert "real session" not in withholding.reason
