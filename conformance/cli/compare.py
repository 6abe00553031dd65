"""``conformance compare``: the same corpus against two or more targets, or two or more recordings of a client's
traffic, and where their behaviour differs."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from rich.console import Console

from conformance.cli.options import FOR_EVERY_TARGET, options, run_config
from conformance.compare.diff import ASPECTS, AllowRule
from conformance.compare.targets import DEFAULT_KEY_VARIABLE, RECORDING_USAGE, USAGE, RecordingSpec, TargetSpec
from conformance.exitcodes import ExitCode
from conformance.report.files import ReportError, save
from conformance.target.redact import Redactor


def _parsed(parse):
    def callback(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list:
        try:
            return [parse(value) for value in values]
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
    return callback


@click.command("compare")
@click.option("--target", "targets", multiple=True, metavar=USAGE,
              callback=_parsed(TargetSpec.parse),
              help="A target to compare (repeat, at least two). key=/other-key= name the environment variables "
              "holding its API keys (default $XENDIT_API_KEY; keys are never given on the command line); "
              "test-control: it implements the emulator's test-control extension; URL 'bundled': the bundled "
              "emulator, in-process.")
@click.option("--recording", "recordings", multiple=True, metavar=RECORDING_USAGE,
              callback=_parsed(RecordingSpec.parse),
              help="Instead of targets: a recording of a client's traffic to compare (repeat, at least two; any "
              "format `conformance judge` reads). key=/other-key= name the environment variables holding the keys "
              "it was made with (default: learned from the creates it shows).")
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
def compare(targets: list[TargetSpec], recordings: list[RecordingSpec], allow: list[AllowRule],
            json_path: Path | None, html_path: Path | None, **options) -> None:
    """Run the same corpus (same seed, same generated ids and headers, the same lifecycle scenarios on sessions
    created on each target) against two or more targets, and show per case where they differ: status,
    content type, body type, error_code, session status, body fields, field types. Ids, timestamps and URLs are
    normalised first. Cases only some targets were sent (the suite re-sends and shrinks what fails, and a lifecycle
    scenario stops at its first failure) are listed apart, not compared.

    With --recording instead: two or more recordings of one client's traffic (say against the sandbox and against
    an emulator), each judged and paired exchange by exchange. A case is the same method, path (session ids as
    {session-N} in order of first appearance in each recording), query, key's role, for-user-id, Content-Type and
    body fields; the k-th of a kind pairs with the k-th; requests of a kind in a row or overlapping in time (a race)
    are one case. Exchanges no other recording pairs are listed apart, not compared.

    Exit 0: no difference (beyond --allow-diff); 1: differences; 2: usage error or an unreadable recording; 3: a
    target does not answer.
    """
    from conformance.compare.comparison import TargetFailed
    from conformance.compare.comparison import compare as run_comparison
    from conformance.compare.recordings import compare_recordings
    from conformance.compare.render import print_comparison
    from conformance.judge.recorded import RecordingError
    from conformance.run import UsageError

    names = [target.name for target in targets] + [recording.name for recording in recordings]
    if bool(targets) == bool(recordings) or len(names) < 2 or len(set(names)) < len(names):
        raise click.UsageError("give at least two --target options or at least two --recording options (not "
                               "both), with distinct names")
    base = run_config(options)
    console = Console(width=None if sys.stdout.isatty() else 160)
    try:
        if recordings:
            comparison = compare_recordings(recordings, base, allow)
        else:
            comparison = run_comparison(targets, base, allow, on_target=lambda run: console.print(
                f"ran {run.name}: {run.tally}", highlight=False, markup=False))
    except (UsageError, RecordingError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(ExitCode.USAGE)
    except TargetFailed as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(ExitCode.UNREACHABLE)
    except KeyboardInterrupt:
        click.echo("interrupted: no comparison", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    print_comparison(console, comparison)
    _write(console, comparison, {"JSON": json_path, "HTML": html_path}, _redactor(targets, recordings))
    sys.exit(ExitCode.FAILED if comparison.different else ExitCode.OK)


def _write(console: Console, comparison, paths: dict[str, Path | None], redactor: Redactor) -> None:
    """The comparison as JSON and as HTML where asked, through the run's atomic, scrubbing save."""
    from conformance.compare.render import compare_html_page, comparison_json

    render = {"JSON": lambda: json.dumps(comparison_json(comparison), indent=2, ensure_ascii=False),
              "HTML": lambda: compare_html_page(comparison)}
    for label, path in paths.items():
        if path:
            try:
                save(path, render[label]() + "\n", redactor)
            except ReportError as error:
                click.echo(f"error: {error}", err=True)
                sys.exit(ExitCode.USAGE)
            console.print(f"{label}: {path}", highlight=False)


def _redactor(targets: list[TargetSpec], recordings: list[RecordingSpec]) -> Redactor:
    """Every key the comparison was given, by the variable that holds it: no written file carries one."""
    names = {DEFAULT_KEY_VARIABLE, *(name for target in targets
                                     for name in (target.key_variable, target.other_key_variable) if name),
             *(name for recording in recordings for _, name in recording.variables)}
    return Redactor({os.environ[name]: name for name in sorted(names) if os.environ.get(name)})
