"""``conformance emulator``: run the reference emulator in the foreground.

Keys come from ``--api-key`` (repeatable; or the environment variable ``CONFORMANCE_EMULATOR_API_KEYS``,
whitespace-separated, which keeps them out of ``ps`` and CI logs) and from ``--keys-file`` (one ``KEY[=BUSINESS_ID]`` a
line, ``#`` comments); both add up, and with neither the two built-in test keys serve. Keys are only ever printed
masked. Logging: one line per request to stderr (``--quiet``: warnings only); uvicorn's own lines are kept to errors.
``--sandbox`` serves the sandbox mode; its ``--sandbox-…`` options are read here (one ``error:`` line for a bad one).
"""

from __future__ import annotations

import dataclasses
import logging
import re
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
    Sandbox,
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
MILLISECONDS_RANGE = re.compile(r"(\d+(?:\.\d*)?)-(\d+(?:\.\d*)?)")


def _number(option: str, text: str, kind: type[int] | type[float]) -> int | float:
    try:
        return kind(text)
    except ValueError:
        raise ConfigError(f"{option} takes a {'whole ' if kind is int else ''}number: not {text!r}") from None


def sandbox_of(enabled: bool, rate_limit: str | None, window: str | None, latency: str | None,
               link_host: str | None) -> Sandbox | None:
    """The sandbox mode the options ask for (None without ``--sandbox``); ConfigError for a bad value, or for a
    ``--sandbox-…`` option without ``--sandbox``."""
    given = {"rate_limit": rate_limit, "window_seconds": window, "latency": latency, "link_host": link_host}
    if not enabled:
        if any(value is not None for value in given.values()):
            raise ConfigError("the --sandbox-… options need --sandbox")
        return None
    fields: dict = {}
    if rate_limit is not None:
        fields["rate_limit"] = _number("--sandbox-rate-limit", rate_limit, int)
    if window is not None:
        fields["window_seconds"] = _number("--sandbox-window", window, float)
    if latency is not None:
        bounds = MILLISECONDS_RANGE.fullmatch(latency.strip())
        if bounds is None:
            raise ConfigError(f"--sandbox-latency takes MIN-MAX milliseconds (e.g. 150-400, or 0-0): not {latency!r}")
        fields["latency"] = (float(bounds[1]) / 1000, float(bounds[2]) / 1000)
    if link_host is not None:
        fields["link_host"] = link_host
    return Sandbox(**fields)


def sandbox_line(sandbox: Sandbox) -> str:
    """The start-up line that says the sandbox mode is on, with its settings."""
    low, high = (round(seconds * 1000) for seconds in sandbox.latency)
    links = sandbox.link_host or "localhost for 127.0.0.1 and the other way round"
    return (f"  sandbox mode: on; rate limit {sandbox.rate_limit} per {sandbox.window_seconds:g} s per account and "
            f"endpoint; latency {low}-{high} ms; checkout links on {links}; gzip when asked; JSON charset=utf-8")


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
    def options(variant: Variant) -> str:
        return f" ({' '.join(variant.options)})" if variant.options else ""

    lines = ["Faults (--fault NAME): the suite must fail each; the checks that catch it (and the run options it needs)"]
    lines += [f"  {v.name:30} {', '.join(sorted(v.catches))}{options(v)}\n  {'':30} {v.description}"
              for v in catalogue if v.is_fault]
    lines.append("\nConformant variants (--variant NAME): the suite must pass each in the profile given")
    lines += [f"  {v.name:30} {v.passes_in}{options(v)}\n  {'':30} {v.description}" for v in catalogue
              if not v.is_fault]
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
@click.option("--sandbox", is_flag=True, help="Serve as Xendit's hosted test mode does: a rate limit per account and "
              "endpoint (429 RATE_LIMIT_EXCEEDED), latency, checkout links on another host name, gzip when asked, "
              "JSON charset=utf-8. Combines with --fault and --variant.")
@click.option("--sandbox-rate-limit", metavar="N", help=f"Sandbox: requests per window per account and endpoint "
              f"[default: {Sandbox.rate_limit}].")
@click.option("--sandbox-window", metavar="SECONDS", help=f"Sandbox: the sliding window of the rate limit "
              f"[default: {Sandbox.window_seconds:g}].")
@click.option("--sandbox-latency", metavar="MIN-MAX", help="Sandbox: milliseconds each answer waits, uniformly "
              "random in MIN-MAX; 0-0 for none [default: {:g}-{:g}].".format(*(s * 1000 for s in Sandbox.latency)))
@click.option("--sandbox-link-host", metavar="HOST", help="Sandbox: the host name of checkout links [default: "
              "localhost when the API is reached at 127.0.0.1, 127.0.0.1 when at localhost, else localhost].")
def emulator(host: str, port: int, db_path: str | None, given_keys: tuple[str, ...], keys_file: str | None,
             public_url: str | None, min_expiry_seconds: float, test_control: bool, quiet: bool, fault: str | None,
             variant: str | None, list_variants: bool, sandbox: bool, sandbox_rate_limit: str | None,
             sandbox_window: str | None, sandbox_latency: str | None, sandbox_link_host: str | None,
             **limits: float) -> None:
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
            sandbox=sandbox_of(sandbox, sandbox_rate_limit, sandbox_window, sandbox_latency, sandbox_link_host),
        )
    except (ConfigError, OSError, UnicodeDecodeError) as error:
        _fail(str(error))
    configure_logging(quiet)

    def announce(base_url: str) -> None:
        click.echo(f"Emulator listening on {base_url}" + (f" (links: {public_url})" if public_url else ""))
        for key, business in config.api_keys.items():
            click.echo(f"  API key {masked(key)} -> business {business}")
        click.echo(f"  storage: {db_path or 'in memory'}; test control: {'on' if test_control else 'off'}")
        if config.sandbox:
            click.echo(sandbox_line(config.sandbox))
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
