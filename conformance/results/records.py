"""An exchange, a failure and a spec finding as plain data, redacted: the one serialisation every writer uses (the
JSON report, the evidence bundle, the HTML page, the terminal)."""

from __future__ import annotations

import re

from conformance.checks.recorder import Failure
from conformance.checks.verdict import SpecFinding
from conformance.target.exchange import Exchange
from conformance.target.identity import Actor
from conformance.target.redact import Redactor
from conformance.target.traffic import EndpointFigures, TrafficFigures

BODY_LIMIT = 4000  # characters of a body kept in a report; the transcript and evidence keep no more
_UNSHOWABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


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


def actor_record(actor: Actor) -> dict:
    return {"business": actor.business, "sub_account": actor.sub_account, "credential": actor.credential}


def exchange_record(exchange: Exchange, redactor: Redactor) -> dict:
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


def failure_record(index: int, failure: Failure, redactor: Redactor) -> dict:
    return {"id": f"{failure.check_id}#{index}", "kind": "exchange",
            "message": redactor.text(failure.violation.message), "expected": failure.violation.expected,
            "schema_path": failure.violation.schema_path, "minimal": failure.minimal, "flaky": failure.flaky,
            "exchange": exchange_record(failure.exchange, redactor),
            "steps": [{"expect": expect, "exchange": exchange_record(exchange, redactor)}
                      for exchange, expect in getattr(failure, "steps", ())]}  # a sequence's steps, in order


def finding_record(index: int, finding: SpecFinding) -> dict:
    return {"id": f"{finding.check_id}#{index}", "kind": "spec", "pointer": finding.pointer,
            "message": finding.message, "expected": finding.expected}


def figures_record(figures: EndpointFigures) -> dict:
    return {"requests": figures.requests, "rate_limited": figures.rate_limited, "waited_s": round(figures.waited, 1),
            "paced_s": round(figures.paced, 1)}


def traffic_record(traffic: TrafficFigures) -> dict:
    """Requests, 429s (never judged), seconds waited out after 429s and seconds paced: in all, and per endpoint."""
    return {"total": figures_record(traffic.total),
            "endpoints": {item.endpoint: figures_record(item) for item in traffic.endpoints}}
