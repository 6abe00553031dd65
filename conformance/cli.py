"""The ``conformance`` command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from click.core import ParameterSource
from rich.console import Console

from conformance import __version__
from conformance.checks.catalogue import CATALOGUE, INFERRED
from conformance.checks.profiles import ALLOWANCES, PROFILES
from conformance.config import DEFAULT_JSON
from conformance.exitcodes import ExitCode
from conformance.options import options, run_config
from conformance.settings import SECRETS, add_environment, defaults_from_file, flag, variable
from conformance.spec.load import InputError
from conformance.spec.render import render_text
from conformance.spec.stage import bundled_path, run_stage


class Commands(click.Group):
    """The command group; Ctrl-C inside a command is exit 130 with one line (the reports written say partial)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(ExitCode.INTERRUPTED)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="conformance")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Conformance suite for Xendit's POST /sessions/{session_id}/cancel, with a reference emulator."""
    if ctx.invoked_subcommand in {"run", "config"}:
        path, defaults = defaults_from_file(run_command, Path.cwd())
        ctx.default_map = {"run": defaults, "config": defaults}
        ctx.meta["settings_file"] = path


@main.group()
def spec() -> None:
    """The spec stage: validate, repair (with a log) and lint OpenAPI documents."""


@spec.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def spec_check(paths: tuple[str, ...], as_json: bool) -> None:
    """Validate PATHS as published, repair them, validate again and lint.

    With no PATH, checks the bundled contract (spec/cancel-session.seed.json).
    Exit 0: valid after repair (warnings allowed); 1: unrepairable; 2: unreadable input.
    """
    results = []
    for path in paths or (str(bundled_path("cancel")),):
        try:
            results.append(run_stage(path))
        except InputError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(ExitCode.USAGE)
    if as_json:
        click.echo(json.dumps([result.as_dict() for result in results], indent=2))
    else:
        click.echo("\n\n".join(render_text(result) for result in results))
    sys.exit(ExitCode.FAILED if any(not result.ok for result in results) else ExitCode.OK)

@main.command("run")
@options()
def run_command(**options) -> None:
    """Run the conformance suite against a target (default: the bundled emulator) and write a JUnit report.

    Exit 0: CONFORMANT; 1: NON-CONFORMANT; 2: usage or configuration error (found before any request); 3: the
    target does not answer, or stopped answering; 4: INCOMPLETE (a MUST check was not judged: see the reasons);
    130: interrupted (Ctrl-C); 143: terminated (SIGTERM). Both write the reports first.
    """
    from conformance.run import UsageError, run

    try:
        sys.exit(run(run_config(options), Console(width=None if sys.stdout.isatty() else 160)))
    except UsageError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(ExitCode.USAGE)


add_environment(run_command)


SOURCES = {ParameterSource.COMMANDLINE: "flag", ParameterSource.ENVIRONMENT: "environment",
           ParameterSource.DEFAULT_MAP: "file", ParameterSource.DEFAULT: "default"}


@main.command("config", params=run_command.params)
@click.pass_context
def config_command(ctx: click.Context, **options) -> None:
    """Show the settings `conformance run` would use, and where each comes from (default < file < environment <
    flag). Takes the same options as `conformance run`."""
    file = ctx.find_root().meta.get("settings_file")
    click.echo(f"settings file: {file or 'none (conformance.toml or [tool.conformance] in pyproject.toml)'}")
    for param in run_command.params:
        if not isinstance(param, click.Option):
            continue
        value = options[param.name]
        shown = ("(set)" if value else "(not set)") if flag(param) in SECRETS else json.dumps(
            value, default=str)
        source = SOURCES.get(ctx.get_parameter_source(param.name), "default")
        where = {"environment": f"environment {variable(param)}", "file": str(file)}.get(source, source)
        click.echo(f"  {flag(param):22} {shown:40} {where}")


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


@main.command("checks")
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


@main.command("replay")
@click.argument("failure_id", metavar="ID")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_JSON, show_default=True,
              help="The report.json of the run that failed.")
@click.option("--base-url", help="Send it to another target (default: the one the run tested).")
@click.option("--allow-live", is_flag=True, help="Allow a live key or a non-test key on a Xendit host.")
def replay_command(failure_id: str, report: Path, base_url: str | None, allow_live: bool) -> None:
    """Re-send the recorded request of failure ID (CHECK-ID#N, or CHECK-ID for its first) and say whether it still
    fails. Keys come from XENDIT_API_KEY / XENDIT_OTHER_API_KEY; the run's safety rule applies (an id the suite did
    not create is sent a cancel only after a GET with the key answered 404).

    A lifecycle failure's sequence is sent again step by step on sessions it creates anew (a state-changing request
    for any other session is withheld); the failing step's answer is compared with the recorded one.

    Exit 0: passes now (a sequence: the failing step answers differently); 1: still fails; 2: not replayable (the
    reason is given); 3: the target does not answer.
    """
    from conformance.replay import ReplayedSequence, ReplayError, replay
    from conformance.results.text import render_exchange
    from conformance.target.redact import Redactor

    redactor = Redactor({os.environ.get(name, ""): name for name in ("XENDIT_API_KEY", "XENDIT_OTHER_API_KEY")})
    try:
        result = replay(report, failure_id, base_url, allow_live, on_step=lambda line: click.echo(redactor.text(line)))
    except ReplayError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(error.code)
    if isinstance(result, ReplayedSequence):
        if result.still_fails:
            click.echo(f"STILL FAILS {result.check_id} as recorded: the failing step answers {result.now}")
            sys.exit(ExitCode.FAILED)
        click.echo(f"{result.check_id}: the failing step now answers {result.now} (recorded {result.recorded}): "
                   "run the suite to judge it again")
        return
    click.echo("\n".join(render_exchange(result.exchange, redactor)))
    if result.violation:
        click.echo(f"STILL FAILS {result.check_id}: {redactor.text(result.violation.message)} "
                   f"(expected {result.violation.expected})")
        sys.exit(ExitCode.FAILED)
    click.echo(f"PASSES NOW {result.check_id}")


from conformance.emulator.command import emulator  # noqa: E402

main.add_command(emulator)

from conformance.compare_command import compare  # noqa: E402
from conformance.evidence_command import verify_evidence_command  # noqa: E402
from conformance.judge.command import judge, proxy  # noqa: E402

main.add_command(compare)
main.add_command(verify_evidence_command)
main.add_command(judge)
main.add_command(proxy)
