"""The ``conformance`` command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from click.core import ParameterSource
from rich.console import Console

from conformance import __version__
from conformance.checks.catalogue import CATALOGUE
from conformance.checks.profiles import ALLOWANCES, PROFILES
from conformance.config import DEFAULT_HTML, DEFAULT_JSON, DEFAULT_JUNIT, RunConfig
from conformance.settings import SECRETS, add_environment, defaults_from_file, flag, variable
from conformance.spec.load import InputError
from conformance.spec.render import render_text
from conformance.spec.stage import bundled_path, run_stage


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="conformance")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Conformance suite for Xendit's POST /sessions/{session_id}/cancel, with a reference emulator."""
    if ctx.invoked_subcommand in {"run", "config"}:
        path, defaults = defaults_from_file(run_command, Path.cwd())
        ctx.default_map = {"run": defaults, "config": defaults}
        ctx.meta["settings_file"] = path


@main.group()
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
            sys.exit(2)
    if as_json:
        click.echo(json.dumps([result.as_dict() for result in results], indent=2))
    else:
        click.echo("\n\n".join(render_text(result) for result in results))
    sys.exit(max(result.exit_code for result in results))

@main.command("run")
@click.option("--base-url", help="Target to test. Default: the bundled emulator, started in-process on a free "
              "loopback port.")
@click.option("--api-key", help="Secret API key for the target (never printed; not allowed in settings files).")
@click.option("--other-api-key", help="A key of another business, for the isolation check.")
@click.option("--for-user-id", help="Sub-account (xenPlatform) to act for; sent as for-user-id.")
@click.option("--spec", type=click.Path(dir_okay=False), help="OpenAPI document under test (JSON, YAML or a docs "
              "page). Default: the bundled cancel-session.seed.json.")
@click.option("--profile", type=click.Choice(PROFILES), default="strict", show_default=True,
              help="strict: the published document alone; lenient: plus the allowances `conformance checks "
              "--profile lenient` lists.")
@click.option("--test-control", is_flag=True, help="The target implements the emulator's test-control "
              "extension (complete/expire); always on for the bundled emulator.")
@click.option("--session-id", "session_ids", multiple=True, help="An ACTIVE session the lifecycle checks may "
              "cancel (repeatable). Used before the suite creates its own.")
@click.option("--completed-session-id", help="A COMPLETED session for LIFE-COMPLETED.")
@click.option("--expired-session-id", help="An EXPIRED session for LIFE-EXPIRED.")
@click.option("--max-examples", type=click.IntRange(1, 100000), default=50, show_default=True,
              help="Hypothesis examples per generated family (schemathesis fuzzing, ids, auth, for-user-id).")
@click.option("--max-steps", type=click.IntRange(1, 100000), default=210, show_default=True,
              help="Lifecycle: model-checked steps of the state machine (random sequences of operations).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed: the same seed sends the same requests.")
@click.option("--workers", type=click.IntRange(1, 4), default=1, show_default=True,
              help="Generated families explored at once, each on its own connections (the lifecycle checks stay "
              "ordered). Worth it for large budgets against slow targets.")
@click.option("--no-shrink", is_flag=True, help="Report failures as found, without shrinking to a minimal input.")
@click.option("--junit-xml", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_JUNIT,
              show_default=True, help="The JUnit report: a testsuite per stage, a testcase per check ID.")
@click.option("--json-report", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_JSON,
              show_default=True, help="The machine-readable report.")
@click.option("--html-report", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_HTML,
              show_default=True, help="The self-contained HTML report.")
@click.option("--evidence", type=click.Path(dir_okay=False, path_type=Path), help="Also write an evidence bundle "
              "(zip): reports, every exchange redacted, the spec document, a SHA-256 manifest; `conformance "
              "verify-evidence` checks it.")
@click.option("--signing-key", type=click.Path(dir_okay=False, path_type=Path), help="Sign the evidence manifest "
              "with this Ed25519 private key (PEM: openssl genpkey -algorithm ed25519); passphrase from "
              "$CONFORMANCE_SIGNING_KEY_PASSPHRASE.")
@click.option("--transcript", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every exchange, redacted, as JSON lines.")
@click.option("--checks", "check_ids", help="Run only these check IDs (comma-separated).")
@click.option("--no-should", is_flag=True, help="Leave out SHOULD-level checks (inferences, reported as warnings).")
@click.option("--fail-on-should", is_flag=True, help="Exit 1 when a SHOULD-level check of the target fails, "
              "not only warn (the document's own SHOULD findings stay warnings).")
@click.option("--request-timeout", type=click.FloatRange(0.1, 600), default=10.0, show_default=True,
              help="Seconds to wait for each response.")
@click.option("-v", "--verbose", count=True, help="Print every failure in full at the end.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the verdict, the totals and the report paths.")
@click.option("--no-progress", is_flag=True, help="Plain line-per-check output even on a terminal.")
@click.option("--rate-limit", callback=lambda ctx, param, value: _rate(value), metavar="N/s|N/m",
              help="Throttle requests. Default: none for local targets, 1/s for Xendit hosts (60 per minute).")
@click.option("--max-requests", type=click.IntRange(1), help="Stop sending after N requests (partial report).")
@click.option("--timeout-total", type=click.FloatRange(1), help="Stop sending after S seconds (partial report).")
@click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False), help="CA certificates for a TLS target.")
@click.option("--insecure", is_flag=True, help="Do not verify the target's TLS certificate (self-signed test targets).")
@click.option("--allow-live", is_flag=True, help="Run even with a live key or a non-test key on a Xendit host; only "
              "sessions the run created or was given are canceled.")
@click.option("--dry-run", is_flag=True, help="Print the plan (checks, requests per family, sessions to create and "
              "cancel) and send nothing.")
def run_command(**options) -> None:
    """Run the conformance suite against a target (default: the bundled emulator) and write a JUnit report.

    Exit 0: conformant; 1: non-conformance found; 2: usage or configuration error; 3: target unreachable.
    """
    from conformance.run import UsageError, run

    try:
        sys.exit(run(_run_config(options), Console(width=None if sys.stdout.isatty() else 160)))
    except UsageError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)


add_environment(run_command)


def _run_config(options: dict) -> RunConfig:
    return RunConfig(
        base_url=options["base_url"], api_key=options["api_key"], other_api_key=options["other_api_key"],
        for_user_id=options["for_user_id"], spec=options["spec"], profile=options["profile"],
        test_control=options["test_control"], session_ids=list(options["session_ids"]),
        completed_session_id=options["completed_session_id"], expired_session_id=options["expired_session_id"],
        max_examples=options["max_examples"], seed=options["seed"], workers=options["workers"],
        max_steps=options["max_steps"],
        shrink=not options["no_shrink"],
        junit_xml=options["junit_xml"], json_report=options["json_report"], html_report=options["html_report"],
        transcript=options["transcript"], evidence=options["evidence"], signing_key=options["signing_key"],
        checks=_ids(options["check_ids"]),
        should=not options["no_should"], fail_on_should=options["fail_on_should"],
        request_timeout=options["request_timeout"], rate_limit=options["rate_limit"],
        max_requests=options["max_requests"], timeout_total=options["timeout_total"], ca_bundle=options["ca_bundle"],
        insecure=options["insecure"], allow_live=options["allow_live"], dry_run=options["dry_run"],
        progress=not options["no_progress"], verbosity=-1 if options["quiet"] else options["verbose"])


SOURCES = {ParameterSource.COMMANDLINE: "flag", ParameterSource.ENVIRONMENT: "environment",
           ParameterSource.DEFAULT_MAP: "file", ParameterSource.DEFAULT: "default"}


@main.command("config", params=run_command.params)
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
        source = SOURCES.get(ctx.get_parameter_source(param.name), "default")
        where = {"environment": f"environment {variable(param)}", "file": str(file)}.get(source, source)
        click.echo(f"  {flag(param):22} {shown:40} {where}")


def markdown_table() -> str:
    """The check catalogue as a Markdown table (the README's copy is tested against this)."""
    rows = ["| ID | level | stage | what it checks | statement (JSON pointer into the published document) |",
            "|---|---|---|---|---|"]
    rows += [f"| `{c.id}` | {c.level} | {c.stage} | {c.description} | `{c.statement}` |" for c in CATALOGUE]
    return "\n".join(rows)


def options_table() -> str:
    """Every option of `conformance run` as a Markdown table (the README's copy is tested against this)."""
    rows = ["| option | environment | default | what it does |", "|---|---|---|---|"]
    for param in run_command.params:
        if isinstance(param, click.Option):
            names = ", ".join(f"`{name}`" for name in param.opts)
            default = f"`{param.default}`" if param.show_default and not param.is_flag else ""
            help_text = " ".join((param.help or "").split()).replace("|", "\\|")
            rows.append(f"| {names} | `{variable(param)}` | {default} | {help_text} |")
    return "\n".join(rows)


def _rate(text: str | None) -> float | None:
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


def _ids(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


@main.command("checks")
@click.option("--profile", type=click.Choice(PROFILES), default="strict", show_default=True)
@click.option("--markdown", is_flag=True, help="The catalogue as the Markdown table the README shows.")
@click.option("--options-markdown", is_flag=True, hidden=True, help="The run options as the README's table.")
def checks_command(profile: str, markdown: bool, options_markdown: bool) -> None:
    """List every check: ID, level, stage, the statement it enforces; and the profile's allowances."""
    if markdown or options_markdown:
        click.echo(markdown_table() if markdown else options_table())
        return
    for check in CATALOGUE:
        click.echo(f"{check.id:22} {check.level:6} {check.stage:9} {check.description}")
        click.echo(f"{'':22} {check.statement}  \"{check.quote}\"")
    click.echo(f"\nprofile {profile}: {len(ALLOWANCES[profile])} allowance(s)")
    for allowance in ALLOWANCES[profile]:
        click.echo(f"  {allowance.name}: {allowance.description}\n    checks: {', '.join(allowance.checks)}"
                   f"\n    source: {allowance.source}")


@main.command("replay")
@click.argument("failure_id", metavar="ID")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_JSON, show_default=True,
              help="The report.json of the run that failed.")
@click.option("--base-url", help="Send it to another target (default: the one the run tested).")
@click.option("--allow-live", is_flag=True, help="Allow a live key or a non-test key on a Xendit host.")
def replay_command(failure_id: str, report: Path, base_url: str | None, allow_live: bool) -> None:
    """Re-send the recorded request of failure ID (CHECK-ID#N, or CHECK-ID for its first) and say whether it still
    fails. Keys come from XENDIT_API_KEY / XENDIT_OTHER_API_KEY. Exit 0: passes now; 1: still fails."""
    from conformance.replay import ReplayError, replay
    from conformance.report.render import render_exchange
    from conformance.target.redact import Redactor

    try:
        result = replay(report, failure_id, base_url, allow_live)
    except ReplayError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    redactor = Redactor({os.environ.get(name, ""): name for name in ("XENDIT_API_KEY", "XENDIT_OTHER_API_KEY")})
    click.echo("\n".join(render_exchange(result.exchange, redactor)))
    if not result.judged:
        click.echo(f"{result.check_id} depends on session state or does not apply to this response: "
                   "compare the response above with the report")
    elif result.violation:
        click.echo(f"STILL FAILS {result.check_id}: {redactor.text(result.violation.message)} "
                   f"(expected {result.violation.expected})")
        sys.exit(1)
    else:
        click.echo(f"PASSES NOW {result.check_id}")


from conformance.emulator.command import emulator  # noqa: E402

main.add_command(emulator)

from conformance.compare_command import compare  # noqa: E402
from conformance.evidence_command import verify_evidence_command  # noqa: E402

main.add_command(compare)
main.add_command(verify_evidence_command)
