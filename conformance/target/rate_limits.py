"""What a target says of its rate limits, and the sliding window that paces one endpoint by it.

Xendit counts requests per endpoint in a sliding window (60 a minute in test mode), announces the count on every
answer (``Rate-Limit-Limit``, ``Rate-Limit-Remaining``, ``Rate-Limit-Reset``: seconds until the window frees, e.g.
``58.37``) and answers 429 beyond. The ``RateLimit-`` and ``X-RateLimit-`` spellings are read too; a value that is
missing or not a number is ignored, and so is a reset over an hour away (an epoch timestamp, or milliseconds: not a
delay the suite should sleep on).
"""

from __future__ import annotations

import bisect
import math
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

PREFIXES = ("rate-limit-", "ratelimit-", "x-ratelimit-")
DEFAULT_PERIOD = 60.0  # seconds: a limit announced without any reset is taken per minute (Xendit's window)
SLACK = 0.2  # seconds added to a window: a request still in flight when the next goes may reach the target later
# than the one it follows (an answered one holds its place from its answer: Window.settle)
LONGEST_RESET = 3600.0


@dataclass(frozen=True)
class Quota:
    """At most `requests` in any `seconds` (a sliding window)."""

    requests: int
    seconds: float


@dataclass(frozen=True)
class Announced:
    """What one answer said of its endpoint's limit; None where it said nothing usable."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # seconds from the answer


def announced(headers) -> Announced:
    """The Rate-Limit headers of an answer (`headers`: case-insensitive)."""
    def value(name: str) -> str | None:
        return next((headers[prefix + name] for prefix in PREFIXES if prefix + name in headers), None)

    limit, remaining = _count(value("limit")), _count(value("remaining"))
    return Announced(limit if limit else None, remaining, _delay(value("reset")))


def retry_after(headers) -> float | None:
    """A 429's Retry-After, in seconds from now: a number of seconds or an HTTP date."""
    text = headers.get("retry-after")
    delay = _delay(text)
    if delay is not None or not text:
        return delay
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return _within(max(0.0, when.timestamp() - time.time())) if when.tzinfo else None


def _count(text: str | None) -> int | None:
    """A count such as ``60``, or the first count of a list (``60, 60;w=60``)."""
    number = _number(text.split(",")[0].split(";")[0] if text else None)
    return int(number) if number is not None and number == int(number) else None


def _delay(text: str | None) -> float | None:
    return _within(_number(text))


def _within(seconds: float | None) -> float | None:
    return seconds if seconds is not None and seconds <= LONGEST_RESET else None


def _number(text: str | None) -> float | None:
    try:
        number = float(text) if text else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) and number >= 0 else None


class Window:
    """One endpoint's sliding window: how many requests it takes per period, when each of the run's requests to it
    went out (or is due to), and until when the target asked for none. Not thread-safe: Traffic holds the lock."""

    def __init__(self, quota: Quota | None = None):
        self.limit = quota.requests if quota else None  # None: no known limit
        self.period = quota.seconds if quota else None  # None: not known (DEFAULT_PERIOD once a limit is)
        self.blocked_until = 0.0  # monotonic
        self._times: list[float] = []  # monotonic, sorted

    def earliest(self, now: float, count: int) -> float:
        """The first moment from `now` at which `count` more requests fit: after any block, and with no more than the
        limit in any period (a burst larger than the limit waits for an empty window, and overruns it)."""
        at = max(now, self.blocked_until)
        if self.limit is None:
            return at
        span = (self.period or DEFAULT_PERIOD) + SLACK
        del self._times[:bisect.bisect_right(self._times, now - span)]  # out of every window from now on
        room = self.limit - min(count, self.limit)
        if len(self._times) > room:
            at = max(at, self._times[len(self._times) - room - 1] + span)
        return at

    def take(self, at: float, count: int = 1) -> None:
        """`count` requests go out at `at`."""
        for _ in range(count):
            bisect.insort(self._times, at)

    def settle(self, began: float, answered: float) -> None:
        """A request that went out at `began` was answered at `answered`: the target counted it no later than that, so
        its place in the window moves there (a request slow to reach the target never makes the next one early)."""
        index = bisect.bisect_right(self._times, began) - 1
        if index >= 0:
            del self._times[index]
            bisect.insort(self._times, answered)

    def learn(self, said: Announced, now: float) -> None:
        """The limit an answer announced; the window is at least as long as any reset announced (a sliding window's
        reset is at most its length); nothing more before the reset once none remain."""
        if said.limit is not None:
            self.limit = said.limit
        if said.reset is not None:
            self.period = max(self.period or 0.0, said.reset)
            if said.remaining == 0:
                self.block(now + said.reset)

    def block(self, until: float) -> None:
        self.blocked_until = max(self.blocked_until, until)
