"""The bytes off the wire: each response the target reads keeps exactly the bytes its server sent (per response on a
kept-alive connection, per thread when requests go out together), and what requests alone would have lost — a
coding that does not decode, bytes after the declared end — is there for the strict reader."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from conformance.target import wire
from conformance.target.client import MAX_BODY, Target
from conformance.target.exchange import Intent, PlannedRequest
from tests.fakes import RawServer

JSON = b'{"error_code":"NOT_FOUND","message":"m"}'
INTENT = Intent("test", "wire", "ps-000000000000000000000000")


def answer(*fields: bytes, body: bytes = JSON, tail: bytes = b"") -> bytes:
    return b"HTTP/1.1 404 Not Found\r\n" + b"".join(field + b"\r\n" for field in fields) + b"\r\n" + body + tail


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[bytes], bytes]], RawServer]]:
    """Start a raw server that answers each request with `respond(its request line)`."""
    servers: list[RawServer] = []

    def start(respond: Callable[[bytes], bytes]) -> RawServer:
        servers.append(RawServer(lambda request: respond(request.split(b"\r\n", 1)[0])))
        return servers[-1]

    yield start
    for server in servers:
        server.socket.close()


def test_each_response_keeps_its_own_bytes_on_a_kept_alive_connection(serve):
    answers = {b"/first": answer(b"Content-Length: %d" % len(JSON)),
               b"/second": answer(b"Transfer-Encoding: chunked", body=b"%x\r\n%s\r\n0\r\n\r\n" % (len(JSON), JSON))}
    server = serve(lambda line: answers[line.split(b" ")[1]])
    target = Target(server.base_url)
    for path, sent in answers.items():
        response = target.send(INTENT, "GET", path.decode()).response
        assert response.wire.data == sent and response.wire.complete
        assert response.body == JSON and response.json == {"error_code": "NOT_FOUND", "message": "m"}
    assert server.connections == 1


def test_requests_sent_together_each_keep_their_answer(serve):
    server = serve(lambda line: answer(b"Content-Length: %d" % len(line), body=line))
    target = Target(server.base_url)
    planned = [PlannedRequest(INTENT, "GET", f"/n/{number}") for number in range(6)]
    for exchanges in (target.gather(planned), target.burst_many(planned)):
        for number, exchange in enumerate(exchanges):
            assert exchange.response.wire.data.endswith(b"GET /n/%d HTTP/1.1" % number)


def test_bytes_after_the_declared_end_are_seen(serve):
    server = serve(lambda line: answer(b"Content-Length: %d" % len(JSON), tail=b"\n"))
    response = Target(server.base_url).send(INTENT, "GET", "/").response
    assert response.body == JSON and response.wire.data.endswith(JSON + b"\n")
    assert [(finding.rule, finding.misread) for finding in response.findings] == [(wire.AFTER_END, False)]


def test_a_coding_that_does_not_decode_leaves_the_response_and_says_why(serve):
    server = serve(lambda line: answer(b"Content-Encoding: gzip", b"Content-Length: %d" % len(JSON)))
    exchange = Target(server.base_url).send(INTENT, "GET", "/")
    assert exchange.error is None and exchange.response.body == JSON
    with pytest.raises(ValueError, match="RFC 9110 §8.4"):
        exchange.response.json  # noqa: B018 - reading it is the test


def test_a_body_beyond_the_cap_is_not_framed(serve):
    body = b"x" * (MAX_BODY + 10)
    server = serve(lambda line: answer(b"Content-Length: %d" % len(body), body=body))
    response = Target(server.base_url).send(INTENT, "GET", "/").response
    assert response.truncated and not response.wire.complete
    assert response.message.findings == () and response.content_type == ""
