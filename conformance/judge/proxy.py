"""``conformance proxy``: a reverse proxy that forwards every byte unchanged, both ways, as it arrives (no parsing
on the forwarding path, no re-encoding, one upstream connection per client connection), and beside it frames each
direction's bytes as RFC 9112 does to pair each request with its response — the response's bytes exactly as they
came off the upstream socket, for the strict reader. It sends no request of its own."""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from conformance.judge.recorded import Recorded

CHUNK = 64 * 1024
HEAD_END = re.compile(rb"\r?\n\r?\n")
UNTIL_CLOSE = -1  # a message whose end only the connection's close tells


class Framer:
    """One direction of a connection split into messages (observing only: the bytes were forwarded already)."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.interim = 0  # where the final head of the message being framed starts (after 1xx answers)

    def next(self, body_length: Callable[[list[bytes]], int | None]) -> tuple[list[bytes], bytes, int] | None:
        """The next complete message: its head's lines, its bytes and where its body starts; None until it is."""
        while True:
            found = HEAD_END.search(self.buffer, self.interim)
            if found is None:
                return None
            lines = [line.rstrip(b"\r") for line in bytes(self.buffer[self.interim:found.start()]).split(b"\n")]
            length = body_length(lines)
            if length is None:  # an interim (1xx) answer: the final one follows
                self.interim = found.end()
                continue
            if length == UNTIL_CLOSE:
                return None
            end = found.end() + length if length >= 0 else _chunked_end(self.buffer, found.end())
            if end is None or end > len(self.buffer):
                return None
            message = bytes(self.buffer[:end])
            del self.buffer[:end]
            self.interim = 0
            return lines, message, found.end()


def _fields(lines: list[bytes]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        key = name.decode("latin-1").strip().lower()
        fields[key] = f"{fields[key]}, {value.decode('latin-1').strip()}" if key in fields else \
            value.decode("latin-1").strip()
    return fields


def _declared(fields: dict[str, str]) -> int:
    """The body length the fields declare (RFC 9112 §6.3): chunked, a Content-Length, or until the close."""
    codings = [coding.strip().lower() for coding in fields.get("transfer-encoding", "").split(",") if coding.strip()]
    if codings:
        return -2 if codings[-1] == "chunked" else UNTIL_CLOSE
    lengths = {value.strip() for value in fields.get("content-length", "").split(",") if value.strip()}
    if len(lengths) == 1 and lengths.copy().pop().isdigit():
        return int(lengths.pop())
    return UNTIL_CLOSE if lengths else 0


def _chunked_end(buffer: bytearray, position: int) -> int | None:
    """Where a chunked body starting at `position` ends (trailers included); None until it has all arrived."""
    while True:
        line_end = buffer.find(b"\n", position)
        if line_end < 0:
            return None
        size = bytes(buffer[position:line_end]).split(b";")[0].strip()
        if not re.fullmatch(rb"[0-9A-Fa-f]{1,16}", size):
            return None  # chunks no client can frame: the close ends the message
        if int(size, 16) == 0:
            position = line_end + 1
            while True:
                line_end = buffer.find(b"\n", position)
                if line_end < 0:
                    return None
                if not buffer[position:line_end].rstrip(b"\r"):
                    return line_end + 1
                position = line_end + 1
        position = line_end + 1 + int(size, 16) + 2
        if position > len(buffer):
            return None


def request_length(lines: list[bytes]) -> int:
    declared = _declared(_fields(lines))
    return 0 if declared == UNTIL_CLOSE else declared  # a request's body is never framed by the close


def response_length(method: str) -> Callable[[list[bytes]], int | None]:
    def length(lines: list[bytes]) -> int | None:
        parts = lines[0].split(b" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        if 100 <= status <= 199 and status != 101:
            return None
        if method == "HEAD" or status in (204, 304):
            return 0
        return _declared(_fields(lines))
    return length


class Proxy:
    """Forwards to `upstream`; calls `on_exchange` with each exchange once its response has been forwarded."""

    def __init__(self, upstream: str, on_exchange: Callable[[Recorded], None]):
        parts = urlsplit(upstream)
        self.scheme, self.host = parts.scheme, parts.hostname or ""
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.on_exchange = on_exchange
        self.exchanges = 0
        self.tasks: set[asyncio.Task] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()  # a connection's handler always runs in a task of its own
        if task is not None:
            self.tasks.add(task)
        try:
            tls = ssl.create_default_context() if self.scheme == "https" else None
            upstream_reader, upstream_writer = await asyncio.open_connection(self.host, self.port, ssl=tls)
        except OSError as error:
            message = f"proxy: the upstream does not answer ({error.strerror or error})".encode()
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(message), message))
            await _closed(writer)
            return
        waiting: deque[Recorded] = deque()  # requests forwarded, their responses not yet complete
        requests, responses = Framer(), Framer()

        def sent(data: bytes) -> None:
            requests.buffer += data
            while (request := requests.next(request_length)) is not None:
                waiting.append(self._request(*request, len(waiting)))
            answered(b"")

        def answered(data: bytes) -> None:
            responses.buffer += data
            while waiting and (response := responses.next(response_length(waiting[0].method))) is not None:
                self._complete(waiting.popleft(), response[0][0], response[1])

        try:
            await asyncio.gather(_pump(reader, upstream_writer, sent), _pump(upstream_reader, writer, answered))
        except asyncio.CancelledError:  # the proxy is stopping: the connection ends here, quietly
            pass
        finally:
            if waiting:  # the upstream closed: what it sent last ends there (or no response came)
                left = bytes(responses.buffer)
                self._complete(waiting.popleft(), left.split(b"\n", 1)[0].rstrip(b"\r"), left)
            for stream in (writer, upstream_writer):
                with contextlib.suppress(Exception):
                    stream.close()
            self.tasks.discard(asyncio.current_task())

    def _request(self, lines: list[bytes], message: bytes, body_at: int, queued: int) -> Recorded:
        method, _, rest = lines[0].decode("latin-1").partition(" ")
        target, _, version = rest.rpartition(" ")
        headers = [(name.decode("latin-1").strip(), value.decode("latin-1").strip())
                   for name, _, value in (line.partition(b":") for line in lines[1:])]
        return Recorded(f"proxy: exchange {self.exchanges + queued + 1}", method,
                        self.base + target if target.startswith("/") else target, headers,
                        message[body_at:] or None, time.time(), version or "HTTP/1.1")

    def _complete(self, recorded: Recorded, status_line: bytes, message: bytes) -> None:
        parts = status_line.split(b" ", 2)
        recorded.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        recorded.wire, recorded.elapsed = message or None, time.time() - recorded.at
        if recorded.status is None:
            recorded.error = f"no valid status line: {message[:60]!r}" if message else "the upstream closed the " \
                "connection without a response"
        self.exchanges += 1
        self.on_exchange(recorded)


async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter, observe: Callable[[bytes], None]) -> None:
    """Forward `source` to `sink` as it arrives (observing each piece after it is written); half-close at the end."""
    try:
        while data := await source.read(CHUNK):
            sink.write(data)
            await sink.drain()
            observe(data)
        if sink.can_write_eof():
            sink.write_eof()
    except (ConnectionError, OSError):
        sink.close()


async def _closed(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        await writer.drain()
        writer.close()
        await writer.wait_closed()


@contextlib.contextmanager
def serving(upstream: str, on_exchange: Callable[[Recorded], None]) -> Iterator[str]:
    """A proxy to `upstream` on a free loopback port, its event loop in a thread of its own (tests, benchmarks,
    the pytest plugin); yields its base URL."""
    loop = asyncio.new_event_loop()
    proxy = Proxy(upstream, on_exchange)
    server = loop.run_until_complete(asyncio.start_server(proxy.handle, "127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever, name="conformance-proxy", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        async def stop() -> None:
            server.close()
            for task in list(proxy.tasks):
                task.cancel()
            await asyncio.gather(*proxy.tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
