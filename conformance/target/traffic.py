"""What the suite may send, and when: the request budget, the deadline, an optional cap over all requests, each
endpoint's rate limit, patience with 429s, the stall rule and the breaker. Shared by every connection of one run
(thread-safe: several threads send at once).

Each endpoint is paced by its own sliding window (``rate_limits.Window``): on Xendit hosts its documented test-mode
quota from the first request, elsewhere none until the target announces one; every answer's Rate-Limit headers
teach it. A 429 is waited out as the target asks (Retry-After, else Rate-Limit-Reset, else 1, 2, 4, ... s) and the
request sent again, at most RETRIES_429 times, within ``Limits.patience_429`` seconds of such waiting in all; an
answer that stays 429 is never judged.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from requests.structures import CaseInsensitiveDict

from conformance.target.endpoints import API_ENDPOINTS, ENDPOINTS
from conformance.target.rate_limits import Quota, Window, announced, retry_after

BREAKER = 5  # consecutive transport errors after which the suite asks whether the target still answers at all
STALL = 3  # timeouts of one family's requests to one endpoint, after which the rest of them are not sent
RETRIES_429 = 5  # resends of one request after 429s: the sixth 429 in a row leaves it unjudged
BACKOFF_429 = 1.0  # seconds before the first resend when a 429 does not say how long (doubled each time)
ALL = "all"  # the figures of every endpoint together


@dataclass
class Limits:
    max_requests: int | None = None
    timeout_total: float | None = None
    rate_limit: float | None = None  # requests per second over all endpoints (--rate-limit); None: no such cap
    quota: Quota | None = None  # each API endpoint's limit until the target announces one (Xendit's, on its hosts)
    patience_429: float = 600.0  # seconds (of wall time) the run may spend in all waiting out 429s


@dataclass(frozen=True)
class EndpointFigures:
    """What the requests to one endpoint (or to ALL) met."""

    endpoint: str
    requests: int = 0  # sent (a resend after a 429 is one more)
    rate_limited: int = 0  # answers 429, never judged
    waited: float = 0.0  # seconds spent waiting out 429s, as the target asked
    paced: float = 0.0  # seconds requests were held back to stay within a limit (the endpoint's, or --rate-limit)


@dataclass(frozen=True)
class TrafficFigures:
    endpoints: tuple[EndpointFigures, ...] = ()  # in ENDPOINTS order, those the run sent to
    total: EndpointFigures = field(default_factory=lambda: EndpointFigures(ALL))


@dataclass(frozen=True)
class Stall:
    """STALL requests of one family to one endpoint timed out: the rest of them are not sent."""

    family: str
    endpoint: str

    @property
    def reason(self) -> str:
        return f"{STALL} requests of family {self.family} to endpoint {self.endpoint} timed out: the rest are not sent"


class _Overlap:
    """Seconds of wall time covered by waits that may overlap (threads waiting at once count once); waits are added
    in the order they start."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._until = 0.0

    def extra(self, start: float, end: float) -> float:
        return max(0.0, end - max(start, self._until))

    def add(self, start: float, end: float) -> None:
        self.seconds += self.extra(start, end)
        self._until = max(self._until, end)


class _Tally:
    def __init__(self) -> None:
        self.requests = self.rate_limited = 0
        self.waited, self.paced = _Overlap(), _Overlap()

    def figures(self, endpoint: str) -> EndpointFigures:
        return EndpointFigures(endpoint, self.requests, self.rate_limited, self.waited.seconds, self.paced.seconds)


class Traffic:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.sent = 0
        self.stopped: str | None = None  # why nothing more may be sent (a budget, 429s beyond patience, a dead target)
        self.interrupted: str | None = None  # why a signal ended the run: nothing more is sent, every wait ends
        self.gone = False  # the target stopped answering during the run
        self.streak: list = []  # the exchanges of the current run of transport errors
        self.stalls: list[Stall] = []
        self._deadline = time.monotonic() + limits.timeout_total if limits.timeout_total else None
        self._next_slot = 0.0
        self._windows: dict[str, Window] = {}
        self._tallies: dict[str, _Tally] = {ALL: _Tally()}
        self._timeouts: Counter[tuple[str, str]] = Counter()
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def admit(self, count: int = 1, endpoints: Sequence[str] = ()) -> str | None:
        """Wait until `count` requests may go out together (one event: pacing a race would serialise it); None to go
        ahead, or why nothing more may be sent. `endpoints`: each request's endpoint, whose window it waits for and
        is counted in; a caller that names none has each request counted as it sends it (Traffic.count)."""
        with self._lock:
            now = time.monotonic()
            if self._closed(count, now):
                return self.interrupted or self.stopped
            at = max([now, *(self._window(endpoint).earliest(now, n) for endpoint, n in Counter(endpoints).items())])
            if self.limits.rate_limit:
                at = max(at, self._next_slot)
                self._next_slot = at + 1 / self.limits.rate_limit
            if self._deadline is not None and at >= self._deadline:
                self.stopped = self._out_of_time()
                return self.stopped
            self.sent += count
            self._tallies[ALL].requests += count
            for endpoint in endpoints:
                self._window(endpoint).take(at)
                self._tally(endpoint).requests += 1
            if at > now:  # a burst's wait is charged once, to its first request's endpoint
                for tally in [self._tallies[ALL], *map(self._tally, endpoints[:1])]:
                    tally.paced.add(now, at)
        if at > now and self._halt.wait(at - now):
            return self.interrupted
        return None

    def count(self, endpoint: str) -> None:
        """A request its caller released with others after an admission that named no endpoints: counted in its
        endpoint's window and figures, not paced."""
        with self._lock:
            self._window(endpoint).take(time.monotonic())
            self._tally(endpoint).requests += 1

    def settle(self, endpoint: str, began: float) -> None:
        """A request to `endpoint` sent at `began` (monotonic) has its answer, or its error: see Window.settle."""
        with self._lock:
            self._window(endpoint).settle(began, time.monotonic())

    def learn(self, endpoint: str, headers: CaseInsensitiveDict) -> None:
        """What an answer's Rate-Limit headers say of its endpoint's limit."""
        said = announced(headers)
        if said.limit is not None or said.reset is not None:
            with self._lock:
                self._window(endpoint).learn(said, time.monotonic())

    def wait_out_429(self, endpoint: str, headers: CaseInsensitiveDict, resends: int) -> str | None:
        """A request got a 429 after `resends` resends: hold its endpoint back and sleep as the target asks; None to
        send it again, or why not (it is then not judged)."""
        asked = retry_after(headers)
        asked = asked if asked is not None else announced(headers).reset
        asked = asked if asked is not None else BACKOFF_429 * 2 ** resends
        with self._lock:
            now, total = time.monotonic(), self._tallies[ALL]
            for tally in (total, self._tally(endpoint)):
                tally.rate_limited += 1
            if self.interrupted or self.stopped:
                return self.interrupted or self.stopped
            if resends >= RETRIES_429:
                return f"rate limited: {resends + 1} answers 429 in a row to this request (not judged)"
            if total.waited.seconds + total.waited.extra(now, now + asked) > self.limits.patience_429:
                self.stopped = (f"the target kept answering 429: waiting {asked:g} s more would pass the run's "
                                f"patience with rate limits ({self.limits.patience_429:g} s of waiting in all)")
                return self.stopped
            if self._deadline is not None and now + asked >= self._deadline:
                self.stopped = self._out_of_time()
                return self.stopped
            self._window(endpoint).block(now + asked)
            for tally in (total, self._tally(endpoint)):
                tally.waited.add(now, now + asked)
        if self._halt.wait(asked):
            return self.interrupted
        return None

    def outcome(self, exchange) -> bool:
        """Count timeouts (the stall rule) and consecutive transport errors; True when those reach BREAKER (the
        caller then asks the target)."""
        with self._lock:
            if exchange.timed_out:
                key = (exchange.intent.family, exchange.request.endpoint)
                self._timeouts[key] += 1
                if self._timeouts[key] == STALL:
                    self.stalls.append(Stall(*key))
            if exchange.response is not None:
                self.streak = []
                return False
            self.streak.append(exchange)
            return len(self.streak) == BREAKER and not self.stopped

    def limit(self, endpoint: str) -> int | None:
        """How many requests `endpoint` takes in its window, as configured or last announced; None if unlimited."""
        with self._lock:
            return self._window(endpoint).limit

    def stalled(self, family: str, endpoint: str) -> str | None:
        """Why a request of `family` to `endpoint` is not sent (STALL of them timed out), or None."""
        with self._lock:
            return Stall(family, endpoint).reason if self._timeouts[(family, endpoint)] >= STALL else None

    def resume(self) -> None:
        """The target still answers: the errors were the inputs' (their failures stand), the run goes on."""
        with self._lock:
            self.streak = []

    def give_up(self) -> list:
        """The target stopped answering: stop sending; returns the exchanges of the streak (not the inputs' fault)."""
        with self._lock:
            self.gone = True
            self.stopped = f"the target stopped answering ({BREAKER} transport errors in a row, then no answer to a " \
                           "reachability probe)"
            streak, self.streak = self.streak, []
            return streak

    def interrupt(self, reason: str) -> None:
        """Send nothing more and end every wait now (a signal ends the run; its reports are still to be written)."""
        with self._lock:
            self.interrupted = reason
        self._halt.set()

    def figures(self) -> TrafficFigures:
        with self._lock:
            return TrafficFigures(tuple(self._tallies[endpoint].figures(endpoint) for endpoint in ENDPOINTS
                                        if endpoint in self._tallies),
                                  self._tallies[ALL].figures(ALL))

    def _closed(self, count: int, now: float) -> bool:
        if not self.stopped and self.limits.max_requests is not None and \
                self.sent + count > self.limits.max_requests:
            self.stopped = f"the request budget (--max-requests {self.limits.max_requests}) is spent"
        if not self.stopped and self._deadline is not None and now >= self._deadline:
            self.stopped = self._out_of_time()
        return bool(self.interrupted or self.stopped)

    def _out_of_time(self) -> str:
        return f"the time budget (--timeout-total {self.limits.timeout_total:g} s) is spent"

    def _window(self, endpoint: str) -> Window:
        if endpoint not in self._windows:
            self._windows[endpoint] = Window(self.limits.quota if endpoint in API_ENDPOINTS else None)
        return self._windows[endpoint]

    def _tally(self, endpoint: str) -> _Tally:
        return self._tallies.setdefault(endpoint, _Tally())
