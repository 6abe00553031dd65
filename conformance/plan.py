"""``--dry-run``: what a run would send, and which sessions it would create and cancel, without sending anything."""

from __future__ import annotations

from conformance.checks.catalogue import LIFECYCLE, STATELESS, Check
from conformance.config import RunConfig
from conformance.generation.from_schema import coverage_probes
from conformance.generation.probe import Credentials
from conformance.generation.strategies import auth_probes, id_probes, sub_account_probes
from conformance.safety import to_confirm
from conformance.spec.stage import StageResult
from conformance.suite.test_lifecycle import PLAN

NEW_SESSIONS = 8  # the scenario, completed, expired, concurrent, and one per rejected-cancel check


def render_plan(config: RunConfig, stage: StageResult, checks: list[Check], target: str) -> str:
    credentials = Credentials("dry-run", config.for_user_id)
    families = {
        "schemathesis (coverage phase, then fuzzing)": coverage_probes(stage.repaired, credentials, config.seed),
        "ids (unknown and malformed session ids)": id_probes(credentials)[0],
        "auth (missing and unusable credentials)": auth_probes(credentials)[0],
        "for-user-id (odd sub-account headers)": sub_account_probes(credentials)[0],
    }
    lines = [f"Dry run: nothing is sent. Target: {target}; profile {config.profile}; seed {config.seed}.", "",
             "Stateless checks, applied to every response of the cancel path:"]
    lines += [f"  {check.id:22} {check.description}" for check in checks if check.stage == STATELESS]
    lines += ["", "Generated requests, per family: the explicit examples, then up to --max-examples "
              f"({config.max_examples}) generated ones, plus more while shrinking a failure:"]
    for name, examples in families.items():
        guarded = sum(bool(to_confirm(probe.method, probe.session_id)) for probe in examples)
        lines.append(f"  {name}: {len(examples)} + up to {config.max_examples} "
                     f"({guarded} of the examples name a well-formed id: each distinct id is first confirmed "
                     "absent with a GET)")
    lifecycle = [check for check in checks if check.stage == LIFECYCLE]
    lines += ["", "Lifecycle checks:"]
    lines += [f"  {check.id:22} {PLAN[check.id]}" for check in lifecycle]
    given = ", ".join(config.session_ids) or "none"
    lines += ["", f"Sessions: the given ACTIVE ids ({given}) are used first; then up to {NEW_SESSIONS} are created "
              "with POST /sessions (PAY, IDR 10000, reference_id conformance-<run tag>-N). The suite cancels only "
              "these sessions and the ids it was given; the COMPLETED and EXPIRED ones come from test control"
              + (" (on)." if config.test_control or config.embedded else " (off: those checks will be skipped unless "
                 "--completed-session-id / --expired-session-id are given).")]
    return "\n".join(lines)
