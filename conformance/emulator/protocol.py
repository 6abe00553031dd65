"""The HTTP layer: uvicorn's httptools protocol, with the bounds uvicorn leaves out and JSON refusals.

uvicorn (0.54) has a keep-alive timeout but no header or body timeout, no header or body size limit, no connection
cap that refuses early, and answers malformed requests with ``text/plain``. This subclass adds each, in the parser's
callbacks, so a request that passes costs nothing but a few comparisons (timers are armed only when a feed ends
mid-request). Every refusal it writes itself is JSON ``{error_code, message}`` with ``Connection: close``, and the
connection is then closed:

- 400 ``API_VALIDATION_ERROR``: a request the parser rejects (bad framing, a NUL or a raw 0xFF byte where it is not
  allowed, a lower-case method, Content-Length with Transfer-Encoding, bad chunk sizes); a Host header missing
  (HTTP/1.1), repeated, or not ``host[:port]``; an ``Upgrade`` request with a body (upgrades are not served, and the
  parser hands everything after such a head to the new protocol). A bodyless upgrade request is answered over
  HTTP/1.1, then the connection closes.
- 408 ``REQUEST_TIMEOUT``: headers not complete ``header_timeout`` seconds after the first read that ended inside
  them (or after stray bytes between requests), or a body not complete ``body_timeout`` seconds after the first read
  that ended inside it.
- 413 ``CONTENT_TOO_LARGE``: a declared Content-Length, or a chunked body so far, above ``max_body_bytes``.
- 414 ``URI_TOO_LONG`` / 431 ``REQUEST_HEADER_FIELDS_TOO_LARGE``: a request target, or the request line and headers
  together, above ``max_header_bytes``; or more than ``max_headers`` header fields.
- 429 ``RATE_LIMIT_EXCEEDED`` (Xendit's code for "too many requests") with ``Retry-After: 1``: a connection beyond
  ``max_connections``, answered as soon as it is accepted.

An idle connection (new, or between requests) is closed without a word after ``keep_alive_timeout``. If the refusal
concerns a request whose answer has begun, or a pipelined request behind an unanswered one, the connection is only
closed: a response is never interleaved with another.

ASGI lowers field names; the names as sent are kept in the scope's extensions (``FIELD_NAMES``) for the emulator's
variants that read them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle

from conformance.emulator.config import Limits, valid_host

logger = logging.getLogger("conformance.emulator")
uvicorn_logger = logging.getLogger("conformance.emulator.uvicorn")  # uvicorn's own per-request warnings: our lines
uvicorn_logger.setLevel(logging.ERROR)  # say the same, so only its errors are kept

FIELD_NAMES = "conformance.field_names"  # scope["extensions"][FIELD_NAMES]: the request's field names as sent
MALFORMED = (400, "API_VALIDATION_ERROR", "Invalid HTTP request received.")
BAD_HOST = (400, "API_VALIDATION_ERROR", "The Host header must be sent once, as host[:port]")
UPGRADE_WITH_BODY = (400, "API_VALIDATION_ERROR", "A protocol upgrade request cannot carry a body here")
TIMEOUT = (408, "REQUEST_TIMEOUT", "The request was not received in time")
TOO_LARGE = (413, "CONTENT_TOO_LARGE", "The request body is too large")
URI_TOO_LONG = (414, "URI_TOO_LONG", "The request target is too long")
HEADERS_TOO_LARGE = (431, "REQUEST_HEADER_FIELDS_TOO_LARGE", "The request headers are too large or too many")
TOO_MANY = (429, "RATE_LIMIT_EXCEEDED", "Too many open connections; retry later")


def body_of(code: str, message: str) -> bytes:
    return json.dumps({"error_code": code, "message": message}, separators=(",", ":")).encode()


def refusal(status: int, code: str, message: str) -> bytes:
    """A complete HTTP/1.1 response: the JSON error, and the connection closes after it."""
    body = body_of(code, message)
    retry = b"retry-after: 1\r\n" if status == 429 else b""
    return b"".join([STATUS_LINE[status], b"content-type: application/json\r\ncontent-length: ",
                     str(len(body)).encode(), b"\r\nconnection: close\r\n", retry, b"\r\n", body])


ALL = (MALFORMED, BAD_HOST, UPGRADE_WITH_BODY, TIMEOUT, TOO_LARGE, URI_TOO_LONG, HEADERS_TOO_LARGE, TOO_MANY)
REFUSALS = frozenset((status, body_of(code, message)) for status, code, message in ALL)  # (status, exact body) of each


class _Refused(Exception):
    """Stops the parser once a refusal is decided."""


Rewrite = Callable[[dict, bytes], bytes]  # (the request's ASGI scope, a response's bytes) → the bytes to send


class Rewriting:
    """A variant's hook on the bytes of its answers (``Api.wire``), for what an ASGI app cannot send: framing,
    field lines, the status line. It is the transport as one request's cycle sees it: what uvicorn writes from the
    response's status line on is held, and written once the response is complete (or the connection closes) as
    `rewrite` returns it. A 100 Continue written before the response goes out as it is."""

    def __init__(self, cycle: RequestResponseCycle, rewrite: Rewrite):
        self.transport, self.cycle, self.rewrite, self.held = cycle.transport, cycle, rewrite, bytearray()
        self.completed = cycle.on_response
        cycle.transport, cycle.on_response = self, self._complete

    def write(self, data: bytes) -> None:
        if self.cycle.response_started:
            self.held += data
        else:
            self.transport.write(data)

    def close(self) -> None:
        self._flush()
        self.transport.close()

    def _complete(self) -> None:
        self._flush()
        self.completed()

    def _flush(self) -> None:
        if self.held:
            self.transport.write(self.rewrite(self.cycle.scope, bytes(self.held)))
            self.held.clear()

    def __getattr__(self, name: str):  # is_closing, get_extra_info, ...: the transport's own
        return getattr(self.transport, name)


class GuardedProtocol(HttpToolsProtocol):
    """httptools protocol with `limits`, and a variant's `rewrite` of its answers' bytes if it has one (class
    attributes: see :meth:`bounded`)."""

    limits = Limits()
    rewrite: Rewrite | None = None

    @classmethod
    def bounded(cls, limits: Limits, rewrite: Rewrite | None = None) -> type[GuardedProtocol]:
        return type(cls.__name__, (cls,), {"limits": limits, "rewrite": staticmethod(rewrite) if rewrite else None})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.logger = uvicorn_logger
        self.timeout_keep_alive = self.limits.keep_alive_timeout
        self._in_head = self._in_body = self._refused = False
        self._head_bytes = self._body_bytes = 0
        self._deadline: asyncio.TimerHandle | None = None

    # --- connections ----------------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            self._refuse(*TOO_MANY)
            return
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if not self._in_body:
            self._head_bytes += len(data)
        try:
            super().data_received(data)
        except _Refused:
            return
        if self._refused:
            return
        waiting_for_head = self._in_head or self._head_bytes > 0  # a partial head, or stray bytes before one
        if waiting_for_head and self._head_bytes > self.limits.max_header_bytes:
            self._refuse_head()
        elif self._deadline is None and (waiting_for_head or self._in_body):
            timeout = self.limits.body_timeout if self._in_body else self.limits.header_timeout
            self._deadline = self.loop.call_later(timeout, self._refuse, *TIMEOUT)

    def send_400_response(self, msg: str) -> None:
        """The parser gave up: a JSON 400, or 414/431 if the head was already too large."""
        if self._head_bytes > self.limits.max_header_bytes:
            self._refuse_head()
        elif not self._refused:
            self._refuse(*MALFORMED)

    # --- parser callbacks -----------------------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self.scope["extensions"] = {FIELD_NAMES: []}

    def on_header(self, name: bytes, value: bytes) -> None:
        self.scope["extensions"][FIELD_NAMES].append(name)  # ASGI lowers them: a variant may want them as sent
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        if self._deadline is not None:
            self._disarm()
        if problem := self._head_problem():
            self._refuse(*problem)
            raise _Refused
        self._in_body, self._head_bytes, self._body_bytes = True, 0, 0
        super().on_headers_complete()
        if self.parser.should_upgrade():  # not served: the parser stops at the head, so the connection ends here
            self.cycle.keep_alive = False
        if self.rewrite is not None and not isinstance(self.cycle.transport, Rewriting):
            Rewriting(self.cycle, self.rewrite)

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        if self._body_bytes > self.limits.max_body_bytes:
            self._refuse(*TOO_LARGE)
            raise _Refused
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._in_body, self._head_bytes = False, 0
        if self._deadline is not None:
            self._disarm()
        super().on_message_complete()

    # --- decisions ------------------------------------------------------------------------------------------------

    def _head_problem(self) -> tuple[int, str, str] | None:
        limits = self.limits
        size, hosts, declared = len(self.url), [], b"0"
        for name, value in self.headers:
            size += len(name) + len(value) + 4
            if name == b"host":
                hosts.append(value)
            elif name == b"content-length":
                declared = value
        if len(self.url) > limits.max_header_bytes:
            return URI_TOO_LONG
        if size > limits.max_header_bytes or len(self.headers) > limits.max_headers:
            return HEADERS_TOO_LARGE
        if len(hosts) > 1 or not (valid_host(hosts[0]) if hosts else self.parser.get_http_version() == "1.0"):
            return BAD_HOST
        if self.parser.should_upgrade() and (int(declared) or b"transfer-encoding" in dict(self.headers)):
            return UPGRADE_WITH_BODY
        if int(declared) > limits.max_body_bytes:
            return TOO_LARGE
        return None

    def _refuse_head(self) -> None:
        too_long = len(getattr(self, "url", b"")) > self.limits.max_header_bytes
        self._refuse(*(URI_TOO_LONG if too_long else HEADERS_TOO_LARGE))

    def _refuse(self, status: int, code: str, message: str) -> None:
        """Answer `status` if no other answer is due first on this connection, then close it."""
        self._refused = True
        self._disarm()
        cycle = self.cycle
        if cycle is not None and self._in_body and not cycle.response_started:
            cycle.disconnected = True  # the app's receive() sees a disconnect and anything it sends is dropped
            cycle.message_event.set()
            answer = True
        else:
            answer = cycle is None or (cycle.response_complete and not self._in_body)
        if answer and not self.transport.is_closing():
            self.transport.write(refusal(status, code, message))
        logger.info("%s - - %d %s (HTTP layer)", (self.client or ("-",))[0], status, code)
        self.transport.close()

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
