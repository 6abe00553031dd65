"""The options of ``conformance run``, declared once: ``conformance run`` takes them all, ``conformance compare``
the ones that make sense for every target, ``conformance config`` and the pytest plugin read them from the run
command; ``run_config`` turns the parsed values into a RunConfig by name."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import click

from conformance.checks.profiles import PROFILES
from conformance.config import DEFAULT_EXPIRY_LAG, DEFAULT_HTML, DEFAULT_JSON, DEFAULT_JUNIT, RunConfig


def parse_rate(text: str | None) -> float | None:
    """``5/s`` or ``60/m`` (or a bare number per second) as requests per second."""
    if text is None:
        return None
    number, _, unit = text.partition("/")
    per = {"": 1, "s": 1, "m": 60, "min": 60}.get(unit.strip().lower())
    try:
        rate = float(number) / per if per else 0.0
    except ValueError:
        rate = 0.0
    if rate <= 0:
        raise click.BadParameter(f"{text!r}: expected N/s or N/m with N > 0")
    return rate


def parse_ids(text: str | None) -> list[str] | None:
    """``A,B`` as a list; None when not given; a usage error when given but empty (``--checks ','``)."""
    if text is None:
        return None
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise click.BadParameter(f"{text!r}: no check ID (expected ID,ID,...)")
    return ids


def _rate(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    return parse_rate(value)


def _ids(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    return parse_ids(value)


OPTIONS: dict[str, Callable] = {  # by parameter name, in the order --help lists them
    "base_url": click.option(
        "--base-url", help="Target to test. Default: the bundled emulator, started in-process on a free "
        "loopback port."),
    "api_key": click.option(
        "--api-key", help="Secret API key for the target (never printed; not allowed in settings files)."),
    "other_api_key": click.option(
        "--other-api-key", help="A key of another business, for the isolation check."),
    "for_user_id": click.option(
        "--for-user-id", help="Sub-account (xenPlatform) to act for; sent as for-user-id."),
    "spec": click.option(
        "--spec", type=click.Path(dir_okay=False), help="OpenAPI document under test (JSON, YAML or a docs "
        "page). Default: the bundled cancel-session.seed.json."),
    "profile": click.option(
        "--profile", type=click.Choice(PROFILES), default="strict", show_default=True,
        help="strict: the published document alone; lenient: plus the allowances `conformance checks "
        "--profile lenient` lists."),
    "test_control": click.option(
        "--test-control", is_flag=True, help="The target implements the emulator's test-control "
        "extension (complete/expire); always on for the bundled emulator."),
    "session_ids": click.option(
        "--session-id", "session_ids", multiple=True, help="An ACTIVE session the lifecycle checks may "
        "cancel (repeatable). Used before the suite creates its own."),
    "completed_session_id": click.option(
        "--completed-session-id", help="A COMPLETED session for LIFE-COMPLETED."),
    "expired_session_id": click.option(
        "--expired-session-id", help="An EXPIRED session for LIFE-EXPIRED."),
    "max_examples": click.option(
        "--max-examples", type=click.IntRange(1, 100000), default=50, show_default=True,
        help="Hypothesis examples per generated family (schemathesis fuzzing, ids, auth, for-user-id)."),
    "max_steps": click.option(
        "--max-steps", type=click.IntRange(1, 100000), default=210, show_default=True,
        help="Lifecycle: model-checked steps of the state machine (random sequences of operations)."),
    "expiry_lag": click.option(
        "--expiry-lag", type=click.FloatRange(0, 600), default=DEFAULT_EXPIRY_LAG, show_default=True,
        help="Lifecycle: seconds after a session's expires_at during which the target may still show or treat it as "
        "ACTIVE (the document says EXPIRED at expires_at, not how soon; an expiry job runs late). Sessions are "
        "watched across their expiry, and cancelled unread after it, past this lag."),
    "max_time": click.option(
        "--max-time", type=click.FloatRange(1), default=150.0, show_default=True,
        help="Seconds the run may spend exploring. The witnesses come first and always run whole (the fewest "
        "requests that judge every selected check); then the sweeps, the lifecycle sequences, the generated "
        "inputs and shrinking stop when this is spent, and the reports say what it cut short. --timeout-total is "
        "the hard stop."),
    "seed": click.option(
        "--seed", type=int, default=1, show_default=True, help="Seed: the same seed sends the same requests."),
    "workers": click.option(
        "--workers", type=click.IntRange(1, 4), default=4, show_default=True,
        help="Generated families explored at once, each on its own connections and within the rate limits (the "
        "lifecycle stays ordered); each family sends the same requests whatever this is."),
    "no_shrink": click.option(
        "--no-shrink", is_flag=True, help="Report failures as found, without shrinking to a minimal input."),
    "junit_xml": click.option(
        "--junit-xml", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_JUNIT,
        show_default=True, help="The JUnit report: a testsuite per stage, a testcase per check ID."),
    "json_report": click.option(
        "--json-report", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_JSON,
        show_default=True, help="The machine-readable report."),
    "html_report": click.option(
        "--html-report", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_HTML,
        show_default=True, help="The self-contained HTML report."),
    "evidence": click.option(
        "--evidence", type=click.Path(dir_okay=False, path_type=Path), help="Also write an evidence bundle "
        "(zip): reports, every exchange redacted, the spec document, a SHA-256 manifest; `conformance "
        "verify-evidence` checks it."),
    "signing_key": click.option(
        "--signing-key", type=click.Path(dir_okay=False, path_type=Path), help="Sign the evidence manifest "
        "with this Ed25519 private key (PEM: openssl genpkey -algorithm ed25519); passphrase from "
        "$CONFORMANCE_SIGNING_KEY_PASSPHRASE."),
    "transcript": click.option(
        "--transcript", type=click.Path(dir_okay=False, path_type=Path),
        help="Also write every exchange, redacted, as JSON lines."),
    "checks": click.option(
        "--checks", callback=_ids, metavar="ID,...",
        help="Run only these check IDs (comma-separated)."),
    "allow_skip": click.option(
        "--allow-skip", "allow_skip", callback=lambda ctx, param, value: parse_ids(value) or [], metavar="ID,...",
        help="MUST checks you accept not being judged (e.g. LIFE-COMPLETED,LIFE-EXPIRED on a target without "
        "test control): the verdict is not INCOMPLETE for them alone; every report lists them."),
    "no_should": click.option(
        "--no-should", is_flag=True, help="Leave out SHOULD-level checks (inferences, reported as warnings)."),
    "fail_on_should": click.option(
        "--fail-on-should", is_flag=True, help="Exit 1 when a SHOULD-level check of the target fails, "
        "not only warn (the document's own SHOULD findings stay warnings)."),
    "request_timeout": click.option(
        "--request-timeout", type=click.FloatRange(0.1, 600), default=10.0, show_default=True,
        help="Seconds to wait for each response."),
    "verbose": click.option(
        "-v", "--verbose", count=True, help="Print every failure in full at the end."),
    "quiet": click.option(
        "-q", "--quiet", is_flag=True, help="Print only the verdict, the totals and the report paths."),
    "no_progress": click.option(
        "--no-progress", is_flag=True, help="Plain line-per-check output even on a terminal."),
    "rate_limit": click.option(
        "--rate-limit", callback=_rate, metavar="N/s|N/m",
        help="A cap over all requests. Each endpoint is paced anyway: within 60 a minute on Xendit hosts (its "
        "test-mode limit) and within what any target announces in Rate-Limit headers."),
    "max_requests": click.option(
        "--max-requests", type=click.IntRange(1), help="Stop sending after N requests (partial report)."),
    "timeout_total": click.option(
        "--timeout-total", type=click.FloatRange(1), help="Stop sending after S seconds (partial report)."),
    "ca_bundle": click.option(
        "--ca-bundle", type=click.Path(exists=True, dir_okay=False), help="CA certificates for a TLS target."),
    "insecure": click.option(
        "--insecure", is_flag=True, help="Do not verify the target's TLS certificate (self-signed test targets)."),
    "allow_live": click.option(
        "--allow-live", is_flag=True, help="Run even with a live key or a non-test key on a Xendit host; only "
        "sessions the run created or was given are canceled."),
    "checkout_hosts": click.option(
        "--checkout-host", "checkout_hosts", multiple=True, metavar="HOST",
        help="Also fetch checkout links (payment_link_url) on HOST (repeatable). Links are fetched with a plain GET, "
        "no credentials, on the target's own host, on loopback when the target is there, and on Xendit's checkout "
        "hosts when the target is Xendit's; a link elsewhere is not fetched (LIFE-CHECKOUT says so)."),
    "no_real_sessions": click.option(
        "--no-real-sessions", is_flag=True, help="The target holds no real sessions (a mock, a disposable "
        "emulator): send generated cancels without first confirming with a GET that their id is unknown."),
    "dry_run": click.option(
        "--dry-run", is_flag=True, help="Print the plan (checks, requests per family, sessions to create and "
        "cancel) and send nothing."),
}
# what `compare` shares with `run`
FOR_EVERY_TARGET = ("spec", "profile", "seed", "max_examples", "max_steps", "expiry_lag", "checks", "no_should",
                    "for_user_id", "request_timeout", "rate_limit", "ca_bundle", "insecure", "allow_live",
                    "checkout_hosts")
INVERTED = {"no_shrink": "shrink", "no_should": "should", "no_progress": "progress"}


def options(*names: str) -> Callable:
    """Decorate a command with the named options (all of them when none is named), in declaration order."""
    def apply(function: Callable) -> Callable:
        for name in reversed(names or tuple(OPTIONS)):
            function = OPTIONS[name](function)
        return function
    return apply


def run_config(values: dict, base: RunConfig | None = None) -> RunConfig:
    """The parsed option values (by parameter name) as a RunConfig: same names, the ``--no-*`` flags inverted,
    ``-q``/``-v`` as a verbosity."""
    fields = {field.name for field in dataclasses.fields(RunConfig)}
    config = {name: value for name, value in values.items() if name in fields}
    config.update({field: not values[name] for name, field in INVERTED.items() if name in values})
    for name in ("session_ids", "checkout_hosts"):
        if name in config:
            config[name] = list(config[name])
    if "verbose" in values:
        config["verbosity"] = -1 if values.get("quiet") else values["verbose"]
    return dataclasses.replace(base or RunConfig(), **config)
