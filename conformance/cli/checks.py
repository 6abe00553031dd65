"""``conformance checks``: the catalogue, and the generated tables docs/ shows."""

from __future__ import annotations

import click

from conformance.checks.catalogue import CATALOGUE, INFERRED
from conformance.checks.profiles import ALLOWANCES, PROFILES
from conformance.cli.run import run_command
from conformance.cli.settings import variable


def markdown_table() -> str:
    """The check catalogue as a Markdown table (docs/checks.md's copy is tested against this)."""
    rows = ["| ID | level | stage | what it checks | basis: stated (JSON pointer into the published document, its "
            "words), inferred (source, reasoning) or rfc (section, its words) |", "|---|---|---|---|---|"]
    rows += [f"| `{c.id}` | {c.level} | {c.stage} | {_cell(c.description)} | {c.basis.kind}: `{_cell(c.basis.source)}` "
             f"— {_cell(c.basis.quote)} |" for c in CATALOGUE]
    return "\n".join(rows)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def matrix_table() -> str:
    """Every statement of the cancel document and the checks that cover it; the uncovered ones last, listed."""
    from conformance.report.traceability import statement_rows
    from conformance.spec.stage import load_repaired

    rows = statement_rows(load_repaired("cancel"), CATALOGUE)
    width = max(len(row.kind) for row in rows)
    lines = [f"{'kind':{width}}  {'statement':70}  covered by", f"{'-' * width}  {'-' * 70}  {'-' * 10}"]
    lines += [f"{row.kind:{width}}  {_short(row.label, 70):70}  {', '.join(check.id for check in row.checks) or '-'}"
              for row in rows]
    uncovered = [row for row in rows if not row.covered]
    lines += ["", f"{len(rows)} statements, {len(rows) - len(uncovered)} covered, {len(uncovered)} uncovered:"]
    lines += [f"  {row.kind:{width}}  {row.pointer}\n  {'':{width}}  {row.label}" for row in uncovered]
    return "\n".join(lines)


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def profiles_table() -> str:
    """Each profile's allowances as a Markdown table (docs/profiles.md's copy is tested against this)."""
    rows = ["| profile | allowance | what it allows | checks it relaxes | source |", "|---|---|---|---|---|"]
    rows += [f"| `{profile}` | `{allowance.name}` | {_cell(allowance.description)} | "
             f"{', '.join(f'`{check_id}`' for check_id in allowance.checks)} | {_cell(allowance.source)} |"
             for profile, allowances in ALLOWANCES.items() for allowance in allowances]
    return "\n".join(rows)


def options_table() -> str:
    """Every option of `conformance run` as a Markdown table (docs/options.md's copy is tested against this)."""
    rows = ["| option | environment | default | what it does |", "|---|---|---|---|"]
    for param in run_command.params:
        if isinstance(param, click.Option):
            names = ", ".join(f"`{name}`" for name in param.opts)
            default = f"`{param.default}`" if param.show_default and not param.is_flag else ""
            help_text = " ".join((param.help or "").split()).replace("|", "\\|")
            rows.append(f"| {names} | `{variable(param)}` | {default} | {help_text} |")
    return "\n".join(rows)


@click.command("checks")
@click.option("--profile", type=click.Choice(PROFILES), default="strict", show_default=True)
@click.option("--markdown", is_flag=True, help="The catalogue as the Markdown table docs/checks.md shows.")
@click.option("--matrix", is_flag=True, help="Every statement of the cancel document and the checks that cover it; "
              "the uncovered ones listed last.")
@click.option("--options-markdown", is_flag=True, hidden=True, help="The run options as docs/options.md's table.")
@click.option("--profiles-markdown", is_flag=True, hidden=True, help="The profiles as docs/profiles.md's table.")
def checks_command(profile: str, markdown: bool, matrix: bool, options_markdown: bool, profiles_markdown: bool) -> None:
    """List every check: ID, level, stage, its basis (stated: pointer and words; inferred: source and reasoning;
    rfc: section and words); and the profile's allowances."""
    chosen = [table for wanted, table in ((markdown, markdown_table), (matrix, matrix_table),
                                          (options_markdown, options_table), (profiles_markdown, profiles_table))
              if wanted]
    if chosen:
        click.echo(chosen[0]())
        return
    width = max(len(check.id) for check in CATALOGUE) + 1
    for check in CATALOGUE:
        click.echo(f"{check.id:{width}} {check.level:6} {check.stage:9} {check.description}")
        click.echo(f"{'':{width}} {check.basis.kind}: {check.basis.source}")
        words = check.basis.quote if check.basis.kind == INFERRED else f'"{check.basis.quote}"'
        click.echo(f"{'':{width}} {words}")
    click.echo(f"\nprofile {profile}: {len(ALLOWANCES[profile])} allowance(s)")
    for allowance in ALLOWANCES[profile]:
        click.echo(f"  {allowance.name}: {allowance.description}\n    checks: {', '.join(allowance.checks)}"
                   f"\n    source: {allowance.source}")
