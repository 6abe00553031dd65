"""``report.json``: the whole run, machine-readable and redacted."""

from __future__ import annotations

import json

from conformance import __version__
from conformance.results.model import CheckResult, RunResult
from conformance.results.records import failure_record, finding_record, traffic_record


def check_record(result: CheckResult, run: RunResult) -> dict:
    check = result.check
    return {"id": check.id, "level": check.level, "stage": check.stage, "family": check.family,
            "basis": {"kind": check.basis.kind, "source": check.basis.source, "quote": check.basis.quote},
            "statement": check.statement, "quote": check.quote, "description": check.description,
            "outcome": result.outcome, "accepted_skip": result.accepted_skip,
            "reason": run.redactor.text(result.reason) if not (result.failures or result.findings) else None,
            "judged": result.judged, "responses_failing": result.failing or len(result.failures),
            "seconds": round(result.duration, 3),
            "failures": [failure_record(i, failure, run.redactor) for i, failure in enumerate(result.failures, 1)]
            + [finding_record(i, finding) for i, finding in enumerate(result.findings, 1)]}


def build_report(run: RunResult) -> dict:
    stage = run.spec
    return {
        "suite": {"name": "xendit-cancel-conformance", "version": __version__},
        "verdict": run.verdict,
        "reasons": [run.redactor.text(reason) for reason in run.reasons],
        "exit_code": int(run.exit_code),
        "counts": run.counts(),
        "run": {"target": run.target, "embedded": run.embedded, "profile": run.profile, "seed": run.seed,
                "max_examples": run.max_examples, "requests": run.requests, "seconds": round(run.seconds, 2),
                "stopped_early": run.stopped, "interrupted": bool(run.interrupted), "signal": run.interrupted,
                "target_gone": run.target_gone, "traffic": traffic_record(run.traffic),
                "notes": [run.redactor.text(note) for note in run.notes],
                "stalls": [{"family": stall.family, "endpoint": stall.endpoint, "reason": stall.reason}
                           for stall in run.stalls],
                "selected_checks": run.selected, "fail_on_should": run.fail_on_should,
                "accepted_skips": [result.check.id for result in run.checks if result.accepted_skip]},
        "safety": {"withheld": [{"family": item.family, "get_status": item.get_status, "count": item.count}
                                for item in run.withheld],
                   "note": run.safety_note,
                   "dropped_sessions": [{"id": run.redactor.text(session_id), "reason": reason}
                                        for session_id, reason in run.dropped_sessions]},
        "spec": {"path": str(stage.path), "published_sha256": stage.published_sha256,
                 "repaired_sha256": stage.repaired_sha256, "errors_as_published": len(stage.published_problems),
                 "repairs": [item.as_dict() for item in stage.repairs],
                 "warnings": [warning.as_dict() for warning in stage.warnings]},
        "checks": [check_record(result, run) for result in run.checks],
    }


def render_json(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)
