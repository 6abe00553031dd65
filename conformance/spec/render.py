"""Human-readable report of a spec-stage result."""

from __future__ import annotations

import json

from conformance.spec.stage import StageResult


def _value(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def render_text(result: StageResult) -> str:
    lines = [f"{result.path}  (sha256 {result.published_sha256[:16]}…)"]
    lines.append(f"  as published: {len(result.published_problems)} error(s)")
    lines += [f"    {problem.pointer or '/'}: {problem.message}" for problem in result.published_problems]
    lines.append(f"  repairs: {len(result.repairs)}")
    lines += [f"    [{item.rule}] {item.pointer}: {_value(item.before)} -> {_value(item.after)}"
              + (f"  (from {item.source})" if item.source else "") for item in result.repairs]
    if result.ok:
        lines.append("  after repair: valid")
    else:
        lines.append(f"  after repair: {len(result.remaining_problems)} unrepairable error(s)")
        lines += [f"    {problem.pointer or '/'}: {problem.message}" for problem in result.remaining_problems]
    lines.append(f"  warnings: {len(result.warnings)}")
    lines += [f"    {problem.pointer}: {problem.message}" for problem in result.warnings]
    return "\n".join(lines)
