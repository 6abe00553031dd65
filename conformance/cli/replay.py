"""``conformance replay``: a recorded failure sent again."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from conformance.config import DEFAULT_JSON
from conformance.exitcodes import ExitCode


@click.command("replay")
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
