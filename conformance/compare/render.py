"""A comparison as a terminal table, a JSON document and an HTML section (no script, its own small stylesheet)."""

from __future__ import annotations

import html
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

from conformance import __version__
from conformance.compare.comparison import Comparison
from conformance.compare.diff import Cause, Difference
from conformance.compare.observe import Case, Observation

LABEL_LIMIT = 110
TABLE_ROWS = 100
PARTIAL_SHOWN = 5
RESPONSES_SHOWN = 3  # distinct answers shown per target for a cause's example


def printable(text: str, limit: int = LABEL_LIMIT) -> str:
    """Control and other non-printable characters escaped, long text cut with an ellipsis."""
    shown = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


@dataclass(frozen=True)
class Words:
    """How the outputs name what was compared: targets the corpus was run against, or recordings of traffic."""

    one: str
    where: str  # what locates one: a base URL, a file
    sent: str  # what each one counts
    unpaired: str  # the cases only some of them have


WORDS = {"targets": Words("target", "base URL", "requests", "sent to only some targets (not compared)"),
         "recordings": Words("recording", "file", "exchanges", "in only some recordings (unpaired, not compared)")}


def headline(comparison: Comparison) -> str:
    result = comparison.result
    failing = result.failing
    allowed = len(result.found) - len(failing)
    failing_causes = [cause for cause in result.causes if not cause.allowed]
    return (f"{result.compared} cases compared across {len(comparison.targets)} {comparison.subject} · "
            f"{len({difference.case for difference in failing})} differ ({len(failing)} difference(s) from "
            f"{len(failing_causes)} root cause(s){f', {allowed} more allowed' if allowed else ''}) · "
            f"{len(result.partial)} {WORDS[comparison.subject].unpaired}")


def _settings(comparison: Comparison) -> str:
    config = comparison.config
    if comparison.subject == "recordings":
        return f"profile {config.profile} · suite {__version__}"
    return (f"seed {config.seed} · profile {config.profile} · max examples {config.max_examples} · "
            f"suite {__version__}")


def print_comparison(console: Console, comparison: Comparison) -> None:
    """The targets, one row per root cause of the differences (with an example), and the verdict."""
    for run in comparison.targets:
        console.print(f"  {run.name:12} {run.base_url}{' (bundled emulator)' if run.bundled else ''} · "
                      f"{run.tally} · {run.requests} {WORDS[comparison.subject].sent} · {run.cases} cases"
                      f"{f' · stopped early: {run.stopped}' if run.stopped else ''}", highlight=False, markup=False)
    result = comparison.result
    failing = result.failing
    failing_causes = [cause for cause in result.causes if not cause.allowed]
    if failing_causes:
        table = Table(title="Differences by root cause (one example each)", show_lines=True)
        for column in ("cases", "aspect", "example request", *(run.name for run in comparison.targets)):
            table.add_column(column, overflow="fold")
        for cause in failing_causes[:TABLE_ROWS]:
            example = cause.example
            table.add_row(str(len(cause.differences)), Text(example.aspect),
                          Text(f"{example.case.id} {printable(example.case.label)}"),
                          *(Text(_target_cell(example, run.name, 400)) for run in comparison.targets))
        console.print(table)
        if len(failing_causes) > TABLE_ROWS:
            console.print(f"  … and {len(failing_causes) - TABLE_ROWS} more causes (--json and --html list all)",
                          highlight=False)
    if len(result.found) > len(failing):
        console.print(f"  {len(result.found) - len(failing)} allowed difference(s) not shown (--json and --html "
                      "list them)", highlight=False)
    for case, present in result.partial[:PARTIAL_SHOWN]:
        console.print(Text(f"  only on {', '.join(present)}: {case.id} {printable(case.label)}"))
    if len(result.partial) > PARTIAL_SHOWN:
        console.print(f"  … and {len(result.partial) - PARTIAL_SHOWN} more (--json and --html list all)",
                      highlight=False)
    console.print(Text(f"{headline(comparison)} · {_settings(comparison)}"))
    if comparison.different:
        console.print(f"[bold red]DIFFERENT[/] the {comparison.subject} behave differently", highlight=False)
    else:
        console.print(f"[bold green]SAME[/] no difference between the {comparison.subject}"
                      f"{' beyond the allowed ones' if result.found else ''}", highlight=False)


def answer(observation: Observation) -> str:
    """A response as compared: status, content type, body type, error_code, session status."""
    parts = [observation.status, observation.content_type, observation.body and f"{observation.body} body",
             observation.error_code and f"error_code {observation.error_code}",
             observation.session_status and f"status {observation.session_status}"]
    return " · ".join(part for part in parts if part)


def _answers(example: Difference, name: str) -> list[str]:
    return list(dict.fromkeys(answer(item) for item in example.observed.get(name, ())))[:RESPONSES_SHOWN]


def _target_cell(example: Difference, name: str, limit: int) -> str:
    """A target's value for the example, then what it answered."""
    return "\n".join([printable(example.values[name], limit), *(f"→ {item}" for item in _answers(example, name))])


def _cause_json(cause: Cause, names: list[str]) -> dict:
    example = cause.example
    return {"aspect": example.aspect, "fields": list(example.fields), "allowed": cause.allowed,
            "cases": [difference.case.id for difference in cause.differences],
            "example": {**example.as_dict(), "responses": {name: _answers(example, name) for name in names}}}


def _partial(case: Case, present: tuple[str, ...]) -> dict:
    return {"case": case.as_dict(), "targets": list(present)}


def comparison_json(comparison: Comparison) -> dict:
    config, result = comparison.config, comparison.result
    corpus = comparison.subject == "targets"  # recordings have no seed: their traffic is the client's
    return {
        "suite": {"name": "xendit-cancel-conformance", "version": __version__},
        "subject": comparison.subject,
        "seed": config.seed if corpus else None, "profile": config.profile,
        "max_examples": config.max_examples if corpus else None,
        "targets": [{"name": run.name, "base_url": run.base_url, "bundled": run.bundled, "outcomes": run.outcomes,
                     "requests": run.requests, "cases": run.cases, "stopped_early": run.stopped}
                    for run in comparison.targets],
        "compared": result.compared,
        "different": comparison.different,
        "differences": [difference.as_dict() for difference in result.found],
        "causes": [_cause_json(cause, [run.name for run in comparison.targets]) for cause in result.causes],
        "partial": [_partial(case, present) for case, present in result.partial],
    }


STYLE = """
.compare table { border-collapse: collapse; font: 13px/1.4 system-ui, sans-serif; }
.compare th, .compare td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
.compare td:nth-child(2) { font-family: ui-monospace, monospace; word-break: break-all; max-width: 40em; }
.compare tr.allowed { color: #888; }
.compare .verdict-different { color: #b00; font-weight: bold; }
.compare .verdict-same { color: #070; font-weight: bold; }
"""


def _row(cells: list[str], tag: str = "td", attributes: str = "") -> str:
    return f"<tr{attributes}>" + "".join(f"<{tag}>{html.escape(cell)}</{tag}>" for cell in cells) + "</tr>"


def _cause_row(cause: Cause, names: list[str]) -> str:
    """One root cause: its example in full, the other cases it shows in folded away."""
    example = cause.example
    others = "".join(f"<li>{html.escape(item.case.id)} {html.escape(printable(item.case.label, 400))}</li>"
                     for item in cause.differences if item is not example)
    more = (f"<details><summary>{len(cause.differences) - 1} more like this</summary><ul>{others}</ul></details>"
            if others else "")
    cells = [str(len(cause.differences)), html.escape(example.aspect + (" (allowed)" if cause.allowed else "")),
             f"{html.escape(example.case.id)} {html.escape(printable(example.case.label, 400))}{more}",
             *(html.escape(_target_cell(example, name, 2000)).replace("\n", "<br>") for name in names)]
    attributes = ' class="allowed"' if cause.allowed else ""
    return f"<tr{attributes}>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def compare_html_section(comparison: Comparison) -> str:
    """A self-contained HTML fragment (no script): the targets, the verdict and one row per root cause."""
    names = [run.name for run in comparison.targets]
    result, subject, words = comparison.result, comparison.subject, WORDS[comparison.subject]
    parts = [f'<section class="compare"><style>{STYLE}</style><h2>Comparison of implementations</h2>',
             f'<p class="verdict-different">DIFFERENT: the {subject} behave differently</p>' if comparison.different
             else f'<p class="verdict-same">SAME: no difference between the {subject}</p>',
             f"<p>{html.escape(headline(comparison))} · {html.escape(_settings(comparison))}</p><table>",
             _row([words.one, words.where, "checks", words.sent, "cases"], "th")]
    parts += [_row([run.name, run.base_url, run.tally, str(run.requests), str(run.cases)])
              for run in comparison.targets]
    parts.append("</table>")
    if result.found:
        parts += ["<h3>Differences by root cause</h3><table>",
                  _row(["cases", "aspect", "example request", *names], "th")]
        parts += [_cause_row(cause, names) for cause in result.causes]
        parts.append("</table>")
    if result.partial:
        parts.append(f"<h3>{html.escape(words.unpaired.capitalize())}</h3><table>")
        parts += [_row([case.id, printable(case.label, 400), ", ".join(present)]) for case, present in result.partial]
        parts.append("</table>")
    return "".join(parts) + "</section>"


def compare_html_page(comparison: Comparison) -> str:
    """The section as a standalone page."""
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>conformance compare</title></head>'
            f"<body>{compare_html_section(comparison)}</body></html>")
