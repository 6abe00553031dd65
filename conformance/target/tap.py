"""The bytes of each response as they came off the socket, for the strict reader (``wire``).

http.client reads a response through a buffered file over its socket; the connections of the suite's pools give each
response a file that also records every raw read into the ``Capture`` the thread has open (``capturing``), before
any de-chunking or decoding: the status line, the field lines and the body exactly as received, and whatever the
buffer pulled in after the response's end. Nothing else changes: no extra read, no extra request; a thread with no
capture open reads as http.client always does.
"""

from __future__ import annotations

import http.client
import io
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.util.wait import wait_for_read

from conformance.target.wire import Wire


class Capture:
    """What the socket gave one response (up to `limit` bytes), from its first byte on."""

    def __init__(self, limit: int):
        self.limit = limit
        self.data = bytearray()
        self.overflowed = False
        self.sock: socket.socket | None = None

    def begin(self, sock: socket.socket) -> None:
        """A response starts on `sock` (after a proxy's answer to CONNECT, the one that follows it)."""
        self.data.clear()
        self.overflowed, self.sock = False, sock

    def record(self, chunk: memoryview) -> None:
        room = self.limit - len(self.data)
        self.overflowed = self.overflowed or len(chunk) > room
        self.data += chunk[:max(room, 0)]

    def wire(self, method: str, accept_encoding: str | None, version: str = "HTTP/1.1") -> Wire | None:
        """The response's bytes for the strict reader, with what already waits after them; None if none came."""
        if not self.data:
            return None
        return Wire(bytes(self.data) + self.pending(), not self.overflowed, method, accept_encoding, version)

    def pending(self) -> bytes:
        """What has already arrived on the socket beyond what http.client read, peeked at without waiting (a body
        longer than its framing declared); nothing for TLS or a closed socket."""
        sock = self.sock
        try:
            if sock is not None and wait_for_read(sock, timeout=0):
                return sock.recv(max(self.limit - len(self.data), 0), socket.MSG_PEEK)
        except (OSError, ValueError):  # closed by now, or TLS (no peeking at the raw bytes)
            pass
        return b""


_CAPTURE: ContextVar[Capture | None] = ContextVar("capture", default=None)  # per thread: the response being read


@contextmanager
def capturing(limit: int) -> Iterator[Capture]:
    """Record the bytes of the responses this thread reads while the block runs (each response starts afresh)."""
    capture = Capture(limit)
    token = _CAPTURE.set(capture)
    try:
        yield capture
    finally:
        _CAPTURE.reset(token)


class _Tee(io.RawIOBase):
    """A socket's raw reads, each also recorded in a capture."""

    def __init__(self, sock: socket.socket, capture: Capture):
        self.raw, self.capture = sock.makefile("rb", buffering=0), capture

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:
        count = self.raw.readinto(buffer)
        if count:
            self.capture.record(memoryview(buffer)[:count])
        return count

    def close(self) -> None:
        self.raw.close()
        super().close()


class _Tapped:
    """A socket as http.client's response sees it: its one use is ``makefile``, here a file over a tee."""

    def __init__(self, sock: socket.socket, capture: Capture):
        self.sock, self.capture = sock, capture
        capture.begin(sock)

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_Tee(self.sock, self.capture))


class TappedResponse(http.client.HTTPResponse):
    """http.client's response, reading through a tee when the thread has a capture open."""

    def __init__(self, sock: socket.socket, *args, **kwargs):
        capture = _CAPTURE.get()
        tapped = sock if capture is None else _Tapped(sock, capture)
        super().__init__(tapped, *args, **kwargs)  # type: ignore[arg-type]  # socket-like: only makefile() is called


class TappedHTTPConnection(HTTPConnection):
    response_class = TappedResponse


class TappedHTTPSConnection(HTTPSConnection):
    response_class = TappedResponse
