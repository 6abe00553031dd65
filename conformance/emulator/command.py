"""``conformance emulator``: run the reference emulator in the foreground."""

from __future__ import annotations

import logging
import sqlite3
import sys

import click

from conformance.emulator.config import (
    DEFAULT_KEYS,
    DEFAULT_MIN_EXPIRY_SECONDS,
    ConfigError,
    EmulatorConfig,
    parse_api_key,
)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on; 0 picks a free one.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="SQLite file that keeps sessions across restarts (default: in memory).")
@click.option("--api-key", "api_keys", multiple=True, metavar="KEY[=BUSINESS_ID]",
              help="Accept KEY for the business BUSINESS_ID (24 hex; derived from KEY if left out). "
                   "Repeatable. Default: two built-in test keys of two businesses.")
@click.option("--min-expiry", "min_expiry_seconds", default=DEFAULT_MIN_EXPIRY_SECONDS, show_default=True,
              type=float, help="Seconds expires_at must be ahead at creation (Xendit: 600; at least 1).")
@click.option("--test-control/--no-test-control", default=True, show_default=True,
              help="Serve POST /test-control/sessions/{id}/complete and /expire.")
@click.option("--quiet", is_flag=True, help="No per-request log lines.")
def emulator(host: str, port: int, db_path: str | None, api_keys: tuple[str, ...], min_expiry_seconds: float,
             test_control: bool, quiet: bool) -> None:
    """Run the reference emulator of Xendit's Payment Sessions API (test mode only) until interrupted."""
    from conformance.emulator.server import serve  # uvicorn and the spec load only when the command runs

    try:
        config = EmulatorConfig(
            host=host, port=port, db_path=db_path, min_expiry_seconds=min_expiry_seconds, test_control=test_control,
            api_keys=dict(map(parse_api_key, api_keys)) if api_keys else DEFAULT_KEYS, log_requests=not quiet,
        )
    except ConfigError as error:
        _fail(str(error))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)

    def announce(base_url: str) -> None:
        click.echo(f"Emulator listening on {base_url}")
        for key, business in config.api_keys.items():
            click.echo(f"  API key {key} -> business {business}")
        click.echo(f"  storage: {db_path or 'in memory'}; test control: {'on' if test_control else 'off'}")

    try:
        serve(config, announce)
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after its graceful shutdown
        click.echo("Emulator stopped", err=True)
    except OSError as error:
        _fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
    except sqlite3.Error as error:
        _fail(f"cannot use the database {db_path}: {error}")
