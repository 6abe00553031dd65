"""The spec stage: load → validate as published → repair (logged) → validate → lint."""

from conformance.spec.stage import StageResult, bundled_path, load_repaired, run_stage

__all__ = ["StageResult", "bundled_path", "load_repaired", "run_stage"]
