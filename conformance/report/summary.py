"""The terminal: one line per check as it completes, and a summary table grouped by check ID."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from conformance.report.render import one_line
from conformance.suite.context import Outcome, RunContext

STYLE = {"passed": "green", "warned": "yellow", "skipped": "cyan", "failed": "bold red", "error": "bold magenta"}
LABEL = {"passed": "PASS", "warned": "WARN", "skipped": "SKIP", "failed": "FAIL", "error": "ERROR"}


def outcome_line(console: Console, outcome: Outcome) -> None:
    label = LABEL[outcome.state]
    console.print(f"[{STYLE[outcome.state]}]{label:5}[/] {outcome.check.id:22} {outcome.check.description}",
                  highlight=False)


def _first(outcome: Outcome, context: RunContext) -> str:
    if outcome.failures:
        return one_line(outcome.failures[0], context.redactor)
    text = outcome.text.strip().splitlines()
    return context.redactor.text(text[-1] if outcome.state == "error" and text else (text[0] if text else ""))[:160]


def summary(console: Console, context: RunContext, seconds: float, verdict: str, verbosity: int = 0) -> None:
    """The table by check ID (not with -q), every failure in full (with -v), then one line of totals."""
    if verbosity >= 0:
        console.print(_table(context))
    if verbosity > 0:
        for outcome in context.final_outcomes():
            if outcome.state in {"failed", "error", "warned"}:
                console.rule(f"{outcome.check.id} ({LABEL[outcome.state]})")
                console.print(context.redactor.text(outcome.text), highlight=False, markup=False, soft_wrap=True)
    _totals(console, context, seconds)
    style = {"conformant": "bold green", "non-conformant": "bold red"}.get(verdict, "bold yellow")
    console.print(f"[{style}]{verdict.upper()}[/]", highlight=False)


def _table(context: RunContext) -> Table:
    table = Table(title="Results by check", show_lines=False)
    for column in ("check", "level", "result", "responses failing", "first failure or reason"):
        table.add_column(column, overflow="fold")
    recorder = context.recorder
    for outcome in context.final_outcomes():
        check = outcome.check
        failing = recorder.failed.get(check.id, 0) or len(outcome.failures)
        table.add_row(check.id, check.level, f"[{STYLE[outcome.state]}]{LABEL[outcome.state]}[/]",
                      str(failing) if failing else "", _first(outcome, context))
    return table


def _totals(console: Console, context: RunContext, seconds: float) -> None:
    recorder = context.recorder
    states = [outcome.state for outcome in context.final_outcomes()]
    counts = ", ".join(f"{states.count(state)} {state}" for state in STYLE if states.count(state))
    traffic = context.target.traffic
    if traffic.stopped:
        console.print(f"[bold yellow]stopped early:[/] {traffic.stopped}; checks not reached are skipped",
                      highlight=False)
    if traffic.rate_limited:
        console.print(f"rate limited: {traffic.rate_limited} answer(s) 429, {traffic.waited:.0f} s spent waiting "
                      "as the target asked (not counted as failures)", highlight=False)
    guarded = sum(1 for exchange in recorder.exchanges if (exchange.skipped or "").startswith("not sent: the suite"))
    if guarded:
        console.print(f"safety: {guarded} request(s) not sent: their id could name a real session", highlight=False)
    console.print(f"{counts} · {traffic.sent} requests in {seconds:.1f} s · "
                  f"profile {context.config.profile} · seed {context.config.seed} · "
                  f"target {context.redactor.text(context.target.base_url)}", highlight=False)
