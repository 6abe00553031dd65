"""The HTTP layer over raw sockets: every bound holds (timeouts, sizes, connections), every refusal is one of the
documented JSON bodies with ``Connection: close``, and the Host header never reaches a link unchecked."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator

import pytest

from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from conformance.emulator.app import Api, Scope
from conformance.emulator.config import Limits
from conformance.emulator.protocol import REFUSALS

KEY_A = next(iter(DEFAULT_KEYS))
AUTH = b"Authorization: Basic " + base64.b64encode(f"{KEY_A}:".encode()) + b"\r\n"
LIMITS = Limits(header_timeout=0.3, body_timeout=0.3, keep_alive_timeout=0.3, max_connections=6,
                max_header_bytes=2048, max_headers=20, max_body_bytes=4096, max_items=3)
SLACK = 1.0  # seconds a refusal may take beyond its timeout on a busy machine
EARLY = 0.05  # the server starts its clock when it accepts, a moment before the client starts its own


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with running(EmulatorConfig(limits=LIMITS, min_expiry_seconds=1)) as base_url:
        yield int(base_url.rsplit(":", 1)[1])


def exchange(port: int, *parts: bytes, pause: float = 0.0, wait: float = 3.0) -> tuple[bytes, float]:
    """Send `parts` (`pause` seconds apart), read until the server closes; (all it sent, seconds it took)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.settimeout(wait)
        for part in parts:
            try:
                client.sendall(part)
            except OSError:  # the server has already answered and closed
                break
            time.sleep(pause)
        received = b""
        while chunk := client.recv(65536):
            received += chunk
    return received, time.monotonic() - started


def refused(reply: bytes, status: int, code: str) -> None:
    """`reply` is exactly one documented refusal: `status`, JSON, `code`, and the connection closed after it."""
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers = dict(line.lower().split(b": ", 1) for line in lines[1:])
    assert lines[0].startswith(b"HTTP/1.1 %d " % status), reply
    assert headers[b"content-type"] == b"application/json" and headers[b"connection"] == b"close"
    assert (status, body) in REFUSALS and json.loads(body)["error_code"] == code


def post(path: bytes, body: bytes, *extra: bytes) -> bytes:
    return (b"POST " + path + b" HTTP/1.1\r\nHost: h\r\n" + AUTH + b"Content-Length: %d\r\n" % len(body)
            + b"".join(extra) + b"\r\n" + body)


def test_an_idle_connection_is_closed_silently(port):
    reply, took = exchange(port)
    assert reply == b"" and LIMITS.keep_alive_timeout - EARLY <= took < LIMITS.keep_alive_timeout + SLACK


@pytest.mark.parametrize("parts", [
    [b"GET /sessions/x HTTP/1.1\r\nHost: h\r\n"],  # headers never finished
    [b"GET /sessions/x\r\n"],  # an HTTP/0.9 request line
    [b"\r\n\r\n"],  # stray line ends, no request
    [bytes([byte]) for byte in b"GET /sessions/x HTTP/1.1\r\nHost: h\r\n\r\n"],  # a 1-byte trickle
], ids=["unfinished head", "HTTP/0.9 line", "stray CRLF", "trickle"])
def test_a_slow_head_times_out(port, parts):
    reply, took = exchange(port, *parts, pause=0.02)
    refused(reply, 408, "REQUEST_TIMEOUT")
    assert took < LIMITS.header_timeout + SLACK


@pytest.mark.parametrize("body", [b"{", b"1\r\n{\r\n"], ids=["short Content-Length", "unfinished chunks"])
def test_a_slow_body_times_out(port, body):
    framing = b"Content-Length: 10\r\n" if body == b"{" else b"Transfer-Encoding: chunked\r\n"
    reply, took = exchange(port, b"POST /sessions HTTP/1.1\r\nHost: h\r\n" + AUTH + framing + b"\r\n" + body)
    refused(reply, 408, "REQUEST_TIMEOUT")
    assert LIMITS.body_timeout - EARLY <= took < LIMITS.body_timeout + SLACK


def test_a_declared_body_too_large_is_413_before_it_is_sent(port):
    reply, took = exchange(port, b"POST /sessions HTTP/1.1\r\nHost: h\r\nContent-Length: 4097\r\n\r\n")
    refused(reply, 413, "CONTENT_TOO_LARGE")
    assert took < SLACK


def test_a_chunked_body_too_large_is_413_and_logs_no_traceback(port, caplog):
    chunk = b"800\r\n" + b" " * 0x800 + b"\r\n"
    reply, _ = exchange(port, b"POST /sessions HTTP/1.1\r\nHost: h\r\n" + AUTH
                        + b"Transfer-Encoding: chunked\r\n\r\n" + chunk * 3)
    refused(reply, 413, "CONTENT_TOO_LARGE")
    assert "Traceback" not in caplog.text and "internal error" not in caplog.text


@pytest.mark.parametrize(("request_bytes", "status", "code"), [
    (b"GET /sessions/" + b"a" * 2100 + b" HTTP/1.1\r\nHost: h\r\n\r\n", 414, "URI_TOO_LONG"),
    (b"GET /sessions/" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: h\r\n\r\n", 414, "URI_TOO_LONG"),
    (b"GET /sessions/x HTTP/1.1\r\nHost: h\r\nX-Big: " + b"a" * 2100 + b"\r\n\r\n", 431,
     "REQUEST_HEADER_FIELDS_TOO_LARGE"),
    (b"GET /sessions/x HTTP/1.1\r\nHost: h\r\nX-Big: " + b"a" * 8_000_000, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE"),
    (b"GET /sessions/x HTTP/1.1\r\nHost: h\r\n" + b"".join(b"X-%d: a\r\n" % n for n in range(21)) + b"\r\n", 431,
     "REQUEST_HEADER_FIELDS_TOO_LARGE"),
], ids=["long target", "100,000-character id", "long header", "8 MB unfinished header", "too many headers"])
def test_an_oversized_head_is_refused(port, request_bytes, status, code):
    reply, took = exchange(port, request_bytes)
    refused(reply, status, code)
    assert took < SLACK


@pytest.mark.parametrize("request_bytes", [
    b"get /sessions/x HTTP/1.1\r\nHost: h\r\n\r\n",
    b"POST /sessions HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"GET /sessions/x HTTP/1.1\r\nHost: h\r\nX-A: a\x00b\r\n\r\n",
    b"GET /sessions/\xff HTTP/1.1\r\nHost: h\r\n\r\n",
    b"POST /sessions HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"POST /sessions HTTP/1.1\r\nHost: h\r\nContent-Length: x1\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    b"POST /sessions HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 2\r\n\r\n{}",
    b"GET /sessions/x HTTP/1.1\r\n\r\n",
    b"GET /sessions/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    b'GET /sessions/x HTTP/1.1\r\nHost: evil.example"><script>\r\n\r\n',
    b"GET /sessions/x HTTP/1.1\r\nHost: a b\r\n\r\n",
], ids=["lower-case method", "Content-Length and chunked", "NUL in a header", "0xFF in the path", "bad chunk size",
        "bad Content-Length", "TLS handshake", "upgrade with a body", "no Host", "two Hosts", "Host with markup",
        "Host with a space"])
def test_malformed_requests_are_400_json(port, request_bytes):
    reply, took = exchange(port, request_bytes)
    refused(reply, 400, "API_VALIDATION_ERROR")
    assert took < SLACK


def test_connections_beyond_the_cap_are_429_until_one_closes(port):
    time.sleep(0.1)  # earlier tests' connections are gone
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(LIMITS.max_connections)]
    try:
        time.sleep(0.05)  # let the server accept them all
        reply, _ = exchange(port)
        refused(reply, 429, "RATE_LIMIT_EXCEEDED")
        assert b"\r\nretry-after: 1\r\n" in reply
    finally:
        for client in held:
            client.close()
    time.sleep(0.05)
    reply, _ = exchange(port, b"GET /sessions/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n" + AUTH + b"\r\n")
    assert reply.startswith(b"HTTP/1.1 404 ")


def test_items_beyond_the_maximum_are_a_validation_error(port):
    item = {"reference_id": "i", "type": "FEE", "name": "n", "net_unit_amount": 1, "quantity": 1, "category": "c"}
    body = {"reference_id": "r", "session_type": "PAY", "mode": "PAYMENT_LINK", "amount": 1, "currency": "IDR",
            "country": "ID"}
    reply, _ = exchange(port, post(b"/sessions", json.dumps({**body, "items": [item] * 4}).encode(),
                                   b"Connection: close\r\n"))
    assert reply.startswith(b"HTTP/1.1 400 ")
    assert json.loads(reply.partition(b"\r\n\r\n")[2])["errors"] == [
        {"message": "must NOT have more than 3 items", "path": "/body/items"}]
    reply, _ = exchange(port, post(b"/sessions", json.dumps({**body, "items": [item] * 3}).encode(),
                                   b"Connection: close\r\n"))
    assert reply.startswith(b"HTTP/1.1 201 ")


def link(port: int, host: bytes) -> str:
    body = json.dumps({"reference_id": "r", "session_type": "PAY", "mode": "PAYMENT_LINK", "amount": 1,
                       "currency": "IDR", "country": "ID"}).encode()
    reply, _ = exchange(port, post(b"/sessions", body, b"Connection: close\r\n").replace(b"Host: h", b"Host: " + host))
    assert reply.startswith(b"HTTP/1.1 201 "), reply
    return json.loads(reply.partition(b"\r\n\r\n")[2])["payment_link_url"]


def test_links_use_a_valid_host_as_sent(port):
    assert link(port, b"shop.example:8443").startswith("http://shop.example:8443/checkout/ps-")
    assert link(port, b"[::1]:80").startswith("http://[::1]:80/checkout/ps-")


def test_links_use_the_public_url_whatever_the_host():
    config = EmulatorConfig(public_url="https://emulator.example/base/")
    with running(config) as base_url:
        assert link(int(base_url.rsplit(":", 1)[1]), b"other.example").startswith(
            "https://emulator.example/base/checkout/ps-")


class Rewritten(Api):
    """A variant's rewrite of its answers' bytes (``Api.wire``): each whole answer, marked."""

    seen: list[bytes] = []

    def wire(self, scope: Scope, response: bytes) -> bytes:
        self.seen.append(response)
        return b"REWRITTEN " + response


@pytest.mark.parametrize("close", [b"Connection: close\r\n", b""], ids=["connection closed", "kept alive"])
def test_a_variants_rewrite_gets_each_whole_answer_and_sends_what_it_returns(close):
    """Whether the answer ends the connection or not; a 100 Continue before it goes out as it is."""
    Rewritten.seen.clear()
    with running(EmulatorConfig(limits=LIMITS), api=Rewritten) as base_url:
        reply, _ = exchange(int(base_url.rsplit(":", 1)[1]), post(b"/sessions", b"{}", b"Expect: 100-continue\r\n",
                                                                 close))
    [answered] = Rewritten.seen
    head, _, body = answered.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"content-length: %d" % len(body) in head
    assert reply == b"HTTP/1.1 100 Continue\r\n\r\nREWRITTEN " + answered
