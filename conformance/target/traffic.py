"""What the suite may send, and when: a request budget, a deadline, a rate limit, patience with 429s, and a
breaker for a target that stopped answering. Shared by every connection of one run (thread-safe)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from requests.structures import CaseInsensitiveDict

BREAKER = 5  # consecutive transport errors after which the suite asks whether the target still answers at all


@dataclass
class Limits:
    max_requests: int | None = None
    timeout_total: float | None = None
    rate_limit: float | None = None  # requests per second; None: unthrottled
    rate_limit_wait: float = 120.0  # seconds the run may spend in all waiting out 429s


class Traffic:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.sent = 0
        self.waited = 0.0
        self.rate_limited = 0
        self.stopped: str | None = None
        self.gone = False  # the target stopped answering during the run
        self.streak: list = []  # the exchanges of the current run of transport errors
        self._deadline = time.monotonic() + limits.timeout_total if limits.timeout_total else None
        self._next_slot = 0.0
        self._lock = threading.Lock()

    def admit(self, count: int = 1) -> str | None:
        """Wait for the next slot; None to go ahead, or why nothing more may be sent. A burst of `count` requests
        that must go out together (a race) takes one slot: pacing it would serialise it."""
        with self._lock:
            if not self.stopped and self.limits.max_requests is not None and \
                    self.sent + count > self.limits.max_requests:
                self.stopped = f"the request budget (--max-requests {self.limits.max_requests}) is spent"
            if not self.stopped and self._deadline is not None and time.monotonic() >= self._deadline:
                self.stopped = f"the time budget (--timeout-total {self.limits.timeout_total:g} s) is spent"
            if self.stopped:
                return self.stopped
            self.sent += count
            delay = 0.0
            if self.limits.rate_limit:
                now = time.monotonic()
                delay = max(0.0, self._next_slot - now)
                self._next_slot = max(now, self._next_slot) + 1 / self.limits.rate_limit
        if delay:
            time.sleep(delay)
        return None

    def outcome(self, exchange) -> bool:
        """Count consecutive transport errors; True when they reach BREAKER (the caller then asks the target)."""
        with self._lock:
            if exchange.response is not None:
                self.streak = []
                return False
            self.streak.append(exchange)
            return len(self.streak) == BREAKER and not self.stopped

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

    def wait_for_429(self, headers: CaseInsensitiveDict) -> bool:
        """Sleep as the 429's Retry-After or Rate-Limit-Reset asks, within the run's patience; False if out of it."""
        asked = _seconds(headers.get("retry-after")) or _seconds(headers.get("rate-limit-reset")) or 1.0
        with self._lock:
            self.rate_limited += 1
            if self.waited + asked > self.limits.rate_limit_wait:
                return False
            self.waited += asked
        time.sleep(asked)
        return True


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
