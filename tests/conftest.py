"""Shared fixtures: a working directory outside the checkout, an in-process emulator on a free loopback port, a small
Payment Sessions client, a check that a response is one the repaired spec documents, and one failing run's
reports."""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from conformance.spec.pointer import pointer
from conformance.spec.schemas import Schemas, describe
from conformance.spec.stage import load_repaired
from tests.cli import QUICK, conformance
from tests.fakes import KEY, fixed, serve

KEY_A, KEY_B = DEFAULT_KEYS

# The tests start Python processes by the hundred (test workers, `conformance` commands, pytest sessions with the
# plugin, which pytest's assertion rewriting reads as source): each module is compiled once and cached in
# __pycache__, even where the environment asks Python not to write bytecode, rather than again in every process.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

OPERATIONS = {"create": ("/sessions", "post"), "get": ("/sessions/{session_id}", "get"),
              "cancel": ("/sessions/{session_id}/cancel", "post")}


def pay_session(**overrides: object) -> dict:
    """A minimal valid create body (a PAY payment link); `overrides` replace or add fields, None removes one."""
    body = {"reference_id": "order-1", "session_type": "PAY", "mode": "PAYMENT_LINK", "amount": 10000,
            "currency": "IDR", "country": "ID"}
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not None}


class SessionsApi:
    """The Payment Sessions API of one base URL, as one API key (and optionally one ``for-user-id``)."""

    def __init__(self, base_url: str, key: str | None = KEY_A, for_user_id: str | None = None):
        self.base_url = base_url
        self.http = requests.Session()
        if key is not None:
            self.http.auth = (key, "")
        if for_user_id is not None:
            self.http.headers["for-user-id"] = for_user_id

    def create(self, **overrides: object) -> requests.Response:
        return self.http.post(f"{self.base_url}/sessions", json=pay_session(**overrides))

    def new(self, **overrides: object) -> dict:
        """Create a session that must be created; its body."""
        response = self.create(**overrides)
        assert response.status_code == 201, response.text
        return response.json()

    def get(self, session_id: str) -> requests.Response:
        return self.http.get(f"{self.base_url}/sessions/{session_id}")

    def cancel(self, session_id: str, **kwargs: object) -> requests.Response:
        return self.http.post(f"{self.base_url}/sessions/{session_id}/cancel", **kwargs)

    def control(self, session_id: str, action: str) -> requests.Response:
        return self.http.post(f"{self.base_url}/test-control/sessions/{session_id}/{action}")


@pytest.fixture(scope="session", autouse=True)
def _outside_the_checkout(tmp_path_factory) -> Iterator[None]:
    """Each worker works in a directory of its own: a run's default outputs (reports/) never land in the checkout,
    over the reports of the user's own run."""
    with contextlib.chdir(tmp_path_factory.mktemp("cwd")):
        yield


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    """One emulator for the test session: the default keys, test control, expiry floor of 1 s."""
    with running(EmulatorConfig(min_expiry_seconds=1)) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def client_of() -> type[SessionsApi]:
    """``client_of(base_url, key=KEY_A, for_user_id=None)``: a client of any emulator."""
    return SessionsApi


@pytest.fixture
def api(emulator_url: str) -> Callable[..., SessionsApi]:
    """``api(key=KEY_A, for_user_id=None)``: a client of the shared emulator."""
    return lambda key=KEY_A, for_user_id=None: SessionsApi(emulator_url, key, for_user_id)


@pytest.fixture(scope="session")
def documented() -> Callable[[str, requests.Response], list[str]]:
    """``documented(operation, response)``: why the response is not one the repaired spec documents ([] if it is)."""
    documents = {name: load_repaired(name) for name in OPERATIONS}
    validators = {name: Schemas(document) for name, document in documents.items()}

    def problems(operation: str, response: requests.Response) -> list[str]:
        document = documents[operation]
        path, method = OPERATIONS[operation]
        responses = document["paths"][path][method]["responses"]
        key = str(response.status_code)
        key = key if key in responses else f"{key[0]}XX"
        if key not in responses:
            return [f"status {response.status_code} is not documented"]
        if response.headers.get("content-type") != "application/json":
            return [f"content type {response.headers.get('content-type')!r}"]
        reference = responses[key].get("$ref")
        at = reference[1:] if reference else pointer(["paths", path, method, "responses", key])
        schema_at = at + "/content/application~1json/schema"
        return [describe(error) for error in validators[operation].errors(schema_at, response.json())]

    return problems


@pytest.fixture(scope="session")
def failing_run(tmp_path_factory) -> Iterator[SimpleNamespace]:
    """``conformance run`` (every check, the QUICK budget) against a fake that answers every request 200
    ``{"status": "CANCELED"}``: ``.done`` (the finished process), ``.folder`` (junit.xml, report.json, report.html,
    transcript.jsonl) and ``.base_url`` of the fake, which keeps answering for the whole session. One run for the
    tests of every report."""
    folder: Path = tmp_path_factory.mktemp("failing-run")
    with serve(fixed(200, {"status": "CANCELED"})) as base_url:
        done = conformance("run", "--base-url", base_url, "--api-key", KEY, *QUICK,
                           "--junit-xml", str(folder / "junit.xml"), "--json-report", str(folder / "report.json"),
                           "--html-report", str(folder / "report.html"), "--transcript",
                           str(folder / "transcript.jsonl"))
        assert done.returncode == 1, done.stdout + done.stderr
        yield SimpleNamespace(done=done, folder=folder, base_url=base_url)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The catalogue's trials spend most of their time waiting for sessions to expire: run last, they left a core
    idle. Spread in chunks between the other modules (xdist hands items out in this order, a module whole: work
    stealing splits one only near the end of a run), their waits overlap the work of the CPU-bound tests."""
    trials, rest = [], []
    for item in items:
        (trials if getattr(item, "originalname", None) == "test_trial" else rest).append(item)
    modules = [list(group) for _, group in itertools.groupby(rest, key=lambda item: item.path)] + [[]]
    size = -(-len(trials) // len(modules))  # a chunk before each module, and one after the last
    items[:] = [item for index, module in enumerate(modules)
                for item in trials[index * size:(index + 1) * size] + module]
