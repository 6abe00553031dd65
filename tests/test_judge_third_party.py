"""Recordings from third-party mocks of the document, judged as the run judges them: Stoplight Prism (npm
``@stoplight/prism-cli``, through npx) and Connexion's mock mode (as tests/test_third_party_mock.py starts it), each
started once for the module on a free loopback port. The suite runs against each mock; the scripted client's
traffic through the proxy in front of it is recorded and judged. Where both judged a check they agree: what the run
passes never fails in the judgement, and each MUST check the run fails, when the traffic exercises it, fails in the
judgement too, but where every failing input of the run is one the traffic does not send (RUN_ONLY, verified)."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from conformance.checks.catalogue import MUST, REGISTRY
from tests.cli import command, environment, invoke
from tests.test_judge_traffic import record
from tests.test_third_party_mock import AUTH_MODULE, KEY, _free_port, _mock_document

OTHER_KEY = "xnd_development_y"  # the scripted client's second business: Connexion knows only KEY; Prism any key
PRISM = "@stoplight/prism-cli@5"
STARTING_SECONDS = 60  # npx may unpack Prism first
JUDGED = {"passed", "failed", "warned"}


def _credentials(request: dict) -> bool:
    """Credentials other than the run's key as documented (the report shows that one as its placeholder)."""
    value = request["headers"].get("Authorization")
    return value is not None and value != "Basic base64($XENDIT_API_KEY:)"


def _content(request: dict) -> bool:
    return bool(request.get("body")) or "Expect" in request["headers"] or "Content-Type" in request["headers"]


CREDENTIALS = ("credentials the run knows are no business's key as documented (an unknown key, the key as password, "
               "empty Basic credentials): the traffic's only such is an unknown key, which the judge does not place "
               "(traffic cannot tell it from a key the judge was not given; the notes count them)", _credentials)
CONTENT = ("a cancel with content (an empty JSON object, Expect: 100-continue): the client sends none", _content)
RUN_ONLY = {  # check → why its failing inputs are ones the traffic cannot show, and how a failing request shows it
    "prism": {"CANCEL-AUTH": CREDENTIALS, "LIFE-AUTH-NO-EFFECT": CREDENTIALS, "CANCEL-ERROR-CODE": CONTENT},
    "connexion": {}}


@dataclass
class Mock:
    name: str
    run: dict  # report.json of `conformance run` against the mock
    judgement: dict  # report.json of `conformance judge` on the recording of the scripted client's traffic to it

    @staticmethod
    def outcomes(report: dict) -> dict[str, str]:
        return {check["id"]: check["outcome"] for check in report["checks"]}


@contextlib.contextmanager
def _started(argv: list[str], folder: Path, env: dict, port: int) -> Iterator[str]:
    """The mock `argv` starts, answering HTTP on `port` (its log in a file: a pipe nobody drains would stop it)."""
    with (folder / "mock.log").open("w") as log:
        process = subprocess.Popen(argv, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTING_SECONDS
        while process.poll() is None:
            with contextlib.suppress(requests.ConnectionError):
                requests.get(url + "/sessions", timeout=2)
                break
            assert time.monotonic() < deadline, f"{argv[:4]} did not answer: {(folder / 'mock.log').read_text()}"
            time.sleep(0.1)
        assert process.poll() is None, f"{argv[:4]} exited: {(folder / 'mock.log').read_text()[-2000:]}"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _command(name: str, folder: Path, port: int) -> tuple[list[str], dict]:
    clean = environment()
    if name == "connexion":
        (folder / "mock_auth.py").write_text(AUTH_MODULE)
        return ([sys.executable, "-m", "connexion", "run", "cancel.json", "--mock", "all", "--host", "127.0.0.1",
                 "--port", str(port)], {**clean, "BASICINFO_FUNC": "mock_auth.known_key", "PYTHONPATH": str(folder)})
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("Prism: npx (Node.js) is not installed")
    return [npx, "--yes", "--prefer-offline", PRISM, "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "error",
            "cancel.json"], clean


@pytest.fixture(scope="module", params=["connexion", "prism"])
def mock(request, tmp_path_factory) -> Mock:
    """The suite's run against the mock, and the judgement of the scripted client's traffic to it."""
    folder = tmp_path_factory.mktemp(request.param)
    (folder / "cancel.json").write_text(json.dumps(_mock_document()))
    port = _free_port()
    argv, env = _command(request.param, folder, port)
    reports = ("--json-report", "report.json", "--junit-xml", "junit.xml", "--html-report", "report.html", "-q")
    with _started(argv, folder, env, port) as url:
        record(url, folder / "traffic.jsonl", expiry=False, keys=(KEY, OTHER_KEY))
        (folder / "run").mkdir()
        done = subprocess.run(command("run", "--base-url", url, "--api-key", KEY, *reports), cwd=folder / "run",
                              env=environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr  # neither mock conforms
    judged = invoke("judge", "traffic.jsonl", *reports, cwd=folder, env={"XENDIT_API_KEY": KEY})
    assert judged.returncode == 1, judged.stdout + judged.stderr
    return Mock(request.param, json.loads((folder / "run" / "report.json").read_text()),
                json.loads((folder / "report.json").read_text()))


def test_what_the_run_passes_never_fails_in_the_judgement(mock):
    run, judgement = Mock.outcomes(mock.run), Mock.outcomes(mock.judgement)
    wrong = {check_id: judgement[check_id] for check_id, outcome in run.items()
             if outcome == "passed" and judgement.get(check_id) in {"failed", "warned", "error"}}
    assert not wrong, f"{mock.name}: passed in the run, not in the judgement: {wrong}"
    assert "error" not in judgement.values()


def test_the_runs_must_failures_the_traffic_exercises_fail_in_the_judgement(mock):
    run, judgement = Mock.outcomes(mock.run), Mock.outcomes(mock.judgement)
    exercised = {check_id for check_id, outcome in run.items()
                 if outcome == "failed" and REGISTRY[check_id].level == MUST and judgement.get(check_id) in JUDGED}
    assert len(exercised) >= 5, (mock.name, exercised)  # the traffic exercises most of what the run fails
    missed = {check_id for check_id in exercised if judgement[check_id] != "failed"}
    assert missed <= set(RUN_ONLY[mock.name]), f"{mock.name}: failed in the run, passed in the judgement: {missed}"


def test_what_only_the_run_fails_it_fails_on_inputs_traffic_cannot_show(mock):
    """RUN_ONLY, verified: every failing request of the run, for each such check, is of the kind its reason says."""
    for check in mock.run["checks"]:
        if check["id"] in RUN_ONLY[mock.name] and check["outcome"] == "failed":
            reason, shows = RUN_ONLY[mock.name][check["id"]]
            requests_ = [failure["exchange"]["request"] for failure in check["failures"]]
            assert requests_ and all(map(shows, requests_)), (check["id"], reason, requests_)
    if CREDENTIALS in RUN_ONLY[mock.name].values():  # the traffic's unknown key: set aside, and said
        assert any("credentials the recording does not place" in note for note in mock.judgement["run"]["notes"])


def test_the_judgement_exercises_what_the_run_cannot(mock):
    """The judgement is not a subset of the run: it also judged checks the run left unjudged on this mock (every
    create answers the document's example, so the run sets the shared id aside after its first finding)."""
    run, judgement = Mock.outcomes(mock.run), Mock.outcomes(mock.judgement)
    assert {check_id for check_id, outcome in judgement.items() if outcome in JUDGED and run[check_id] not in JUDGED}
