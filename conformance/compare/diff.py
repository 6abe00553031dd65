"""Where targets differ, case by case, and which differences the user allows.

A case sent several times on a target (the eight concurrent cancels, a GET after each rejected attempt) is compared
as a multiset of observations, so the order in which concurrent answers arrived does not count. When the number of
sends differs (the suite re-sends what fails), only the set of values is compared. Body fields and their types are
compared where status and body type agree; otherwise the bodies answer different things and the status says so.

Differences are then grouped by root cause: the same aspect, the same fields, and the same values on each target once
the values every target shows are set aside (so "200, 422 ×7" against "200, 409 ×7" is the same cause as "422" against
"409"). A cause is shown once, with the example whose request is shortest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase

from conformance.compare.observe import Case, Observation

SCALAR_ASPECTS = ("status", "content_type", "body", "error_code", "session_status")
FIELD_ASPECTS = ("fields", "types")
ASPECTS = SCALAR_ASPECTS + FIELD_ASPECTS
ABSENT = "—"


@dataclass(frozen=True)
class AllowRule:
    """``ASPECT[:FIELD][@CASE]``: a difference in ASPECT (in cases whose label or id matches CASE; in fields
    matching FIELD) does not fail the comparison. Globs; a difference in several fields is allowed when every one
    is covered by some rule."""

    aspect: str
    field: str | None = None
    case: str | None = None

    @classmethod
    def parse(cls, text: str) -> AllowRule:
        """Raises ValueError with a message for the user."""
        rule, _, case = text.partition("@")
        aspect, _, field_glob = rule.partition(":")
        if not any(fnmatchcase(name, aspect) for name in ASPECTS):
            raise ValueError(f"{text!r}: no aspect matches {aspect!r} (aspects: {', '.join(ASPECTS)})")
        if field_glob and not any(fnmatchcase(name, aspect) for name in FIELD_ASPECTS):
            raise ValueError(f"{text!r}: only {' and '.join(FIELD_ASPECTS)} differences concern fields")
        return cls(aspect, field_glob or None, case or None)

    def concerns(self, difference: Difference) -> bool:
        """The rule's aspect and case match (a rule naming a field concerns differences in fields only)."""
        case = difference.case
        return (fnmatchcase(difference.aspect, self.aspect) and (self.field is None or bool(difference.fields))
                and (self.case is None or fnmatchcase(case.label, self.case) or fnmatchcase(case.id, self.case)))

    def covers(self, field_path: str) -> bool:
        return self.field is None or fnmatchcase(field_path, self.field)


def allowed(difference: Difference, rules: Sequence[AllowRule]) -> bool:
    """Some rule concerns the difference and, for one in fields or types, every field concerned is covered."""
    concerning = [rule for rule in rules if rule.concerns(difference)]
    return bool(concerning) and all(any(rule.covers(name) for rule in concerning) for name in difference.fields)


@dataclass(frozen=True)
class Difference:
    case: Case
    aspect: str
    values: dict[str, str]  # target name → what it showed
    fields: tuple[str, ...] = ()  # the fields concerned (fields and types)
    allowed: bool = False
    observed: dict[str, list[Observation]] = field(default_factory=dict, compare=False, repr=False)  # per target

    def as_dict(self) -> dict:
        return {"case": self.case.as_dict(), "aspect": self.aspect, "fields": list(self.fields),
                "values": self.values, "allowed": self.allowed}


@dataclass
class Differences:
    compared: int = 0  # cases every target sent
    partial: list[tuple[Case, tuple[str, ...]]] = field(default_factory=list)  # cases some sent, and which
    found: list[Difference] = field(default_factory=list)

    @property
    def failing(self) -> list[Difference]:
        return [difference for difference in self.found if not difference.allowed]

    @property
    def causes(self) -> list[Cause]:
        return causes(self.found)


@dataclass(frozen=True)
class Cause:
    """Differences with one root cause, in the order found."""

    differences: tuple[Difference, ...]

    @property
    def example(self) -> Difference:
        return min(self.differences, key=lambda item: len(item.case.label))

    @property
    def allowed(self) -> bool:
        return self.differences[0].allowed


def _distinct(value: str) -> frozenset[str]:
    """The values of a rendered multiset (``200, 422 ×7``), without their counts."""
    return frozenset(part.rsplit(" ×", 1)[0] for part in value.split(", "))


def cause_key(difference: Difference) -> tuple[object, ...]:
    """What a difference shows whatever the case: its aspect, its fields, each target's values less the common ones."""
    if difference.aspect in SCALAR_ASPECTS:
        shown = {name: _distinct(value) for name, value in difference.values.items()}
        common = frozenset.intersection(*shown.values())
        values: tuple[tuple[str, object], ...] = tuple(sorted((name, tuple(sorted(items - common)))
                                                              for name, items in shown.items()))
    else:
        values = tuple(sorted(difference.values.items()))
    return difference.aspect, difference.fields, values, difference.allowed


def causes(found: Sequence[Difference]) -> list[Cause]:
    """Differences grouped by root cause (cause_key), in the order each cause was first found."""
    groups: dict[tuple, list[Difference]] = {}
    for difference in found:
        groups.setdefault(cause_key(difference), []).append(difference)
    return [Cause(tuple(items)) for items in groups.values()]


def _render(counts: Counter) -> str:
    return ", ".join(f"{value or ABSENT}{f' ×{count}' if count > 1 else ''}"
                     for value, count in sorted(counts.items(), key=lambda item: str(item[0])))


def _scalar(case: Case, aspect: str, seen: dict[str, list[Observation]]) -> Difference | None:
    counts = {name: Counter(getattr(item, aspect) for item in items) for name, items in seen.items()}
    even = len({sum(count.values()) for count in counts.values()}) == 1
    comparable = list(counts.values()) if even else [set(count) for count in counts.values()]
    if all(value == comparable[0] for value in comparable):
        return None
    return Difference(case, aspect, {name: _render(count) for name, count in counts.items()}, observed=seen)


def _types(items: list[Observation]) -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for item in items:
        for path, kind in item.types:
            found.setdefault(path, set()).add(kind)
    return {path: " or ".join(sorted(kinds)) for path, kinds in found.items()}


def _fields(case: Case, seen: dict[str, list[Observation]]) -> list[Difference]:
    types = {name: _types(items) for name, items in seen.items()}
    every = set.union(*(set(kinds) for kinds in types.values()))
    common = set.intersection(*(set(kinds) for kinds in types.values()))
    found = []
    if uneven := sorted(every - common):
        found.append(Difference(case, "fields", {
            name: ", ".join(path for path in uneven if path in kinds) or ABSENT for name, kinds in types.items()},
            tuple(uneven), observed=seen))
    if retyped := sorted(path for path in common if len({kinds[path] for kinds in types.values()}) > 1):
        found.append(Difference(case, "types", {
            name: "; ".join(f"{path}: {kinds[path]}" for path in retyped) for name, kinds in types.items()},
            tuple(retyped), observed=seen))
    return found


def differences(runs: dict[str, dict[Case, list[Observation]]], allow: Sequence[AllowRule] = ()) -> Differences:
    """Compare every case the targets (name → case → observations) have in common."""
    result = Differences()
    names = list(runs)
    cases = dict.fromkeys(case for observed in runs.values() for case in observed)
    for case in cases:
        present = tuple(name for name in names if case in runs[name])
        if len(present) < len(names):
            result.partial.append((case, present))
            continue
        result.compared += 1
        seen = {name: runs[name][case] for name in names}
        found = [difference for aspect in SCALAR_ASPECTS if (difference := _scalar(case, aspect, seen))]
        if not any(difference.aspect in {"status", "body"} for difference in found):
            found += _fields(case, seen)
        result.found += [replace(item, allowed=allowed(item, allow)) for item in found]
    return result
