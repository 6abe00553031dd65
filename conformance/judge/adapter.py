"""Your own tests' traffic, judged: every request the pytest session sends through ``requests`` passes through a
recording wrapper of its transport adapter (``HTTPAdapter.send``), and each exchange is judged as it completes, as
the proxy judges what passes through it; nothing is sent that the tests did not send. At the end of the session the
reports are written and a verdict other than CONFORMANT fails the session
(``pytest --conformance-judge-traffic``; see ``conformance.suite.pytest_plugin``)."""

from __future__ import annotations

import threading
import time

import requests
from requests.adapters import HTTPAdapter

from conformance.judge.judgement import Judgement
from conformance.judge.recorded import Recorded


class TrafficJudge:
    """Installs the recording wrapper, judges each exchange; thread-safe (tests may send from threads)."""

    def __init__(self, judgement: Judgement):
        self.judgement = judgement
        self._lock = threading.Lock()
        self._original = HTTPAdapter.send

    def install(self) -> None:
        original, judge = self._original, self

        def send(adapter: HTTPAdapter, request: requests.PreparedRequest, **kwargs) -> requests.Response:
            at, started = time.time(), time.perf_counter()
            try:
                response = original(adapter, request, **kwargs)
            except requests.RequestException as error:
                judge.add(recorded(request, at, None, time.perf_counter() - started, str(error)))
                raise
            judge.add(recorded(request, at, response, time.perf_counter() - started))
            return response

        HTTPAdapter.send = send  # type: ignore[method-assign,assignment]  # a wrapper: keywords passed on

    def uninstall(self) -> None:
        HTTPAdapter.send = self._original  # type: ignore[method-assign]

    def add(self, item: Recorded) -> None:
        with self._lock:
            self.judgement.add(item)


def recorded(request: requests.PreparedRequest, at: float, response: requests.Response | None, elapsed: float,
             error: str | None = None) -> Recorded:
    """One exchange as ``requests`` holds it (reading the body keeps it for the test: ``requests`` caches it)."""
    body = request.body.encode() if isinstance(request.body, str) else request.body
    made = Recorded(f"request {request.method} {request.url}", request.method or "GET", request.url or "",
                    list(request.headers.items()), body if isinstance(body, bytes) else None, at=at, elapsed=elapsed,
                    error=error)
    if response is not None:
        made.status, made.response_body = response.status_code, response.content
        made.response_headers = list(response.raw.headers.items()) if response.raw is not None and hasattr(
            response.raw, "headers") else list(response.headers.items())
    return made
