"""``--dry-run``: what a run would send, and which sessions it would create and cancel, without sending anything."""

from __future__ import annotations

from conformance.checks.catalogue import STATELESS, Check
from conformance.config import RunConfig
from conformance.generation.from_schema import coverage_probes
from conformance.generation.probe import Credentials
from conformance.generation.strategies import auth_probes, id_probes, sub_account_probes
from conformance.safety import to_confirm
from conformance.spec.stage import StageResult
from conformance.stateful.plan import lifecycle_plan


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
    lines += lifecycle_plan(config, checks)
    return "\n".join(lines)
