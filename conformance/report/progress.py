"""While the run goes: on a terminal, a live display per stage (checks done/total) with the requests sent per family
and the failing responses so far, redrawn several times a second; elsewhere (or with ``--no-progress``) a plain line
per check as it completes and a status line every second while requests go out (every 5 s while none do); nothing
but the verdict with ``-q``."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from conformance.checks.catalogue import LIFECYCLE, SPEC, STATELESS
from conformance.report.summary import outcome_line
from conformance.results.model import ERROR, FAILED, CheckResult

TICK, QUIET_TICK = 1.0, 5.0


@dataclass(frozen=True)
class Status:
    """The run as it stands: the stage running, the requests sent by family, the responses failing a check."""

    stage: str
    families: Counter
    failing: int

    def line(self) -> str:
        sent = sum(self.families.values())
        by_family = ", ".join(f"{family} {count}" for family, count in self.families.most_common())
        return f"{sent} requests" + (f" ({by_family})" if by_family else "") + f" · {self.failing} failing responses"


class _StatusColumn(ProgressColumn):
    def __init__(self, status: Callable[[], Status]):
        super().__init__()
        self.status = status

    def render(self, task: Task) -> Text:
        return Text(self.status().line(), style="dim")


def _ticker(console: Console, status: Callable[[], Status], stop: threading.Event) -> None:
    """A plain status line every TICK seconds while requests go out, every QUIET_TICK seconds while none do."""
    started, last_line, last_at = time.monotonic(), "", 0.0
    while not stop.wait(TICK):
        now = status()
        line = f"[{now.stage or 'starting'}] {now.line()}"
        if line != last_line or time.monotonic() - last_at >= QUIET_TICK:
            console.print(f"{time.monotonic() - started:6.1f}s {line}", highlight=False, markup=False)
            last_line, last_at = line, time.monotonic()


@contextmanager
def progress(console: Console, status: Callable[[], Status], totals: dict[str, int], *, live: bool,
             quiet: bool) -> Iterator[Callable[[CheckResult], None]]:
    """Yields the callback the suite calls with each check's result; `status` is read live; `totals`: the number of
    checks per stage."""
    if quiet:
        yield lambda result: None
        return
    if not (live and console.is_terminal):
        stop = threading.Event()
        thread = threading.Thread(target=_ticker, args=(console, status, stop), daemon=True)
        thread.start()
        try:
            yield lambda result: outcome_line(console, result)
        finally:
            stop.set()
            thread.join()
        return
    display = Progress(TextColumn("{task.description:10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       _StatusColumn(status), console=console, transient=False, refresh_per_second=4)
    tasks = {stage: display.add_task(stage, total=totals.get(stage, 0)) for stage in (SPEC, STATELESS, LIFECYCLE)}

    def advance(result: CheckResult) -> None:
        display.advance(tasks[result.check.stage])
        if result.outcome in {FAILED, ERROR}:
            display.console.print(f"[bold red]{result.outcome.upper()}[/] {result.check.id}: "
                                  f"{result.check.description}", highlight=False)

    with display:
        yield advance
