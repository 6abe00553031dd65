"""``conformance emulator``: run the reference emulator in the foreground.

Keys come from ``--api-key`` (repeatable; or the environment variable ``CONFORMANCE_EMULATOR_API_KEYS``,
whitespace-separated, which keeps them out of ``ps`` and CI logs) and from ``--keys-file`` (one ``KEY[=BUSINESS_ID]`` a
line, ``#`` comments); both add up, and with neither the two built-in test keys serve. Keys are only ever printed
masked. Logging: one line per request to stderr (``--quiet``: warnings only); uvicorn's own lines are kept to errors.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from conformance.emulator.config import (
    DEFAULT_KEYS,
    DEFAULT_MIN_EXPIRY_SECONDS,
    ConfigError,
    EmulatorConfig,
    Limits,
    keys_file_lines,
    masked,
    parse_api_key,
)
from conformance.exitcodes import ExitCode

if TYPE_CHECKING:
    from conformance.emulator.variants import Variant


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(ExitCode.USAGE)


def _chosen(fault: str | None, variant: str | None) -> Variant | None:
    """The catalogue entry named by --fault or --variant, if any; exit 2 for a name of the wrong kind."""
    from conformance.emulator.variants import VARIANTS

    if fault and variant:
        _fail("--fault and --variant cannot be combined")
    name = fault or variant
    if name is None:
        return None
    chosen = VARIANTS.get(name)
    if chosen is None or chosen.is_fault != bool(fault):
        _fail(f"no {'fault' if fault else 'conformant variant'} is named {name!r} (see --list-variants)")
    return chosen


KEYS_VARIABLE = "CONFORMANCE_EMULATOR_API_KEYS"


def limit_options(command: Callable) -> Callable:
    """One option per bound of :class:`Limits` (``--header-timeout``, …), defaults and help from the class."""
    for bound in reversed(dataclasses.fields(Limits)):
        command = click.option(f"--{bound.name.replace('_', '-')}", bound.name, type=type(bound.default),
                               default=bound.default, show_default=True, help=bound.metadata["help"])(command)
    return command


def configure_logging(quiet: bool) -> None:
    """The emulator's lines (and warnings) to stderr; uvicorn's start/stop lines never, its errors always."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    levels = {"conformance.emulator": logging.WARNING if quiet else logging.INFO, "uvicorn": logging.ERROR}
    for name, level in levels.items():
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False


def api_keys(given: tuple[str, ...], keys_file: str | None) -> dict[str, str]:
    """The keys to accept: `given` (options or environment) and the keys file's; the built-in ones if neither."""
    entries = list(given) + (keys_file_lines(Path(keys_file).read_text().splitlines()) if keys_file else [])
    return dict(map(parse_api_key, entries)) if entries else dict(DEFAULT_KEYS)


def catalogue_text(catalogue: list[Variant]) -> str:
    """The catalogue as `--list-variants` prints it: each fault with the checks that must catch it, each
    conformant variant with the profile it must pass in."""
    lines = ["Faults (--fault NAME): the suite must fail each; the checks that catch it"]
    lines += [f"  {v.name:30} {', '.join(sorted(v.catches))}{''.join(' (' + o + ')' for o in v.options)}"
              f"\n  {'':30} {v.description}" for v in catalogue if v.is_fault]
    lines.append("\nConformant variants (--variant NAME): the suite must pass each in the profile given")
    lines += [f"  {v.name:30} {v.passes_in}\n  {'':30} {v.description}" for v in catalogue if not v.is_fault]
    return "\n".join(lines)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on; 0 picks a free one.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="SQLite file that keeps sessions across restarts (default: in memory).")
@click.option("--api-key", "given_keys", multiple=True, metavar="KEY[=BUSINESS_ID]", envvar=KEYS_VARIABLE,
              help="Accept KEY for the business BUSINESS_ID (24 hex; derived from KEY if left out). Repeatable; "
                   f"or ${KEYS_VARIABLE} (whitespace-separated). Default: two built-in test keys of two businesses.")
@click.option("--keys-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Also accept the keys in this file: one KEY[=BUSINESS_ID] a line, # comments.")
@click.option("--public-url", default=None, metavar="URL",
              help="Start links (payment_link_url) with URL instead of the request's own scheme and Host.")
@click.option("--min-expiry", "min_expiry_seconds", default=DEFAULT_MIN_EXPIRY_SECONDS, show_default=True,
              type=float, help="Seconds expires_at must be ahead at creation (Xendit: 600; at least 1).")
@click.option("--test-control/--no-test-control", default=True, show_default=True,
              help="Serve POST /test-control/sessions/{id}/complete and /expire.")
@click.option("--quiet", is_flag=True, help="No per-request log lines (warnings only).")
@limit_options
@click.option("--fault", metavar="NAME", help="Serve a faulty variant (one wrong behaviour) instead: a conformance "
              "gate pointed at it must fail. See --list-variants.")
@click.option("--variant", metavar="NAME", help="Serve a conformant variant (differs where the contract allows). "
              "See --list-variants.")
@click.option("--list-variants", is_flag=True, help="Print the catalogue of faults and conformant variants, and exit.")
def emulator(host: str, port: int, db_path: str | None, given_keys: tuple[str, ...], keys_file: str | None,
             public_url: str | None, min_expiry_seconds: float, test_control: bool, quiet: bool, fault: str | None,
             variant: str | None, list_variants: bool, **limits: float) -> None:
    """Run the reference emulator of Xendit's Payment Sessions API (test mode only) until interrupted."""
    from conformance.emulator.app import Api  # uvicorn and the spec load only when the command runs
    from conformance.emulator.server import serve
    from conformance.emulator.variants import CATALOGUE

    if list_variants:
        click.echo(catalogue_text(CATALOGUE))
        return
    chosen = _chosen(fault, variant)

    try:
        config = EmulatorConfig(
            host=host, port=port, db_path=db_path, min_expiry_seconds=min_expiry_seconds, test_control=test_control,
            api_keys=api_keys(given_keys, keys_file), log_requests=not quiet, public_url=public_url,
            limits=Limits(**limits),
        )
    except (ConfigError, OSError, UnicodeDecodeError) as error:
        _fail(str(error))
    configure_logging(quiet)

    def announce(base_url: str) -> None:
        click.echo(f"Emulator listening on {base_url}" + (f" (links: {public_url})" if public_url else ""))
        for key, business in config.api_keys.items():
            click.echo(f"  API key {masked(key)} -> business {business}")
        click.echo(f"  storage: {db_path or 'in memory'}; test control: {'on' if test_control else 'off'}")
        if chosen:
            click.echo(f"  {'FAULT' if chosen.is_fault else 'variant'} {chosen.name}: {chosen.description}")

    try:
        serve(config, announce, chosen.api if chosen else Api)
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after its graceful shutdown
        click.echo("Emulator stopped", err=True)
    except OSError as error:
        _fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
    except sqlite3.Error as error:
        _fail(f"cannot use the database {db_path}: {error}")
    except ConfigError as error:
        _fail(str(error))
