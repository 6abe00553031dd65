"""Faulty emulators whose fault is in the bytes on the wire: each sends its answers to the cancel operation with one
rule of HTTP (RFC 9112, RFC 9110) or JSON (RFC 8259, RFC 7493) broken, and changes nothing else. requests reads
every one of them without complaint; a compliant client (and the suite's strict reader) does not, or only recovers.

Each rewrites the bytes of its answers as the HTTP layer would send them (``Api.wire``, ``protocol.Rewriting``), so
it can break what an ASGI app cannot: framing, field lines. The first line of a class's docstring is the fault's
description in the catalogue.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace

from conformance.emulator.app import Api, Scope

CANCEL_PATH = re.compile(r"/sessions/[^/]*/cancel")
CHUNKS = 3  # the pieces a chunked answer's body is sent in
BIG_INTEGER = 1311768467294899695  # beyond 2^53: a double holds 1311768467294899712


@dataclass(frozen=True)
class Answer:
    """A response as the HTTP layer wrote it: its status line, its field lines, its body (framed by
    Content-Length, as every answer of the emulator is)."""

    status_line: bytes
    fields: tuple[tuple[bytes, bytes], ...]
    body: bytes

    @classmethod
    def parse(cls, response: bytes) -> Answer:
        head, _, body = response.partition(b"\r\n\r\n")
        status_line, *lines = head.split(b"\r\n")
        return cls(status_line, tuple(tuple(line.split(b": ", 1)) for line in lines), body)

    @property
    def status(self) -> int:
        return int(self.status_line.split(b" ")[1])

    def without(self, name: bytes) -> tuple[tuple[bytes, bytes], ...]:
        return tuple((field, value) for field, value in self.fields if field.lower() != name)

    def head(self, fields: tuple[tuple[bytes, bytes], ...]) -> bytes:
        return b"".join([self.status_line, b"\r\n", *(name + b": " + value + b"\r\n" for name, value in fields),
                         b"\r\n"])

    def framed(self) -> bytes:
        """The answer with a Content-Length that is its body's."""
        return self.head((*self.without(b"content-length"), (b"content-length", b"%d" % len(self.body)))) + self.body


def hex_size(length: int) -> bytes:
    return b"%x" % length


def chunked(body: bytes, size: Callable[[int], bytes] = hex_size) -> bytes:
    """`body` in the chunked transfer coding, in CHUNKS pieces, each chunk's size as `size` writes it."""
    step = -(-len(body) // CHUNKS) or 1
    pieces = [body[start:start + step] for start in range(0, len(body), step)]
    return b"".join(size(len(piece)) + b"\r\n" + piece + b"\r\n" for piece in pieces) + size(0) + b"\r\n\r\n"


class WireFault(Api):
    """Base: each answer to POST /sessions/{id}/cancel goes out as `sent` makes it."""

    def wire(self, scope: Scope, response: bytes) -> bytes:
        if scope["method"] != "POST" or not CANCEL_PATH.fullmatch(scope["path"]):
            return response
        return self.sent(Answer.parse(response))

    def sent(self, answer: Answer) -> bytes:
        raise NotImplementedError


class BodyOnWire(WireFault):
    """Base: the body of each answer to the cancel is `rewritten`, its Content-Length kept true."""

    def sent(self, answer: Answer) -> bytes:
        return replace(answer, body=self.rewritten(answer.status, answer.body)).framed()

    def rewritten(self, status: int, body: bytes) -> bytes:
        raise NotImplementedError


class FieldsOnWire(WireFault):
    """Base: each answer to the cancel goes out with `extra` field lines after its own."""

    extra: tuple[tuple[bytes, bytes], ...] = ()

    def sent(self, answer: Answer) -> bytes:
        return answer.head((*answer.fields, *self.extra)) + answer.body


# --- the JSON text (RFC 8259, RFC 7493) -------------------------------------------------------------------------

class JsonWithBom(BodyOnWire):
    """Answers to the cancel begin their JSON with a UTF-8 byte order mark (EF BB BF)."""

    def rewritten(self, status: int, body: bytes) -> bytes:
        return b"\xef\xbb\xbf" + body


class JsonInUtf16(BodyOnWire):
    """Answers to the cancel are JSON in UTF-16 (with its byte order mark), not UTF-8."""

    def rewritten(self, status: int, body: bytes) -> bytes:
        return body.decode().encode("utf-16")


class StatusNamedTwice(BodyOnWire):
    """A cancel's 200 names status twice: "ACTIVE" (as the session was) first, then "CANCELED"."""

    def rewritten(self, status: int, body: bytes) -> bytes:
        return b'{"status":"ACTIVE",' + body[1:] if status == 200 else body


class FirstNameRepeated(BodyOnWire):
    """Answers to the cancel repeat their JSON's first member at its end: the same name with the same value."""

    def rewritten(self, status: int, body: bytes) -> bytes:
        first = json.dumps(dict([next(iter(json.loads(body).items()))]), separators=(",", ":")).encode()
        return body[:-1] + b"," + first[1:]


class AmountBeyondDouble(BodyOnWire):
    """A cancel's 200 writes its amount as 1e400, beyond what a double holds."""

    def rewritten(self, status: int, body: bytes) -> bytes:
        return re.sub(rb'"amount":[^,}]*', b'"amount":1e400', body) if status == 200 else body


class IntegerBeyondDouble(BodyOnWire):
    """Error answers to the cancel carry a numeric request_id beyond 2^53, which a double does not hold exactly."""

    def rewritten(self, status: int, body: bytes) -> bytes:
        return body[:-1] + b',"request_id":%d}' % BIG_INTEGER if status >= 400 else body


# --- field lines (RFC 9112 §5, RFC 9110 §5.3, §8.3, §8.4) -------------------------------------------------------

class GzipClaimed(FieldsOnWire):
    """Answers to the cancel say Content-Encoding: gzip, but their body is plain JSON."""

    extra = ((b"content-encoding", b"gzip"),)


class RawDeflate(WireFault):
    """Answers to the cancel are Content-Encoding: deflate without the zlib wrapper the deflate coding has."""

    def sent(self, answer: Answer) -> bytes:
        compressor = zlib.compressobj(wbits=-15)
        body = compressor.compress(answer.body) + compressor.flush()
        return replace(answer, fields=(*answer.fields, (b"content-encoding", b"deflate")), body=body).framed()


class ContentTypeTwice(FieldsOnWire):
    """Answers to the cancel carry a second Content-Type, text/html, after application/json."""

    extra = ((b"content-type", b"text/html; charset=utf-8"),)


class ContentTypeRepeated(FieldsOnWire):
    """Answers to the cancel carry their Content-Type twice, with the same value."""

    extra = ((b"content-type", b"application/json"),)


class JsonCharsetLatin1(WireFault):
    """Answers to the cancel are declared application/json; charset=iso-8859-1."""

    def sent(self, answer: Answer) -> bytes:
        return answer.head((*answer.without(b"content-type"),
                            (b"content-type", b"application/json; charset=iso-8859-1"))) + answer.body


class FoldedField(FieldsOnWire):
    """Answers to the cancel fold a field's value onto a second line (obs-fold)."""

    extra = ((b"cache-control", b"no-store,\r\n no-cache"),)


class SpaceBeforeColon(FieldsOnWire):
    """Answers to the cancel write a field with a space between its name and the colon ("cache-control : ...")."""

    extra = ((b"cache-control ", b"no-store"),)


# --- framing (RFC 9112 §6, §7) ----------------------------------------------------------------------------------

class LengthBesideChunked(WireFault):
    """Answers to the cancel are chunked and still carry their Content-Length."""

    def sent(self, answer: Answer) -> bytes:
        return answer.head((*answer.fields, (b"transfer-encoding", b"chunked"))) + chunked(answer.body)


class ChunkSizesPythonHex(WireFault):
    """Answers to the cancel are chunked, each size written by Python's hex() ("0x1a"), which is no chunk-size."""

    def sent(self, answer: Answer) -> bytes:
        fields = (*answer.without(b"content-length"), (b"transfer-encoding", b"chunked"))
        return answer.head(fields) + chunked(answer.body, lambda length: hex(length).encode())


class NewlineAfterBody(WireFault):
    """Answers to the cancel send a newline after the body their Content-Length declares."""

    def sent(self, answer: Answer) -> bytes:
        return answer.framed() + b"\n"
