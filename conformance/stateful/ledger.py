"""What the exploration found, per check: how many steps each judged, its shortest failing sequence, and when it
first failed; and the budget of steps, shrinking time and waiting it spends."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from conformance.checks.findings import Failure
from conformance.checks.lifecycle import Finding
from conformance.target.exchange import Exchange

Trace = list[tuple[Exchange, str]]  # every request of a sequence, with what the model expected of it


@dataclass
class Budget:
    """One pass of the exploration: at most `max_steps` steps until a failure is raised (then as many as shrinking
    takes), nothing after `deadline` (monotonic seconds), at most `wait_seconds` spent waiting for sessions to
    expire. The opening's witnesses count their steps but are never cut: only the run's request budget and hard
    deadline stop them."""

    max_steps: int
    wait_seconds: float
    deadline: float | None = None
    steps: int = 0
    waited: float = 0.0
    raised: bool = False  # a failure was raised: Hypothesis is shrinking it
    witnessing: bool = False  # the opening's witnesses: counted, never cut (they are what judges every check)

    def live(self) -> bool:
        if self.witnessing:
            return True
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return False
        return self.raised or self.steps < self.max_steps

    def can_wait(self, seconds: float) -> bool:
        return self.waited + seconds <= self.wait_seconds


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
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # the watch judges from its thread

    def found(self, check_id: str, finding: Finding, trace: Trace, steps_in_sequence: int, steps_run: int,
              shrinking: bool) -> None:
        """Keep the shortest sequence that fails `check_id` (the failing step last)."""
        self.detected.setdefault(check_id, Detection(steps_run, time.monotonic() - self.started))
        size = (steps_in_sequence, len(trace))
        kept = (self.lengths[check_id], len(self.failures[check_id].steps)) if check_id in self.failures else None
        if kept is not None and kept <= size:
            if kept[0] == size[0] and shrinking:  # shrinking found nothing shorter: the one kept is minimal
                self.failures[check_id].minimal = True
            return
        self.lengths[check_id] = steps_in_sequence
        self.failures[check_id] = Failure(check_id, finding.violation, finding.exchange, minimal=shrinking,
                                          steps=tuple(trace))
