"""One run: spec stage → target (the bundled emulator unless one is given) → pytest over the suite → reports."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir
from rich.console import Console

from conformance.checks.catalogue import SPEC, Check, select
from conformance.config import RunConfig
from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from conformance.evidence import EvidenceError, load_signing_key, write_evidence
from conformance.plan import render_plan
from conformance.report.html_report import render_html, write_html
from conformance.report.json_report import build_report, write_json
from conformance.report.junit import write_junit
from conformance.report.progress import progress
from conformance.report.summary import summary
from conformance.report.traceability import matrix
from conformance.report.transcript import write_transcript
from conformance.safety import live_risk
from conformance.spec.load import InputError
from conformance.spec.stage import StageResult, bundled_path, run_stage
from conformance.suite.context import Outcome, RunContext
from conformance.suite.plugin import ConformancePlugin
from conformance.target.client import TargetUnreachable

SUITE = Path(__file__).resolve().parent / "suite"
OK, NONCONFORMANT, USAGE, UNREACHABLE, INTERRUPTED = 0, 1, 2, 3, 130
EMBEDDED_MIN_EXPIRY_SECONDS = 1


class UsageError(Exception):
    """The run is misconfigured (exit 2)."""


@contextmanager
def _target(config: RunConfig) -> Iterator[tuple[RunConfig, str, str, str | None]]:
    """(config, base URL, API key, other business's key): the bundled emulator when no target is given."""
    if not config.embedded:
        yield config, config.base_url, config.api_key, config.other_api_key
        return
    key, other = list(DEFAULT_KEYS)[:2]
    emulator = EmulatorConfig(api_keys=DEFAULT_KEYS, test_control=True,
                              min_expiry_seconds=EMBEDDED_MIN_EXPIRY_SECONDS)
    with running(emulator) as base_url:
        yield dataclasses.replace(config, test_control=True), base_url, key, other


def _cache_dir() -> Path:
    """Hypothesis's unicode tables are cached here between runs (rebuilding them costs seconds), not in the cwd."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "xendit-cancel-conformance"


def _pytest_args(config: RunConfig) -> list[str]:
    return [str(SUITE), "-c", str(SUITE / "suite.ini"), "--rootdir", str(SUITE), "-p", "no:cacheprovider",
            "-p", "no:terminal", "-p", "no:schemathesis", "-p", "no:conformance", "--assert=plain",
            "-W", "ignore::DeprecationWarning"]


def _verdict(outcomes: list[Outcome], config: RunConfig) -> str:
    """``non-conformant``, ``conformant``, or ``incomplete`` when no check ran."""
    states = [outcome.state for outcome in outcomes]
    if any(state in {"failed", "error"} for state in states) or (config.fail_on_should and any(
            outcome.state == "warned" and outcome.check.stage != SPEC for outcome in outcomes)):
        return "non-conformant"
    return "conformant" if any(state in {"passed", "warned"} for state in states) else "incomplete"


def _reports(context: RunContext, verdict: str, seconds: float) -> list[Path]:
    config, outcomes = context.config, context.final_outcomes()
    report = build_report(context, outcomes, verdict, seconds)
    html = render_html(report, matrix(context.stage.published, context.checks))
    written = [write_junit(context, config.junit_xml), write_json(report, config.json_report, context.redactor),
               write_html(html, config.html_report, context.redactor)]
    if config.transcript:
        written.append(write_transcript(context, config.transcript))
    return written


def _checked(config: RunConfig) -> tuple[list[Check], StageResult]:
    """The selected checks and the spec stage's result; UsageError for anything unusable."""
    if not config.embedded and not config.api_key:
        raise UsageError("--api-key (or XENDIT_API_KEY) is required with --base-url")
    risk = None if config.embedded else live_risk(config.base_url, [config.api_key, config.other_api_key])
    if risk and not config.allow_live:
        raise UsageError(f"refusing to run: {risk}. This suite cancels sessions; pass --allow-live to run against "
                         "a live account anyway (it still cancels only sessions it created or was given)")
    try:
        checks = select(config.checks, config.should)
    except KeyError as unknown:
        raise UsageError(f"unknown check ID(s): {unknown.args[0]} (see `conformance checks`)") from None
    if not checks:
        raise UsageError("no check selected")
    spec_path = Path(config.spec) if config.spec else bundled_path("cancel")
    try:
        stage = run_stage(spec_path)
    except InputError as error:
        raise UsageError(str(error)) from None
    if not stage.ok:
        raise UsageError(f"{spec_path}: not usable after repair: " + "; ".join(
            f"{problem.pointer}: {problem.message}" for problem in stage.remaining_problems[:5]))
    return checks, stage


@contextmanager
def prepare(config: RunConfig) -> Iterator[RunContext]:
    """Everything a run needs, started: spec stage, target (the emulator unless given), reachability checked.
    Raises UsageError, or TargetUnreachable (its message redacted)."""
    checks, stage = _checked(config)
    set_hypothesis_home_dir(_cache_dir() / "hypothesis")
    with _target(config) as (config, base_url, api_key, other_key):
        context = RunContext.build(config, stage, checks, base_url, api_key, other_key)
        try:
            context.target.probe()
        except TargetUnreachable as error:
            raise TargetUnreachable(context.redactor.text(str(error))) from None
        yield context


def run(config: RunConfig, console: Console) -> int:
    started = time.perf_counter()
    checks, stage = _checked(config)
    console.print(f"spec: {stage.path.name}: {len(stage.published_problems)} errors as published, "
                  f"{len(stage.repairs)} repairs, valid after repair, {len(stage.warnings)} warnings", highlight=False)
    if config.dry_run:
        console.print(render_plan(config, stage, checks, config.base_url or "the bundled emulator"), highlight=False)
        return OK
    try:
        signing_key = load_signing_key(config.signing_key) if config.evidence and config.signing_key else None
    except EvidenceError as error:
        raise UsageError(str(error)) from None
    try:
        with prepare(config) as context:
            return _execute(context, console, started, signing_key)
    except TargetUnreachable as error:
        console.print(f"[bold red]error:[/] {error}", highlight=False)
        return UNREACHABLE


def run_suite(context: RunContext, on_outcome: Callable[[Outcome], None] | None = None) -> pytest.ExitCode:
    """The suite's pytest session over a prepared context."""
    return pytest.main(_pytest_args(context.config), plugins=[ConformancePlugin(context, progress=on_outcome)])


def _execute(context: RunContext, console: Console, started: float, signing_key) -> int:
    config = context.config
    console.print(f"target: {context.redactor.text(context.target.base_url)}"
                  f"{' (bundled reference emulator)' if config.embedded else ''}", highlight=False)
    with progress(console, context, live=config.progress, quiet=config.verbosity < 0) as on_outcome:
        code = run_suite(context, on_outcome)
    seconds = time.perf_counter() - started
    verdict = _verdict(context.final_outcomes(), config)
    summary(console, context, seconds, verdict, verbosity=config.verbosity)
    for path in _reports(context, verdict, seconds):
        console.print(f"report: {path}", highlight=False)
    if config.evidence:
        reports = {"junit": config.junit_xml, "json": config.json_report, "html": config.html_report}
        if config.transcript:
            reports["transcript"] = config.transcript
        try:
            bundle = write_evidence(context, reports, config.evidence, verdict=verdict, signing_key=signing_key)
        except EvidenceError as error:
            raise UsageError(f"evidence not written: {error}") from None
        console.print(f"evidence: {bundle}", highlight=False)
    if code == pytest.ExitCode.INTERRUPTED:
        console.print("[bold yellow]interrupted:[/] the reports are partial", highlight=False)
        return INTERRUPTED
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise UsageError(f"the suite could not run (pytest exit {int(code)})")
    if verdict == "incomplete" or not context.recorder.exchanges:
        raise UsageError("no check was executed")
    return NONCONFORMANT if verdict == "non-conformant" else OK
