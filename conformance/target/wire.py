"""The strict reader: a response read as a compliant client reads it, from the bytes that came off the wire.

``requests`` forgives what HTTP and JSON forbid (a byte order mark, UTF-16, Content-Length beside chunked framing,
chunk sizes written ``0x1a``, raw deflate, duplicate names), so checks that judge only what it hands back cannot see
those. This module frames the same bytes by RFC 9112 and reads their fields and content codings by RFC 9110
(``json_text`` reads the body by RFC 8259), and reports what it found. Each finding names the rule broken (an RFC
section and its words) and whether a compliant client **misreads** the response because of it (it reads another
body, media type or value, or must or ought to refuse the message) or **recovers** (the RFC tells it how, and it then
reads what the server meant).

Pure: bytes in, a reading out.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """A rule of an RFC that bytes can break: its section and its words."""

    section: str
    words: str


STATUS_LINE = Rule("RFC 9112 §4", "status-line = HTTP-version SP status-code SP [ reason-phrase ]")
FIELD_LINE = Rule("RFC 9112 §5", 'field-line = field-name ":" OWS field-value OWS')
SPACE_BEFORE_COLON = Rule("RFC 9112 §5.1", "No whitespace is allowed between the field name and colon.")
OBS_FOLD = Rule("RFC 9112 §5.2", "A sender MUST NOT generate a message that includes line folding (i.e., that has any "
                                 "field line value that contains a match to the obs-fold rule)")
TE_TO_HTTP_1_0 = Rule("RFC 9112 §6.1", "A server MUST NOT send a response containing Transfer-Encoding unless the "
                                       "corresponding request indicates HTTP/1.1 (or later minor revisions).")
TE_IN_HTTP_1_0 = Rule("RFC 9112 §6.1", "A server or client that receives an HTTP/1.0 message containing a "
                                       "Transfer-Encoding header field MUST treat the message as if the framing is "
                                       "faulty")
CL_WITH_TE = Rule("RFC 9112 §6.2", "A sender MUST NOT send a Content-Length header field in any message that "
                                   "contains a Transfer-Encoding header field.")
CONTENT_LENGTH = Rule("RFC 9112 §6.3", "If a message is received without Transfer-Encoding and with an invalid "
                                       "Content-Length header field, then the message framing is invalid and the "
                                       "recipient MUST treat it as an unrecoverable error")
INCOMPLETE = Rule("RFC 9112 §6.3", "If the sender closes the connection or the recipient times out before the "
                                   "indicated number of octets are received, the recipient MUST consider the message "
                                   "to be incomplete")
AFTER_END = Rule("RFC 9112 §6.3", "If the final response to the last request on a connection has been completely "
                                  "received and there remains additional data to read, a user agent MAY discard the "
                                  "remaining data or attempt to determine if that data belongs as part of the prior "
                                  "message body, which might be the case if the prior message's Content-Length value "
                                  "is incorrect.")
CHUNKED = Rule("RFC 9112 §7.1", "chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF; chunk-size = 1*HEXDIG")
TRANSFER_CODING = Rule("RFC 9110 §10.1.4", 'The "TE" header field describes capabilities of the client with regard '
                                           "to transfer codings and trailer sections.")
FIELD_ONCE = Rule("RFC 9110 §5.3", "A sender MUST NOT generate multiple field lines with the same name in a message "
                                   "… unless that field's definition allows multiple field line values to be "
                                   "recombined as a comma-separated list")
CONTENT_CODING = Rule("RFC 9110 §8.4", "If one or more encodings have been applied to a representation, the sender "
                                       "that applied the encodings MUST generate a Content-Encoding header field that "
                                       "lists the content codings in the order in which they were applied.")
ACCEPTED_CODING = Rule("RFC 9110 §12.5.3", "If a non-empty Accept-Encoding header field is present in a request and "
                                           "none of the available representations for the response have a content "
                                           "coding that is listed as acceptable, the origin server SHOULD send a "
                                           "response without any content coding")
CHARSET = Rule("RFC 8259 §11", 'No "charset" parameter is defined for this registration. Adding one really has no '
                               "effect on compliant recipients.")


@dataclass(frozen=True)
class Finding:
    """A rule the response breaks, what was seen, and whether a compliant client misreads the response for it."""

    rule: Rule
    detail: str
    misread: bool = True

    @property
    def message(self) -> str:
        return f"{self.detail} ({self.rule.section}: {self.rule.words})"


@dataclass(frozen=True)
class Wire:
    """One response as received: its bytes from the status line (interim 1xx answers included) to whatever arrived
    after its end, and what the request said that bears on reading them."""

    data: bytes
    complete: bool = True  # False when the capture stopped at its cap: the framing is then not judged
    method: str = "POST"
    accept_encoding: str | None = None  # the request's Accept-Encoding; None: it sent none (any coding is acceptable)
    request_version: str = "HTTP/1.1"  # the request line's: an HTTP/1.0 client reads no chunked framing


@dataclass(frozen=True)
class Message:
    """A response as a strict client frames it: its field lines (names as sent), its body once the framing and the
    content codings are undone (None when a compliant client cannot have it), and the findings on the way."""

    fields: tuple[tuple[str, str], ...]
    body: bytes | None
    findings: tuple[Finding, ...]

    @property
    def content_type(self) -> str:
        """The Content-Type; its values joined with ", " when they differ (as requests joins them)."""
        return ", ".join(dict.fromkeys(values(self.fields, "content-type")))


TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
STATUS = re.compile(rb"(HTTP/\d\.\d) (\d{3})(?: .*)?")
CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})((?:[ \t]*;[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+"
                        rb"(?:[ \t]*=[ \t]*(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+|\"(?:[^\"\\]|\\.)*\"))?)*)")
DIGITS = re.compile(r"[0-9]+")
NO_BODY = {204, 304}
JSON_MEDIA_TYPE = "application/json"
SHOWN = 24  # bytes of unexpected data a finding quotes


def values(fields: Iterable[tuple[str, str]], name: str) -> list[str]:
    """The values of every field line named `name` (lower case), in order."""
    return [value for field_name, value in fields if field_name.lower() == name]


# --- the message -------------------------------------------------------------------------------------------------

def read_message(wire: Wire) -> Message:
    """The final response in `wire`, framed as RFC 9112 has a client frame it (a 1xx before it skipped)."""
    findings: list[Finding] = []
    start = 0
    while True:
        head = _head(wire.data, start)
        if head is None:
            return Message((), None, (Finding(STATUS_LINE, "the response's head is incomplete"),))
        lines, start = head
        status_line = STATUS.fullmatch(lines[0])
        if status_line is None:
            return Message((), None, (Finding(STATUS_LINE, f"status line {lines[0][:80]!r}"),))
        status = int(status_line.group(2))
        if not 100 <= status <= 199 or status == 101:
            break
    fields = _fields(lines[1:], findings)
    version = status_line.group(1).decode()
    body = _framed(wire, version, status, fields, start, findings)
    if body is not None:
        body = _decoded(body, fields, wire.accept_encoding, findings)
    return Message(fields, body, (*findings, *_field_findings(fields)))


def message_of(fields: Iterable[tuple[str, str]], body: bytes) -> Message:
    """A response the suite did not read off the wire (its fields as requests gave them), judged on what that shows."""
    fields = tuple(fields)
    return Message(fields, body, _field_findings(fields))


def _head(data: bytes, start: int) -> tuple[list[bytes], int] | None:
    """The lines of the head at `start` (each without its CRLF; a bare LF also ends a line, RFC 9112 §2.2) and where
    the body starts; None if the head does not end."""
    lines: list[bytes] = []
    while True:
        end = data.find(b"\n", start)
        if end < 0:
            return None
        line = data[start:end].removesuffix(b"\r")
        start = end + 1
        if not line:
            return (lines, start) if lines else None
        lines.append(line)


def _fields(lines: list[bytes], findings: list[Finding]) -> tuple[tuple[str, str], ...]:
    fields: list[tuple[str, str]] = []
    for line in lines:
        if line[:1] in (b" ", b"\t") and fields:
            findings.append(Finding(OBS_FOLD, f"the {fields[-1][0]} field is folded onto another line", False))
            folded_name, folded_value = fields[-1]
            fields[-1] = (folded_name, folded_value + " " + line.strip(b" \t").decode("latin-1"))
            continue
        name, colon, value = line.partition(b":")
        if colon and name != name.rstrip(b" \t"):
            findings.append(Finding(SPACE_BEFORE_COLON, f"field line {line[:80]!r}"))
            name = name.rstrip(b" \t")
        if not colon or not TOKEN.fullmatch(name):
            findings.append(Finding(FIELD_LINE, f"field line {line[:80]!r} is not a field name, a colon and a value"))
            continue
        fields.append((name.decode("ascii"), value.strip(b" \t").decode("latin-1")))
    return tuple(fields)


def _field_findings(fields: tuple[tuple[str, str], ...]) -> tuple[Finding, ...]:
    """Content-Type sent more than once, and a charset on JSON: what the fields say whatever the framing."""
    found = []
    types = values(fields, "content-type")
    if len(types) > 1:
        differ = len({value.lower() for value in types}) > 1
        found.append(Finding(FIELD_ONCE, f"Content-Type sent {len(types)} times: {', '.join(types)}", differ))
    media_type, parameters = _media_type(types[0] if types else "")
    charset = parameters.get("charset")
    if media_type == JSON_MEDIA_TYPE and charset is not None and charset.lower() != "utf-8":
        found.append(Finding(CHARSET, f"Content-Type {types[0]!r}: JSON declared in another charset", False))
    return tuple(found)


def _media_type(value: str) -> tuple[str, dict[str, str]]:
    media_type, *parameters = value.split(";")
    pairs = (parameter.partition("=") for parameter in parameters)
    return media_type.strip().lower(), {name.strip().lower(): raw.strip().strip('"') for name, _, raw in pairs}


def _framed(wire: Wire, version: str, status: int, fields: tuple[tuple[str, str], ...], start: int,
            findings: list[Finding]) -> bytes | None:
    """The body as RFC 9112 §6.3 frames it (None when it cannot be framed); what follows its end is a finding."""
    data, codings, lengths = wire.data, _tokens(values(fields, "transfer-encoding")), values(fields, "content-length")
    if wire.method == "HEAD" or status in NO_BODY:
        body, end = b"", start
    elif codings:
        if lengths:
            findings.append(Finding(CL_WITH_TE, f"Content-Length {', '.join(lengths)} beside Transfer-Encoding "
                                                f"{', '.join(codings)}: a strict client refuses the response"))
        if version == "HTTP/1.0":
            findings.append(Finding(TE_IN_HTTP_1_0, "an HTTP/1.0 response with Transfer-Encoding"))
        elif wire.request_version == "HTTP/1.0":
            findings.append(Finding(TE_TO_HTTP_1_0, "Transfer-Encoding in the answer to an HTTP/1.0 request"))
        if codings != ["chunked"]:
            findings.append(Finding(TRANSFER_CODING, f"Transfer-Encoding {', '.join(codings)}: the request offered "
                                                     "no transfer coding but chunked (it sent no TE)"))
            return None
        dechunked = _dechunked(data, start, findings)
        if dechunked is None:
            return None
        body, end = dechunked
    elif lengths:
        length = _content_length(lengths, findings)
        if length is None:
            return None
        body, end = data[start:start + length], start + length
        if len(body) < length:
            findings.append(Finding(INCOMPLETE, f"{len(body)} bytes of the {length} Content-Length declares"))
            return None
    else:  # delimited by the connection's close (RFC 9112 §6.3: HTTP/1.0, or Connection: close)
        body, end = data[start:], len(data)
    if end < len(data):
        extra = data[end:]
        findings.append(Finding(AFTER_END, f"{len(extra)} byte(s) after the end the framing declares: "
                                           f"{extra[:SHOWN]!r}", False))
    return body


def _tokens(field_values: list[str]) -> list[str]:
    return [token.strip().lower() for value in field_values for token in value.split(",") if token.strip()]


def _content_length(declared: list[str], findings: list[Finding]) -> int | None:
    """The one length the Content-Length values state; a list of equal values is read as one (RFC 9112 §6.3), and
    said; anything else cannot be framed."""
    lengths = [value.strip() for field_value in declared for value in field_value.split(",")]
    if not all(DIGITS.fullmatch(length) for length in lengths) or len({int(length) for length in lengths}) > 1:
        findings.append(Finding(CONTENT_LENGTH, f"Content-Length {', '.join(declared)}"))
        return None
    if len(lengths) > 1:
        findings.append(Finding(FIELD_ONCE, f"Content-Length sent as {', '.join(declared)}", False))
    return int(lengths[0])


def _dechunked(data: bytes, start: int, findings: list[Finding]) -> tuple[bytes, int] | None:
    """The chunked body at `start` decoded, and where it ends (after the trailer section); None on a syntax error."""
    chunks = []
    while True:
        line_end = data.find(b"\r\n", start)
        size_line = CHUNK_SIZE.fullmatch(data[start:line_end]) if line_end >= 0 else None
        if size_line is None:
            shown = data[start:line_end if line_end >= 0 else len(data)][:SHOWN]
            findings.append(Finding(CHUNKED, f"chunk-size line {shown!r} at byte {start}"))
            return None
        size, start = int(size_line.group(1), 16), line_end + 2
        if size == 0:
            break
        if data[start + size:start + size + 2] != b"\r\n":
            shown = data[start + size:start + size + SHOWN]
            findings.append(Finding(CHUNKED, f"chunk data of {size} bytes followed by {shown!r}, not CRLF"))
            return None
        chunks.append(data[start:start + size])
        start += size + 2
    trailer = _head(data, start) if data[start:start + 2] != b"\r\n" else ([], start + 2)
    if trailer is None:
        findings.append(Finding(CHUNKED, "the last chunk's trailer section does not end with an empty line"))
        return None
    return b"".join(chunks), trailer[1]


def _decoded(body: bytes, fields: tuple[tuple[str, str], ...], accept_encoding: str | None,
             findings: list[Finding]) -> bytes | None:
    """The body with its content codings undone, last applied first; None when a client cannot undo them."""
    for coding in reversed(_tokens(values(fields, "content-encoding"))):
        if coding == "identity":
            continue
        if not acceptable(coding, accept_encoding):
            findings.append(Finding(ACCEPTED_CODING, f"Content-Encoding {coding}, which the request's "
                                                     f"Accept-Encoding {accept_encoding!r} does not accept"))
            return None
        try:
            body = decode(body, coding)
        except ValueError as error:
            findings.append(Finding(CONTENT_CODING, f"Content-Encoding {coding}, but {error}"))
            return None
    return body


def acceptable(coding: str, accept_encoding: str | None) -> bool:
    """Whether a request's Accept-Encoding accepts a content coding (RFC 9110 §12.5.3; x-gzip is gzip)."""
    if accept_encoding is None:
        return True
    weights = {}
    for entry in accept_encoding.lower().split(","):
        name, *parameters = (part.strip() for part in entry.split(";"))
        weight = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip() == "q":
                weight = float(value) if re.fullmatch(r"[01](\.\d{0,3})?", value.strip()) else 0.0
        weights[name] = weight
    names = {"gzip", "x-gzip"} if coding in {"gzip", "x-gzip"} else {coding}
    listed = [weights[name] for name in names if name in weights]
    return (max(listed) if listed else weights.get("*", 0.0)) > 0


WINDOW_BITS = {"gzip": 31, "x-gzip": 31, "deflate": 15}  # zlib's names for RFC 9110 §8.4.1's gzip and deflate


def decode(content: bytes, coding: str, limit: int = 0) -> bytes:
    """`content` with one content coding undone (gzip, x-gzip; deflate, which is the zlib format), up to `limit`
    bytes (0: all); ValueError when it is not data of that coding, or not a coding this client knows."""
    if coding not in WINDOW_BITS:
        raise ValueError(f"{coding!r} is no content coding this client decodes")
    output, rest = b"", content
    while rest:  # gzip data may be several members, one after another
        inflater = zlib.decompressobj(WINDOW_BITS[coding])
        try:
            output += inflater.decompress(rest, max(limit - len(output), 0) if limit else 0)
        except zlib.error as error:
            raise ValueError(f"the content is not {coding} data ({error})") from None
        if limit and len(output) >= limit:
            return output[:limit]
        if not inflater.eof:
            raise ValueError(f"the {coding} data ends before its stream does")
        rest = inflater.unused_data
        if rest and coding == "deflate":
            raise ValueError(f"{len(rest)} byte(s) follow the deflate stream")
    return output


def decoded(content: bytes, content_encoding: str | None, limit: int = 0) -> bytes:
    """`content` with every coding of a Content-Encoding value undone, last applied first; ValueError if one fails."""
    for coding in reversed(_tokens([content_encoding or ""])):
        if coding != "identity":
            content = decode(content, coding, limit)
    return content
