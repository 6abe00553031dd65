"""The ``conformance`` command line: the group, and a module per command (options and settings beside them)."""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from conformance import __version__
from conformance.cli.settings import defaults_from_file
from conformance.exitcodes import ExitCode

COMMANDS = {  # name → (module, attribute): imported when asked for, so that a command starts with what it uses (the
    # emulator without the generators and validators a run needs)
    "checks": ("conformance.cli.checks", "checks_command"),
    "compare": ("conformance.cli.compare", "compare"),
    "config": ("conformance.cli.run", "config_command"),
    "emulator": ("conformance.cli.emulator", "emulator"),
    "judge": ("conformance.cli.judge", "judge"),
    "proxy": ("conformance.cli.judge", "proxy"),
    "replay": ("conformance.cli.replay", "replay_command"),
    "run": ("conformance.cli.run", "run_command"),
    "spec": ("conformance.cli.spec", "spec"),
    "verify-evidence": ("conformance.cli.evidence", "verify_evidence_command"),
}


class Commands(click.Group):
    """The command group, its commands imported when asked for; Ctrl-C inside a command is exit 130 with one line
    (the reports written say partial)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name]
        return getattr(importlib.import_module(module), attribute)

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
        from conformance.cli.run import run_command

        path, defaults = defaults_from_file(run_command, Path.cwd())
        ctx.default_map = {"run": defaults, "config": defaults}
        ctx.meta["settings_file"] = path

