"""The ``conformance`` command line: the group, and a module per command (options and settings beside them)."""

from __future__ import annotations

from pathlib import Path

import click

from conformance import __version__
from conformance.cli.checks import checks_command
from conformance.cli.compare import compare
from conformance.cli.emulator import emulator
from conformance.cli.evidence import verify_evidence_command
from conformance.cli.judge import judge, proxy
from conformance.cli.replay import replay_command
from conformance.cli.run import config_command, run_command
from conformance.cli.settings import defaults_from_file
from conformance.cli.spec import spec
from conformance.exitcodes import ExitCode


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


for command in (spec, run_command, config_command, checks_command, replay_command, emulator, compare,
                verify_evidence_command, judge, proxy):
    main.add_command(command)
