"""The bytes off the wire: each response the target reads keeps exactly the bytes its server sent (per response on a
kept-alive connection, per thread when requests go out together), and what requests alone would have lost — a
coding that does not decode, bytes after the declared end — is there for the strict reader."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from conformance.target import wire
from conformance.target.client import MAX_BODY, Target
from conformance.target.exchange import Intent, PlannedRequest

JSON = b'{"error_code":"NOT_FOUND","message":"m"}'
INTENT = Intent("test", "wire", "ps-000000000000000000000000")


def answer(*fields: bytes, body: bytes = JSON, tail: bytes = b"") -> bytes:
    return b"HTTP/1.1 404 Not Found\r\n" + b"".join(field + b"\r\n" for field in fields) + b"\r\n" + body + tail


class Server:
    """A loopback HTTP/1.1 server that answers each request (bodiless) with `respond(request line)`, keeping the
    connection open; it counts the connections it accepted."""

    def __init__(self, respond: Callable[[bytes], bytes]):
        self.respond, self.connections = respond, 0
        self.socket = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            received = b""
            while True:
                while b"\r\n\r\n" not in received:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    received += chunk
                head, _, received = received.partition(b"\r\n\r\n")
                connection.sendall(self.respond(head.split(b"\r\n")[0]))


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[bytes], bytes]], Server]]:
    servers: list[Server] = []

    def start(respond: Callable[[bytes], bytes]) -> Server:
        servers.append(Server(respond))
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
