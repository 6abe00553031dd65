"""Crafted responses for each stateless check, as data: (check ID, description, exchange, conforms?).

An exchange is described by keyword overrides of ``exchange()`` below: method, path id, status, content
type, body (a JSON value, or bytes sent as is), error, the intent (actor, configured, known, refusable), and the
bytes the answer came off the wire as (``received``: what the strict reader reads).
"""

import gzip
import json

from conformance.target.identity import INVALID, Actor

SID = "ps-661f87c614802d6c402cd82d"
INVALID_ACTOR = Actor("", "", INVALID)
SESSION = {
    "payment_session_id": SID, "created": "2026-11-26T04:00:00.000Z", "updated": "2026-11-26T04:05:00.000Z",
    "reference_id": "order-1", "customer_id": "cust-e2878b4c-d57e-4a2c-922d-c0313c2800a3", "session_type": "PAY",
    "currency": "IDR", "amount": 10000,
    "country": "ID", "mode": "PAYMENT_LINK", "channel_properties": {}, "allowed_payment_channels": [],
    "expires_at": "2026-11-26T04:30:00.000Z", "locale": "en", "description": "x", "items": None,
    "metadata": None, "status": "CANCELED", "payment_link_url": "https://checkout.example/ps", "payment_token_id": None,
    "payment_request_id": None, "business_id": "5f9a3c2e1b7d4a6c8e0f1a2b",
}
NOT_FOUND = {"error_code": "NOT_FOUND", "message": "Session not found"}
UNAUTHORIZED = {"error_code": "INVALID_API_KEY", "message": "API key is not authorized for this API"}
SERVER_ERROR = {"error_code": "SERVER_ERROR", "message": "Something unexpected happened."}
KNOWN = {"known": True}
NOT_FOUND_JSON = json.dumps(NOT_FOUND).encode()
JSON_TYPE = "Content-Type: application/json"
LENGTH = f"Content-Length: {len(NOT_FOUND_JSON)}"
GZIPPED = gzip.compress(NOT_FOUND_JSON, mtime=0)


def received(*fields: str, body: bytes = NOT_FOUND_JSON, status: str = "HTTP/1.1 404 Not Found") -> dict:
    """The 404 as it came off the wire: its status line, `fields` as given, the empty line, `body` as given."""
    return {"received": "\r\n".join([status, *fields, "", ""]).encode() + body}


def chunked(body: bytes = NOT_FOUND_JSON, size: str = "%x") -> bytes:
    return (size % len(body)).encode() + b"\r\n" + body + b"\r\n" + (size % 0).encode() + b"\r\n\r\n"


def with_body(body: bytes) -> dict:
    return {"body": body, **received(JSON_TYPE, f"Content-Length: {len(body)}", body=body)}

CASES = [
    ("CANCEL-HTTP", "a response", {}, True),
    ("CANCEL-HTTP", "connection reset", {"error": "ConnectionError: reset by peer"}, False),

    ("CANCEL-STATUS", "200", {"status": 200, "body": SESSION, **KNOWN}, True),
    ("CANCEL-STATUS", "404", {"status": 404, "body": NOT_FOUND}, True),
    ("CANCEL-STATUS", "503", {"status": 503, "body": SERVER_ERROR}, True),
    ("CANCEL-STATUS", "302 redirect", {"status": 302, "body": {}}, False),
    ("CANCEL-STATUS", "204 no content", {"status": 204, "body": b""}, False),
    ("CANCEL-STATUS", "another method is not the operation", {"method": "GET", "status": 302}, True),

    ("CANCEL-CONTENT-TYPE", "application/json with charset", {"content_type": "application/json; charset=utf-8"},
     True),
    ("CANCEL-CONTENT-TYPE", "text/html", {"content_type": "text/html", "body": b"<h1>Not found</h1>"}, False),
    ("CANCEL-CONTENT-TYPE", "JSON type, body not JSON", {"body": b"{'error_code': 'NOT_FOUND'"}, False),
    ("CANCEL-CONTENT-TYPE", "missing Content-Type", {"content_type": None}, False),
    ("CANCEL-CONTENT-TYPE", "as received: Content-Length", received(JSON_TYPE, LENGTH), True),
    ("CANCEL-CONTENT-TYPE", "as received: chunked", received(JSON_TYPE, "Transfer-Encoding: chunked", body=chunked()),
     True),
    ("CANCEL-CONTENT-TYPE", "as received: gzip", received(JSON_TYPE, "Content-Encoding: gzip",
                                                          f"Content-Length: {len(GZIPPED)}", body=GZIPPED), True),
    ("CANCEL-CONTENT-TYPE", "as received: HTTP/1.0, upper-case names, read to the close",
     received("CONTENT-TYPE: application/json", status="HTTP/1.0 404 Not Found"), True),
    ("CANCEL-CONTENT-TYPE", "Content-Length beside chunked (RFC 9112 §6.2)",
     received(JSON_TYPE, LENGTH, "Transfer-Encoding: chunked", body=chunked()), False),
    ("CANCEL-CONTENT-TYPE", "chunk sizes written 0x38 (RFC 9112 §7.1)",
     received(JSON_TYPE, "Transfer-Encoding: chunked", body=chunked(size="%#x")), False),
    ("CANCEL-CONTENT-TYPE", "two Content-Lengths (RFC 9112 §6.3)", received(JSON_TYPE, LENGTH, "Content-Length: 7"),
     False),
    ("CANCEL-CONTENT-TYPE", "a body shorter than declared (RFC 9112 §6.3)",
     received(JSON_TYPE, LENGTH, body=NOT_FOUND_JSON[:-1]), False),
    ("CANCEL-CONTENT-TYPE", "a second Content-Type, text/html (RFC 9110 §5.3)",
     received(JSON_TYPE, "Content-Type: text/html", LENGTH), False),
    ("CANCEL-CONTENT-TYPE", "a space before a colon (RFC 9112 §5.1)",
     received(JSON_TYPE, LENGTH, "Cache-Control : no-store"), False),
    ("CANCEL-CONTENT-TYPE", "gzip claimed, the body plain (RFC 9110 §8.4)",
     received(JSON_TYPE, LENGTH, "Content-Encoding: gzip"), False),
    ("CANCEL-CONTENT-TYPE", "a coding the request did not accept (RFC 9110 §12.5.3)",
     received(JSON_TYPE, LENGTH, "Content-Encoding: br"), False),
    ("CANCEL-CONTENT-TYPE", "a UTF-8 byte order mark (RFC 8259 §8.1)", {"body": b"\xef\xbb\xbf" + NOT_FOUND_JSON},
     False),
    ("CANCEL-CONTENT-TYPE", "UTF-16 (RFC 8259 §8.1)", {"body": NOT_FOUND_JSON.decode().encode("utf-16")}, False),
    ("CANCEL-CONTENT-TYPE", "a name twice, different values (RFC 8259 §4)",
     {"body": b'{"error_code":"SERVER_ERROR",' + NOT_FOUND_JSON[1:]}, False),
    ("CANCEL-CONTENT-TYPE", "a number beyond a double (RFC 7493 §2.2)", {"body": NOT_FOUND_JSON[:-1] + b',"n":1e400}'},
     False),
    ("CANCEL-CONTENT-TYPE", "a name twice, one value: CANCEL-JSON-NAMES's",
     {"body": NOT_FOUND_JSON[:-1] + b',"error_code":"NOT_FOUND"}'}, True),
    ("CANCEL-CONTENT-TYPE", "an integer beyond 2^53: CANCEL-JSON-NUMBERS's",
     {"body": NOT_FOUND_JSON[:-1] + b',"n":9007199254740993}'}, True),
    ("CANCEL-CONTENT-TYPE", "a newline after the body declared: CANCEL-BODY-LENGTH's",
     received(JSON_TYPE, LENGTH, body=NOT_FOUND_JSON + b"\n"), True),

    ("CANCEL-FIELDS-ONCE", "each once", received(JSON_TYPE, LENGTH), True),
    ("CANCEL-FIELDS-ONCE", "Content-Type twice, one value", received(JSON_TYPE, JSON_TYPE, LENGTH), False),
    ("CANCEL-FIELDS-ONCE", "Content-Length twice, one value", received(JSON_TYPE, LENGTH, LENGTH), False),
    ("CANCEL-FIELDS-ONCE", "two values: CANCEL-CONTENT-TYPE's", received(JSON_TYPE, "Content-Type: text/html", LENGTH),
     True),
    ("CANCEL-NO-FOLDING", "each field on one line", received(JSON_TYPE, LENGTH, "Cache-Control: no-store, no-cache"),
     True),
    ("CANCEL-NO-FOLDING", "a folded field", received(JSON_TYPE, LENGTH, "Cache-Control: no-store,", " no-cache"),
     False),
    ("CANCEL-BODY-LENGTH", "as long as declared", received(JSON_TYPE, LENGTH), True),
    ("CANCEL-BODY-LENGTH", "a newline after it", received(JSON_TYPE, LENGTH, body=NOT_FOUND_JSON + b"\n"), False),
    ("CANCEL-BODY-LENGTH", "a byte after the last chunk",
     received(JSON_TYPE, "Transfer-Encoding: chunked", body=chunked() + b"0"), False),
    ("CANCEL-BODY-LENGTH", "another method is not the operation",
     {"method": "GET", **received(JSON_TYPE, LENGTH, body=NOT_FOUND_JSON + b"\n")}, True),
    ("CANCEL-JSON-NAMES", "each name once", {}, True),
    ("CANCEL-JSON-NAMES", "a name twice, one value",
     with_body(NOT_FOUND_JSON[:-1] + b',"message":"Session not found"}'), False),
    ("CANCEL-JSON-NAMES", "a name twice, two values: CANCEL-CONTENT-TYPE's",
     with_body(NOT_FOUND_JSON[:-1] + b',"message":"other"}'), True),
    ("CANCEL-JSON-NUMBERS", "numbers a double holds", {"body": {**NOT_FOUND, "n": [9007199254740991, 0.1, 1e300]}},
     True),
    ("CANCEL-JSON-NUMBERS", "an integer beyond 2^53", {"body": {**NOT_FOUND, "request_id": 1311768467294899695}},
     False),
    ("CANCEL-JSON-NUMBERS", "more precision than a double",
     with_body(NOT_FOUND_JSON[:-1] + b',"n":0.10000000000000000001}'), False),
    ("CANCEL-JSON-CHARSET", "charset=utf-8", {"content_type": "application/json; charset=utf-8"}, True),
    ("CANCEL-JSON-CHARSET", "charset=iso-8859-1", {"content_type": "application/json; charset=iso-8859-1"}, False),
    ("CANCEL-JSON-CHARSET", "as received: charset=windows-1252",
     received("Content-Type: application/json; charset=windows-1252", LENGTH), False),

    ("CANCEL-200-SCHEMA", "a full session", {"status": 200, "body": SESSION, **KNOWN}, True),
    ("CANCEL-200-SCHEMA", "optional fields omitted",
     {"status": 200, "body": {k: v for k, v in SESSION.items() if v is not None}, **KNOWN}, True),
    ("CANCEL-200-SCHEMA", "timestamps without milliseconds",
     {"status": 200, "body": {**SESSION, "created": "2026-11-26T04:00:00Z"}, **KNOWN}, True),
    ("CANCEL-200-SCHEMA", "amount as a string", {"status": 200, "body": {**SESSION, "amount": "10000"}, **KNOWN},
     False),
    ("CANCEL-200-SCHEMA", "status spelled CANCELLED",
     {"status": 200, "body": {**SESSION, "status": "CANCELLED"}, **KNOWN}, False),
    ("CANCEL-200-SCHEMA", "created not a date-time",
     {"status": 200, "body": {**SESSION, "created": "2026-11-26 04:00:00"}, **KNOWN}, False),
    ("CANCEL-200-SCHEMA", "26-character id", {"status": 200, "body": {**SESSION, "payment_session_id": SID[:-1]},
                                              **KNOWN}, False),
    ("CANCEL-200-SCHEMA", "business_id null (not nullable)",
     {"status": 200, "body": {**SESSION, "business_id": None}, **KNOWN}, False),
    ("CANCEL-200-SCHEMA", "currency outside the enum",
     {"status": 200, "body": {**SESSION, "currency": "EUR"}, **KNOWN}, False),

    ("CANCEL-200-CANCELED", "CANCELED", {"status": 200, "body": SESSION, **KNOWN}, True),
    ("CANCEL-200-CANCELED", "still ACTIVE", {"status": 200, "body": {**SESSION, "status": "ACTIVE"}, **KNOWN}, False),
    ("CANCEL-200-CANCELED", "status missing",
     {"status": 200, "body": {k: v for k, v in SESSION.items() if k != "status"}, **KNOWN}, False),

    ("CANCEL-200-ID", "the requested id", {"status": 200, "body": SESSION, **KNOWN}, True),
    ("CANCEL-200-ID", "another session's id",
     {"status": 200, "body": {**SESSION, "payment_session_id": "ps-000000000000000000000000"}, **KNOWN}, False),
    ("CANCEL-200-ID", "id missing",
     {"status": 200, "body": {k: v for k, v in SESSION.items() if k != "payment_session_id"}, **KNOWN}, False),

    ("CANCEL-4XX-SCHEMA", "404 NOT_FOUND", {"status": 404, "body": NOT_FOUND}, True),
    ("CANCEL-4XX-SCHEMA", "errors null", {"status": 404, "body": {**NOT_FOUND, "errors": None}}, True),
    ("CANCEL-4XX-SCHEMA", "message missing", {"status": 404, "body": {"error_code": "NOT_FOUND"}}, False),
    ("CANCEL-4XX-SCHEMA", "SESSION_NOT_FOUND (strict)", {"status": 404, "body": {**NOT_FOUND,
                                                                                  "error_code": "SESSION_NOT_FOUND"}},
     False),
    ("CANCEL-4XX-SCHEMA", "SESSION_NOT_FOUND (lenient)", {"status": 404, "profile": "lenient",
                                                          "body": {**NOT_FOUND, "error_code": "SESSION_NOT_FOUND"}},
     True),
    ("CANCEL-4XX-SCHEMA", "400 API_VALIDATION_ERROR on a malformed id (lenient)",
     {"status": 400, "profile": "lenient", "sid": "abc",
      "body": {"error_code": "API_VALIDATION_ERROR", "message": "x"}}, True),
    ("CANCEL-4XX-SCHEMA", "400 API_VALIDATION_ERROR on a well-formed id: 400 is no listed status, its envelope holds",
     {"status": 400, "body": {"error_code": "API_VALIDATION_ERROR", "message": "x"}}, True),
    ("CANCEL-4XX-SCHEMA", "403 REQUEST_FORBIDDEN_ERROR for another sub-account",
     {"status": 403, "configured": False, "body": {"error_code": "REQUEST_FORBIDDEN_ERROR", "message": "x"}}, True),
    ("CANCEL-4XX-SCHEMA", "409 without a message", {"status": 409, "body": {"error_code": "CONFLICT"}}, False),
    ("CANCEL-4XX-SCHEMA", "422 with a code outside the enum",
     {"status": 422, "body": {"error_code": "SESSION_CANCELED", "message": "x"}}, False),
    ("CANCEL-4XX-SCHEMA", "errors a string", {"status": 404, "body": {**NOT_FOUND, "errors": "bad"}}, False),

    ("CANCEL-5XX-SCHEMA", "SERVER_ERROR", {"status": 500, "body": SERVER_ERROR}, True),
    ("CANCEL-5XX-SCHEMA", "another code", {"status": 500, "body": {**SERVER_ERROR, "error_code": "BOOM"}}, False),

    ("CANCEL-ERROR-CODE", "401 INVALID_API_KEY", {"status": 401, "body": UNAUTHORIZED, "actor": INVALID_ACTOR}, True),
    ("CANCEL-ERROR-CODE", "404 with INVALID_SESSION_STATUS",
     {"status": 404, "body": {**NOT_FOUND, "error_code": "INVALID_SESSION_STATUS"}}, False),
    ("CANCEL-ERROR-CODE", "409 with NOT_FOUND", {"status": 409, "body": NOT_FOUND}, False),
    ("CANCEL-ERROR-CODE", "422 INVALID_SESSION_STATUS",
     {"status": 422, "body": {"error_code": "INVALID_SESSION_STATUS", "message": "m"}, **KNOWN}, True),

    ("CANCEL-NO-5XX", "404", {}, True),
    ("CANCEL-NO-5XX", "500", {"status": 500, "body": SERVER_ERROR}, False),
    ("CANCEL-NO-5XX", "500 on a 100,000-character id", {"status": 500, "sid": "p" * 100_000, "body": SERVER_ERROR},
     False),
    ("CANCEL-NO-5XX", "502 on another method is CANCEL-METHOD's", {"method": "PUT", "status": 502,
                                                                   "body": SERVER_ERROR}, True),
    ("CANCEL-NO-5XX", "500 on a dot-dot path is ROBUST-NO-5XX's", {"status": 500, "sid": "..", "body": SERVER_ERROR},
     True),

    ("CANCEL-NO-PHANTOM", "200 on a session the suite created", {"status": 200, "body": SESSION, **KNOWN}, True),
    ("CANCEL-NO-PHANTOM", "200 on an id never created", {"status": 200, "body": SESSION}, False),

    ("CANCEL-NOT-FOUND", "404 NOT_FOUND", {}, True),
    ("CANCEL-NOT-FOUND", "400 on an upper-case 27-character id (strict)",
     {"status": 400, "sid": SID.upper(), "body": {"error_code": "API_VALIDATION_ERROR", "message": "x"}}, False),
    ("CANCEL-NOT-FOUND", "400 on an upper-case 27-character id (lenient)",
     {"status": 400, "sid": SID.upper(), "profile": "lenient",
      "body": {"error_code": "API_VALIDATION_ERROR", "message": "x"}}, True),
    ("CANCEL-NOT-FOUND", "400 on a 3-character id is not this check's (out of bounds)",
     {"status": 400, "sid": "abc", "body": {"error_code": "API_VALIDATION_ERROR", "message": "x"}}, True),
    ("CANCEL-NOT-FOUND", "403 on an id with a quote is not this check's (out of bounds)",
     {"status": 403, "sid": SID[:-1] + "'", "content_type": "text/html", "body": b"<h1>blocked</h1>"}, True),
    ("CANCEL-NOT-FOUND", "422 for an unknown id",
     {"status": 422, "body": {"error_code": "INVALID_SESSION_STATUS", "message": "m"}}, False),
    ("CANCEL-NOT-FOUND", "not applied to another sub-account", {"status": 403, "configured": False}, True),
    ("CANCEL-NOT-FOUND", "400 for content, which this request's variant may be refused with",
     {"status": 400, "body": {"error_code": "API_VALIDATION_ERROR", "message": "no body"},
      "refusable": frozenset({400, 413, 415})}, True),
    ("CANCEL-NOT-FOUND", "401 for a request whose variant allows only 400",
     {"status": 401, "body": UNAUTHORIZED, "refusable": frozenset({400})}, False),

    ("CANCEL-AUTH", "401 for a missing key", {"status": 401, "body": UNAUTHORIZED, "actor": INVALID_ACTOR}, True),
    ("CANCEL-AUTH", "404 for a missing key", {"actor": INVALID_ACTOR}, False),
    ("CANCEL-AUTH", "401 with the wrong code",
     {"status": 401, "body": {**UNAUTHORIZED, "error_code": "UNAUTHORIZED"}, "actor": INVALID_ACTOR}, False),

    ("CANCEL-AUTH", "400 for a missing key on an out-of-bounds id: the path checked first",
     {"status": 400, "sid": "abc", "body": {"error_code": "API_VALIDATION_ERROR", "message": "x"},
      "actor": INVALID_ACTOR}, True),
    ("CANCEL-AUTH", "400 for a missing key on an upper-case 27-character id (strict)",
     {"status": 400, "sid": SID.upper(), "body": {"error_code": "API_VALIDATION_ERROR", "message": "x"},
      "actor": INVALID_ACTOR}, False),
    ("CANCEL-AUTH", "404 for a missing key on an upper-case 27-character id (lenient)",
     {"sid": SID.upper(), "actor": INVALID_ACTOR, "profile": "lenient"}, True),
    ("CANCEL-AUTH", "404 for a missing key on a well-formed id (lenient)",
     {"actor": INVALID_ACTOR, "profile": "lenient"}, False),

    ("CANCEL-OUT-OF-BOUNDS-404", "404 NOT_FOUND for a 26-character id", {"sid": SID[:-1]}, True),
    ("CANCEL-OUT-OF-BOUNDS-404", "400 for a 28-character id", {"status": 400, "sid": SID + "0", "body": {
        "error_code": "API_VALIDATION_ERROR", "message": "x"}}, False),
    ("CANCEL-OUT-OF-BOUNDS-404", "414 text/plain for a long id",
     {"status": 414, "sid": "p" * 70_000, "content_type": "text/plain", "body": b"URI Too Long"}, False),
    ("CANCEL-OUT-OF-BOUNDS-404", "an id within the bounds is CANCEL-NOT-FOUND's", {"status": 400, "body": {}}, True),

    ("CANCEL-CONTENT-TYPE", "405 text/plain to GET is not the operation",
     {"method": "GET", "status": 405, "content_type": "text/plain", "body": b"Method Not Allowed"}, True),
    ("CANCEL-CONTENT-TYPE", "400 text/plain for a 70,000-character id (out of bounds)",
     {"status": 400, "sid": "p" * 70_000, "content_type": "text/plain", "body": b"Invalid HTTP request"}, True),
    ("CANCEL-HTTP", "a reset to TRACE is not the operation", {"method": "TRACE", "error": "ConnectionError"}, True),
    ("CANCEL-STATUS", "501 to TRACE is not the operation", {"method": "TRACE", "status": 501, "body": b""}, True),

    ("CANCEL-METHOD", "405 to GET", {"method": "GET", "status": 405, "headers": {"Allow": "POST"}}, True),
    ("CANCEL-METHOD", "405 text/plain without Allow", {"method": "GET", "status": 405, "content_type": "text/plain",
                                                       "body": b"Method Not Allowed"}, True),
    ("CANCEL-METHOD", "204 to a CORS preflight OPTIONS", {"method": "OPTIONS", "status": 204, "body": b""}, True),
    ("CANCEL-METHOD", "200 to DELETE", {"method": "DELETE", "status": 200, "body": SESSION}, False),
    ("CANCEL-METHOD", "502 to PUT", {"method": "PUT", "status": 502, "body": SERVER_ERROR}, False),

    ("CANCEL-METHOD-ALLOW", "405 with Allow", {"method": "GET", "status": 405, "headers": {"Allow": "POST"}}, True),
    ("CANCEL-METHOD-ALLOW", "405 without Allow", {"method": "GET", "status": 405}, False),

    ("ROBUST-NO-5XX", "404 for /sessions/../cancel", {"sid": ".."}, True),
    ("ROBUST-NO-5XX", "400 text/plain to GET /sessions/./cancel",
     {"method": "GET", "sid": ".", "status": 400, "content_type": "text/plain", "body": b"bad"}, True),
    ("ROBUST-NO-5XX", "500 for /sessions//cancel", {"sid": "", "status": 500, "body": SERVER_ERROR}, False),
    ("ROBUST-NO-5XX", "502 for an encoded slash", {"sid": SID + "/..", "status": 502, "body": SERVER_ERROR}, False),
    ("ROBUST-NO-5XX", "a reset for /sessions/../cancel", {"sid": "..", "error": "ConnectionError: reset"}, False),
    ("ROBUST-NO-5XX", "400 for an invalid percent-escape", {"wire": "%zz", "status": 400, "body": b"bad"}, True),
    ("ROBUST-NO-5XX", "a reset for an invalid percent-escape", {"wire": "%zz", "error": "ConnectionError"}, False),
    ("CANCEL-HTTP", "a reset for an invalid percent-escape is ROBUST-NO-5XX's", {"wire": "%zz",
                                                                                "error": "ConnectionError"}, True),
]
