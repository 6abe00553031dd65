"""The sandbox mode: what Xendit's hosted test mode does to a client, served on loopback.

Each behaviour is one small piece, so that the sandbox mode (:func:`sandboxed`, set up by ``Api.layers`` when
``EmulatorConfig.sandbox`` is given) and the conformant variants that take one of them share the same code:

- :class:`RateLimit`: Xendit's documented test-mode limit, a sliding window of N requests per window per account and
  per endpoint, with ``Rate-Limit-Limit``, ``Rate-Limit-Remaining`` and ``Rate-Limit-Reset`` on every limited
  response and 429 ``RATE_LIMIT_EXCEEDED`` plus ``Retry-After`` beyond it. Choices where Xendit says nothing: the
  account is the business of a valid key (without one, the client address); the endpoint is the route and method,
  everything unrouted being one "other" endpoint; the hosted checkout page is not limited (it lives on another host);
  a request answered 429 does not count in the window (a client that keeps retrying is not locked out for longer);
  ``Rate-Limit-Reset`` is the time until the oldest request in the window leaves it.
- :class:`Latency`: every answer waits a uniform random time (an asyncio sleep: other requests go on meanwhile).
- :func:`other_origin`: checkout links on another host name than the one the API was reached at.
- :class:`Gzip`: JSON responses gzip-encoded when the request's ``Accept-Encoding`` allows gzip.
- :class:`JsonCharset`: ``application/json; charset=utf-8``.

The HTTP layer's own refusals (``protocol``) come before any of these and are left as they are.
"""

from __future__ import annotations

import asyncio
import gzip
import math
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from starlette.routing import BaseRoute, Match

from conformance.emulator.config import Sandbox
from conformance.emulator.protocol import body_of

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

UNLIMITED_PREFIX = "/checkout/"  # the hosted checkout page: in reality on another host, with limits of its own
OTHER_ENDPOINT = "other"
SWAPPED_HOSTS = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}  # any other host name: "localhost"
JSON = b"application/json"
JSON_UTF8 = b"application/json; charset=utf-8"
NETLOC = re.compile(r"(\[[^\]]*\]|[^:]*)(.*)", re.DOTALL)  # host (an IPv6 literal keeps its brackets), then :port


def sandboxed(app: ASGIApp, routes: list[BaseRoute], account: Callable[[Scope], str | None],
              sandbox: Sandbox) -> ASGIApp:
    """`app` (whose routes are `routes`) served as the sandbox serves: latency on everything, 429s included, which
    are JSON like every other answer, and so gzip-encoded and declared UTF-8 too."""
    limited = RateLimit(app, routes, account, sandbox.rate_limit, sandbox.window_seconds)
    return Latency(Gzip(JsonCharset(limited)), *sandbox.latency)


def other_origin(origin: str, link_host: str | None = None) -> str:
    """`origin` (``scheme://host[:port]``) with another host name: `link_host`, else ``localhost`` for
    ``127.0.0.1``, ``127.0.0.1`` for ``localhost`` and ``localhost`` for any other (the same server on loopback,
    seen from another origin)."""
    scheme, _, netloc = origin.partition("://")
    host, port = NETLOC.match(netloc).groups()  # type: ignore[union-attr]  # the pattern matches any text
    return f"{scheme}://{link_host or SWAPPED_HOSTS.get(host.lower(), 'localhost')}{port}"


def header(scope: Scope, name: bytes) -> bytes:
    """The value of a request header (the first one); empty if absent."""
    return next((value for key, value in scope["headers"] if key == name), b"")


def media_type(headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """The media type of a response's headers, without parameters, in lower case."""
    return next((value.split(b";")[0].strip().lower() for name, value in headers if name.lower() == b"content-type"),
                b"")


class RateLimit:
    """Sliding-window limit: `limit` requests per `window` seconds for each (account, endpoint)."""

    def __init__(self, app: ASGIApp, routes: list[BaseRoute], account: Callable[[Scope], str | None], limit: int,
                 window: float):
        self.app, self.routes, self.account, self.limit, self.window = app, routes, account, limit, window
        self.windows: dict[tuple[str, str], deque[float]] = {}  # the times of the requests counted, oldest first
        self.swept_at = time.monotonic()

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNLIMITED_PREFIX):
            return await self.app(scope, receive, send)
        now = time.monotonic()
        self.sweep(now)
        account = self.account(scope) or f"client {(scope.get('client') or ('-',))[0]}"
        times = self.windows.setdefault((account, self.endpoint(scope)), deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return await self.refuse(send, times, now)
        times.append(now)
        added = self.headers(times, now)

        async def announced(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *added]}
            await send(message)

        await self.app(scope, receive, announced)

    def endpoint(self, scope: Scope) -> str:
        """The route and method a request is counted under; everything unrouted is one endpoint."""
        for route in self.routes:
            if route.matches(scope)[0] == Match.FULL:
                return f"{scope['method']} {route.path}"  # type: ignore[attr-defined]  # a Route: it has a path
        return OTHER_ENDPOINT

    def reset(self, times: deque[float], now: float) -> float:
        """Seconds until the oldest request of the window leaves it: with none left, until one more is allowed."""
        return max(0.0, times[0] + self.window - now)

    def headers(self, times: deque[float], now: float) -> Headers:
        """The three rate-limit headers, the window holding `times` (this request included, if counted)."""
        return [(b"rate-limit-limit", b"%d" % self.limit), (b"rate-limit-remaining", b"%d" % (self.limit - len(times))),
                (b"rate-limit-reset", b"%.2f" % self.reset(times, now))]

    async def refuse(self, send: Callable, times: deque[float], now: float) -> None:
        """429 ``RATE_LIMIT_EXCEEDED``, not counted, with ``Retry-After`` in whole seconds (rounded up)."""
        reset = self.reset(times, now)
        body = body_of("RATE_LIMIT_EXCEEDED", f"Too many requests: {self.limit} per {self.window:g} seconds per "
                       f"endpoint; retry in {reset:.2f} seconds")
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", JSON), (b"content-length", b"%d" % len(body)), *self.headers(times, now),
            (b"retry-after", b"%d" % max(1, math.ceil(reset)))]})
        await send({"type": "http.response.body", "body": body})

    def sweep(self, now: float) -> None:
        """Once a window, forget the buckets whose requests have all left it (client addresses come and go)."""
        if now - self.swept_at < self.window:
            return
        self.swept_at = now
        for key in [key for key, times in self.windows.items() if not times or times[-1] <= now - self.window]:
            del self.windows[key]


class Latency:
    """Every answer waits a uniform random time in [`low`, `high`] seconds, without holding up other requests."""

    def __init__(self, app: ASGIApp, low: float, high: float):
        self.app, self.low, self.high = app, low, high

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and self.high > 0:
            await asyncio.sleep(random.uniform(self.low, self.high))
        await self.app(scope, receive, send)


def accepts_gzip(accept_encoding: bytes) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (RFC 9110 12.5.3): ``gzip`` or ``x-gzip`` with a q-value
    above 0, else ``*`` with one."""
    weights: dict[bytes, float] = {}
    for entry in accept_encoding.lower().split(b","):
        coding, *parameters = (part.strip() for part in entry.split(b";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition(b"=")
            if name.strip() == b"q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[b"gzip" if coding == b"x-gzip" else coding] = weight
    return weights.get(b"gzip", weights.get(b"*", 0.0)) > 0


class Gzip:
    """JSON responses gzip-encoded (``Content-Encoding: gzip``, ``Vary: Accept-Encoding``) when the request allows
    gzip; a HEAD answer and a response already encoded are left alone."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] == "HEAD" or not accepts_gzip(header(scope, b"accept-encoding")):
            return await self.app(scope, receive, send)
        start: Message | None = None
        parts: list[bytes] = []

        async def compressing(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                if media_type(headers) == JSON and not any(name.lower() == b"content-encoding" for name, _ in headers):
                    start = message  # held until the whole body is here
                    return
            elif message["type"] == "http.response.body" and start is not None:
                parts.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = gzip.compress(b"".join(parts), compresslevel=6, mtime=0)
                kept = [(name, value) for name, value in start.get("headers", ()) if name.lower() != b"content-length"]
                await send({**start, "headers": [*kept, (b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding"),
                                                 (b"content-length", b"%d" % len(body))]})
                message = {"type": "http.response.body", "body": body}
            await send(message)

        await self.app(scope, receive, compressing)


class JsonCharset:
    """``application/json`` responses declared ``application/json; charset=utf-8`` (the emulator writes UTF-8)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        async def declared(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [
                    (name, JSON_UTF8 if name.lower() == b"content-type" and value.lower() == JSON else value)
                    for name, value in message.get("headers", ())]}
            await send(message)

        await self.app(scope, receive, declared)
