"""One trial of the suite against a variant: start the variant on a free loopback port, run ``conformance run``
against it as an external target (a subprocess, as a CI job would), and read the verdict from the JUnit report and
the transcript."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from junitparser import JUnitXml, Properties

from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from conformance.emulator.variants import Variant

KEY, OTHER_KEY = list(DEFAULT_KEYS)[:2]
EMULATOR = EmulatorConfig(api_keys=DEFAULT_KEYS, test_control=True, min_expiry_seconds=1)
TIMEOUT_SECONDS = 300


@dataclass
class Trial:
    code: int
    outcomes: dict[str, str]  # check ID → passed, failed, warned, skipped, error
    requests: int
    first_failure_s: float | None  # `at_s` of the first exchange that failed a check; None if none was marked
    lifecycle_end_s: float | None  # `at_s` of the lifecycle stage's last request (the stage runs first)
    run_s: float  # wall time of the `conformance run` process
    output: str

    def with_outcome(self, *states: str) -> set[str]:
        return {check_id for check_id, state in self.outcomes.items() if state in states}


def outcomes(junit: Path) -> dict[str, str]:
    """Check ID → its ``outcome`` property, from a JUnit report of ``conformance run``."""
    found = {}
    for suite in JUnitXml.fromfile(str(junit)):
        for case in suite:
            properties = {prop.name: prop.value for prop in case.child(Properties)}
            found[properties["check_id"]] = properties["outcome"]
    return found


def lifecycle_end(records: list[dict]) -> float | None:
    """An upper bound on when lifecycle checks had their verdicts: the `at_s` of the lifecycle stage's last request.
    The stage runs first, after the probe; the stateless stage that follows opens with safety GETs (their own
    family)."""
    def in_stage(record: dict) -> bool:
        return record["family"] == "lifecycle"

    stage = itertools.takewhile(in_stage, itertools.dropwhile(lambda record: not in_stage(record), records))
    return max((record["at_s"] for record in stage), default=None)


def run_against(base_url: str, options: tuple[str, ...] = ()) -> Trial:
    """Run the suite against `base_url` with the default keys, test control and `options`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("XENDIT_", "CONFORMANCE_"))}
    with tempfile.TemporaryDirectory() as tmp:
        junit, transcript = Path(tmp) / "junit.xml", Path(tmp) / "transcript.jsonl"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "run", "--base-url", base_url, "--api-key", KEY,
             "--other-api-key", OTHER_KEY, "--test-control", "--junit-xml", str(junit), "--transcript",
             str(transcript), *options],
            capture_output=True, text=True, timeout=TIMEOUT_SECONDS, env=environment, cwd=tmp)
        run_s = time.perf_counter() - started
        records = [json.loads(line) for line in transcript.read_text().splitlines()] if transcript.exists() else []
        return Trial(done.returncode, outcomes(junit) if junit.exists() else {}, len(records),
                     next((record["at_s"] for record in records if record["failed_checks"]), None),
                     lifecycle_end(records),
                     run_s, done.stdout + done.stderr)


def trial(variant: Variant, options: tuple[str, ...] = ()) -> Trial:
    """Start `variant` in-process and run the suite against it with its own options and `options`."""
    with running(EMULATOR, api=variant.api) as base_url:
        return run_against(base_url, variant.options + options)
