"""The terminal: one line per check as it completes, then a table by check ID, each failing sequence (its last
steps, and where its script is), what the run could not do, the verdict and its reasons (the same words as every
report)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from conformance.report.sequence import records_text, sequence_files, step_records
from conformance.results.model import (
    CONFORMANT,
    ERROR,
    FAILED,
    NON_CONFORMANT,
    NOT_APPLICABLE,
    NOT_RUN,
    PASSED,
    WARNED,
    CheckResult,
    RunResult,
    first_line,
)
from conformance.results.text import one_line
from conformance.target.traffic import TrafficFigures

STYLE = {PASSED: "green", WARNED: "yellow", NOT_APPLICABLE: "dim", NOT_RUN: "cyan", FAILED: "bold red",
         ERROR: "bold magenta"}
LABEL = {PASSED: "PASS", WARNED: "WARN", NOT_APPLICABLE: "N/A", NOT_RUN: "NOT RUN", FAILED: "FAIL", ERROR: "ERROR"}
VERDICT_STYLE = {CONFORMANT: "bold green", NON_CONFORMANT: "bold red"}
SHOWN_STEPS = 8  # of a failing sequence, the last ones; the whole list is in its file


def outcome_line(console: Console, result: CheckResult) -> None:
    label = LABEL[result.outcome]
    console.print(f"[{STYLE[result.outcome]}]{label:7}[/] {result.check.id:26} {escape(result.check.description)}",
                  highlight=False)


def _first(result: CheckResult, run: RunResult) -> str:
    if result.failures:
        return one_line(result.failures[0], run.redactor)
    if result.findings:
        return f"{result.findings[0].pointer}: {result.findings[0].message}"[:160]
    lines = result.reason.strip().splitlines()
    text = lines[-1] if result.outcome == ERROR and lines else first_line(result.reason)
    return run.redactor.text(text)[:160]


def _table(run: RunResult) -> Table:
    table = Table(title="Results by check", show_lines=False)
    for column in ("check", "level", "result", "responses failing", "first failure or reason"):
        table.add_column(column, overflow="fold")
    for result in run.checks:
        failing = result.failing or len(result.failures) or len(result.findings)
        accepted = " (accepted)" if result.accepted_skip else ""
        table.add_row(result.check.id, result.check.level,
                      f"[{STYLE[result.outcome]}]{LABEL[result.outcome]}{accepted}[/]",
                      str(failing) if failing else "", escape(_first(result, run)))
    return table


def _sequences(console: Console, run: RunResult, folder: Path) -> None:
    """Each check's failing sequence: its last SHOWN_STEPS steps, then the script that sends it again."""
    for result in run.checks:
        steps = result.failures[0].steps if result.failures else ()
        if not steps:
            continue
        script, text = sequence_files(folder, result.check.id)
        first = max(0, len(steps) - SHOWN_STEPS)
        console.rule(f"{result.check.id}: the failing sequence ({len(steps)} steps)")
        if first:
            console.print(f"{first} earlier steps in {text}", highlight=False, markup=False)
        console.print(records_text(step_records(steps, run.redactor), first), highlight=False, markup=False,
                      soft_wrap=True)
        console.print(f"script: {script} (run it with bash; XENDIT_API_KEY from the environment)", highlight=False,
                      markup=False)


def _traffic(traffic: TrafficFigures) -> list[str]:
    """What rate limits cost, in all and per endpoint; nothing when they cost nothing."""
    total = traffic.total
    if not (total.rate_limited or total.waited or total.paced):
        return []
    lines = [f"rate limits: {total.rate_limited} answer(s) 429 (never judged), {total.waited:.1f} s waiting them out "
             f"as the target asked, {total.paced:.1f} s paced to stay within the limits"]
    lines += [f"  {item.endpoint}: {item.requests} requests, {item.rate_limited} answered 429, {item.waited:.1f} s "
              f"waited, {item.paced:.1f} s paced" for item in traffic.endpoints]
    return lines


def _gaps(console: Console, run: RunResult) -> None:
    """What the run could not do, said out loud."""
    for line in _traffic(run.traffic):
        console.print(line, highlight=False, markup=False)
    if run.withheld:
        shown = ", ".join(f"{item.family} {item.count} (GET answered {item.get_status})" for item in run.withheld)
        console.print(f"safety: {run.withheld_total()} request(s) withheld, their id could name a real session: "
                      f"{shown}", highlight=False, markup=False)
    if run.safety_note:
        console.print(f"safety: {run.safety_note}", highlight=False, markup=False)
    for session_id, reason in run.dropped_sessions:
        console.print(f"--session-id {run.redactor.text(session_id)} not used: {reason}", highlight=False,
                      markup=False)
    for note in run.notes:
        console.print(f"note: {run.redactor.text(note)}", highlight=False, markup=False)


def summary(console: Console, run: RunResult, folder: Path, verbosity: int = 0) -> None:
    """The table by check ID (not with -q), every failure in full (with -v), the failing sequences (not with -q;
    their files in `folder`), the gaps, then the verdict."""
    if verbosity >= 0:
        console.print(_table(run))
    if verbosity > 0:
        for result in run.checks:
            if result.outcome in {FAILED, ERROR, WARNED}:
                console.rule(f"{result.check.id} ({LABEL[result.outcome]})")
                console.print(run.redactor.text(result.reason), highlight=False, markup=False, soft_wrap=True)
    if verbosity >= 0:
        _sequences(console, run, folder)
    _gaps(console, run)
    counts = ", ".join(f"{count} {outcome.replace('_', ' ')}" for outcome, count in run.counts().items() if count)
    console.print(f"{counts} · {run.requests} requests in {run.seconds:.1f} s · profile {run.profile} · seed "
                  f"{run.seed} · target {run.target}", highlight=False, markup=False)
    console.print(f"[{VERDICT_STYLE.get(run.verdict, 'bold yellow')}]{run.verdict.upper()}[/] (exit "
                  f"{int(run.exit_code)})", highlight=False)
    for reason in run.reasons:
        console.print(f"  - {run.redactor.text(reason)}", highlight=False, markup=False)
