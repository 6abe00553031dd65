"""Broken targets end as clear failing checks or a clear start-up error, with the report written, never a traceback;
and the suite survives its own failures (interrupts, a check that raises)."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from junitparser import Error, Failure, JUnitXml
from rich.console import Console

from conformance.results.model import INTERRUPTIONS
from tests.cli import command, conformance, environment, invoke
from tests.fakes import (
    KEY,
    chunked,
    conformant_404,
    dies_after,
    every_nth,
    every_other_time,
    fixed,
    hang,
    huge,
    mute,
    redirect_loop,
    reset,
    serve,
    slow,
    stalled_errors,
)

QUICK = ["--max-examples", "5", "--request-timeout", "1"]
WAITS = ("--request-timeout", "0.3")  # a test that waits for timeouts: each costs this, not a second


def run_against(base_url: str, tmp_path, *extra: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess,
                                                                                          dict]:
    """``conformance run`` in this process (quick budget, then `extra`): its answer, and each check's result types in
    the JUnit report."""
    done = invoke("run", "--base-url", base_url, "--api-key", KEY, *QUICK, "--junit-xml", str(tmp_path / "j.xml"),
                  "--json-report", str(tmp_path / "r.json"), "--html-report", str(tmp_path / "r.html"), *extra,
                  env=env)
    assert "Traceback" not in done.stdout + done.stderr
    verdicts = {}
    if (tmp_path / "j.xml").exists():
        for suite in JUnitXml.fromfile(str(tmp_path / "j.xml")):
            for case in suite:
                verdicts[case.name.split()[0]] = {type(result) for result in case.result}
    return done, verdicts


@pytest.mark.parametrize(("name", "behaviour", "failing", "options"), [
    ("connection reset mid-response", every_nth(3, reset), "CANCEL-HTTP", ()),
    ("a response that never ends", every_nth(25, hang), "CANCEL-HTTP", WAITS),
    ("plain-text bodies", fixed(404, b"Not Found", "text/plain"), "CANCEL-CONTENT-TYPE", ()),
    ("invalid JSON", fixed(404, b'{"error_code": "NOT_FOUND",', "application/json"), "CANCEL-CONTENT-TYPE", ()),
    ("a 50 MB body", every_nth(5, huge), "CANCEL-CONTENT-TYPE", ()),
    ("a redirect loop", redirect_loop, "CANCEL-STATUS", ()),
], ids=lambda value: value if isinstance(value, str) else "")
def test_broken_target_is_a_failing_check(tmp_path, name, behaviour, failing, options):
    with serve(behaviour) as base_url:
        done, verdicts = run_against(base_url, tmp_path, *options)
    assert done.returncode == 1, done.stdout + done.stderr
    assert Failure in verdicts[failing], verdicts


def test_a_target_that_never_answers_is_a_startup_error(tmp_path):
    with serve(mute) as base_url:
        done, _ = run_against(base_url, tmp_path, *WAITS)
    assert done.returncode == 3 and "does not answer HTTP" in done.stdout


def _resets_out_of_bounds(handler) -> None:
    """Drops the connection on a cancel whose id is not 27 characters (many in a row), answers everything else."""
    parts = handler.path.split("/")
    if handler.command == "POST" and len(parts) == 4 and parts[3] == "cancel" and len(parts[2]) != 27:
        reset(handler)
    else:
        conformant_404(handler)


def test_a_target_that_stops_answering_is_unreachable_not_non_conformant(tmp_path):
    """Its last transport errors are the target's death, not failures of the inputs: exit 3, INCOMPLETE."""
    with serve(dies_after(30)) as base_url:
        done, verdicts = run_against(base_url, tmp_path, "--checks", "CANCEL-HTTP,CANCEL-NOT-FOUND", *WAITS)
    assert done.returncode == 3, done.stdout
    assert "the target stopped answering (5 transport errors in a row, then no answer to a reachability probe)" \
        in done.stdout
    assert "INCOMPLETE (exit 3)" in done.stdout
    assert Failure not in verdicts["CANCEL-HTTP"]


def test_a_target_that_breaks_on_some_inputs_keeps_those_failures(tmp_path):
    """Five resets in a row, but the target still answers a plain request: the resets are CANCEL-HTTP failures and
    the run goes on."""
    with serve(_resets_out_of_bounds) as base_url:
        done, verdicts = run_against(base_url, tmp_path, "--checks", "CANCEL-HTTP,CANCEL-NOT-FOUND", *WAITS)
    assert done.returncode == 1, done.stdout
    assert Failure in verdicts["CANCEL-HTTP"] and "stopped answering" not in done.stdout


def test_intermittent_failures_are_reported_as_flaky(tmp_path):
    with serve(every_other_time(fixed(500, {"error_code": "SERVER_ERROR", "message": "boom"}))) as base_url:
        done, verdicts = run_against(base_url, tmp_path, "--checks", "CANCEL-NO-5XX")
    assert done.returncode == 1 and Failure in verdicts["CANCEL-NO-5XX"]
    assert "FLAKY: a retry of the same request did not reproduce it" in (tmp_path / "j.xml").read_text()


@pytest.mark.parametrize("behaviour", [conformant_404, chunked], ids=["http/1.0", "chunked"])
def test_http10_and_chunked_targets_work(tmp_path, behaviour):
    with serve(behaviour, http10=behaviour is conformant_404) as base_url:
        done, verdicts = run_against(base_url, tmp_path, "--checks", "CANCEL-HTTP,CANCEL-NOT-FOUND,CANCEL-AUTH")
    assert done.returncode == 0, done.stdout


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(folder / "key.pem"),
                    "-out", str(folder / "cert.pem")], check=True, capture_output=True)
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return folder / "cert.pem", context


def test_tls_errors_and_the_ways_around_them(tmp_path, certificate):
    cert, context = certificate
    checks = ["--checks", "CANCEL-NOT-FOUND"]
    with serve(conformant_404, tls=context) as base_url:
        refused, _ = run_against(base_url, tmp_path, *checks)
        insecure, _ = run_against(base_url, tmp_path, "--insecure", *checks)
        bundled, _ = run_against(base_url, tmp_path, "--ca-bundle", str(cert), *checks)
    assert refused.returncode == 3 and "--ca-bundle" in refused.stdout
    assert insecure.returncode == 0, insecure.stdout
    assert bundled.returncode == 0, bundled.stdout


class _Proxy(BaseHTTPRequestHandler):
    """A forwarding HTTP proxy that remembers what went through it."""

    seen: list = []
    disable_nagle_algorithm = True  # else each answer on a kept-alive connection waits ~40 ms for a delayed ACK

    def log_message(self, *args) -> None:
        pass

    def forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append(self.path)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in {"proxy-connection", "host"}}
        with requests.Session() as direct:  # not through the proxy the run's environment names: this is it
            direct.trust_env = False
            answer = direct.request(self.command, self.path, headers=headers, data=body or None,
                                    allow_redirects=False)
        self.send_response(answer.status_code)
        for name in ("Content-Type",):
            if name in answer.headers:
                self.send_header(name, answer.headers[name])
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_TRACE = do_QUERY = forward


def test_proxies_from_the_environment_are_honoured(tmp_path):
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        with serve(conformant_404) as base_url:
            done, _ = run_against(base_url, tmp_path, "--checks", "CANCEL-NOT-FOUND",
                                  env={"HTTP_PROXY": f"http://127.0.0.1:{proxy.server_address[1]}", "NO_PROXY": ""})
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert done.returncode == 0, done.stdout
    assert any(path.startswith(base_url + "/sessions/") for path in _Proxy.seen)


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_a_signal_writes_the_partial_report_and_exits_with_its_code(tmp_path, sent, code):
    """Ctrl-C, or SIGTERM (a CI job's timeout, a container stopping): the run ends INCOMPLETE, never CONFORMANT, its
    reports written and saying why, with the signal's own exit code."""
    with serve(slow(0.3)) as base_url:
        process = subprocess.Popen(
            command("run", "--base-url", base_url, "--api-key", KEY, "--junit-xml", str(tmp_path / "j.xml"),
                    "--json-report", str(tmp_path / "r.json"), "--html-report", str(tmp_path / "r.html")),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment({"PYTHONUNBUFFERED": "1"}))
        for line in process.stdout:
            if line.startswith("target: "):  # the run is under way
                break
        time.sleep(2)
        process.send_signal(sent)
        out, err = process.communicate(timeout=60)
    reason = INTERRUPTIONS[sent.name]
    assert process.returncode == code, out + err
    assert "Traceback" not in out + err and f"interrupted: {reason}" in out and f"INCOMPLETE (exit {code})" in out
    assert "not run: the run was interrupted" in (tmp_path / "j.xml").read_text()
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["verdict"], report["exit_code"], report["run"]["signal"]) == ("incomplete", code, sent.name)
    assert reason in report["reasons"]
    assert 'class="verdict conformant"' not in (tmp_path / "r.html").read_text()
    junit = JUnitXml.fromfile(str(tmp_path / "j.xml"))
    properties = [(prop.name, prop.value) for suite in junit for prop in suite.properties()]
    assert ("verdict", "incomplete") in properties and ("reason", reason) in properties


def test_a_target_whose_errors_all_stall_costs_bounded_time_and_says_so(tmp_path):
    """Every error response declares a longer body than it sends: after STALL timeouts of a family at an endpoint
    the rest of them are not sent, so the run ends with a verdict, well within two minutes more than against a
    correct target, and says which families stalled."""
    budgets = ["--max-examples", "5", "--max-steps", "20", "--request-timeout", "1"]
    seconds = {}
    for behaviour in (conformant_404, stalled_errors):
        with serve(behaviour) as base_url:
            started = time.monotonic()
            done = conformance("run", "--base-url", base_url, "--api-key", KEY, *budgets, "--junit-xml",
                               str(tmp_path / "j.xml"), "--json-report", str(tmp_path / "r.json"),
                               "--html-report", str(tmp_path / "r.html"))
            seconds[behaviour] = time.monotonic() - started
    assert seconds[stalled_errors] - seconds[conformant_404] < 120
    assert done.returncode in (1, 4) and "Traceback" not in done.stdout + done.stderr, done.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    stalls = report["run"]["stalls"]
    assert {"family": "ids", "endpoint": "cancel",
            "reason": "3 requests of family ids to endpoint cancel timed out: the rest are not sent"} in stalls
    assert all(stall["reason"] in report["reasons"] and stall["reason"] in done.stdout for stall in stalls)
    assert not report["run"]["target_gone"]
    assert "timed out: the rest are not sent" in (tmp_path / "r.html").read_text()


def test_a_check_that_raises_is_that_checks_error_and_the_run_goes_on(tmp_path, monkeypatch):
    from conformance.checks import stateless
    from conformance.config import RunConfig
    from conformance.run import run

    def broken(exchange, ctx):
        raise ZeroDivisionError("a bug in the check")

    monkeypatch.setitem(stateless.STATELESS_CHECKS, "CANCEL-STATUS", broken)
    output = io.StringIO()
    code = run(RunConfig(max_examples=5, max_steps=40, junit_xml=tmp_path / "j.xml",
                         checks=["CANCEL-STATUS", "CANCEL-NOT-FOUND", "LIFE-RECANCEL"]), Console(file=output))
    assert code == 4 and "CANCEL-STATUS (MUST) errored" in output.getvalue()  # not judged: INCOMPLETE
    verdicts = {case.name.split()[0]: {type(r) for r in case.result}
                for suite in JUnitXml.fromfile(str(tmp_path / "j.xml")) for case in suite}
    assert Error in verdicts["CANCEL-STATUS"]
    assert verdicts["CANCEL-NOT-FOUND"] == set() and verdicts["LIFE-RECANCEL"] == set()
    assert "ZeroDivisionError: a bug in the check" in (tmp_path / "j.xml").read_text()
