"""The spec stage as one reusable call: load → validate → repair (logged) → validate → lint."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from conformance.spec.bundled import BUNDLED, bundled_path, spec_dir  # noqa: F401 - re-exported
from conformance.spec.lint import lint
from conformance.spec.load import parse, read
from conformance.spec.repair import Repair, repair
from conformance.spec.validate import Problem, validate


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class StageResult:
    path: Path
    published: dict
    published_sha256: str
    published_problems: list[Problem]
    repaired: dict
    repairs: list[Repair]
    remaining_problems: list[Problem]
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.remaining_problems

    @property
    def repaired_sha256(self) -> str:
        return _sha256(json.dumps(self.repaired, sort_keys=True, separators=(",", ":")).encode())

    def as_dict(self) -> dict:
        return {
            "path": str(self.path),
            "valid_after_repair": self.ok,
            "published_sha256": self.published_sha256,
            "repaired_sha256": self.repaired_sha256,
            "published_errors": [problem.as_dict() for problem in self.published_problems],
            "repairs": [item.as_dict() for item in self.repairs],
            "unrepairable_errors": [problem.as_dict() for problem in self.remaining_problems],
            "warnings": [problem.as_dict() for problem in self.warnings],
        }


def run_stage(path: str | Path) -> StageResult:
    """Run the whole stage on one document. Raises ``InputError`` for unreadable input. A document this process has
    judged already (the same path and bytes: every trial of a test session) is not validated again; the caller gets
    its own copy."""
    return copy.deepcopy(_judged(Path(path), read(path)))  # a document that does not parse raises, uncached


@lru_cache(maxsize=16)
def _judged(path: Path, raw: bytes) -> StageResult:
    published = parse(raw.decode("utf-8-sig"), path)
    repaired, repairs = repair(published)
    remaining = validate(repaired)
    return StageResult(
        path=path,
        published=published,
        published_sha256=_sha256(raw),
        published_problems=validate(published),
        repaired=repaired,
        repairs=repairs,
        remaining_problems=remaining,
        warnings=lint(repaired) if not remaining else [],
    )


class SpecError(Exception):
    """A document the suite needs is not usable even after repair."""


@cache
def _stage_cached(path: str) -> StageResult:
    return run_stage(path)


def load_repaired(name_or_path: str | Path) -> dict:
    """The repaired document (a bundled short name or a path); cached per path. Treat it as read-only."""
    if isinstance(name_or_path, str) and name_or_path in BUNDLED:  # a Path is never a short name
        path = bundled_path(name_or_path)
    else:
        path = Path(name_or_path)
    result = _stage_cached(str(path))
    if not result.ok:
        first = result.remaining_problems[0]
        raise SpecError(f"{path}: not usable after repair: {first.pointer}: {first.message}")
    return result.repaired
