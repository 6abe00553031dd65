"""``conformance run`` and ``conformance config``: a run of the suite, and the settings it would use."""

from __future__ import annotations

import json
import sys

import click
from click.core import ParameterSource
from rich.console import Console

from conformance.cli.options import options, run_config
from conformance.cli.settings import SECRETS, add_environment, flag, variable
from conformance.exitcodes import ExitCode


@click.command("run")
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


@click.command("config", params=run_command.params)
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
        given = ctx.get_parameter_source(param.name)
        source = SOURCES.get(given, "default") if given else "default"
        where = {"environment": f"environment {variable(param)}", "file": str(file)}.get(source, source)
        click.echo(f"  {flag(param):22} {shown:40} {where}")
