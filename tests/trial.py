"""One trial of the suite against a variant: start the variant on a free loopback port, run the suite against it as
an external target, and read the verdict from the JSON report and the transcript.

Two runners, with the same arguments and the same result: ``run_against`` starts ``conformance run`` as a subprocess,
as a CI job would; ``run_in_process`` calls the run's own function in this process (no interpreter start-up, no
imports), which is how the project's tests try most variants."""

from __future__ import annotations

import io
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from junitparser import JUnitXml
from rich.console import Console

from conformance.config import RunConfig
from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from conformance.emulator.variants import Variant
from conformance.exitcodes import ExitCode
from tests.cli import EMULATOR_EXPIRY_LAG

KEY, OTHER_KEY = list(DEFAULT_KEYS)[:2]
EMULATOR = EmulatorConfig(api_keys=DEFAULT_KEYS, test_control=True, min_expiry_seconds=1)
TIMEOUT_SECONDS = 300
TRIAL_OPTIONS = ("--max-steps", "16", "--no-shrink", "--max-examples", "1", "--expiry-lag", str(EMULATOR_EXPIRY_LAG),
                 "--workers", "1")
# what the catalogue's verdicts are measured with: the opening sequence and its sweeps (15 steps; an opening grown past
# the budget cuts the sweeps, and the faults only they catch fail their trials) and one step of Hypothesis's, each
# family's explicit examples and one drawn input (every fault is caught by what a run always sends; bench_mutants
# measures the default budget, drawn inputs included); shrinking finds nothing new; an emulator's lag (a variant whose
# expiry runs late says so in its options); one family at a time (families side by side cost a sixth more CPU in a
# busy process, for a stage that follows the watch's wait anyway; test_run's default run and the subprocess trial keep
# four)


@dataclass
class Trial:
    code: int
    outcomes: dict[str, str]  # check ID → its outcome in the JSON report: passed, failed, warned, error, skipped...
    requests: int
    first_failure_s: float | None  # `at_s` of the first exchange that failed a check; None if none was marked
    lifecycle_end_s: float | None  # `at_s` of the lifecycle stage's last request (the stage runs first)
    run_s: float  # wall time of the run (the `conformance run` process, or the in-process call)
    output: str

    def with_outcome(self, *states: str) -> set[str]:
        return {check_id for check_id, state in self.outcomes.items() if state in states}


Runner = Callable[..., Trial]  # (base_url, options=(), checks=None) → Trial


def outcomes(junit: Path) -> dict[str, str]:
    """Check ID → its outcome, from a JUnit report of ``conformance run`` (the ``outcome:`` line each testcase's
    system-out opens with)."""
    found = {}
    for suite in JUnitXml.fromfile(str(junit)):
        for case in suite:
            lines = dict(line.split(": ", 1) for line in (case.system_out or "").splitlines() if ": " in line)
            found[case.name] = lines["outcome"]
    return found


def lifecycle_end(records: list[dict]) -> float | None:
    """An upper bound on when lifecycle checks had their verdicts: the `at_s` of the lifecycle stage's last request.
    The stage runs first, after the probe; the stateless stage that follows opens with safety GETs (their own
    family)."""
    def in_stage(record: dict) -> bool:
        return record["intent"]["family"] in ("lifecycle", "watch")  # the watch sends beside the exploration

    stage = itertools.takewhile(in_stage, itertools.dropwhile(lambda record: not in_stage(record), records))
    return max((record["at_s"] for record in stage), default=None)


def _read(folder: Path, code: int, run_s: float, output: str) -> Trial:
    """The Trial of a run that wrote its reports into `folder` (none, if it stopped before writing them)."""
    report, transcript = folder / "report.json", folder / "transcript.jsonl"
    records = [json.loads(line) for line in transcript.read_text().splitlines()] if transcript.exists() else []
    data = json.loads(report.read_text()) if report.exists() else {}
    return Trial(code, {check["id"]: check["outcome"] for check in data.get("checks", [])},
                 data["run"]["requests"] if data else len(records),
                 next((record["at_s"] for record in records if record["failed_checks"]), None),
                 lifecycle_end(records), run_s, output)


def _report_options(folder: Path) -> list[str]:
    return ["--junit-xml", str(folder / "junit.xml"), "--json-report", str(folder / "report.json"),
            "--html-report", str(folder / "report.html"), "--transcript", str(folder / "transcript.jsonl")]


def run_against(base_url: str, options: tuple[str, ...] = (), checks: Iterable[str] | None = None) -> Trial:
    """Run ``conformance run`` against `base_url` with the default keys, test control, `options` and, if given, only
    `checks`; the environment's XENDIT_ and CONFORMANCE_ settings left out."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("XENDIT_", "CONFORMANCE_"))}
    selection = ["--checks", ",".join(sorted(checks))] if checks is not None else []
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "run", "--base-url", base_url, "--api-key", KEY,
             "--other-api-key", OTHER_KEY, "--test-control", *_report_options(Path(tmp)), *selection, *options],
            capture_output=True, text=True, timeout=TIMEOUT_SECONDS, env=environment, cwd=tmp)
        return _read(Path(tmp), done.returncode, time.perf_counter() - started, done.stdout + done.stderr)


def _config_of(options: tuple[str, ...]) -> dict[str, Any]:
    """RunConfig fields for the `conformance run` options a trial may need (``--profile P``, ``--fail-on-should``,
    ``--no-shrink``, ``--max-steps N``, ``--max-examples N``, ``--seed N``, ``--workers N``, ``--expiry-lag S``); any
    other option is an error rather than silently ignored."""
    fields: dict[str, Any] = {}  # RunConfig's fields, each of its own type
    rest = list(options)
    while rest:
        option = rest.pop(0)
        if option == "--profile" and rest:
            fields["profile"] = rest.pop(0)
        elif option == "--fail-on-should":
            fields["fail_on_should"] = True
        elif option == "--no-shrink":
            fields["shrink"] = False
        elif option in ("--max-steps", "--max-examples", "--seed", "--workers") and rest:
            fields[option[2:].replace("-", "_")] = int(rest.pop(0))
        elif option == "--expiry-lag" and rest:
            fields["expiry_lag"] = float(rest.pop(0))
        else:
            raise ValueError(f"run_in_process does not know the option {option!r}; use run_against")
    return fields


def run_in_process(base_url: str, options: tuple[str, ...] = (), checks: Iterable[str] | None = None) -> Trial:
    """``run_against``, with the run's own function in this process: the same configuration, no subprocess; the
    reports written into a temporary folder, but no transcript (its curl line per exchange costs a fifth of a trial;
    the timings that come from it are ``run_against``'s)."""
    from conformance.run import UsageError, run

    with tempfile.TemporaryDirectory() as tmp:
        folder, output = Path(tmp), io.StringIO()
        config = RunConfig(base_url=base_url, api_key=KEY, other_api_key=OTHER_KEY, test_control=True,
                           checks=sorted(checks) if checks is not None else None, progress=False,
                           json_report=folder / "report.json", junit_xml=folder / "junit.xml",
                           html_report=folder / "report.html", **_config_of(options))
        started = time.perf_counter()
        try:
            code = run(config, Console(file=output, width=160))
        except UsageError as error:
            code = ExitCode.USAGE
            output.write(f"error: {error}\n")
        return _read(folder, code, time.perf_counter() - started, output.getvalue())


def trial(variant: Variant, options: tuple[str, ...] = (), checks: Iterable[str] | None = None,
          runner: Runner = run_against) -> Trial:
    """Start `variant` in-process and run the suite against it (with `runner`) with `options` and its own options
    (last: where both set one, the variant's wins), and only `checks` if given."""
    with running(EMULATOR, api=variant.api) as base_url:
        return runner(base_url, options + variant.options, checks)
