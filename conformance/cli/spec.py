"""``conformance spec check``: the spec stage on any document."""

from __future__ import annotations

import json
import sys

import click

from conformance.exitcodes import ExitCode
from conformance.spec.load import InputError
from conformance.spec.render import render_text
from conformance.spec.stage import bundled_path, run_stage


@click.group()
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
