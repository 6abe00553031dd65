"""``conformance compare``: the same corpus against two or more targets, and where their behaviour differs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console

from conformance.checks.profiles import PROFILES
from conformance.compare.diff import ASPECTS, AllowRule
from conformance.compare.targets import USAGE, TargetSpec
from conformance.config import RunConfig

SAME, DIFFERENT, USAGE_ERROR, UNREACHABLE, INTERRUPTED = 0, 1, 2, 3, 130


def _parsed(parse):
    def callback(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list:
        try:
            return [parse(value) for value in values]
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
    return callback


@click.command("compare")
@click.option("--target", "targets", multiple=True, required=True, metavar=USAGE,
              callback=_parsed(TargetSpec.parse),
              help="A target to compare (repeat, at least two). key=/other-key= name the environment variables "
              "holding its API keys (default $XENDIT_API_KEY; keys are never given on the command line); "
              "test-control: it implements the emulator's test-control extension; URL 'bundled': the bundled "
              "emulator, in-process.")
@click.option("--allow-diff", "allow", multiple=True, metavar="ASPECT[:FIELD][@CASE]",
              callback=_parsed(AllowRule.parse),
              help="A difference that does not fail the comparison (repeatable; globs). Aspects: "
              f"{', '.join(ASPECTS)}. FIELD: a body field path (fields, types); CASE: a case id or label, e.g. "
              "'lifecycle: *'.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the comparison as JSON.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the comparison as an HTML page.")
@click.option("--spec", type=click.Path(dir_okay=False), help="OpenAPI document under test. Default: the bundled "
              "cancel-session.seed.json.")
@click.option("--profile", type=click.Choice(PROFILES), default="strict", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed: every target gets the same requests.")
@click.option("--max-examples", type=click.IntRange(1, 100000), default=50, show_default=True,
              help="Hypothesis examples per generated family.")
@click.option("--checks", "check_ids", help="Run only these check IDs (comma-separated); fewer checks, fewer cases.")
@click.option("--no-should", is_flag=True, help="Leave out SHOULD-level checks.")
@click.option("--for-user-id", help="Sub-account (xenPlatform) to act for on every target.")
@click.option("--request-timeout", type=click.FloatRange(0.1, 600), default=10.0, show_default=True)
@click.option("--rate-limit", callback=lambda ctx, param, value: _rate(value), metavar="N/s|N/m",
              help="Throttle requests, every target. Default: none for local targets, 1/s for Xendit hosts.")
@click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False), help="CA certificates for TLS targets.")
@click.option("--insecure", is_flag=True, help="Do not verify TLS certificates (self-signed test targets).")
@click.option("--allow-live", is_flag=True, help="Run even with a live key or a non-test key on a Xendit host.")
def compare(targets: list[TargetSpec], allow: list[AllowRule], json_path: Path | None, html_path: Path | None,
            **options) -> None:
    """Run the same corpus (same seed, same generated ids and headers, the same lifecycle scenarios on sessions
    created on each target) against two or more targets, and show per case where they differ: status,
    content type, body type, error_code, session status, body fields, field types. Ids, timestamps and URLs are
    normalised first. Cases only some targets were sent (the suite re-sends and shrinks what fails, and a lifecycle
    scenario stops at its first failure) are listed apart, not compared.

    Exit 0: no difference (beyond --allow-diff); 1: differences; 2: usage error; 3: a target does not answer.
    """
    from conformance.compare.comparison import TargetFailed
    from conformance.compare.comparison import compare as run_comparison
    from conformance.compare.render import compare_html_page, comparison_json, print_comparison
    from conformance.run import UsageError

    names = [target.name for target in targets]
    if len(targets) < 2 or len(set(names)) < len(names):
        raise click.UsageError("give at least two --target options, with distinct names")
    base = RunConfig(spec=options["spec"], profile=options["profile"], seed=options["seed"],
                     max_examples=options["max_examples"], checks=_ids(options["check_ids"]),
                     should=not options["no_should"], for_user_id=options["for_user_id"],
                     request_timeout=options["request_timeout"], rate_limit=options["rate_limit"],
                     ca_bundle=options["ca_bundle"], insecure=options["insecure"], allow_live=options["allow_live"])
    console = Console(width=None if sys.stdout.isatty() else 160)
    try:
        comparison = run_comparison(targets, base, allow, on_target=lambda run: console.print(
            f"ran {run.name}: {run.tally}", highlight=False, markup=False))
    except UsageError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(USAGE_ERROR)
    except TargetFailed as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(UNREACHABLE)
    except KeyboardInterrupt:
        click.echo("interrupted: no comparison", err=True)
        sys.exit(INTERRUPTED)
    print_comparison(console, comparison)
    if json_path:
        _save(console, "JSON", json_path, json.dumps(comparison_json(comparison), indent=2, ensure_ascii=False))
    if html_path:
        _save(console, "HTML", html_path, compare_html_page(comparison))
    sys.exit(DIFFERENT if comparison.different else SAME)


def _save(console: Console, label: str, path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        click.echo(f"error: cannot write {path}: {error.strerror or error}", err=True)
        sys.exit(USAGE_ERROR)
    console.print(f"{label}: {path}", highlight=False)


def _rate(text: str | None) -> float | None:
    from conformance.cli import _rate as rate  # the same N/s | N/m syntax as `conformance run`

    return rate(text)


def _ids(text: str | None) -> list[str] | None:
    from conformance.cli import _ids as ids  # the same comma-separated syntax as `conformance run`

    return ids(text)
