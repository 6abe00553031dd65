"""Safety: no live accounts unless told, no cancel of a session the suite did not create, no key in any output."""

from __future__ import annotations

import base64
import json
import re
import time
from urllib.parse import urlsplit

import pytest

from conformance.generation.probe import Credentials
from conformance.safety import link_refusal
from conformance.stateful.sessions import Sessions
from conformance.target.client import Target
from tests.cli import QUICK, invoke
from tests.fakes import AUTHORIZED, KEY, NOT_FOUND, conformant_404, every_nth, fixed, reply, serve

EXAMPLE_ID = "ps-661f87c614802d6c402cd82d"  # the document's example: schemathesis sends it


@pytest.mark.parametrize("key", ["xnd_production_abc", "XND_PRODUCTION_abc", "xnd_public_production_abc"])
def test_live_key_is_refused(key):
    done = invoke("run", "--base-url", "http://127.0.0.1:9", "--api-key", key)
    assert done.returncode == 2 and "refusing to run: a live (xnd_production_" in done.stderr
    assert key not in done.stdout + done.stderr


def test_xendit_host_needs_a_test_key_and_allow_live_overrides():
    done = invoke("run", "--base-url", "https://api.xendit.co", "--api-key", "sk_something")
    assert done.returncode == 2 and "is Xendit and a key is not a test" in done.stderr
    planned = invoke("run", "--base-url", "https://api.xendit.co", "--api-key", "sk_something",
                     "--allow-live", "--dry-run")
    assert planned.returncode == 0 and "Dry run: nothing is sent" in planned.stdout
    # the plan counts the witnesses (on an emulator of its own) and sizes them against Xendit's test-mode limit
    text = " ".join(planned.stdout.split())  # as the terminal wrapped it
    counts = dict(re.findall(r"(create|get|cancel|other|checkout) (\d+)", text.split("Witnesses first")[1]
                             .split(" in all")[0]))
    assert {"create", "get", "cancel"} <= counts.keys() and max(int(counts[name]) for name in counts) <= 60, counts
    assert "at the known limit of 60 per 60 s per endpoint they wait 0 s" in text


def test_dry_run_sends_nothing():
    log: list = []
    with serve(conformant_404, log=log) as base_url:
        done = invoke("run", "--base-url", base_url, "--api-key", KEY, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert log == []
    for expected in ["CANCEL-NOT-FOUND", "LIFE-CONCURRENT", "model-checked steps", "confirmed absent with a GET"]:
        assert expected in done.stdout


def _owns_the_example(handler) -> None:
    """A target on which the document's example id is a real session of the key."""
    if handler.command == "GET" and handler.path == f"/sessions/{EXAMPLE_ID}" and \
            handler.headers.get("Authorization") == AUTHORIZED:
        reply(handler, 200, {"payment_session_id": EXAMPLE_ID, "status": "ACTIVE"})
    else:
        conformant_404(handler)


def test_never_cancels_a_real_session_it_did_not_create(tmp_path):
    log: list = []
    with serve(_owns_the_example, log=log) as base_url:
        done = invoke("run", "--base-url", base_url, "--api-key", KEY, "--max-examples", "10",
                      "--junit-xml", str(tmp_path / "j.xml"))
    touched = [(method, path) for method, path, _ in log if EXAMPLE_ID in path and method not in {"GET", "OPTIONS"}]
    assert touched == [], touched
    assert ("GET", f"/sessions/{EXAMPLE_ID}") in [(m, p) for m, p, _ in log]
    assert "could name a real session" in done.stdout


def _echoing(handler) -> None:
    """Echoes the credentials and customer details back in an error body (which also breaks the schema)."""
    reply(handler, 404, {"error_code": "NOT_FOUND", "messages": handler.headers.get("Authorization", ""),
                         "customer": {"email": "jane.doe@example.com", "mobile_number": "+6281234567890",
                                      "given_names": "Jane"}})


def test_no_artifact_contains_the_key_or_customer_details(tmp_path):
    with serve(_echoing) as base_url:
        done = invoke("run", "--base-url", base_url, "--api-key", KEY, *QUICK,
                      "--junit-xml", str(tmp_path / "junit.xml"), "--transcript", str(tmp_path / "t.jsonl"))
    assert done.returncode == 1
    artifacts = [done.stdout, done.stderr] + [path.read_text() for path in tmp_path.iterdir()]
    assert "CANCEL-4XX-SCHEMA" in artifacts[0]
    secret_forms = [KEY, base64.b64encode(f"{KEY}:".encode()).decode(), "jane.doe@example.com", "+6281234567890"]
    for text in artifacts:
        for secret in secret_forms:
            assert secret not in text
    assert '"email": "***"' in (tmp_path / "junit.xml").read_text().replace("&quot;", '"')


def test_429_is_waited_out_not_failed(tmp_path):
    limited = every_nth(4, lambda h: reply(h, 429, {"error_code": "RATE_LIMIT_EXCEEDED", "message": "slow down"},
                                           headers={"Retry-After": "0.05"}))
    with serve(limited) as base_url:
        done = invoke("run", "--base-url", base_url, "--api-key", KEY, *QUICK,
                      "--checks", "CANCEL-STATUS,CANCEL-4XX-SCHEMA,CANCEL-NOT-FOUND",
                      "--junit-xml", str(tmp_path / "j.xml"))
    assert done.returncode == 0, done.stdout
    assert "answer(s) 429" in done.stdout


def test_rate_limit_throttles():
    with serve(conformant_404) as base_url:
        started = time.perf_counter()
        done = invoke("run", "--base-url", base_url, "--api-key", KEY, "--rate-limit", "20/s",
                      "--max-requests", "30", "--checks", "CANCEL-NOT-FOUND")
        elapsed = time.perf_counter() - started
    assert done.returncode == 4 and "INCOMPLETE" in done.stdout, done.stdout  # the budget ended it
    assert elapsed > 29 / 20


def test_request_budget_stops_cleanly_with_a_partial_report(tmp_path):
    log: list = []
    with serve(conformant_404, log=log) as base_url:
        done = invoke("run", "--base-url", base_url, "--api-key", KEY, "--max-requests", "25",
                      "--junit-xml", str(tmp_path / "j.xml"), "--transcript", str(tmp_path / "t.jsonl"),
                      "--json-report", str(tmp_path / "r.json"))
    assert done.returncode == 4, done.stdout  # a budget-limited run is INCOMPLETE, never CONFORMANT
    assert len(log) <= 25
    assert "stopped early: the request budget (--max-requests 25) is spent" in done.stdout
    assert "INCOMPLETE (exit 4)" in done.stdout
    assert "--max-requests 25" in (tmp_path / "j.xml").read_text()
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["verdict"] == "incomplete" and report["run"]["stopped_early"].startswith("the request budget")
    records = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert sum(record["response"] is not None for record in records) == len(log)


def test_time_budget_stops_cleanly(tmp_path):
    from tests.fakes import slow

    with serve(slow(0.05)) as base_url:
        started = time.perf_counter()
        done = invoke("run", "--base-url", base_url, "--api-key", KEY, "--timeout-total", "2",
                      "--junit-xml", str(tmp_path / "j.xml"))
        elapsed = time.perf_counter() - started
    assert "stopped early: the time budget (--timeout-total 2 s) is spent" in done.stdout
    assert done.returncode == 4, done.stdout
    assert (tmp_path / "j.xml").exists() and elapsed < 20
    assert NOT_FOUND  # the fake's conformant answer is what was judged


@pytest.mark.parametrize(("base_url", "link", "hosts", "fetched"), [
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080/checkout/ps-1", (), True),  # the target's own host
    ("http://127.0.0.1:8080", "http://localhost:8080/checkout/ps-1", (), True),  # loopback, from loopback
    ("http://127.0.0.1:8080", "https://xen.to/kGxPCi60", (), False),  # a mock's example: not onto the internet
    ("http://127.0.0.1:8080", "https://xen.to/kGxPCi60", ("XEN.TO",), True),  # unless told to
    ("https://api.xendit.co", "https://checkout-staging.xendit.co/web/ps-1", (), True),  # Xendit's checkout host
    ("https://api.xendit.co", "https://dev.xen.to/abc", (), True),  # and its short links
    ("https://api.xendit.co", "https://evil.example/xendit.co", (), False),
    ("https://emulator.example", "https://pay.example/ps-1", (), False),
    ("https://emulator.example", "https://pay.example/ps-1", ("pay.example",), True),
])
def test_checkout_links_are_fetched_only_where_the_safety_rule_lets_them(base_url, link, hosts, fetched):
    refusal = link_refusal(base_url, link, hosts)
    assert (refusal is None) == fetched, refusal
    assert fetched or f"--checkout-host {urlsplit(link).hostname}" in refusal


OWN = "ps-0123456789abcdef01234567"
OTHER = "ps-76543210fedcba9876543210"
GUARD_CASES = [  # (method, id named, what a GET of OTHER answers, sent, GETs of OTHER) — one rule for every stage
    ("POST", OTHER, 404, True, 1),
    ("POST", OTHER, 400, False, 1),  # refused as malformed proves nothing: the cancel route may read it otherwise
    ("POST", OTHER, 200, False, 1),  # a session the run did not create
    ("POST", OTHER, "own", True, 1),  # a server normalising the id to one of the run's sessions
    ("POST", OWN + "%0A", 200, True, 0),  # the only well-formed id inside is the run's own: no GET
    ("POST", "ps-0123", 200, True, 0),  # nothing of a real id's form inside
    ("POST", OTHER.upper(), 404, True, 2),  # as written and in lower case
    ("GET", OTHER, 200, True, 0),  # a safe method
]


@pytest.mark.parametrize("method, named, answer, sent, gets", GUARD_CASES)
def test_the_safety_guard_sends_only_what_a_404_or_the_runs_own_session_allows(method, named, answer, sent, gets):
    log: list = []

    def behaviour(handler):
        if handler.path.lower() == f"/sessions/{OTHER}" and answer != 404:
            body = {"payment_session_id": OWN if answer == "own" else OTHER, "status": "ACTIVE"}
            reply(handler, 200 if answer == "own" else answer, body)
        else:
            reply(handler, 404, NOT_FOUND)

    with serve(behaviour, log=log) as base_url:
        sessions = Sessions(Target(base_url), Credentials(KEY), given=[], completed=None, expired=None,
                            test_control=False, known_ids={OWN})
        first = sessions.guard(method, named)
        assert (first is None) == sent, first
        assert sessions.guard(method, named) == first  # the answer is kept: one GET per id and credentials
    assert [entry[:2] for entry in log] == [("GET", f"/sessions/{real}")
                                            for real in sorted({OTHER, OTHER.upper()} & {named, named.lower()})][:gets]
    assert all(entry[2]["Authorization"] == AUTHORIZED for entry in log)


def test_the_safety_guard_asks_with_the_credentials_that_would_send_the_request():
    log: list = []
    with serve(fixed(404, NOT_FOUND), log=log) as base_url:
        sessions = Sessions(Target(base_url), Credentials(KEY), given=[], completed=None, expired=None,
                            test_control=False, known_ids=set())
        assert sessions.guard("POST", OTHER, {"Authorization": "Basic b3duZXI6", "for-user-id": "sub-1"}) is None
    assert log[0][2]["Authorization"] == "Basic b3duZXI6" and log[0][2]["for-user-id"] == "sub-1"
