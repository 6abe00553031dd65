"""Run the stateless checks on every exchange and keep what they found, per check ID."""

from __future__ import annotations

import threading
import traceback
from collections import Counter

from conformance.checks.catalogue import Check
from conformance.checks.findings import NA, CheckContext, Failure, Violation
from conformance.checks.stateless import STATELESS_CHECKS
from conformance.target.exchange import Exchange

KEPT_FAILURES = 10  # per check and family of inputs, so that one family's failures never hide another's


class StatelessJudge:
    """Thread-safe: the target calls ``evaluate`` for each exchange, from any thread."""

    def __init__(self, checks: list[Check], ctx: CheckContext):
        self.checks = [check for check in checks if check.id in STATELESS_CHECKS]
        self.ctx = ctx
        self.exchanges: list[Exchange] = []
        self.failed: Counter[str] = Counter()
        self.applied: Counter[str] = Counter()  # responses each check judged (not NA)
        self.failures: dict[str, list[Failure]] = {check.id: [] for check in checks}
        self.errors: dict[str, str] = {}
        self._lock = threading.Lock()

    def evaluate(self, exchange: Exchange) -> dict[str, Violation]:
        """Apply every selected stateless check; record and return the violations found."""
        found: dict[str, Violation] = {}
        applied: list[str] = []
        if exchange.skipped:  # not sent, or rate limited: nothing to judge
            with self._lock:
                self.exchanges.append(exchange)
            return found
        for check in self.checks:
            try:
                violation = STATELESS_CHECKS[check.id](exchange, self.ctx)
            except Exception:  # a broken check is that check's error; the run goes on
                with self._lock:
                    self.errors.setdefault(check.id, traceback.format_exc(limit=5))
                continue
            if violation is not NA:
                applied.append(check.id)
            if isinstance(violation, Violation):
                found[check.id] = violation
        exchange.violations = found
        with self._lock:
            self.exchanges.append(exchange)
            self.applied.update(applied)
            for check_id, violation in found.items():
                self.failed[check_id] += 1
                family = exchange.intent.family
                if sum(item.exchange.intent.family == family for item in self.failures[check_id]) < KEPT_FAILURES:
                    self.failures[check_id].append(Failure(check_id, violation, exchange))
        return found

    def retract(self, exchange: Exchange) -> None:
        """Take back what the checks found in `exchange` (its transport error was a dead target's, not a failure)."""
        with self._lock:
            for check_id in exchange.violations:
                self.failed[check_id] -= 1
                self.applied[check_id] -= 1
                self.failures[check_id] = [item for item in self.failures[check_id] if item.exchange is not exchange]
            exchange.violations = {}

    @property
    def cancel_exchanges(self) -> int:
        """How many responses of the cancel operation the checks have judged."""
        return sum(1 for exchange in self.exchanges if exchange.path_id is not None and not exchange.skipped)

    def mark_flaky(self, exchange: Exchange, check_ids: set[str]) -> None:
        with self._lock:
            for check_id in check_ids:
                for failure in self.failures[check_id]:
                    if failure.exchange is exchange:
                        failure.flaky = True

    def mark_minimal(self, check_id: str, exchange: Exchange, violation: Violation) -> None:
        """Put the shrunk (minimal) failing exchange of a check first (unless it was taken back)."""
        if exchange.skipped:
            return
        with self._lock:
            failures = self.failures[check_id]
            same = next((item for item in failures if item.exchange is exchange), None)
            minimal = same or Failure(check_id, violation, exchange)
            minimal.minimal = True
            self.failures[check_id] = [minimal, *(item for item in failures if item is not same)]
