"""Stateless checks: small functions, one responsibility each, run on every response of the cancel path
the suite receives (generated inputs and lifecycle requests alike).

Each takes an exchange and the context and returns a Violation, None when the response conforms, or NA when
the check does not apply to it (a check that applied to no response is reported as skipped, not passed).
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.checks.catalogue import ERROR_SCHEMA, SERVER_ERROR_SCHEMA, SESSION_SCHEMA
from conformance.checks.profiles import allowed
from conformance.checks.verdict import CheckContext, Violation
from conformance.spec.schemas import describe
from conformance.target.exchange import Exchange

NA = "not applicable"
Verdict = Violation | None | str
StatelessCheck = Callable[[Exchange, CheckContext], Verdict]
STATELESS: dict[str, StatelessCheck] = {}
CODE_FOR_STATUS = {401: "INVALID_API_KEY", 404: "NOT_FOUND", 422: "INVALID_SESSION_STATUS"}
STATUS_FOR_CODE = {code: status for status, code in CODE_FOR_STATUS.items()}


def check(check_id: str) -> Callable[[StatelessCheck], StatelessCheck]:
    def register(function: StatelessCheck) -> StatelessCheck:
        STATELESS[check_id] = function
        return function

    return register


def _cancel(exchange: Exchange) -> bool:
    """A POST to the cancel operation that got an HTTP response."""
    return exchange.response is not None and exchange.request.method == "POST" and exchange.path_id is not None


def _body(exchange: Exchange) -> dict | None:
    body = exchange.response.json_or_none() if exchange.response is not None else None
    return body if isinstance(body, dict) else None


def _schema_violation(exchange: Exchange, ctx: CheckContext, at: str, check_id: str) -> Verdict:
    body = exchange.response.json_or_none()
    if body is None:
        return NA  # not JSON: CANCEL-CONTENT-TYPE's finding
    status = exchange.response.status
    code = body.get("error_code") if isinstance(body, dict) else None
    errors = [error for error in ctx.schemas.errors(at, body)
              if not (list(error.path) == ["error_code"] and error.validator == "enum"
                      and allowed(ctx.profile, check_id, status, code, exchange.requested_id))]
    if not errors:
        return None
    return Violation(f"{len(errors)} schema violation(s); first: {describe(errors[0])}",
                     f"a body valid against {at}", schema_path="/".join(map(str, errors[0].absolute_schema_path)))


@check("CANCEL-HTTP")
def http_response(exchange: Exchange, ctx: CheckContext) -> Verdict:
    if exchange.path_id is None:
        return NA
    if exchange.error:
        return Violation(f"no HTTP response: {exchange.error}", "a complete HTTP response")
    return None


@check("CANCEL-STATUS")
def status_declared(exchange: Exchange, ctx: CheckContext) -> Verdict:
    if not _cancel(exchange):
        return NA
    status = exchange.response.status
    if status == 200 or 400 <= status <= 599:
        return None
    return Violation(f"status {status}", "200, a 4XX or a 5XX")


@check("CANCEL-CONTENT-TYPE")
def json_content(exchange: Exchange, ctx: CheckContext) -> Verdict:
    if exchange.response is None or exchange.path_id is None:
        return NA
    if exchange.response.truncated:
        return Violation("the body is larger than the 1 MiB the suite reads", "a JSON body of a sensible size")
    media_type = exchange.response.content_type.split(";")[0].strip().lower()
    if media_type != "application/json":
        return Violation(f"Content-Type {exchange.response.content_type!r}", "Content-Type: application/json")
    try:
        exchange.response.json  # noqa: B018 - parsing is the check
    except ValueError as error:
        return Violation(f"the body is not JSON: {error}", "a JSON body")
    return None


@check("CANCEL-200-SCHEMA")
def session_schema(exchange: Exchange, ctx: CheckContext) -> Verdict:
    if _cancel(exchange) and exchange.response.status == 200:
        return _schema_violation(exchange, ctx, SESSION_SCHEMA, "CANCEL-200-SCHEMA")
    return NA


def _canceled_session(exchange: Exchange) -> dict | None:
    """The body of a 200 to the cancel operation, when it is a JSON object."""
    return _body(exchange) if _cancel(exchange) and exchange.response.status == 200 else None


@check("CANCEL-200-CANCELED")
def session_canceled(exchange: Exchange, ctx: CheckContext) -> Verdict:
    body = _canceled_session(exchange)
    if body is None:
        return NA
    if body.get("status") != "CANCELED":
        return Violation(f"status {body.get('status')!r}", 'status "CANCELED"')
    return None


@check("CANCEL-200-ID")
def session_id_echoed(exchange: Exchange, ctx: CheckContext) -> Verdict:
    body = _canceled_session(exchange)
    if body is None:
        return NA
    if body.get("payment_session_id") != exchange.path_id:
        return Violation(f"payment_session_id {body.get('payment_session_id')!r}",
                         f"payment_session_id {exchange.path_id!r}, the id in the request path")
    return None


@check("CANCEL-4XX-SCHEMA")
def error_schema(exchange: Exchange, ctx: CheckContext) -> Verdict:
    if _cancel(exchange) and 400 <= exchange.response.status <= 499:
        return _schema_violation(exchange, ctx, ERROR_SCHEMA, "CANCEL-4XX-SCHEMA")
    return NA


@check("CANCEL-5XX-SCHEMA")
def server_error_schema(exchange: Exchange, ctx: CheckContext) -> Verdict:
    if _cancel(exchange) and 500 <= exchange.response.status <= 599:
        return _schema_violation(exchange, ctx, SERVER_ERROR_SCHEMA, "CANCEL-5XX-SCHEMA")
    return NA


@check("CANCEL-ERROR-CODE")
def error_code_matches_status(exchange: Exchange, ctx: CheckContext) -> Verdict:
    body = _body(exchange)
    if not _cancel(exchange) or body is None:
        return NA
    status, code = exchange.response.status, body.get("error_code")
    if allowed(ctx.profile, "CANCEL-ERROR-CODE", status, code, exchange.requested_id):
        return None
    if status in CODE_FOR_STATUS and code != CODE_FOR_STATUS[status]:
        return Violation(f"{status} with error_code {code!r}", f"{status} with error_code {CODE_FOR_STATUS[status]}")
    if code in STATUS_FOR_CODE and status != STATUS_FOR_CODE[code]:
        return Violation(f"error_code {code} with status {status}", f"{code} only with {STATUS_FOR_CODE[code]}")
    return None


@check("CANCEL-NO-5XX")
def no_server_error(exchange: Exchange, ctx: CheckContext) -> Verdict:
    if exchange.response is None or exchange.path_id is None:
        return NA
    if exchange.response.status >= 500:
        return Violation(f"status {exchange.response.status}", "no 5XX for any input")
    return None


@check("CANCEL-NO-PHANTOM")
def no_phantom_session(exchange: Exchange, ctx: CheckContext) -> Verdict:
    if not _cancel(exchange) or exchange.intent.known or exchange.path_id in ctx.known_ids:
        return NA
    if 200 <= exchange.response.status <= 299:
        return Violation(f"status {exchange.response.status} for a session the suite never created",
                         "404 NOT_FOUND (or 401), never 2XX")
    return None


def _expect_error(exchange: Exchange, ctx: CheckContext, check_id: str, status: int, code: str) -> Verdict:
    body = _body(exchange) or {}
    got_status, got_code = exchange.response.status, body.get("error_code")
    if (got_status, got_code) == (status, code) or allowed(ctx.profile, check_id, got_status, got_code,
                                                           exchange.requested_id):
        return None
    return Violation(f"status {got_status}, error_code {got_code!r}", f"status {status}, error_code {code}")


@check("CANCEL-NOT-FOUND")
def unknown_id_not_found(exchange: Exchange, ctx: CheckContext) -> Verdict:
    intent = exchange.intent
    if (not _cancel(exchange) or intent.known or intent.credentials != "valid" or intent.sub_account != "default"
            or exchange.path_id in ctx.known_ids):
        return NA
    return _expect_error(exchange, ctx, "CANCEL-NOT-FOUND", 404, "NOT_FOUND")


@check("CANCEL-AUTH")
def invalid_key_unauthorized(exchange: Exchange, ctx: CheckContext) -> Verdict:
    if not _cancel(exchange) or exchange.intent.credentials != "invalid":
        return NA
    return _expect_error(exchange, ctx, "CANCEL-AUTH", 401, "INVALID_API_KEY")


@check("CANCEL-METHOD")
def other_method_rejected(exchange: Exchange, ctx: CheckContext) -> Verdict:
    response = exchange.response
    if response is None or exchange.request.method == "POST" or exchange.path_id is None:
        return NA
    if response.status not in {401, 404, 405}:
        return Violation(f"{exchange.request.method} got status {response.status}", "405 (or 404/401), never 2XX")
    if response.status == 405 and "allow" not in response.headers:
        return Violation("405 without an Allow header", "405 with Allow: POST (RFC 9110 §15.5.6)")
    return None
