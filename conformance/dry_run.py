"""``--dry-run``: what a run would send, and which sessions it would create and cancel, without sending anything to
the target. The witnesses are counted by sending them to a bundled emulator of the plan's own."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter

from conformance.checks.catalogue import STATELESS, Check
from conformance.config import RunConfig
from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from conformance.generation.from_schema import coverage_probes
from conformance.generation.probe import Credentials
from conformance.generation.strategies import auth_probes, id_probes, sub_account_probes
from conformance.safety import endpoint_quota, to_confirm
from conformance.spec.stage import StageResult
from conformance.stateful.lifecycle_plan import lifecycle_plan
from conformance.suite.context import RunContext
from conformance.suite.witnesses import send_witnesses
from conformance.target.endpoints import API_ENDPOINTS, ENDPOINTS
from conformance.target.rate_limits import Quota

ROUND_TRIP = 0.3  # seconds an answer of Xendit's sandbox takes, for the estimate (it answers in 150-400 ms)


def render_plan(config: RunConfig, stage: StageResult, checks: list[Check], target: str) -> str:
    credentials = Credentials("dry-run", config.for_user_id)
    families = {
        "schemathesis (coverage phase, then fuzzing)": coverage_probes(stage.repaired, credentials, config.seed),
        "ids (unknown and malformed session ids)": id_probes(credentials)[0],
        "auth (missing and unusable credentials)": auth_probes(credentials)[0],
        "for-user-id (odd sub-account headers)": sub_account_probes(credentials)[0],
    }
    lines = [f"Dry run: nothing is sent. Target: {target}; profile {config.profile}; seed {config.seed}.", "",
             *witnesses_plan(config, stage, checks), "", "Stateless checks, applied to every response of the cancel "
             "path:"]
    lines += [f"  {check.id:22} {check.description}" for check in checks if check.stage == STATELESS]
    lines += ["", "Generated requests, per family: the explicit examples, then up to --max-examples "
              f"({config.max_examples}) generated ones, plus more while shrinking a failure:"]
    for name, examples in families.items():
        guarded = sum(bool(to_confirm(probe.method, probe.session_id)) for probe in examples)
        lines.append(f"  {name}: {len(examples)} + up to {config.max_examples} "
                     f"({guarded} of the examples name a well-formed id: each distinct id is first confirmed "
                     "absent with a GET)")
    lines += lifecycle_plan(config, checks)
    return "\n".join(lines)


def witness_requests(config: RunConfig, stage: StageResult, checks: list[Check]) -> Counter[str]:
    """The witnesses' requests per endpoint, counted on a bundled emulator started for it (safety GETs included
    unless the target holds no real sessions)."""
    key, other = list(DEFAULT_KEYS)[:2]
    emulator = EmulatorConfig(api_keys=DEFAULT_KEYS, test_control=True, min_expiry_seconds=1)
    with running(emulator) as base_url:
        measured = dataclasses.replace(config, base_url=base_url, no_real_sessions=config.no_real_sessions or
                                       config.embedded, test_control=config.test_control or config.embedded)
        context = RunContext.build(measured, stage, checks, base_url, key,
                                   other if config.other_api_key or config.embedded else None)
        send_witnesses(context)
    return Counter(exchange.request.endpoint for exchange in context.stateless.exchanges if not exchange.skipped)


def paced_seconds(count: int, quota: Quota) -> float:
    """The least time `count` requests to one endpoint take within `quota` (a sliding window)."""
    return (math.ceil(count / quota.requests) - 1) * quota.seconds if count else 0.0


def witnesses_plan(config: RunConfig, stage: StageResult, checks: list[Check]) -> list[str]:
    counts = witness_requests(config, stage, checks)
    shown = ", ".join(f"{endpoint} {counts[endpoint]}" for endpoint in ENDPOINTS if counts[endpoint])
    lines = ["Witnesses first: the fewest requests that judge every selected check, sent whole whatever the budget "
             f"(counted on a bundled emulator): {shown}; {sum(counts.values())} in all."]
    quota = endpoint_quota(config.base_url or "")
    waits = [paced_seconds(counts[endpoint], quota) for endpoint in API_ENDPOINTS] if quota else [0.0]
    limit = (f"at the known limit of {quota.requests} per {quota.seconds:g} s per endpoint they wait {max(waits):g} s "
             "for it" if quota else "the bundled emulator sets no rate limit" if config.embedded else "no limit is "
             "known yet: the target's Rate-Limit headers will tell, and each endpoint is paced by them")
    if config.rate_limit:
        limit += f"; --rate-limit makes them take at least {sum(counts.values()) / config.rate_limit:.0f} s"
    lines.append(f"  {limit}; at {ROUND_TRIP:g} s an answer, mostly one after another, about "
                 f"{sum(counts.values()) * ROUND_TRIP:.0f} s.")
    lines.append(f"Then the exploration, within --max-time ({config.max_time:g} s from the start): the sweeps and "
                 "sequences of the lifecycle (half of what is left), then the generated requests below, then "
                 "shrinking; what it cuts short is said in every report.")
    return lines
