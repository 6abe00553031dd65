"""``report.json``: the whole run, machine-readable and redacted."""

from __future__ import annotations

import json
from pathlib import Path

from conformance import __version__
from conformance.checks.recorder import Failure
from conformance.suite.context import Outcome, RunContext
from conformance.target.exchange import Exchange
from conformance.target.redact import Redactor, write_redacted

BODY_LIMIT = 4000


def _body(data: bytes | None, redactor: Redactor) -> str | None:
    return redactor.clip(data, BODY_LIMIT) if data else None


def exchange_record(exchange: Exchange, redactor: Redactor) -> dict:
    request, response, intent = exchange.request, exchange.response, exchange.intent
    return {
        "intent": {"family": intent.family, "input": intent.description, "session_id": redactor.text(intent.session_id),
                   "credentials": intent.credentials, "sub_account": intent.sub_account, "known": intent.known},
        "request": {"method": request.method, "url": redactor.text(request.url),
                    "headers": {name: redactor.header(name, value) for name, value in request.headers.items()},
                    "body": _body(request.body, redactor)},
        "response": None if response is None else {
            "status": response.status,
            "headers": {name: redactor.text(value) for name, value in response.headers.items()},
            "body": _body(response.body, redactor), "elapsed_ms": round(response.elapsed * 1000, 3)},
        "error": redactor.text(exchange.error) if exchange.error else None,
        "skipped": exchange.skipped,
        "curl": redactor.curl(request.method, request.url, request.headers, request.body),
    }


def failure_record(index: int, failure: Failure, redactor: Redactor) -> dict:
    return {"id": f"{failure.check_id}#{index}", "message": redactor.text(failure.violation.message),
            "expected": failure.violation.expected, "schema_path": failure.violation.schema_path,
            "minimal": failure.minimal, "flaky": failure.flaky, "exchange": exchange_record(failure.exchange, redactor)}


def check_record(outcome: Outcome, context: RunContext) -> dict:
    check = outcome.check
    return {"id": check.id, "level": check.level, "stage": check.stage, "family": check.family,
            "statement": check.statement, "quote": check.quote, "description": check.description,
            "outcome": outcome.state, "responses_failing": context.recorder.failed.get(check.id, len(outcome.failures)),
            "detail": context.redactor.text(outcome.text) if not outcome.failures else None,
            "failures": [failure_record(i, f, context.redactor) for i, f in enumerate(outcome.failures, 1)]}


def build_report(context: RunContext, outcomes: list[Outcome], verdict: str, seconds: float) -> dict:
    stage, config, traffic = context.stage, context.config, context.target.traffic
    return {
        "suite": {"name": "xendit-cancel-conformance", "version": __version__},
        "verdict": verdict,
        "run": {"target": context.redactor.text(context.target.base_url), "embedded": config.embedded,
                "profile": config.profile, "seed": config.seed, "max_examples": config.max_examples,
                "requests": traffic.sent, "seconds": round(seconds, 2), "stopped_early": traffic.stopped,
                "rate_limited": traffic.rate_limited},
        "spec": {"path": str(stage.path), "published_sha256": stage.published_sha256,
                 "repaired_sha256": stage.repaired_sha256, "errors_as_published": len(stage.published_problems),
                 "repairs": [item.as_dict() for item in stage.repairs],
                 "warnings": [warning.as_dict() for warning in stage.warnings]},
        "checks": [check_record(outcome, context) for outcome in outcomes],
    }


def write_json(report: dict, path: Path, redactor: Redactor) -> Path:
    return write_redacted(path, json.dumps(report, indent=2, ensure_ascii=False), redactor)
