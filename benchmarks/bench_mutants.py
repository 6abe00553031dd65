"""The suite's power, as a published figure: detection of the catalogue's faults and passes of its conformant
variants, beside the plain schemathesis command line as a baseline.

For every variant (conformance/emulator/variants), one after another so that timings are not shared:
- the suite: `conformance run` at the default budget against the variant as an external target (keys, the other
  business's key, --test-control, the variant's own options; a conformant variant in the profile it must pass in).
  Detected = exit 1. Requests = lines of the transcript. Seconds to detect = the `at_s` (seconds since the run's first
  request) of the first exchange that failed a check; when only lifecycle checks fail, no exchange is marked, and
  the end of the lifecycle stage (the `at_s` of its last request; the stage runs first) is used instead, marked "≤".
- the baseline: `schemathesis run cancel.json --url URL -a KEY: --checks all --seed 1` with the repaired cancel
  document (schemathesis cannot load the published one), from a fresh working directory. Detected = exit 1 with a
  failure in its JUnit report; an exit 1 with only errors is shown as "error", not a detection. Seconds = its wall time
  (it stops at the first failure).

Usage: python benchmarks/bench_mutants.py [NAME ...]   (default: the whole catalogue; about 10 minutes)
"""

from __future__ import annotations

import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from junitparser import Error, Failure, JUnitXml

from conformance.emulator import running
from conformance.emulator.variants import VARIANTS
from conformance.spec.stage import load_repaired
from conformance.trial import EMULATOR, KEY, Trial, run_against

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@dataclass
class Baseline:
    code: int
    verdict: str  # "failed", "error" or "passed"
    codes: str  # the failure codes schemathesis reports (ST101, ...)
    seconds: float


def baseline(base_url: str, document: Path) -> Baseline:
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        started = time.perf_counter()
        done = subprocess.run([str(SCHEMATHESIS), "run", str(document), "--url", base_url, "-a", f"{KEY}:",
                               "--checks", "all", "--seed", "1", "--report", "junit", "--report-junit-path",
                               str(junit)], capture_output=True, text=True, cwd=tmp, timeout=600)
        seconds = time.perf_counter() - started
        results = [result for suite in JUnitXml.fromfile(str(junit)) for case in suite for result in case.result] \
            if junit.exists() else []
    failures = [result for result in results if isinstance(result, Failure)]
    verdict = "failed" if failures else "error" if any(isinstance(r, Error) for r in results) else "passed"
    return Baseline(done.returncode, verdict, ", ".join(f.message or "" for f in failures), seconds)


def detection(result: Trial) -> tuple[float | None, str]:
    """(seconds since the first request, as shown): the first failing exchange, else the lifecycle stage's end."""
    if result.first_failure_s is not None:
        return result.first_failure_s, f"{result.first_failure_s:.2f}"
    if result.lifecycle_end_s is not None:
        return result.lifecycle_end_s, f"≤{result.lifecycle_end_s:.2f}"
    return None, "–"


def flagged(result: Trial) -> str:
    """The checks that failed, then the SHOULD checks that warned (the document's own warning left out)."""
    warned = sorted(result.with_outcome("warned") - {"SPEC-EXAMPLES"})
    return ", ".join(sorted(result.with_outcome("failed", "error")) + [f"{check_id} (warned)" for check_id in warned])


def main() -> None:
    names = sys.argv[1:] or list(VARIANTS)
    for logger in ("uvicorn", "conformance.emulator"):  # the variants' crashes and protocol warnings are expected
        logging.getLogger(logger).setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as tmp:
        document = Path(tmp) / "cancel.json"
        document.write_text(json.dumps(load_repaired("cancel")))
        rows = []
        for name in names:
            variant = VARIANTS[name]
            profile = ("--profile", variant.passes_in) if variant.passes_in else ()
            with running(EMULATOR, api=variant.api) as base_url:
                ours = run_against(base_url, variant.options + profile)
            with running(EMULATOR, api=variant.api) as base_url:
                theirs = baseline(base_url, document)
            rows.append((variant, ours, theirs))
            print(f"{name}: suite exit {ours.code}, schemathesis exit {theirs.code} ({theirs.verdict})",
                  file=sys.stderr, flush=True)
    print_faults([row for row in rows if row[0].is_fault])
    print()
    print_conformant([row for row in rows if not row[0].is_fault])


def print_faults(rows: list) -> None:
    print("| fault | suite | checks that failed (or warned, SHOULD) | requests | s to detect | run s "
          "| schemathesis | its failures | its s |")
    print("|---|---|---|---|---|---|---|---|---|")
    seconds = []
    for variant, ours, theirs in rows:
        detected = ours.code == 1
        at, shown = detection(ours)
        if detected and at is not None:
            seconds.append(at)
        print(f"| `{variant.name}` | {'**detected**' if detected else f'missed (exit {ours.code})'} "
              f"| {flagged(ours)} | {ours.requests} | {shown} | {ours.run_s:.1f} "
              f"| {'detected' if theirs.verdict == 'failed' else theirs.verdict} | {theirs.codes} "
              f"| {theirs.seconds:.1f} |")
    ours_detected = sum(ours.code == 1 for _, ours, _ in rows)
    theirs_detected = sum(theirs.verdict == "failed" for *_, theirs in rows)
    median = f"{statistics.median(seconds):.2f}" if seconds else "–"
    print(f"\nDetection rate: suite {ours_detected}/{len(rows)} ({100 * ours_detected / len(rows):.0f}%), "
          f"schemathesis {theirs_detected}/{len(rows)} ({100 * theirs_detected / len(rows):.0f}%). "
          f"Median seconds to detect (suite): {median}")


def print_conformant(rows: list) -> None:
    print("| conformant variant | profile | suite | checks flagged | requests | schemathesis (no profiles) "
          "| its failures |")
    print("|---|---|---|---|---|---|---|")
    for variant, ours, theirs in rows:
        print(f"| `{variant.name}` | {variant.passes_in} | {'pass' if ours.code == 0 else f'FAIL (exit {ours.code})'} "
              f"| {flagged(ours) or '–'} | {ours.requests} | {theirs.verdict} | {theirs.codes or '–'} |")
    strict = [row for row in rows if row[0].passes_in == "strict"]
    ours_fp = sum(ours.code != 0 for _, ours, _ in rows)
    theirs_fp = sum(theirs.verdict != "passed" for *_, theirs in strict)
    print(f"\nFalse positives: suite {ours_fp}/{len(rows)} (each in the profile it must pass in); schemathesis "
          f"{theirs_fp}/{len(strict)} of the strict-conformant variants (the lenient ones break the published "
          "document, so flagging them is right)")


if __name__ == "__main__":
    main()
