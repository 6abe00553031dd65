"""``conformance compare``: the same corpus against two or more targets, and where their behaviour differs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console

from conformance.compare.diff import ASPECTS, AllowRule
from conformance.compare.targets import USAGE, TargetSpec
from conformance.exitcodes import ExitCode
from conformance.options import FOR_EVERY_TARGET, options, run_config


def _parsed(parse):
    def callback(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list:
        try:
            return [parse(value) for value in values]
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
    return callback


@click.command("compare")
@click.option("--target", "targets", multiple=True, required=True, metavar=USAGE,
              callback=_parsed(TargetSpec.parse),
              help="A target to compare (repeat, at least two). key=/other-key= name the environment variables "
              "holding its API keys (default $XENDIT_API_KEY; keys are never given on the command line); "
              "test-control: it implements the emulator's test-control extension; URL 'bundled': the bundled "
              "emulator, in-process.")
@click.option("--allow-diff", "allow", multiple=True, metavar="ASPECT[:FIELD][@CASE]",
              callback=_parsed(AllowRule.parse),
              help="A difference that does not fail the comparison (repeatable; globs). Aspects: "
              f"{', '.join(ASPECTS)}. FIELD: a body field path (fields, types); CASE: a case id or label, e.g. "
              "'lifecycle: *'.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the comparison as JSON.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the comparison as an HTML page.")
@options(*FOR_EVERY_TARGET)
def compare(targets: list[TargetSpec], allow: list[AllowRule], json_path: Path | None, html_path: Path | None,
            **options) -> None:
    """Run the same corpus (same seed, same generated ids and headers, the same lifecycle scenarios on sessions
    created on each target) against two or more targets, and show per case where they differ: status,
    content type, body type, error_code, session status, body fields, field types. Ids, timestamps and URLs are
    normalised first. Cases only some targets were sent (the suite re-sends and shrinks what fails, and a lifecycle
    scenario stops at its first failure) are listed apart, not compared.

    Exit 0: no difference (beyond --allow-diff); 1: differences; 2: usage error; 3: a target does not answer.
    """
    from conformance.compare.comparison import TargetFailed
    from conformance.compare.comparison import compare as run_comparison
    from conformance.compare.render import compare_html_page, comparison_json, print_comparison
    from conformance.run import UsageError

    names = [target.name for target in targets]
    if len(targets) < 2 or len(set(names)) < len(names):
        raise click.UsageError("give at least two --target options, with distinct names")
    base = run_config(options)
    console = Console(width=None if sys.stdout.isatty() else 160)
    try:
        comparison = run_comparison(targets, base, allow, on_target=lambda run: console.print(
            f"ran {run.name}: {run.tally}", highlight=False, markup=False))
    except UsageError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(ExitCode.USAGE)
    except TargetFailed as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(ExitCode.UNREACHABLE)
    except KeyboardInterrupt:
        click.echo("interrupted: no comparison", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    print_comparison(console, comparison)
    if json_path:
        _save(console, "JSON", json_path, json.dumps(comparison_json(comparison), indent=2, ensure_ascii=False))
    if html_path:
        _save(console, "HTML", html_path, compare_html_page(comparison))
    sys.exit(ExitCode.FAILED if comparison.different else ExitCode.OK)


def _save(console: Console, label: str, path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        click.echo(f"error: cannot write {path}: {error.strerror or error}", err=True)
        sys.exit(ExitCode.USAGE)
    console.print(f"{label}: {path}", highlight=False)
