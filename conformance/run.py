"""One run: usage checked and the spec stage run (once) before any request → target (the bundled emulator unless
one is given) → pytest over the suite → the run's result → the writers."""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis.configuration import set_hypothesis_home_dir
from rich.console import Console

from conformance.checks.catalogue import MUST, REGISTRY, Check, select
from conformance.config import RunConfig
from conformance.dry_run import render_plan
from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from conformance.evidence import EvidenceError, load_signing_key, write_evidence
from conformance.exitcodes import ExitCode
from conformance.report.files import ReportError, save, writable
from conformance.report.html_report import render_html
from conformance.report.json_report import build_report, render_json
from conformance.report.junit import render_junit
from conformance.report.progress import Status, progress
from conformance.report.sequence import write_sequences
from conformance.report.summary import summary
from conformance.report.traceability import matrix
from conformance.report.transcript import render_transcript
from conformance.results.model import INTERRUPTIONS, CheckResult, RunResult
from conformance.safety import live_risk
from conformance.spec.load import InputError
from conformance.spec.stage import StageResult, bundled_path, run_stage
from conformance.suite.check_items import ConformancePlugin
from conformance.suite.context import RunContext
from conformance.target.client import TargetUnreachable
from conformance.target.traffic import Traffic

SUITE = Path(__file__).resolve().parent / "suite"
CANCEL_OPERATION = ("/sessions/{session_id}/cancel", "post")
EMBEDDED_MIN_EXPIRY_SECONDS = 1
INTERRUPTING = (signal.SIGINT, signal.SIGTERM)


class UsageError(Exception):
    """The run is misconfigured (exit 2), found before the first request."""


@dataclasses.dataclass(frozen=True)
class Checked:
    """A configuration found usable: the selected checks and the spec stage's result."""

    checks: list[Check]
    stage: StageResult


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


def _pytest_args() -> list[str]:
    """The suite's own pytest session: no terminal, cache or assertion rewriting, and no unraisable-exception plugin
    (whose two full garbage collections at the end cost a fifth of a short run in a large process, to report
    warnings nobody sees here)."""
    return [str(SUITE), "-c", str(SUITE / "suite.ini"), "--rootdir", str(SUITE), "-p", "no:cacheprovider",
            "-p", "no:terminal", "-p", "no:schemathesis", "-p", "no:conformance", "-p", "no:unraisableexception",
            "--assert=plain", "--capture=no", "-W", "ignore::DeprecationWarning"]


def _outputs(config: RunConfig) -> dict[str, Path]:
    outputs = {"--junit-xml": config.junit_xml, "--json-report": config.json_report,
               "--html-report": config.html_report, "--transcript": config.transcript, "--evidence": config.evidence}
    return {option: Path(path) for option, path in outputs.items() if path}


def _check_target(config: RunConfig) -> None:
    if config.embedded:
        return
    parts = urlsplit(config.base_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise UsageError(f"--base-url {config.base_url!r}: expected http://HOST[:PORT][/PREFIX] or https://…")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise UsageError(f"--base-url {config.base_url!r}: the port is not a number") from None
    if not config.api_key:
        raise UsageError("--api-key (or XENDIT_API_KEY) is required with --base-url")
    risk = live_risk(config.base_url, [config.api_key, config.other_api_key])
    if risk and not config.allow_live:
        raise UsageError(f"refusing to run: {risk}. This suite cancels sessions; pass --allow-live to run against "
                         "a live account anyway (it still cancels only sessions it created or was given)")


def _check_selection(config: RunConfig) -> list[Check]:
    try:
        checks = select(config.checks, config.should)
    except KeyError as unknown:
        raise UsageError(f"unknown check ID(s): {unknown.args[0]} (see `conformance checks`)") from None
    if not checks:
        raise UsageError("no check selected")
    unknown = sorted(set(config.allow_skip) - REGISTRY.keys())
    if unknown:
        raise UsageError(f"--allow-skip: unknown check ID(s): {', '.join(unknown)}")
    not_must = sorted(check_id for check_id in config.allow_skip if REGISTRY[check_id].level != MUST)
    if not_must:
        raise UsageError(f"--allow-skip: {', '.join(not_must)} are SHOULD checks, which never block a verdict")
    return checks


def _check_spec(config: RunConfig) -> StageResult:
    spec_path = Path(config.spec) if config.spec else bundled_path("cancel")
    try:
        stage = run_stage(spec_path)
    except InputError as error:
        raise UsageError(str(error)) from None
    if not stage.ok:
        raise UsageError(f"{spec_path}: not usable after repair: " + "; ".join(
            f"{problem.pointer}: {problem.message}" for problem in stage.remaining_problems[:5]))
    path, method = CANCEL_OPERATION
    if method not in (stage.repaired.get("paths") or {}).get(path, {}):
        raise UsageError(f"{spec_path} does not describe POST {path}: the suite tests that operation (the bundled "
                         "document is spec/cancel-session.seed.json)")
    return stage


def check_usage(config: RunConfig) -> Checked:
    """Everything that can be wrong with a configuration, found before any request: UsageError otherwise."""
    _check_target(config)
    checks = _check_selection(config)
    if config.signing_key and not config.evidence:
        raise UsageError("--signing-key signs an evidence bundle: give --evidence PATH too")
    for option, path in _outputs(config).items():
        problem = writable(path)
        if problem:
            raise UsageError(f"{option}: {problem}")
    return Checked(checks, _check_spec(config))


@contextmanager
def prepare(config: RunConfig, checked: Checked | None = None) -> Iterator[RunContext]:
    """Everything a run needs, started: usage checked (unless already), target (the emulator unless given),
    reachability probed. Raises UsageError, or TargetUnreachable (its message redacted)."""
    checked = checked or check_usage(config)
    with _target(config) as (config, base_url, api_key, other_key):
        context = RunContext.build(config, checked.stage, checked.checks, base_url, api_key, other_key)
        try:
            context.target.probe()
        except TargetUnreachable as error:
            raise TargetUnreachable(context.redactor.text(str(error))) from None
        yield context


@contextmanager
def _interrupts(traffic: Traffic) -> Iterator[list[str]]:
    """While the suite runs, Ctrl-C and SIGTERM (a CI job's timeout, a container stopping) both interrupt it: the
    first stops the sending at once (every thread's) and the suite after the check under way (the plugin sees it),
    and the caller writes the reports; a second raises KeyboardInterrupt where the run is. Nothing is raised at the
    first: an exception thrown at an arbitrary point can be swallowed (a gc callback, Hypothesis's engine). Yields
    the names of the signals received; the previous handlers are restored after."""
    received: list[str] = []
    if threading.current_thread() is not threading.main_thread():  # only the main thread may handle signals
        yield received
        return

    def interrupt(signum: int, frame) -> None:
        if received:
            raise KeyboardInterrupt
        name = signal.Signals(signum).name
        received.append(name)
        # the code this handler interrupted may hold the traffic's locks: another thread takes them
        threading.Thread(target=traffic.interrupt, args=(f"not sent: {INTERRUPTIONS[name]}",), daemon=True).start()

    previous = {signum: signal.signal(signum, interrupt) for signum in INTERRUPTING}
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_suite(context: RunContext, on_result: Callable[[CheckResult], None] | None = None) -> str | None:
    """The suite's pytest session over a prepared context; the signal that interrupted it (SIGINT: Ctrl-C, or
    SIGTERM), or None."""
    with _interrupts(context.target.traffic) as received:
        try:
            code = pytest.main(_pytest_args(), plugins=[ConformancePlugin(context, progress=on_result)])
        except KeyboardInterrupt:
            code = pytest.ExitCode.INTERRUPTED
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise RuntimeError(f"the suite could not run (pytest exit {int(code)})")
    if received:
        return received[0]
    return "SIGINT" if code == pytest.ExitCode.INTERRUPTED else None  # a KeyboardInterrupt no handler of ours saw


def run(config: RunConfig, console: Console) -> int:
    started = time.perf_counter()
    checked = check_usage(config)
    stage = checked.stage
    console.print(f"spec: {stage.path.name}: {len(stage.published_problems)} errors as published, "
                  f"{len(stage.repairs)} repairs, valid after repair, {len(stage.warnings)} warnings", highlight=False)
    set_hypothesis_home_dir(_cache_dir() / "hypothesis")
    if config.dry_run:
        console.print(render_plan(config, stage, checked.checks, config.base_url or "the bundled emulator"),
                      highlight=False)
        return ExitCode.OK
    try:
        signing_key = load_signing_key(config.signing_key) if config.signing_key else None
    except EvidenceError as error:
        raise UsageError(str(error)) from None
    try:
        with prepare(config, checked) as context:
            return _execute(context, console, started, signing_key)
    except TargetUnreachable as error:
        console.print(f"[bold red]error:[/] {error}", highlight=False)
        return ExitCode.UNREACHABLE


def _status(context: RunContext) -> Status:
    exchanges = list(context.stateless.exchanges)
    families = Counter(exchange.intent.family for exchange in exchanges if not exchange.skipped)
    return Status(context.current_stage, families, sum(context.stateless.failed.values()))


def _execute(context: RunContext, console: Console, started: float, signing_key) -> int:
    config = context.config
    console.print(f"target: {context.redactor.text(context.target.base_url)}"
                  f"{' (bundled reference emulator)' if config.embedded else ''}", highlight=False)
    totals = Counter(check.stage for check in context.checks)
    with progress(console, lambda: _status(context), totals, live=config.progress,
                  quiet=config.verbosity < 0) as on_result:
        interrupted = run_suite(context, on_result)
    result = context.result(time.perf_counter() - started, interrupted)
    summary(console, result, Path(config.junit_xml).parent, verbosity=config.verbosity)
    try:
        for path in write_reports(result, config, signing_key):
            console.print(f"{'evidence' if path == config.evidence else 'report'}: {path}", highlight=False)
    except (ReportError, EvidenceError) as error:
        console.print(f"[bold red]error:[/] {error}", highlight=False)
        return ExitCode.USAGE
    if interrupted:
        console.print(f"[bold yellow]interrupted:[/] {INTERRUPTIONS[interrupted]}; the reports are partial",
                      highlight=False)
    return result.exit_code


def write_reports(result: RunResult, config: RunConfig, signing_key=None) -> list[Path]:
    """Every report the configuration asks for, from the run's result; the failing sequences beside the JUnit
    report."""
    redactor = result.redactor
    report = build_report(result)
    folder = Path(config.junit_xml).parent
    written = [save(config.junit_xml, render_junit(result), redactor),
               save(config.json_report, render_json(report), redactor),
               save(config.html_report, render_html(report, matrix(result.spec.published, [
                   item.check for item in result.checks]), folder=folder), redactor),
               *write_sequences(result, folder)]
    if config.transcript:
        written.append(save(config.transcript, render_transcript(result), redactor))
    if config.evidence:
        reports = {"junit": config.junit_xml, "json": config.json_report, "html": config.html_report}
        if config.transcript:
            reports["transcript"] = config.transcript
        written.append(write_evidence(result, reports, config.evidence, signing_key=signing_key))
    return written
