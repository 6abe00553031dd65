"""While the run goes: a live display per stage on a terminal (checks done/total, requests sent, failures so far),
one plain line per check elsewhere or with ``--no-progress``; nothing per check with ``-q``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from conformance.checks.catalogue import LIFECYCLE, SPEC, STATELESS
from conformance.report.summary import outcome_line
from conformance.suite.context import Outcome, RunContext


class _Traffic(ProgressColumn):
    """Requests sent and failing responses so far, read live from the run."""

    def __init__(self, context: RunContext):
        super().__init__()
        self.context = context

    def render(self, task: Task) -> Text:
        failing = sum(self.context.recorder.failed.values())
        return Text(f"{self.context.target.traffic.sent} requests · {failing} failing responses", style="dim")


@contextmanager
def progress(console: Console, context: RunContext, *, live: bool, quiet: bool) -> Iterator:
    """Yields the callback the plugin calls with each check's outcome."""
    if quiet:
        yield lambda outcome: None
        return
    if not (live and console.is_terminal):
        yield lambda outcome: outcome_line(console, outcome)
        return
    display = Progress(TextColumn("{task.description:10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       _Traffic(context), console=console, transient=False)
    tasks = {stage: display.add_task(stage, total=sum(check.stage == stage for check in context.checks))
             for stage in (SPEC, STATELESS, LIFECYCLE)}

    def advance(outcome: Outcome) -> None:
        display.advance(tasks[outcome.check.stage])
        if outcome.state in {"failed", "error"}:
            display.console.print(f"[bold red]{outcome.state.upper()}[/] {outcome.check.id}: "
                                  f"{outcome.check.description}", highlight=False)

    with display:
        yield advance
