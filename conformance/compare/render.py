"""A comparison as a terminal table, a JSON document and an HTML section (no script, its own small stylesheet)."""

from __future__ import annotations

import html

from rich.console import Console
from rich.table import Table
from rich.text import Text

from conformance import __version__
from conformance.compare.comparison import Comparison
from conformance.compare.observe import Case

LABEL_LIMIT = 110
TABLE_ROWS = 100
PARTIAL_SHOWN = 5


def printable(text: str, limit: int = LABEL_LIMIT) -> str:
    """Control and other non-printable characters escaped, long text cut with an ellipsis."""
    shown = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def headline(comparison: Comparison) -> str:
    result = comparison.result
    failing = result.failing
    allowed = len(result.found) - len(failing)
    return (f"{result.compared} cases compared across {len(comparison.targets)} targets · "
            f"{len({difference.case for difference in failing})} differ ({len(failing)} difference(s)"
            f"{f', {allowed} more allowed' if allowed else ''}) · "
            f"{len(result.partial)} sent to only some targets (not compared)")


def _settings(comparison: Comparison) -> str:
    config = comparison.config
    return (f"seed {config.seed} · profile {config.profile} · max examples {config.max_examples} · "
            f"suite {__version__}")


def print_comparison(console: Console, comparison: Comparison) -> None:
    """The targets, one row per difference, and the verdict."""
    for run in comparison.targets:
        console.print(f"  {run.name:12} {run.base_url}{' (bundled emulator)' if run.bundled else ''} · "
                      f"{run.tally} · {run.requests} requests · {run.cases} cases"
                      f"{f' · stopped early: {run.stopped}' if run.stopped else ''}", highlight=False, markup=False)
    result = comparison.result
    failing = result.failing
    if failing:
        table = Table(title="Differences", show_lines=True)
        for column in ("case", "request", "aspect", *(run.name for run in comparison.targets)):
            table.add_column(column, overflow="fold")
        for difference in failing[:TABLE_ROWS]:
            table.add_row(difference.case.id, Text(printable(difference.case.label)), Text(difference.aspect),
                          *(Text(printable(difference.values[run.name], 400)) for run in comparison.targets))
        console.print(table)
        if len(failing) > TABLE_ROWS:
            console.print(f"  … and {len(failing) - TABLE_ROWS} more differences (--json and --html list all)",
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
        console.print("[bold red]DIFFERENT[/] the targets behave differently", highlight=False)
    else:
        console.print("[bold green]SAME[/] no difference between the targets"
                      f"{' beyond the allowed ones' if result.found else ''}", highlight=False)


def _partial(case: Case, present: tuple[str, ...]) -> dict:
    return {"case": case.as_dict(), "targets": list(present)}


def comparison_json(comparison: Comparison) -> dict:
    config, result = comparison.config, comparison.result
    return {
        "suite": {"name": "xendit-cancel-conformance", "version": __version__},
        "seed": config.seed, "profile": config.profile, "max_examples": config.max_examples,
        "targets": [{"name": run.name, "base_url": run.base_url, "bundled": run.bundled, "outcomes": run.outcomes,
                     "requests": run.requests, "cases": run.cases, "stopped_early": run.stopped}
                    for run in comparison.targets],
        "compared": result.compared,
        "different": comparison.different,
        "differences": [difference.as_dict() for difference in result.found],
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


def compare_html_section(comparison: Comparison) -> str:
    """A self-contained HTML fragment (no script): the targets, the verdict and one row per difference."""
    names = [run.name for run in comparison.targets]
    result = comparison.result
    parts = [f'<section class="compare"><style>{STYLE}</style><h2>Comparison of implementations</h2>',
             '<p class="verdict-different">DIFFERENT: the targets behave differently</p>' if comparison.different
             else '<p class="verdict-same">SAME: no difference between the targets</p>',
             f"<p>{html.escape(headline(comparison))} · {html.escape(_settings(comparison))}</p><table>",
             _row(["target", "base URL", "checks", "requests", "cases"], "th")]
    parts += [_row([run.name, run.base_url, run.tally, str(run.requests), str(run.cases)])
              for run in comparison.targets]
    parts.append("</table>")
    if result.found:
        parts += ["<h3>Differences</h3><table>", _row(["case", "request", "aspect", *names], "th")]
        parts += [_row([item.case.id, printable(item.case.label, 400),
                        item.aspect + (" (allowed)" if item.allowed else ""),
                        *(printable(item.values[name], 2000) for name in names)],
                       attributes=' class="allowed"' if item.allowed else "") for item in result.found]
        parts.append("</table>")
    if result.partial:
        parts.append("<h3>Sent to only some targets (not compared)</h3><table>")
        parts += [_row([case.id, printable(case.label, 400), ", ".join(present)]) for case, present in result.partial]
        parts.append("</table>")
    return "".join(parts) + "</section>"


def compare_html_page(comparison: Comparison) -> str:
    """The section as a standalone page."""
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>conformance compare</title></head>'
            f"<body>{compare_html_section(comparison)}</body></html>")
