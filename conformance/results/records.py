"""An exchange, a failure and a spec finding as plain data, redacted: the one serialisation every writer uses (the
JSON report, the evidence bundle, the HTML page, the terminal)."""

from __future__ import annotations

import re
from typing import Literal, TypedDict

from conformance.checks.findings import Failure, SpecFinding
from conformance.target.exchange import Exchange
from conformance.target.identity import Actor
from conformance.target.redact import Redactor
from conformance.target.traffic import EndpointFigures, TrafficFigures

BODY_LIMIT = 4000  # characters of a body kept in a report; the transcript and evidence keep no more
_UNSHOWABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class ActorRecord(TypedDict):
    business: str
    sub_account: str
    credential: str


class IntentRecord(TypedDict):
    family: str
    input: str
    session_id: str
    actor: ActorRecord
    configured: bool
    known: bool


class RequestRecord(TypedDict):
    method: str
    url: str
    path: str
    endpoint: str
    version: str
    headers: dict[str, str]
    body: str | None


class ResponseRecord(TypedDict):
    status: int
    headers: dict[str, str]
    body: str | None
    elapsed_ms: float


class ExchangeRecord(TypedDict):
    intent: IntentRecord
    request: RequestRecord
    response: ResponseRecord | None
    error: str | None
    timed_out: str | None
    skipped: str | None
    withheld: str | None
    at: float
    failed_checks: list[str]
    curl: str


class StepRecord(TypedDict):
    expect: str  # what the model expected of the step
    exchange: ExchangeRecord


class FailureRecord(TypedDict):
    id: str
    kind: Literal["exchange"]
    message: str
    expected: str
    schema_path: str | None
    minimal: bool
    flaky: bool
    exchange: ExchangeRecord
    steps: list[StepRecord]


class FindingRecord(TypedDict):
    id: str
    kind: Literal["spec"]
    pointer: str
    message: str
    expected: str


class FiguresRecord(TypedDict):
    requests: int
    rate_limited: int
    waited_s: float
    paced_s: float


class TrafficRecord(TypedDict):
    total: FiguresRecord
    endpoints: dict[str, FiguresRecord]


def displayable(text: str) -> str:
    """`text` with every character XML 1.0 (and a reader) cannot take written as an escape (``\\x00``, ``\\ud800``):
    control characters, lone surrogates, non-characters. Newlines and tabs stay."""
    return _UNSHOWABLE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def body_text(data: bytes | None, redactor: Redactor) -> str | None:
    """A body as text: undecodable bytes escaped, redacted, then cut at BODY_LIMIT (saying how long it was)."""
    if not data:
        return None
    more = f"… ({len(data)} bytes in all)" if len(data) > BODY_LIMIT else ""
    return redactor.clip(data, BODY_LIMIT) + more


def actor_record(actor: Actor) -> ActorRecord:
    return {"business": actor.business, "sub_account": actor.sub_account, "credential": actor.credential}


def exchange_record(exchange: Exchange, redactor: Redactor) -> ExchangeRecord:
    request, response, intent = exchange.request, exchange.response, exchange.intent
    return {
        "intent": {"family": intent.family, "input": intent.description, "session_id": redactor.text(intent.session_id),
                   "actor": actor_record(intent.actor), "configured": intent.configured, "known": intent.known},
        "request": {"method": request.method, "url": redactor.text(request.url), "path": redactor.text(request.path),
                    "endpoint": request.endpoint, "version": request.version,
                    "headers": {name: redactor.header(name, value) for name, value in request.headers.items()},
                    "body": body_text(request.body, redactor)},
        "response": None if response is None else {
            "status": response.status,
            "headers": {name: redactor.text(value) for name, value in response.headers.items()},
            "body": body_text(response.body, redactor), "elapsed_ms": round(response.elapsed * 1000, 3)},
        "error": redactor.text(exchange.error) if exchange.error else None,
        "timed_out": exchange.timed_out,
        "skipped": exchange.skipped,
        "withheld": exchange.withheld,
        "at": exchange.sent_at,
        "failed_checks": sorted(exchange.violations),
        "curl": redactor.curl(request.method, request.url, request.headers, request.body, request.version),
    }


def failure_record(index: int, failure: Failure, redactor: Redactor) -> FailureRecord:
    return {"id": f"{failure.check_id}#{index}", "kind": "exchange",
            "message": redactor.text(failure.violation.message), "expected": failure.violation.expected,
            "schema_path": failure.violation.schema_path, "minimal": failure.minimal, "flaky": failure.flaky,
            "exchange": exchange_record(failure.exchange, redactor),
            "steps": [{"expect": expect, "exchange": exchange_record(exchange, redactor)}
                      for exchange, expect in failure.steps]}  # a sequence's steps, in order


def finding_record(index: int, finding: SpecFinding) -> FindingRecord:
    return {"id": f"{finding.check_id}#{index}", "kind": "spec", "pointer": finding.pointer,
            "message": finding.message, "expected": finding.expected}


def figures_record(figures: EndpointFigures) -> FiguresRecord:
    return {"requests": figures.requests, "rate_limited": figures.rate_limited, "waited_s": round(figures.waited, 1),
            "paced_s": round(figures.paced, 1)}


def traffic_record(traffic: TrafficFigures) -> TrafficRecord:
    """Requests, 429s (never judged), seconds waited out after 429s and seconds paced: in all, and per endpoint."""
    return {"total": figures_record(traffic.total),
            "endpoints": {item.endpoint: figures_record(item) for item in traffic.endpoints}}
