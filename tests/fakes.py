"""Deliberately wrong servers for end-to-end runs: real HTTP (or raw sockets) on a free loopback port.

``serve(behaviour)`` runs ``behaviour(handler)`` for every request; the behaviours below answer the way a broken
or hostile target would.
"""

from __future__ import annotations

import base64
import http.client
import json
import math
import re
import socket
import ssl
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = "xnd_development_fake_key"
AUTHORIZED = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
NOT_FOUND = {"error_code": "NOT_FOUND", "message": "Session not found"}
UNAUTHORIZED = {"error_code": "INVALID_API_KEY", "message": "API key is not authorized for this API"}
Behaviour = Callable[[BaseHTTPRequestHandler], None]


def reply(handler: BaseHTTPRequestHandler, status: int, body: bytes | dict, content_type: str = "application/json",
          headers: dict | None = None) -> None:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


def authorized(handler: BaseHTTPRequestHandler) -> bool:
    """Whether the request carries the key as HTTP reads Basic credentials: the scheme in any case, 1*SP."""
    scheme, _, token = (handler.headers.get("Authorization") or "").strip(" \t").partition(" ")
    return scheme.lower() == "basic" and token.lstrip(" ") == AUTHORIZED.split(" ", 1)[1]


def conformant(handler: BaseHTTPRequestHandler) -> tuple[int, dict]:
    """What a correct target answers for sessions it does not have: 401 without the key, else 404."""
    if not authorized(handler):
        return 401, UNAUTHORIZED
    return 404, NOT_FOUND


def conformant_404(handler: BaseHTTPRequestHandler, headers: dict | None = None) -> None:
    """The conformant answer (with `headers`, if given)."""
    reply(handler, *conformant(handler), headers=headers)


def fixed(status: int, body: bytes | dict, content_type: str = "application/json") -> Behaviour:
    return lambda handler: reply(handler, status, body, content_type)


class _QuietServer(ThreadingHTTPServer):
    """A client that hung up on a behaviour (a reset, a stall past the suite's timeout) is what these servers are
    for: its broken pipe is not printed, where it would land in the output of a run under test in this process."""

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


@contextmanager
def serve(behaviour: Behaviour, *, http10: bool = False, tls: ssl.SSLContext | None = None,
          log: list | None = None, consume_body: bool = True) -> Iterator[str]:
    """A server on a free loopback port answering with `behaviour`; yields its base URL. `log` gets
    (method, path, headers) of each request."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0" if http10 else "HTTP/1.1"
        disable_nagle_algorithm = True  # else each answer on a kept-alive connection waits ~40 ms for a delayed ACK

        def log_message(self, *args) -> None:
            pass

        def handle_one(self) -> None:
            if consume_body:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if log is not None:
                log.append((self.command, self.path, dict(self.headers)))
            behaviour(self)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_TRACE = do_QUERY = handle_one

    server = _QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def free_port() -> int:
    """A loopback port nothing listens on (at the moment of asking): for a server to start on, or a target that is
    down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def every_other_time(odd: Behaviour, normal: Behaviour = conformant_404) -> Behaviour:
    """`odd` the first time a request (method, path, credentials) comes, `normal` the next, and so on: an
    intermittent fault that requests sent side by side do not disturb."""
    seen: dict[tuple, int] = {}
    lock = threading.Lock()

    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        key = (handler.command, handler.path, handler.headers.get("Authorization"))
        with lock:
            seen[key] = seen.get(key, 0) + 1
            odd_time = seen[key] % 2 == 1
        (odd if odd_time else normal)(handler)

    return behaviour


def every_nth(n: int, odd: Behaviour, normal: Behaviour = conformant_404) -> Behaviour:
    """`odd` for every n-th request, `normal` otherwise."""
    count = iter(range(1, 10**9))
    lock = threading.Lock()

    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            number = next(count)
        (odd if number % n == 0 else normal)(handler)

    return behaviour


def dies_after(n: int, normal: Behaviour = conformant_404) -> Behaviour:
    """Answers the first n requests, then nothing at all (not even a status line) to every one."""
    count = iter(range(1, 10**9))
    lock = threading.Lock()

    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            number = next(count)
        (normal if number <= n else mute)(handler)

    return behaviour


RATE_LIMITED = {"error_code": "RATE_LIMIT_EXCEEDED", "message": "Too many requests"}


def route(handler: BaseHTTPRequestHandler) -> str:
    """The request's method and route, ids replaced: ``POST /sessions/{id}/cancel``."""
    return f"{handler.command} {re.sub(r'^/sessions/[^/]+', '/sessions/{id}', handler.path.split('?')[0])}"


class RateLimiter:
    """A rate limit as Xendit's test mode keeps one: a sliding window of `limit` requests per `period` seconds for
    each route, announced on every answer (Rate-Limit-Limit, -Remaining, -Reset: seconds until the oldest request
    leaves the window) unless `announce` is off; a request beyond gets 429 RATE_LIMIT_EXCEEDED, the others
    conformant_404. ``accepted``: each route's answered requests (monotonic times); ``refused``: its 429s."""

    def __init__(self, limit: int, period: float, *, announce: bool = True):
        self.limit, self.period, self.announce = limit, period, announce
        self.accepted: defaultdict[str, list[float]] = defaultdict(list)
        self.refused: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        key = route(handler)
        with self._lock:
            now = time.monotonic()
            window = [at for at in self.accepted[key] if at > now - self.period]
            allowed = len(window) < self.limit
            if allowed:
                self.accepted[key].append(now)
                window.append(now)
            else:
                self.refused[key] += 1
        reset = math.ceil((window[0] + self.period - now) * 100) / 100  # rounded up: who waits it out is not early
        headers = {"Rate-Limit-Limit": str(self.limit), "Rate-Limit-Remaining": str(self.limit - len(window)),
                   "Rate-Limit-Reset": f"{reset:.2f}"} if self.announce else {}
        if allowed:
            conformant_404(handler, headers)
        else:
            reply(handler, 429, RATE_LIMITED, headers=headers)


def refuses_first(n: int, headers: dict | None = None) -> Behaviour:
    """429 RATE_LIMIT_EXCEEDED (with `headers`) to the first n requests of each path, then conformant_404."""
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            seen[handler.path] += 1
            refused = seen[handler.path] <= n
        if refused:
            reply(handler, 429, RATE_LIMITED, headers=headers)
        else:
            conformant_404(handler)

    return behaviour


def stalled_errors(handler: BaseHTTPRequestHandler) -> None:
    """conformant_404, except that every answer (all errors) declares a body longer than it sends, then stalls."""
    status, answer = conformant(handler)
    body = json.dumps(answer).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body) + 100))
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()
    time.sleep(30)


def reset(handler: BaseHTTPRequestHandler) -> None:
    """Start a response, then drop the connection."""
    handler.wfile.write(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"er")
    handler.wfile.flush()
    handler.close_connection = True
    handler.connection.shutdown(2)


def mute(handler: BaseHTTPRequestHandler) -> None:
    """Takes the request, then sends nothing for a long time."""
    time.sleep(30)


def hang(handler: BaseHTTPRequestHandler) -> None:
    """Headers, a little body, then nothing for a long time."""
    handler.wfile.write(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
    handler.wfile.flush()
    time.sleep(30)


def huge(handler: BaseHTTPRequestHandler) -> None:
    """A 50 MB JSON body, streamed."""
    size = 50 * 1024 * 1024
    handler.send_response(404)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(size))
    handler.end_headers()
    chunk = b" " * 65536
    try:
        for _ in range(size // len(chunk)):
            handler.wfile.write(chunk)
    except OSError:
        pass  # the client stopped reading, as it should


def redirect_loop(handler: BaseHTTPRequestHandler) -> None:
    reply(handler, 302, b"", "text/plain", {"Location": handler.path})


def chunked(handler: BaseHTTPRequestHandler) -> None:
    """The conformant answer, with Transfer-Encoding: chunked (to HTTP/1.1 requests: not to an HTTP/1.0 one)."""
    status, answer = conformant(handler)
    if handler.request_version == "HTTP/1.0":
        reply(handler, status, answer)
        return
    body = json.dumps(answer).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    for part in (body[:5], body[5:]):
        handler.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
    handler.wfile.write(b"0\r\n\r\n")


def slow(seconds: float, then: Behaviour = conformant_404) -> Behaviour:
    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        then(handler)

    return behaviour


@contextmanager
def prefix_proxy(backend: str, prefix: str) -> Iterator[str]:
    """A reverse proxy on a free loopback port that serves `backend` under `prefix` (``/xendit``): requests under it
    are forwarded byte for byte with the prefix removed, anything else is a 404. Yields the proxy's base URL with the
    prefix."""
    host, port = backend.removeprefix("http://").split(":")

    def forward(handler: BaseHTTPRequestHandler) -> None:
        if not handler.path.startswith(prefix + "/"):
            reply(handler, 404, {"error_code": "NOT_FOUND", "message": "not under the proxy's prefix"})
            return
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        connection.putrequest(handler.command, handler.path[len(prefix):], skip_host=True, skip_accept_encoding=True)
        for name, value in handler.headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        answer = connection.getresponse()
        data = answer.read()
        handler.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in {"content-length", "transfer-encoding", "connection", "date", "server"}:
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        connection.close()

    with serve(forward, consume_body=False) as base_url:
        yield base_url + prefix


NOT_FOUND_AND_CLOSE = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class RawServer:
    """A loopback HTTP/1.1 server on raw sockets, for what http.server would normalise: it keeps each request as
    received (its head, and the content its Content-Length declares) and answers it with `respond(request)`, on a
    kept-alive connection unless the answer says close. It counts the connections it accepted."""

    def __init__(self, respond: Callable[[bytes], bytes] = lambda request: NOT_FOUND_AND_CLOSE):
        self.respond, self.requests, self.connections = respond, [], 0
        self.socket = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    @property
    def lines(self) -> list[bytes]:
        """The request line of each request."""
        return [request.split(b"\r\n", 1)[0] for request in self.requests]

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
                    if not (chunk := connection.recv(65536)):
                        return
                    received += chunk
                head, _, received = received.partition(b"\r\n\r\n")
                declared = re.search(rb"\r\ncontent-length: *(\d+)", head, re.IGNORECASE)
                while declared and len(received) < int(declared[1]):
                    if not (chunk := connection.recv(65536)):
                        return
                    received += chunk
                length = int(declared[1]) if declared else 0
                request, received = head + b"\r\n\r\n" + received[:length], received[length:]
                self.requests.append(request)
                answer = self.respond(request)
                connection.sendall(answer)
                if b"\r\nconnection: close" in answer.lower():
                    return
