"""Stateless checks: small functions, one responsibility each, run on every response of the cancel path the suite
receives (generated inputs and lifecycle requests alike). Each is declared here with its ID, level and basis (those
of what a client recovers from in a response's bytes: ``reading``).

Each takes an exchange and the context and returns a Violation, None when the response conforms, or NA when the
check does not apply to it. Scope, as the document declares one operation:

- **the operation**: POST on ``/sessions/{session_id}/cancel``. MUST checks judge it. An id **within the bounds**
  the document sets (27 characters; letters, digits, ``-`` and ``_``, none of which a router, proxy or firewall
  treats specially) must get the documented answers; an id outside them must get no 2XX and no 5XX, and 404 is only
  a SHOULD (the document is silent on malformed ids).
- **other methods** on the same path: CANCEL-METHOD's business (SHOULD).
- **robustness**: a path a router normalises to another one (an empty id, ``.``, ``..``, an encoded ``/``): no 5XX.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from conformance.checks.findings import NA, CheckContext, Violation, json_object
from conformance.checks.profiles import allowed
from conformance.checks.registry import (
    ERROR_CODES,
    ERROR_RESPONSE,
    ERROR_SCHEMA,
    FACTS,
    INVALID_KEY,
    MUST,
    NOT_FOUND,
    OPERATION,
    SERVER_ERROR_RESPONSE,
    SERVER_ERROR_SCHEMA,
    SESSION_COMPONENT,
    SESSION_ID_PARAMETER,
    SESSION_SCHEMA,
    SHOULD,
    STATELESS,
    Check,
    declaring,
    inferred,
    rfc,
    stated,
)
from conformance.model.state import JSONObject
from conformance.spec.schemas import describe
from conformance.target.exchange import Exchange, Response
from conformance.target.identity import INVALID
from conformance.target.wire import Finding

Verdict = Violation | None | str
StatelessCheck = Callable[[Exchange, CheckContext], Verdict]
STATELESS_CHECKS: dict[str, StatelessCheck] = {}
CODE_FOR_STATUS = {401: "INVALID_API_KEY", 404: "NOT_FOUND", 422: "INVALID_SESSION_STATUS"}
STATUS_FOR_CODE = {code: status for status, code in CODE_FOR_STATUS.items()}
IN_BOUNDS = re.compile(r"[A-Za-z0-9_-]{27}")
DOT_SEGMENTS = {"", ".", ".."}
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
SERVER_ERROR = stated(f"{SERVER_ERROR_SCHEMA}/properties/error_code/description",
                      "SERVER_ERROR - Something unexpected happened.")


check = declaring(STATELESS_CHECKS)  # @check(Check(...)) declares a stateless check and its judge of one exchange


def robustness_path(exchange: Exchange) -> bool:
    """A request to a path a router normalises to another one (no id, a dot segment, an encoded slash), or whose
    id segment is not a valid URI segment (a ``%`` not followed by two hex digits, RFC 3986 §2.1)."""
    session_id = exchange.path_id
    return session_id is not None and (session_id in DOT_SEGMENTS or "/" in session_id
                                       or BAD_ESCAPE.search(exchange.raw_id or "") is not None)


def operation_response(exchange: Exchange) -> Response | None:
    """The HTTP response to a POST to the cancel operation (any id the path can carry); None for any other exchange."""
    if exchange.request.method == "POST" and exchange.path_id is not None and not robustness_path(exchange):
        return exchange.response
    return None


def _operation(exchange: Exchange) -> bool:
    """A POST to the cancel operation (any id the path can carry) that got an HTTP response."""
    return operation_response(exchange) is not None


def in_bounds(session_id: str) -> bool:
    return bool(IN_BOUNDS.fullmatch(session_id))


def _bounded(exchange: Exchange) -> Response | None:
    """The HTTP response to a POST to the cancel operation with an id within the document's bounds; None otherwise."""
    session_id = exchange.path_id
    return operation_response(exchange) if session_id is not None and in_bounds(session_id) else None


def _unknown(exchange: Exchange, ctx: CheckContext) -> bool:
    return not exchange.intent.known and exchange.path_id not in ctx.known_ids


def _schema_violation(declared: Check, exchange: Exchange, response: Response, ctx: CheckContext, at: str,
                      envelope_if_unlisted: bool = False) -> Verdict:
    """The body against the schema at `at`; `envelope_if_unlisted`: a 4XX the error response does not list
    ("Possible HTTP status codes: 401, 404, 422") is held to the envelope, not to the error_code enum, which holds
    the codes of those three statuses (a 403 or 409 has its own)."""
    body = response.json_or_none()
    if body is None:
        return NA  # not JSON: CANCEL-CONTENT-TYPE's finding
    status = response.status
    code = body.get("error_code") if isinstance(body, dict) else None
    errors = [error for error in ctx.schemas.errors(at, body)
              if not (list(error.path) == ["error_code"] and error.validator == "enum"
                      and ((envelope_if_unlisted and status not in CODE_FOR_STATUS)
                           or allowed(ctx.profile, declared.id, status, code, exchange.requested_id)))]
    if not errors:
        return None
    return Violation(f"{len(errors)} schema violation(s); first: {describe(errors[0])}",
                     f"a body valid against {at}", schema_path="/".join(map(str, errors[0].absolute_schema_path)))


@check(Check("CANCEL-HTTP", STATELESS, MUST, "robustness", stated(f"{OPERATION}/responses", "200 … 4XX … 5XX"),
             "Every POST to the cancel operation gets a complete HTTP response (no reset, timeout or garbage)."))
def http_response(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    if exchange.request.method != "POST" or exchange.path_id is None or robustness_path(exchange):
        return NA
    return _complete(exchange)


def _complete(exchange: Exchange) -> Verdict:
    if exchange.error:
        return Violation(f"no HTTP response: {exchange.error}", "a complete HTTP response")
    return None


def _no_5xx(exchange: Exchange) -> Verdict:
    if exchange.response is not None and exchange.response.status >= 500:
        return Violation(f"status {exchange.response.status}", "no 5XX for any input")
    return None


@check(Check("CANCEL-STATUS", STATELESS, MUST, "protocol", stated(f"{OPERATION}/responses", "200 … 4XX … 5XX"),
             "The status is one the operation declares: 200, 4XX or 5XX (no 1XX, 2XX other than 200, or 3XX), for "
             "ids within the bounds.",
             (f"{OPERATION}/responses/200", f"{OPERATION}/responses/4XX", f"{OPERATION}/responses/5XX")))
def status_declared(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    response = _bounded(exchange)
    if response is None:
        return NA
    status = response.status
    if status == 200 or 400 <= status <= 599:
        return None
    return Violation(f"status {status}", "200, a 4XX or a 5XX")


@check(Check("CANCEL-CONTENT-TYPE", STATELESS, MUST, "protocol",
             stated(f"{OPERATION}/responses/200/content", "application/json"),
             "The response is application/json as a compliant client reads it off the wire: framed as RFC 9112 "
             "says (no Content-Length beside Transfer-Encoding, chunks as defined, no body shorter than declared), "
             "one Content-Type, a Content-Encoding that was asked for and decodes, one JSON value in UTF-8 without "
             "a byte order mark, no name twice with different values, no number beyond a double; for ids within "
             "the bounds.", (f"{ERROR_RESPONSE}/content", f"{SERVER_ERROR_RESPONSE}/content")))
def json_content(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    response = _bounded(exchange)
    if response is None:
        return NA
    if response.truncated:
        return Violation("the body is larger than the 1 MiB the suite reads", "a JSON body of a sensible size")
    if misread := _misread(response.message.findings):
        return misread
    media_type = response.content_type.split(";")[0].strip().lower()
    if media_type != "application/json":
        return Violation(f"Content-Type {response.content_type!r}", "Content-Type: application/json")
    return _misread(response.document.findings)


def _misread(findings: tuple[Finding, ...]) -> Violation | None:
    """The first rule broken that makes a compliant client misread the response (or refuse it), with its section."""
    misread = next((finding for finding in findings if finding.misread), None)
    if misread is None:
        return None
    return Violation(misread.message, "a response a compliant client reads as the JSON the server meant")


def _canceled_session(exchange: Exchange) -> JSONObject | None:
    """The body of a 200 to the cancel operation, when it is a JSON object."""
    response = operation_response(exchange)
    return json_object(exchange) if response is not None and response.status == 200 else None


@check(Check("CANCEL-200-SCHEMA", STATELESS, MUST, "schema",
             stated(SESSION_SCHEMA, "Payment_Session_StandardSessionResponsePublicSchema"),
             "A 200 body validates against the StandardSession schema (types, lengths, enums, formats, nullability).",
             (SESSION_COMPONENT,), applies_to="a 200"))
def session_schema(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    response = operation_response(exchange)
    if response is not None and response.status == 200:
        return _schema_violation(declared, exchange, response, ctx, SESSION_SCHEMA)
    return NA


@check(Check("CANCEL-200-CANCELED", STATELESS, MUST, "schema",
             stated(f"{OPERATION}/responses/200/description", "Session Canceled"),
             "A 200 body has status CANCELED.", applies_to="a 200 with a JSON object"))
def session_canceled(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    body = _canceled_session(exchange)
    if body is None:
        return NA
    if body.get("status") != "CANCELED":
        return Violation(f"status {body.get('status')!r}", 'status "CANCELED"')
    return None


@check(Check("CANCEL-200-ID", STATELESS, MUST, "schema",
             stated("/components/schemas/Payment_Session_SessionId/description",
                    "A unique identifier for the Payment Session"),
             "A 200 body's payment_session_id is the id in the request path.", applies_to="a 200 with a JSON object"))
def session_id_echoed(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    body = _canceled_session(exchange)
    if body is None:
        return NA
    if body.get("payment_session_id") != exchange.path_id:
        return Violation(f"payment_session_id {body.get('payment_session_id')!r}",
                         f"payment_session_id {exchange.path_id!r}, the id in the request path")
    return None


@check(Check("CANCEL-4XX-SCHEMA", STATELESS, MUST, "schema",
             stated(ERROR_RESPONSE, "Error response for POST /sessions/{session_id}/cancel. Possible HTTP status "
                                    "codes: 401, 404, 422."),
             "A 4XX body validates against the cancel error schema (error_code a string, in its enum for 401, 404 "
             "and 422; message a string), for ids within the bounds.", (f"{OPERATION}/responses/4XX",),
             applies_to="a 4XX"))
def error_schema(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    response = _bounded(exchange)
    if response is not None and 400 <= response.status <= 499:
        return _schema_violation(declared, exchange, response, ctx, ERROR_SCHEMA, envelope_if_unlisted=True)
    return NA


@check(Check("CANCEL-5XX-SCHEMA", STATELESS, MUST, "schema", stated(SERVER_ERROR_RESPONSE, "Internal Server Error"),
             "A 5XX body validates against the SERVER_ERROR schema, for ids within the bounds.",
             (f"{OPERATION}/responses/5XX",), applies_to="a 5XX"))
def server_error_schema(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    response = _bounded(exchange)
    if response is not None and 500 <= response.status <= 599:
        return _schema_violation(declared, exchange, response, ctx, SERVER_ERROR_SCHEMA)
    return NA


@check(Check("CANCEL-ERROR-CODE", STATELESS, MUST, "errors",
             stated(ERROR_CODES, "401 error codes: INVALID_API_KEY … 404 error codes: NOT_FOUND … 422 error codes: "
                                 "INVALID_SESSION_STATUS"),
             "The error_code matches the status: INVALID_API_KEY ⇔ 401, NOT_FOUND ⇔ 404, INVALID_SESSION_STATUS ⇔ "
             "422, for ids within the bounds.", (f"{ERROR_SCHEMA}/properties/error_code",),
             applies_to="a JSON object body"))
def error_code_matches_status(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    body, response = json_object(exchange), _bounded(exchange)
    if response is None or body is None:
        return NA
    status, code = response.status, body.get("error_code")
    if allowed(ctx.profile, declared.id, status, code, exchange.requested_id):
        return None
    if status in CODE_FOR_STATUS and code != CODE_FOR_STATUS[status]:
        return Violation(f"{status} with error_code {code!r}", f"{status} with error_code {CODE_FOR_STATUS[status]}")
    if code in STATUS_FOR_CODE and status != STATUS_FOR_CODE[code]:
        return Violation(f"error_code {code} with status {status}", f"{code} only with {STATUS_FOR_CODE[code]}")
    return None


@check(Check("CANCEL-NO-5XX", STATELESS, MUST, "robustness", SERVER_ERROR,
             "No POST to the cancel operation produces a 5XX, whatever its id: input handling is not 'something "
             "unexpected'."))
def no_server_error(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    return _no_5xx(exchange) if _operation(exchange) else NA


@check(Check("CANCEL-NO-PHANTOM", STATELESS, MUST, "ids", NOT_FOUND,
             "A session id the suite never created (and was not given) never gets a 2XX, whatever its form."))
def no_phantom_session(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    response = operation_response(exchange)
    if response is None or not _unknown(exchange, ctx):
        return NA
    if 200 <= response.status <= 299:
        return Violation(f"status {response.status} for a session the suite never created",
                         "404 NOT_FOUND (or 401), never 2XX")
    return None


def _expect_error(declared: Check, exchange: Exchange, response: Response, ctx: CheckContext, status: int,
                  code: str) -> Verdict:
    """The documented error, or a refusal HTTP leaves the target free to give this request (its intent says)."""
    body = json_object(exchange) or {}
    got_status, got_code = response.status, body.get("error_code")
    if (got_status, got_code) == (status, code) or got_status in exchange.intent.refusable or \
            allowed(ctx.profile, declared.id, got_status, got_code, exchange.requested_id):
        return None
    expected = f"status {status}, error_code {code}"
    if exchange.intent.refusable:
        expected += f" (or {', '.join(map(str, sorted(exchange.intent.refusable)))}, which HTTP leaves open here)"
    return Violation(f"status {got_status}, error_code {got_code!r}", expected)


def _valid_request_for_no_session(exchange: Exchange, ctx: CheckContext) -> bool:
    return _operation(exchange) and _unknown(exchange, ctx) and exchange.intent.as_configured


@check(Check("CANCEL-NOT-FOUND", STATELESS, MUST, "ids", NOT_FOUND,
             "With valid credentials, an unknown id within the bounds (27 characters: letters, digits, - and _) "
             "gets 404 NOT_FOUND.", (SESSION_ID_PARAMETER,)))
def unknown_id_not_found(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    response = _bounded(exchange)
    if not _valid_request_for_no_session(exchange, ctx) or response is None:
        return NA
    return _expect_error(declared, exchange, response, ctx, 404, "NOT_FOUND")


@check(Check("CANCEL-OUT-OF-BOUNDS-404", STATELESS, SHOULD, "ids",
             inferred(f"{FACTS} §3, §7.3",
                      "an id outside the document's bounds names no session either, so 404 NOT_FOUND fits; but the "
                      "document is silent on malformed ids, and a router, proxy or firewall may answer them first "
                      "(400, 414): only 'no 2XX, no 5XX' is a MUST"),
             "With valid credentials, an id outside the bounds (another length, special characters) gets 404 "
             "NOT_FOUND with the error body."))
def out_of_bounds_not_found(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    response = operation_response(exchange)
    if not _valid_request_for_no_session(exchange, ctx) or response is None or _bounded(exchange) is not None:
        return NA
    expected = _expect_error(declared, exchange, response, ctx, 404, "NOT_FOUND")
    if expected is None and not response.content_type.lower().startswith("application/json"):
        return Violation(f"Content-Type {response.content_type!r}", "a JSON error body")
    return expected


@check(Check("CANCEL-AUTH", STATELESS, MUST, "auth",
             INVALID_KEY,
             "A missing, empty, malformed or unknown API key gets 401 INVALID_API_KEY (ids within the bounds).",
             (f"{OPERATION}/security",)))
def invalid_key_unauthorized(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    response = _bounded(exchange)
    if response is None or exchange.intent.actor.credential != INVALID:
        return NA
    return _expect_error(declared, exchange, response, ctx, 401, "INVALID_API_KEY")


def _other_method(exchange: Exchange) -> Response | None:
    """The HTTP response to another method than POST (and OPTIONS, which asks what the path allows) on the cancel
    path; None for any other exchange."""
    if (exchange.request.method not in {"POST", "OPTIONS"} and exchange.path_id is not None
            and not robustness_path(exchange)):
        return exchange.response
    return None


@check(Check("CANCEL-METHOD", STATELESS, SHOULD, "protocol",
             inferred("/paths/~1sessions~1{session_id}~1cancel",
                      "the path declares only post; the document says nothing of other methods, so a rejection "
                      "(405, or 404/401) is expected but not stated"),
             "Another method on the cancel path gets 405 (or 404/401), never a 2XX (OPTIONS excepted)."))
def other_method_rejected(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    response = _other_method(exchange)
    if response is None:
        return NA
    if response.status not in {401, 404, 405}:
        return Violation(f"{exchange.request.method} got status {response.status}",
                         "405 (or 404/401), never 2XX")
    return None


@check(Check("CANCEL-METHOD-ALLOW", STATELESS, SHOULD, "protocol",
             rfc("RFC 9110 §15.5.6", "The origin server MUST generate an Allow header field in a 405 response "
                                     "containing a list of the target resource's currently supported methods."),
             "A 405 for another method on the cancel path carries an Allow header.", applies_to="a 405"))
def method_not_allowed_lists_allow(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    response = _other_method(exchange)
    if response is None or response.status != 405:
        return NA
    if "allow" not in response.headers:
        return Violation("405 without an Allow header", "405 with Allow: POST")
    return None


@check(Check("ROBUST-NO-5XX", STATELESS, MUST, "robustness", SERVER_ERROR,
             "A path a router normalises to another one (no id, '.', '..', an encoded '/') or that is not a valid "
             "URI ('%zz') gets a complete answer that is not a 5XX, whatever the method."))
def robustness_no_server_error(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    if not robustness_path(exchange):
        return NA
    return _complete(exchange) or _no_5xx(exchange)
