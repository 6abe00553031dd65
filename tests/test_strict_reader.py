"""The strict reader on crafted bytes: each rule of RFC 9112, RFC 9110 and RFC 8259 it reads by, on bytes that keep
it and bytes that break it; what it frames, decodes and parses, and whether a compliant client misreads or recovers."""

from __future__ import annotations

import gzip
import zlib

import pytest

from conformance.target import json_text, wire
from conformance.target.json_text import read_json
from conformance.target.wire import Wire, acceptable, decode, read_message

JSON = b'{"error_code":"NOT_FOUND","message":"m"}'
CT = "Content-Type: application/json"


def response(head: str, body: bytes = JSON) -> bytes:
    """A status line and field lines ("\\n" for CRLF), the empty line, then `body` as given."""
    return head.replace("\n", "\r\n").encode() + b"\r\n\r\n" + body


def length(body: bytes = JSON) -> str:
    return f"Content-Length: {len(body)}"


def chunks(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


RAW = zlib.compressobj(wbits=-15)
RAW_DEFLATE = RAW.compress(JSON) + RAW.flush()
GZIPPED, ZLIBBED = gzip.compress(JSON), zlib.compress(JSON)
OK = "HTTP/1.1 404 Not Found"

MESSAGES = [  # (description, bytes, Wire options, the body a strict client reads (None: none), rules broken)
    ("Content-Length", response(f"{OK}\n{CT}\n{length()}"), {}, JSON, {}),
    ("chunked, with an extension and a trailer", response(f"{OK}\n{CT}\nTransfer-Encoding: chunked",
                                                           b'5;x="a b"\r\n{"err\r\n' + chunks(JSON[5:])[:-2]
                                                           + b"X-Trace: 1\r\n\r\n"), {}, JSON, {}),
    ("transfer coding names are case-insensitive", response(f"{OK}\nTransfer-Encoding: Chunked", chunks(JSON)), {},
     JSON, {}),
    ("a 100 Continue before the answer", response("HTTP/1.1 100 Continue", response(f"{OK}\n{length()}")), {}, JSON,
     {}),
    ("HTTP/1.0, read to the connection's close", response("HTTP/1.0 404 Not Found\n" + CT), {}, JSON, {}),
    ("field names in upper case, lines ended by a bare LF",
     f"{OK}\nCONTENT-TYPE: application/json\nCONTENT-LENGTH: {len(JSON)}\n\n".encode() + JSON, {}, JSON, {}),
    ("gzip, accepted", response(f"{OK}\nContent-Encoding: gzip\n{length(GZIPPED)}", GZIPPED),
     {"accept_encoding": "gzip, deflate"}, JSON, {}),
    ("deflate (zlib), accepted", response(f"{OK}\nContent-Encoding: deflate\n{length(ZLIBBED)}", ZLIBBED),
     {"accept_encoding": "deflate;q=0.5"}, JSON, {}),
    ("no body in an answer to HEAD", response(f"{OK}\n{length()}", b""), {"method": "HEAD"}, b"", {}),
    ("Content-Length beside Transfer-Encoding", response(f"{OK}\n{length()}\nTransfer-Encoding: chunked",
                                                         chunks(JSON)), {}, JSON, {wire.CL_WITH_TE: True}),
    ("Transfer-Encoding in HTTP/1.0", response("HTTP/1.0 404 Not Found\nTransfer-Encoding: chunked", chunks(JSON)),
     {}, JSON, {wire.TE_IN_HTTP_1_0: True}),
    ("chunked, to an HTTP/1.0 request", response("HTTP/1.1 404 Not Found\nTransfer-Encoding: chunked", chunks(JSON)),
     {"request_version": "HTTP/1.0"}, JSON, {wire.TE_TO_HTTP_1_0: True}),
    ("chunked, to an HTTP/1.1 request", response("HTTP/1.1 404 Not Found\nTransfer-Encoding: chunked", chunks(JSON)),
     {}, JSON, {}),
    ("a transfer coding the request did not offer", response(f"{OK}\nTransfer-Encoding: gzip, chunked",
                                                             chunks(GZIPPED)), {}, None, {wire.TRANSFER_CODING: True}),
    ("chunk sizes written 0x13", response(f"{OK}\nTransfer-Encoding: chunked", b"0x28\r\n" + JSON + b"\r\n0\r\n\r\n"),
     {}, None, {wire.CHUNKED: True}),
    ("chunk data not ended by CRLF", response(f"{OK}\nTransfer-Encoding: chunked", b"28\r\n" + JSON + b"\n0\r\n\r\n"),
     {}, None, {wire.CHUNKED: True}),
    ("a chunked body without its last chunk", response(f"{OK}\nTransfer-Encoding: chunked", chunks(JSON)[:-5]), {},
     None, {wire.CHUNKED: True}),
    ("Content-Length not a number", response(f"{OK}\nContent-Length: 4O"), {}, None, {wire.CONTENT_LENGTH: True}),
    ("two Content-Lengths that differ", response(f"{OK}\n{length()}\nContent-Length: 41"), {}, None,
     {wire.CONTENT_LENGTH: True}),
    ("Content-Length twice, one value", response(f"{OK}\n{length()}\n{length()}"), {}, JSON, {wire.FIELD_ONCE: False}),
    ("Content-Length as a list of one value", response(f"{OK}\nContent-Length: 40, 40"), {}, JSON,
     {wire.FIELD_ONCE: False}),
    ("a body shorter than declared", response(f"{OK}\nContent-Length: 50"), {}, None, {wire.INCOMPLETE: True}),
    ("a newline after the body declared", response(f"{OK}\n{length()}", JSON + b"\n"), {}, JSON,
     {wire.AFTER_END: False}),
    ("bytes after the last chunk", response(f"{OK}\nTransfer-Encoding: chunked", chunks(JSON) + b"x"), {}, JSON,
     {wire.AFTER_END: False}),
    ("Content-Type twice, different values", response(f"{OK}\n{CT}\nContent-Type: text/html\n{length()}"), {}, JSON,
     {wire.FIELD_ONCE: True}),
    ("Content-Type twice, one value", response(f"{OK}\n{CT}\n{CT}\n{length()}"), {}, JSON, {wire.FIELD_ONCE: False}),
    ("JSON declared in Latin-1", response(f"{OK}\n{CT}; charset=iso-8859-1\n{length()}"), {}, JSON,
     {wire.CHARSET: False}),
    ("JSON declared in UTF-8", response(f'{OK}\n{CT}; charset="UTF-8"\n{length()}'), {}, JSON, {}),
    ("a space before a colon", response(f"{OK}\nContent-Type : application/json\n{length()}"), {}, JSON,
     {wire.SPACE_BEFORE_COLON: True}),
    ("a field line without a colon", response(f"{OK}\nX-Broken\n{length()}"), {}, JSON, {wire.FIELD_LINE: True}),
    ("a folded field value", response(f"{OK}\nCache-Control: no-store,\n\tno-cache\n{length()}"), {}, JSON,
     {wire.OBS_FOLD: False}),
    ("gzip claimed, the body plain", response(f"{OK}\nContent-Encoding: gzip\n{length()}"), {}, None,
     {wire.CONTENT_CODING: True}),
    ("deflate without its zlib wrapper", response(f"{OK}\nContent-Encoding: deflate\n{length(RAW_DEFLATE)}",
                                                  RAW_DEFLATE), {}, None, {wire.CONTENT_CODING: True}),
    ("a coding the request did not accept", response(f"{OK}\nContent-Encoding: gzip\n{length(GZIPPED)}", GZIPPED),
     {"accept_encoding": "identity"}, None, {wire.ACCEPTED_CODING: True}),
    ("a coding no client here decodes", response(f"{OK}\nContent-Encoding: br\n{length()}"), {}, None,
     {wire.CONTENT_CODING: True}),
    ("not a status line", b"HTTP/1.1 2OO OK\r\n\r\n" + JSON, {}, None, {wire.STATUS_LINE: True}),
    ("a head that never ends", b"HTTP/1.1 200 OK\r\nContent-Length: 2", {}, None, {wire.STATUS_LINE: True}),
]


@pytest.mark.parametrize(("data", "options", "body", "broken"), [case[1:] for case in MESSAGES],
                         ids=[case[0] for case in MESSAGES])
def test_message(data, options, body, broken):
    message = read_message(Wire(data, **options))
    assert message.body == body
    assert {finding.rule: finding.misread for finding in message.findings} == broken
    assert all(finding.rule.section in finding.message and finding.detail for finding in message.findings)


def test_the_fields_as_sent_and_one_content_type():
    message = read_message(Wire(response(f"{OK}\n{CT}\nX-Thing:  a b \n{CT}\n{length()}")))
    assert message.fields == (("Content-Type", "application/json"), ("X-Thing", "a b"),
                              ("Content-Type", "application/json"), ("Content-Length", "40"))
    assert message.content_type == "application/json"
    assert read_message(Wire(response(f"{OK}\n{CT}\nContent-Type: text/html"))).content_type == \
        "application/json, text/html"


DOCUMENTS = [  # (description, body, the value a strict client reads (None: none), rules broken)
    ("an object", JSON, {"error_code": "NOT_FOUND", "message": "m"}, {}),
    ("whitespace around the value", b' \t\r\n[1, 2.5, "\xc3\xa9"]\n', [1, 2.5, "é"], {}),
    ("numbers a double holds, in any spelling", b"[1E+4, 10000.000000000000000000, -9007199254740991, 0.1]",
     [10000.0, 10000.0, -9007199254740991, 0.1], {}),
    ("a byte order mark", b"\xef\xbb\xbf" + JSON, None, {json_text.BOM: True}),
    ("UTF-16", JSON.decode().encode("utf-16"), None, {json_text.UTF8: True}),
    ("UTF-16 without a byte order mark", JSON.decode().encode("utf-16-le"), None, {json_text.UTF8: True}),
    ("UTF-32", JSON.decode().encode("utf-32-be"), None, {json_text.UTF8: True}),
    ("Latin-1", '{"d":"Café"}'.encode("latin-1"), None, {json_text.UTF8: True}),
    ("bytes after the value", JSON + b"{}", None, {json_text.JSON_TEXT: True}),
    ("NaN", b'{"amount":NaN}', None, {json_text.JSON_TEXT: True}),
    ("an empty body", b"", None, {json_text.JSON_TEXT: True}),
    ("a name twice, different values", b'{"status":"ACTIVE","status":"CANCELED"}', {"status": "CANCELED"},
     {json_text.UNIQUE_NAMES: True}),
    ("a name twice, 1 and true", b'[{"a":1,"a":true}]', [{"a": True}], {json_text.UNIQUE_NAMES: True}),
    ("a name twice, the same value", b'{"a":{"b":[1]},"a":{"b":[1]}}', {"a": {"b": [1]}},
     {json_text.UNIQUE_NAMES: False}),
    ("a number beyond a double's range", b'{"amount":1e400}', {"amount": float("inf")}, {json_text.NUMBERS: True}),
    ("an integer beyond a double's range", b"[" + b"9" * 400 + b"]", [float("inf")], {json_text.NUMBERS: True}),
    ("an integer beyond 2^53", b"[9007199254740993]", [9007199254740993], {json_text.NUMBERS: False}),
    ("more precision than a double", b"[3.141592653589793238462643383279]", [3.141592653589793],
     {json_text.NUMBERS: False}),
]


@pytest.mark.parametrize(("body", "value", "broken"), [case[1:] for case in DOCUMENTS],
                         ids=[case[0] for case in DOCUMENTS])
def test_json(body, value, broken):
    document = read_json(body)
    assert document.value == value
    assert {finding.rule: finding.misread for finding in document.findings} == broken


@pytest.mark.parametrize(("coding", "accept_encoding", "accepted"), [
    ("gzip", None, True), ("br", None, True), ("gzip", "gzip, deflate", True), ("x-gzip", "gzip", True),
    ("gzip", "x-gzip;q=0.1", True), ("gzip", "deflate", False), ("gzip", "gzip;q=0", False), ("br", "*", True),
    ("br", "*, br;q=0", False), ("gzip", "", False), ("gzip", "gzip;q=bad", False),
])
def test_acceptable(coding, accept_encoding, accepted):
    assert acceptable(coding, accept_encoding) is accepted


def test_decode_undoes_each_coding_and_refuses_what_it_is_not():
    assert decode(GZIPPED + GZIPPED, "gzip") == JSON + JSON  # several gzip members
    assert decode(ZLIBBED, "deflate") == JSON and decode(GZIPPED, "x-gzip") == JSON
    assert decode(gzip.compress(b"x" * 1000), "gzip", limit=10) == b"x" * 10
    broken = [(JSON, "gzip"), (RAW_DEFLATE, "deflate"), (GZIPPED[:-4], "gzip"), (ZLIBBED + b"x", "deflate"),
              (JSON, "br")]
    for content, coding in broken:
        with pytest.raises(ValueError):
            decode(content, coding)
