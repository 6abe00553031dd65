"""What the exploration found, per check: how many steps each judged, its shortest failing sequence, and when it
first failed; and the budget of steps, shrinking time and waiting it spends."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from conformance.checks.lifecycle import Finding
from conformance.checks.recorder import Failure
from conformance.target.exchange import Exchange

Trace = list[tuple[Exchange, str]]  # every request of a sequence, with what the model expected of it


@dataclass
class Budget:
    """Steps before the first failure (--max-steps); after it, seconds of shrinking; seconds spent waiting for
    sessions to expire: `wait_seconds` before the first failure, twice that more while shrinking."""

    max_steps: int
    shrink_seconds: float
    wait_seconds: float
    steps: int = 0
    waited: float = 0.0
    first_failure: float | None = None

    def live(self) -> bool:
        if self.first_failure is None:
            return self.steps < self.max_steps
        return time.monotonic() - self.first_failure < self.shrink_seconds

    def can_wait(self, seconds: float) -> bool:
        return self.waited + seconds <= self.wait_seconds * (1 if self.first_failure is None else 3)


@dataclass
class Detection:
    steps: int  # model-checked steps run when it was first found
    seconds: float  # since the exploration began


@dataclass
class Ledger:
    started: float = field(default_factory=time.monotonic)
    judged: Counter = field(default_factory=Counter)
    failures: dict[str, Failure] = field(default_factory=dict)  # the shortest failing sequence of each check
    lengths: dict[str, int] = field(default_factory=dict)  # its length in steps
    detected: dict[str, Detection] = field(default_factory=dict)
    sequences: int = 0

    def found(self, check_id: str, finding: Finding, trace: Trace, steps_in_sequence: int, steps_run: int,
              shrinking: bool) -> None:
        """Keep the shortest sequence that fails `check_id` (the failing step last)."""
        self.detected.setdefault(check_id, Detection(steps_run, time.monotonic() - self.started))
        kept = self.lengths.get(check_id)
        if kept is not None and (kept, len(self.failures[check_id].steps)) <= (steps_in_sequence, len(trace)):
            return
        self.lengths[check_id] = steps_in_sequence
        self.failures[check_id] = Failure(check_id, finding.violation, finding.exchange, minimal=shrinking,
                                          steps=tuple(trace))
