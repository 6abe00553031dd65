"""A comparison: the same corpus (same seed, same generated requests, the same lifecycle scenarios on sessions each
target gets created) run against every target in turn, then compared case by case."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from conformance.compare.collect import collect
from conformance.compare.diff import AllowRule, Differences, differences
from conformance.compare.observe import observations
from conformance.compare.targets import TargetSpec
from conformance.config import RunConfig
from conformance.results.model import OUTCOMES, RunResult
from conformance.run import UsageError
from conformance.target.client import TargetUnreachable


@dataclass
class TargetRun:
    name: str
    base_url: str  # redacted
    bundled: bool
    outcomes: dict[str, str]  # check ID → its outcome (conformance.results.model)
    requests: int
    cases: int
    stopped: str | None  # why the run stopped early (a budget), if it did

    @classmethod
    def of(cls, name: str, run: RunResult, cases: int) -> TargetRun:
        return cls(name, run.target, run.embedded, {result.check.id: result.outcome for result in run.checks},
                   run.requests, cases, run.stopped)

    @property
    def tally(self) -> str:
        states = list(self.outcomes.values())
        return ", ".join(f"{states.count(state)} {state.replace('_', ' ')}" for state in OUTCOMES
                         if state in states) or "no check ran"


@dataclass
class Comparison:
    config: RunConfig  # what every target was run with (its target fields aside)
    targets: list[TargetRun]
    result: Differences
    subject: str = "targets"  # what was compared: targets run, or "recordings" of a client's traffic

    @property
    def different(self) -> bool:
        """A difference no --allow-diff rule allows."""
        return bool(self.result.failing)


class TargetFailed(Exception):
    """A target could not be run (unreachable); the message names it."""


def compare(specs: Sequence[TargetSpec], base: RunConfig, allow: Sequence[AllowRule] = (),
            on_target: Callable[[TargetRun], None] | None = None) -> Comparison:
    """Run the corpus against each target (in order), then compare. Every target's keys are checked before the
    first run. `on_target` hears of each finished run. Raises UsageError, TargetFailed, KeyboardInterrupt."""
    base = dataclasses.replace(base, fixed_corpus=True)  # every target gets every generated input
    try:
        configs = [spec.config(base) for spec in specs]
    except ValueError as error:
        raise UsageError(str(error)) from None
    runs, observed = [], {}
    for spec, config in zip(specs, configs, strict=True):
        try:
            run, tag = collect(config)
        except TargetUnreachable as error:
            raise TargetFailed(f"target {spec.name}: {error}") from None
        except UsageError as error:
            raise UsageError(f"target {spec.name}: {error}") from None
        observed[spec.name] = observations(run, tag)
        runs.append(TargetRun.of(spec.name, run, len(observed[spec.name])))
        if on_target:
            on_target(runs[-1])
    return Comparison(base, runs, differences(observed, allow))
