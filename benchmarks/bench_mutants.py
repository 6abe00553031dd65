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

Then, for each fault, the lifecycle stage on its own (the state machine, in-process, at the default --max-steps and
shrinking budget): caught or not, the model-checked steps and seconds to the first finding, and the length (steps)
of the shortest failing sequence kept after shrinking; beside it the plain schemathesis CLI with its **stateful**
phase on a document that has links (create → get / cancel, cancel → get): `schemathesis run linked.json --url URL
-a KEY: --checks all --phases stateful --max-examples 20 --seed 1` (the stateful phase alone: the other phases are
the first table's baseline; 20 examples keep it under half a minute a fault). It fails the conformant emulator too
(ST202: the documented 404/422 are not in its default "positive data" statuses), so a fault counts as detected by it
only when it reports a failure it does not report against the conformant emulator.

Usage: python benchmarks/bench_mutants.py [--lifecycle] [--write FILE] [NAME ...]   (default: the whole catalogue,
both tables; --lifecycle: only the second table; --write FILE: the tables also replace what stands between FILE's
``<!-- bench_mutants -->`` markers, docs/power.md's, with the date and the versions measured)
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import _repository  # noqa: F401 - the repository on sys.path, for the tests' helpers
from junitparser import Error, Failure, JUnitXml

from conformance.checks.catalogue import CATALOGUE, LIFECYCLE
from conformance.config import RunConfig
from conformance.emulator import running
from conformance.emulator.variants import VARIANTS
from conformance.generation.probe import Credentials
from conformance.model.state import Margin
from conformance.spec.stage import load_repaired
from conformance.stateful.exploration import MARGIN_SECONDS, Exploration
from conformance.stateful.ledger import Budget, Ledger
from conformance.stateful.passes import explore_lifecycle
from conformance.stateful.sessions import Sessions
from conformance.suite.lifecycle_stage import SHRINK_SECONDS
from conformance.target.client import Target
from conformance.target.exchange import Exchange
from tests.trial import EMULATOR, KEY, OTHER_KEY, Trial, run_against

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
STATEFUL = ("--phases", "stateful", "--max-examples", "20")


@dataclass
class Baseline:
    code: int
    verdict: str  # "failed", "error" or "passed"
    codes: str  # the failure codes schemathesis reports (ST101, ...)
    seconds: float


def baseline(base_url: str, document: Path, *options: str) -> Baseline:
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        started = time.perf_counter()
        done = subprocess.run([str(SCHEMATHESIS), "run", str(document), "--url", base_url, "-a", f"{KEY}:",
                               "--checks", "all", "--seed", "1", "--report", "junit", "--report-junit-path",
                               str(junit), *options], capture_output=True, text=True, cwd=tmp, timeout=600)
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


def linked_document() -> dict:
    """The repaired create, get and cancel documents as one, with OpenAPI links: create → get, create → cancel,
    cancel → get (what schemathesis's stateful phase follows)."""
    document = load_repaired("create")
    for name in ("get", "cancel"):
        other = load_repaired(name)
        document["paths"].update(other["paths"])
        for kind, items in other.get("components", {}).items():
            document.setdefault("components", {}).setdefault(kind, {}).update(items)
    by_id = {"session_id": "$response.body#/payment_session_id"}
    links = {"GetSession": {"operationId": "getSessionById", "parameters": by_id},
             "CancelSession": {"operationId": "cancelSessionById", "parameters": by_id}}
    document["paths"]["/sessions"]["post"]["responses"]["201"]["links"] = links
    document["paths"]["/sessions/{session_id}/cancel"]["post"]["responses"]["200"]["links"] = {
        "GetSession": links["GetSession"]}
    return document


@dataclass
class Lifecycle:
    ledger: Ledger
    steps: int
    seconds: float


def exploration(base_url: str, on_exchange: Callable[[Exchange], object] | None = None) -> Exploration:
    """The lifecycle stage's exploration against `base_url`, at the run's defaults (`on_exchange`: sees every
    exchange)."""
    config = RunConfig()
    credentials = Credentials(KEY, None, OTHER_KEY)
    sessions = Sessions(Target(base_url, on_exchange=on_exchange), credentials, given=[], completed=None,
                        expired=None, test_control=True, known_ids=set())
    return Exploration(sessions, credentials, OTHER_KEY, "strict",
                       {c.id for c in CATALOGUE if c.stage == LIFECYCLE}, Budget(config.max_steps, 0.0),
                       test_control=True, margin=Margin(MARGIN_SECONDS, config.expiry_lag))


def lifecycle(base_url: str) -> Lifecycle:
    """The lifecycle stage alone against `base_url`, at the run's defaults."""
    run = exploration(base_url)
    started = time.perf_counter()
    explore_lifecycle(run, RunConfig().seed, shrink_seconds=SHRINK_SECONDS)
    return Lifecycle(run.ledger, run.budget.steps, time.perf_counter() - started)


def main() -> None:
    arguments = sys.argv[1:]
    only_lifecycle = "--lifecycle" in arguments
    write = Path(arguments.pop(arguments.index("--write") + 1)) if "--write" in arguments else None
    names = [name for name in arguments if name not in ("--lifecycle", "--write")] or list(VARIANTS)
    for logger in ("uvicorn", "conformance.emulator"):  # the variants' crashes and protocol warnings are expected
        logging.getLogger(logger).setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as tmp:
        document, linked = Path(tmp) / "cancel.json", Path(tmp) / "linked.json"
        document.write_text(json.dumps(load_repaired("cancel")))
        linked.write_text(json.dumps(linked_document()))
        rows, stateful = [], []
        for name in names:
            variant = VARIANTS[name]
            profile = ("--profile", variant.passes_in) if variant.passes_in else ()
            if not only_lifecycle:
                with running(EMULATOR, api=variant.api) as base_url:
                    ours = run_against(base_url, variant.options + profile)
                with running(EMULATOR, api=variant.api) as base_url:
                    theirs = baseline(base_url, document)
                rows.append((variant, ours, theirs))
            if variant.is_fault:
                with running(EMULATOR, api=variant.api) as base_url:
                    explored = lifecycle(base_url)
                with running(EMULATOR, api=variant.api) as base_url:
                    linked_baseline = baseline(base_url, linked, *STATEFUL)
                stateful.append((variant, explored, linked_baseline))
            print(f"{name}: done", file=sys.stderr, flush=True)
        with running(EMULATOR) as base_url:
            reference = baseline(base_url, linked, *STATEFUL)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for table, chosen in ((print_faults, [row for row in rows if row[0].is_fault]),
                              (print_conformant, [row for row in rows if not row[0].is_fault])):
            if chosen:
                table(chosen)
                print()
        if stateful:
            print_lifecycle(stateful, reference)
    print(printed.getvalue(), end="")
    if write:
        splice(write, printed.getvalue())


def splice(path: Path, tables: str) -> None:
    """Replace what stands between `path`'s bench_mutants markers with `tables`, dated and with the versions."""
    start, end = "<!-- bench_mutants -->", "<!-- /bench_mutants -->"
    text = path.read_text()
    if start not in text or end not in text:
        sys.exit(f"error: {path} has no {start} ... {end} block to write the tables into")
    stamp = (f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPUs: Python {sys.version.split()[0]}, "
             f"schemathesis {version('schemathesis')}, hypothesis {version('hypothesis')}.")
    before, rest = text.split(start, 1)
    path.write_text(f"{before}{start}\n{stamp}\n\n{tables.strip()}\n{end}{rest.split(end, 1)[1]}")


def _codes(result: Baseline) -> set[str]:
    return set(filter(None, result.codes.split(", ")))


def print_lifecycle(rows: list, reference: Baseline) -> None:
    print(f"schemathesis's stateful phase against the conformant emulator: {reference.verdict} "
          f"({reference.codes or 'no failure'}), {reference.seconds:.1f} s\n")
    print("| fault | lifecycle stage | checks | steps to first finding | s to first finding | shrunk length (steps) "
          "| steps run | s | schemathesis, stateful phase with links | its failures | its s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for variant, explored, theirs in rows:
        ledger = explored.ledger
        first = min(ledger.detected.values(), key=lambda found: found.steps, default=None)
        shortest = min(ledger.lengths.values(), default=None)
        verdict = "**caught**" if ledger.failures else "missed"
        print(f"| `{variant.name}` | {verdict} | {', '.join(sorted(ledger.failures))} "
              f"| {first.steps if first else '–'} | {f'{first.seconds:.2f}' if first else '–'} "
              f"| {shortest if shortest is not None else '–'} | {explored.steps} | {explored.seconds:.1f} "
              f"| {'detected' if _codes(theirs) - _codes(reference) else 'not detected'} | {theirs.codes} "
              f"| {theirs.seconds:.1f} |")
    caught = sum(bool(explored.ledger.failures) for _, explored, _ in rows)
    theirs = sum(bool(_codes(linked) - _codes(reference)) for *_, linked in rows)
    print(f"\nLifecycle stage: {caught}/{len(rows)} caught; schemathesis with its stateful phase: {theirs}/{len(rows)}")


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
