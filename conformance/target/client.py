"""Send requests exactly as built (no URL re-quoting, no redirects, no netrc) and record each exchange."""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import time
import warnings
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import replace
from typing import cast
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from conformance import __version__
from conformance.target.endpoints import CHECKOUT
from conformance.target.exchange import (
    BODY_STALLED,
    NO_STATUS_LINE,
    Exchange,
    Intent,
    PlannedRequest,
    Request,
    Response,
)
from conformance.target.tap import TappedHTTPConnection, TappedHTTPSConnection, capturing
from conformance.target.traffic import Limits, Traffic
from conformance.target.wire import Wire, decoded

MAX_BODY = 1024 * 1024
MAX_WIRE = MAX_BODY + 64 * 1024  # the bytes of a response the strict reader keeps: a body the suite reads, its head
PROBE_PATH = "/sessions/ps-000000000000000000000000/probe"  # a GET any target answers somehow (no session there)


class TargetUnreachable(Exception):
    """The target does not answer HTTP at all."""


_REQUEST_TARGET: ContextVar[str] = ContextVar("request_target")  # per thread: what this request's line carries
_VERSION: ContextVar[str] = ContextVar("version", default="HTTP/1.1")  # and the protocol version it names
VISIBLE_ASCII = re.compile(r"[\x21-\x7e]*")  # what a request line can carry as it is


class _Verbatim:
    """A connection pool that puts the adapter's request target on the request line as given: urllib3 would
    percent-encode a ``%`` that starts no valid escape (``%zz`` → ``%25zz``) and upper-case escapes. A target with a
    character no request line can carry (a space, non-ASCII) keeps urllib3's encoding of those characters. The line
    names the request's protocol version (HTTP/1.0 as some clients still send it; http.client reads either answer)."""

    def _make_request(self, conn, method: str, url: str, *args, **kwargs):
        conn._http_vsn_str = _VERSION.get()
        conn._http_vsn = 10 if conn._http_vsn_str == "HTTP/1.0" else 11
        if conn._http_vsn == 10:  # http.client sends no Host then; clients do (and virtual hosts need it)
            kwargs["headers"] = {"Host": _host(conn), **(kwargs.get("headers") or {})}
        target = _REQUEST_TARGET.get(url)
        return super()._make_request(  # type: ignore[misc]  # a mixin: super() is the connection pool at run time
            conn, method, target if VISIBLE_ASCII.fullmatch(target) else url, *args, **kwargs)


def _host(conn) -> str:
    host = f"[{conn.host}]" if ":" in conn.host else conn.host
    return host if conn.port in (None, conn.default_port) else f"{host}:{conn.port}"


class _VerbatimHttp(_Verbatim, HTTPConnectionPool):
    ConnectionCls = TappedHTTPConnection  # each response's bytes as received, for the strict reader


class _VerbatimHttps(_Verbatim, HTTPSConnectionPool):
    ConnectionCls = TappedHTTPSConnection


class VerbatimAdapter(HTTPAdapter):
    """requests' adapter, sending the request target byte for byte (what a probe's label promises)."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _VerbatimHttp, "https": _VerbatimHttps}

    def request_url(self, request: requests.PreparedRequest, proxies: Mapping[str, str] | None) -> str:
        url = super().request_url(request, proxies)
        _REQUEST_TARGET.set(url)
        return url


class Target:
    """The implementation under test at ``base_url``; every exchange is passed to ``on_exchange``."""

    def __init__(self, base_url: str, *, timeout: float = 10.0, verify: bool | str = True,
                 on_exchange: Callable[[Exchange], object] | None = None, traffic: Traffic | None = None,
                 on_retract: Callable[[Exchange], object] | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.verify = verify
        self.on_exchange = on_exchange
        self.on_retract = on_retract  # told of exchanges whose transport error turned out to be a dead target
        self.traffic = traffic or Traffic(Limits())
        self._session = requests.Session()
        self._session.trust_env = False  # no ~/.netrc credentials sneaking into unauthenticated requests
        self._session.proxies = requests.utils.get_environ_proxies(self.base_url)
        self._session.verify = verify
        self._session.headers = CaseInsensitiveDict({"User-Agent": f"xendit-cancel-conformance/{__version__}",
                                                     "Accept-Encoding": "gzip, deflate"})  # as HTTP clients do
        for scheme in ("http://", "https://"):
            self._session.mount(scheme, VerbatimAdapter())
        self._idle: queue.SimpleQueue[Target] = queue.SimpleQueue()  # connections bursts and gathers keep for the next

    def fork(self) -> Target:
        """Another connection pool to the same target, for use from another thread."""
        return Target(self.base_url, timeout=self.timeout, verify=self.verify, on_exchange=self.on_exchange,
                      traffic=self.traffic, on_retract=self.on_retract)

    def _lease(self) -> Target:
        """A connection of its own for one request of a burst or a gather: an idle one kept from before (no new
        connection, no new TLS handshake), else a new one; the caller puts it back in ``_idle``."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self.fork()

    def url(self, path: str) -> str:
        return self.base_url + path

    def send(self, intent: Intent, method: str, path: str, headers: dict[str, str | bytes] | None = None,
             body: bytes | None = None, *, admitted: bool = False, version: str = "HTTP/1.1") -> Exchange:
        """Send one request to ``base_url + path`` byte for byte (within the run's limits) and record it.
        `admitted`: the caller took the request's slot (released with others): it is counted, not paced."""
        exchange = self._planned(PlannedRequest(intent, method, path, headers or {}, body, version))
        if admitted:
            exchange.skipped = self.traffic.stalled(intent.family, exchange.request.endpoint)
            if not exchange.skipped:
                self.traffic.count(exchange.request.endpoint)
        return self._deliver(exchange, admitted=admitted)

    def burst(self, intent: Intent, method: str, path: str, headers: dict[str, str | bytes], count: int) -> \
            list[Exchange]:
        """The same request `count` times at once (a race): see burst_many."""
        return self.burst_many([PlannedRequest(intent, method, path, headers)] * count)

    def burst_many(self, planned: Sequence[PlannedRequest]) -> list[Exchange]:
        """Several requests released together, each on its own connection: one event for the pacing and the budget
        (pacing a race would serialise it); their exchanges in the order planned."""
        exchanges = [self._planned(item) for item in planned]
        for exchange in exchanges:
            exchange.skipped = self.traffic.stalled(exchange.intent.family, exchange.request.endpoint)
        going = [exchange for exchange in exchanges if not exchange.skipped]
        refused = self.traffic.admit(len(going), [exchange.request.endpoint for exchange in going]) if going else None
        if refused:
            for exchange in going:
                exchange.skipped = refused
            going = []
        start = threading.Barrier(len(going) or 1)
        lags = {id(exchange): item.lag for item, exchange in zip(planned, exchanges, strict=True)}

        def one(target: Target, exchange: Exchange) -> None:
            start.wait()
            time.sleep(lags[id(exchange)])
            target._deliver(exchange, admitted=True)

        connections = [self._lease() for _ in going]
        threads = [threading.Thread(target=one, args=(target, exchange)) for target, exchange in zip(
            connections, going, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for target in connections:
            self._idle.put(target)
        released = {id(exchange) for exchange in going}
        for exchange in exchanges:
            if id(exchange) not in released:
                self._deliver(exchange)  # not sent: recorded with why
        return exchanges

    def gather(self, planned: Sequence[PlannedRequest], workers: int = 8) -> list[Exchange]:
        """Independent requests sent concurrently, at most `workers` at a time, each on a connection of its own (kept
        for the next gather) and within the pacing (not released together: see burst_many); their exchanges in the
        order planned."""
        if len(planned) < 2:
            return [self.send(item.intent, item.method, item.path, item.headers, item.body, version=item.version)
                    for item in planned]

        def one(item: PlannedRequest) -> Exchange:
            target = self._lease()
            try:
                return target.send(item.intent, item.method, item.path, item.headers, item.body,
                                   version=item.version)
            finally:
                self._idle.put(target)

        with ThreadPoolExecutor(max_workers=min(workers, len(planned))) as pool:
            return list(pool.map(one, planned))

    def fetch(self, intent: Intent, url: str) -> Exchange:
        """GET a link the target handed out for a browser (a checkout page, perhaps on another origin): the URL
        exactly as given, without credentials or for-user-id, redirects not followed; only http and https. Its
        endpoint is ``checkout``: paced only by what its own answers announce."""
        exchange = Exchange(intent, Request("GET", url, {}, path=url, endpoint=CHECKOUT), sent_at=time.time())
        exchange.skipped = _unfetchable(url)
        return self._deliver(exchange)

    def skip(self, intent: Intent, method: str, path: str, headers: dict | None, reason: str,
             withheld: str | None = None) -> Exchange:
        """Record a request the suite decided not to send (`withheld`: by the safety rule, after this GET answer)."""
        exchange = Exchange(intent, Request(method, self.url(path), dict(headers or {}), path=path),
                            sent_at=time.time(), skipped=reason, withheld=withheld)
        if self.on_exchange:
            self.on_exchange(exchange)
        return exchange

    def _planned(self, item: PlannedRequest) -> Exchange:
        request = Request(item.method, self.url(item.path), dict(item.headers), item.body, path=item.path,
                          version=item.version)
        return Exchange(item.intent, request, sent_at=time.time())

    def _deliver(self, exchange: Exchange, admitted: bool = False) -> Exchange:
        """Send (unless already skipped, or the request's family stalled at its endpoint) within the run's limits,
        waiting out 429s, and record the exchange; an answer that stays 429 leaves it skipped, never judged.
        `admitted`: its slot is taken already."""
        request, resends = exchange.request, 0
        exchange.skipped = exchange.skipped or self.traffic.stalled(exchange.intent.family, request.endpoint)
        while not exchange.skipped:
            exchange.skipped = None if admitted else self.traffic.admit(1, [request.endpoint])
            admitted = False  # a resend after a 429 waits for a slot of its own
            if exchange.skipped:
                break
            began = time.monotonic()
            self._transfer(exchange)
            self.traffic.settle(request.endpoint, began)
            if exchange.response is not None:
                self.traffic.learn(request.endpoint, exchange.response.headers)
            if self.traffic.outcome(exchange):
                self._breaker()
            if exchange.response is None and self.traffic.gone:  # in flight when the target was found dead
                exchange.skipped = self.traffic.stopped
            if exchange.response is None or exchange.response.status != 429:
                break
            exchange.skipped = self.traffic.wait_out_429(request.endpoint, exchange.response.headers, resends)
            resends += 1
        if self.on_exchange:
            self.on_exchange(exchange)
        return exchange

    def _transfer(self, exchange: Exchange) -> None:
        """One request on the wire, its answer read (up to MAX_BODY) or its transport error described."""
        request = exchange.request
        exchange.sent_at = time.time()
        started, reading = time.perf_counter(), False
        _VERSION.set(request.version)
        try:
            prepared = self._session.prepare_request(
                requests.Request(request.method, request.url, headers=request.headers, data=request.body))
            prepared.url = request.url
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                with capturing(MAX_WIRE) as capture, self._session.send(
                        prepared, timeout=self.timeout, allow_redirects=False, stream=True,
                        proxies=self._proxies(request)) as raw:
                    reading = True
                    content = _read_capped(raw)
                    elapsed = time.perf_counter() - started
                    method = cast(str, prepared.method)  # prepared from a request: it has one
                    exchange.response = _response(raw, content, elapsed, capture.wire(
                        method, prepared.headers.get("Accept-Encoding"), request.version))
                    exchange.error = exchange.timed_out = None
        except requests.RequestException as error:
            exchange.response, exchange.error = None, _describe(error)
            exchange.timed_out = _timed_out(error, reading)
        finally:
            if _last_on_its_connection(request):
                self._session.close()  # the pools empty: the next request opens a connection of its own

    def _proxies(self, request: Request) -> MutableMapping[str, str]:
        """The target's proxies; a link on another origin gets its own (NO_PROXY may list one and not the other)."""
        if request.endpoint == CHECKOUT:
            return requests.utils.get_environ_proxies(request.url)
        return self._session.proxies

    def _breaker(self) -> None:
        """Several requests in a row got no answer: a target that still answers a plain request had trouble with
        those inputs (their failures stand); one that does not has stopped, and those requests are not judged."""
        if self._answers():
            self.traffic.resume()
            return
        for exchange in self.traffic.give_up():
            exchange.skipped = self.traffic.stopped
            if self.on_retract and exchange.violations:
                self.on_retract(exchange)

    def _answers(self) -> bool:
        """Whether the target answers a plain request: a status line will do (its body is read, but may stall)."""
        try:
            with self._session.get(self.url(PROBE_PATH), timeout=min(self.timeout, 5.0), allow_redirects=False,
                                   stream=True) as answer, contextlib.suppress(requests.RequestException):
                _read_capped(answer)
        except requests.RequestException:
            return False
        return True

    def probe(self) -> None:
        """Raise TargetUnreachable unless the target answers HTTP (any status, even if its body then stalls)."""
        intent = Intent("probe", "reachability probe", "")
        exchange = self.send(intent, "GET", PROBE_PATH)
        if exchange.response is None and exchange.timed_out != BODY_STALLED:
            raise TargetUnreachable(f"{self.base_url} does not answer HTTP ({exchange.error})")


def _last_on_its_connection(request: Request) -> bool:
    """A request that says its connection ends with it (``Connection: close``, or HTTP/1.0 without keep-alive): RFC
    9112 §9.6, a client that sends close MUST NOT send further requests on that connection."""
    options = ",".join(str(value).lower() for name, value in request.headers.items() if name.lower() == "connection")
    return "close" in options or (request.version == "HTTP/1.0" and "keep-alive" not in options)


def _describe(error: requests.RequestException) -> str:
    """One line for a transport error, with a hint where the user can act on it."""
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, requests.exceptions.SSLError):
        text += " (a self-signed test target? pass --ca-bundle FILE, or --insecure)"
    elif isinstance(error, requests.exceptions.ProxyError):
        text += " (through the proxy in HTTP_PROXY/HTTPS_PROXY)"
    return text


def _timed_out(error: requests.RequestException, reading: bool) -> str | None:
    """How the request timed out, if it did: the target took it (a connection was made) and its answer did not
    complete within the timeout (requests reports a timeout while reading the body as a ConnectionError)."""
    if isinstance(error, requests.ConnectTimeout):
        return None
    cause = error.args[0] if error.args else None
    if isinstance(error, requests.Timeout) or isinstance(cause, urllib3.exceptions.ReadTimeoutError):
        return BODY_STALLED if reading else NO_STATUS_LINE
    return None


def _unfetchable(url: str) -> str | None:
    """Why a link is not fetched: not an absolute http(s) URL."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as error:
        return f"not fetched: {url!r} is not a URL ({error})"
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return f"not fetched: only absolute http and https links are followed, not {url!r}"
    return None


def _read_capped(raw: requests.Response) -> bytes:
    """The body as framed (urllib3 undoes the chunking), up to MAX_BODY + 1 bytes, its content codings left on:
    `_response` undoes them, as urllib3 would raise on a coding that does not decode and lose the response. urllib3's
    errors come out as requests' own, as ``iter_content`` raises them."""
    chunks, size = [], 0
    try:
        for chunk in raw.raw.stream(65536, decode_content=False):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY:
                break
    except urllib3.exceptions.ProtocolError as error:
        raise requests.exceptions.ChunkedEncodingError(error) from error
    except urllib3.exceptions.ReadTimeoutError as error:
        raise requests.exceptions.ConnectionError(error) from error
    except urllib3.exceptions.SSLError as error:
        raise requests.exceptions.SSLError(error) from error
    return b"".join(chunks)[: MAX_BODY + 1]


def _response(raw: requests.Response, content: bytes, elapsed: float, wire: Wire | None) -> Response:
    """The answer as requests read it, its body decoded (up to MAX_BODY + 1 bytes; a coding that does not decode
    leaves it as sent, and the strict reader says why), with the bytes off the wire."""
    try:
        body = decoded(content, raw.headers.get("Content-Encoding"), MAX_BODY + 1)
    except ValueError:
        body = content
    truncated = len(content) > MAX_BODY or len(body) > MAX_BODY
    if wire is not None and truncated:
        wire = replace(wire, complete=False)
    return Response(raw.status_code, CaseInsensitiveDict(raw.headers), body, elapsed, truncated=truncated, wire=wire)
