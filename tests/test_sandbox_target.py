"""A target that behaves like Xendit's hosted sandbox (the emulator's sandbox mode, its window scaled down from a
minute to a second): rate limits per endpoint announced in headers with 429s beyond them, latency, checkout links on
another origin, gzip. A correct server gets a true verdict, a fault is still caught, and a 429 is never judged."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console
from starlette.requests import Request
from starlette.responses import Response

from conformance.checks.catalogue import MUST, REGISTRY
from conformance.config import RunConfig
from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, Sandbox, running
from conformance.emulator.app import Api, json_response
from conformance.emulator.variants import VARIANTS
from conformance.run import run
from tests.cli import EMULATOR_EXPIRY_LAG
from tests.test_stateful import LIFECYCLE_IDS, explored

KEY, OTHER_KEY = list(DEFAULT_KEYS)[:2]
SANDBOX = Sandbox(rate_limit=10, window_seconds=1.0, latency=(0.0, 0.03))  # Xendit's 60 a minute, sixty times faster


def sandbox_run(tmp_path: Path, api: type[Api] = Api) -> tuple[int, dict, list[dict], str]:
    """The suite against the emulator (or `api`) in sandbox mode: (exit code, report.json, transcript, output)."""
    output = io.StringIO()
    with running(EmulatorConfig(min_expiry_seconds=1, sandbox=SANDBOX), api=api) as base_url:
        config = RunConfig(base_url=base_url, api_key=KEY, other_api_key=OTHER_KEY, test_control=True, max_steps=60,
                           max_examples=10, max_time=12, expiry_lag=EMULATOR_EXPIRY_LAG, progress=False,
                           junit_xml=tmp_path / "junit.xml",
                           json_report=tmp_path / "report.json", html_report=tmp_path / "report.html",
                           transcript=tmp_path / "transcript.jsonl")
        code = run(config, Console(file=output, width=200))
    transcript = [json.loads(line) for line in (tmp_path / "transcript.jsonl").read_text().splitlines()]
    return code, json.loads((tmp_path / "report.json").read_text()), transcript, output.getvalue()


def assert_no_429_judged(report: dict, transcript: list[dict]) -> None:
    """Every answer 429 is recorded as not judged, and no failure (nor a step of a failing sequence) is one."""
    for record in transcript:
        if record["response"] and record["response"]["status"] == 429:
            assert record["skipped"] and not record["failed_checks"], record
    for check in report["checks"]:
        for failure in check["failures"]:
            shown = [failure.get("exchange"), *(step["exchange"] for step in failure.get("steps", ()))]
            assert all(not exchange or (exchange["response"] or {}).get("status") != 429 for exchange in shown)


def test_a_correct_server_behind_sandbox_limits_gets_a_true_verdict(tmp_path):
    code, report, transcript, output = sandbox_run(tmp_path)
    assert code == 0, output
    outcomes = {check["id"]: check["outcome"] for check in report["checks"]}
    assert all(outcomes[check_id] in ("passed", "not_applicable") for check_id in outcomes
               if REGISTRY[check_id].level == MUST), outcomes
    assert outcomes["LIFE-CHECKOUT"] == "passed"  # its links are on localhost, the API on 127.0.0.1
    assert any("fetched without credentials from http://localhost:" in note for note in report["run"]["notes"])
    assert_no_429_judged(report, transcript)
    learned = [record for record in transcript if record["response"] and record["response"]["status"] != 429]
    assert all("rate-limit-remaining" in {name.lower() for name in record["response"]["headers"]}
               for record in learned if record["intent"]["input"] != "checkout link")  # every answer announced it


def test_a_fault_is_still_caught_under_rate_limits(tmp_path):
    code, report, transcript, output = sandbox_run(tmp_path, VARIANTS["cancel-not-persisted"].api)
    assert code == 1, output
    failed = {check["id"] for check in report["checks"] if check["outcome"] == "failed"}
    assert "LIFE-GET-CANCELED" in failed and failed <= VARIANTS["cancel-not-persisted"].catches, failed
    assert_no_429_judged(report, transcript)


class CancelsRateLimited(Api):
    """Every cancel answers 429 (as a sandbox whose cancel quota another client spent would)."""

    async def cancel(self, request: Request) -> Response:
        return json_response(429, {"error_code": "RATE_LIMIT_EXCEEDED", "message": "slow down"},
                             {"Retry-After": "0"})


def test_the_model_moves_only_on_answers_it_judged():
    """Cancels that stay 429 are not answers: no step is judged on them, the model does not take them for refusals
    that left a session CANCELED (and then charge LIFE-CHECKOUT to a link that rightly still serves it)."""
    with running(EmulatorConfig(min_expiry_seconds=1), api=CancelsRateLimited) as base_url:
        run_, sent = explored(base_url, steps=40)
    rate_limited = [exchange for exchange in sent if exchange.response and exchange.response.status == 429]
    assert rate_limited and all(exchange.skipped for exchange in rate_limited)
    assert not run_.ledger.failures, {check: failure.violation for check, failure in run_.ledger.failures.items()}
    on_cancels = {"LIFE-CANCEL-ACTIVE", "LIFE-RECANCEL", "LIFE-CONCURRENT", "LIFE-CHECKOUT", "LIFE-AUTH-NO-EFFECT"}
    assert not on_cancels & {check for check, count in run_.ledger.judged.items() if count}
    assert "LIFE-READ" in run_.ledger.judged and set(run_.ledger.judged) < LIFECYCLE_IDS
