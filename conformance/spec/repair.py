"""Repair what is unambiguous in a published document, and log every repair.

Rules (each repair names one):
- ``string-integer`` / ``string-number``: a numeric schema keyword given as a string ("27" → 27). Only a finite
  number: "NaN", "Infinity" or "1e400" read as no JSON number, so they are left to be reported as unrepairable.
- ``string-boolean``: a boolean keyword given as "true"/"false" (``nullable``, parameter ``required`` …).
- ``security-scheme-from-name``: a security requirement names a scheme that ``components.securitySchemes``
  does not define, and the later export of the same page (``spec/cancel-session.json``, see ``spec/SOURCES.md``)
  defines a scheme of that name: its definition is copied, and the repair cites it.
Literal data (``example``, ``examples``, ``default``, ``enum``, ``const``, ``x-*``) is never touched.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from conformance.spec.bundled import BUNDLED, bundled_path
from conformance.spec.pointer import pointer

INTEGER_KEYWORDS = {"minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"}
NUMBER_KEYWORDS = {"minimum", "maximum", "multipleOf"}
BOOLEAN_KEYWORDS = {
    "nullable", "required", "readOnly", "writeOnly", "deprecated", "uniqueItems", "allowEmptyValue",
    "explode", "allowReserved", "exclusiveMinimum", "exclusiveMaximum", "additionalProperties",
}
LITERAL_KEYWORDS = {"example", "examples", "default", "enum", "const"}
LATER_EXPORT = "cancel-later"  # the same docs page, exported later: it defines the security schemes


@dataclass(frozen=True)
class Repair:
    pointer: str
    before: Any
    after: Any
    rule: str
    source: str = ""  # where the repaired value comes from, when not from the value itself

    def as_dict(self) -> dict:
        return {"pointer": self.pointer, "before": self.before, "after": self.after, "rule": self.rule,
                "source": self.source}


def _number(text: str) -> int | float | None:
    """The finite number `text` spells; None otherwise (NaN and infinities have no JSON spelling)."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() else value


def _coerce(key: str, value: str) -> tuple[Any, str] | None:
    if key in INTEGER_KEYWORDS:
        number = _number(value)
        return (number, "string-integer") if isinstance(number, int) else None
    if key in NUMBER_KEYWORDS:
        number = _number(value)
        return (number, "string-number") if number is not None else None
    if key in BOOLEAN_KEYWORDS and value.lower() in {"true", "false"}:
        return value.lower() == "true", "string-boolean"
    return None


def _walk(node: Any, path: list, log: list[Repair]) -> None:
    if isinstance(node, list):
        for index, item in enumerate(node):
            _walk(item, [*path, index], log)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in LITERAL_KEYWORDS or str(key).startswith("x-"):
            continue
        fixed = _coerce(key, value) if isinstance(value, str) else None
        if fixed is not None:
            node[key] = fixed[0]
            log.append(Repair(pointer([*path, key]), value, fixed[0], fixed[1]))
        else:
            _walk(value, [*path, key], log)


def _requirements(document: dict) -> list[dict]:
    found = list(document.get("security") or [])
    for item in (document.get("paths") or {}).values():
        for operation in (item or {}).values() if isinstance(item, dict) else ():
            if isinstance(operation, dict):
                found.extend(operation.get("security") or [])
    return [requirement for requirement in found if isinstance(requirement, dict)]


@cache
def _later_schemes() -> dict:
    """The security schemes the later export of the cancel page defines. Read-only: repairs copy from it."""
    return json.loads(bundled_path(LATER_EXPORT).read_text()).get("components", {}).get("securitySchemes") or {}


def _security(document: dict, log: list[Repair]) -> None:
    components = document.setdefault("components", {}) if isinstance(document.get("components", {}), dict) else {}
    for requirement in _requirements(document):
        for name in requirement:
            known = _later_schemes()
            if name in (components.get("securitySchemes") or {}) or name not in known:
                continue
            at = pointer(["components", "securitySchemes", name])
            scheme = components.setdefault("securitySchemes", {})[name] = copy.deepcopy(known[name])
            log.append(Repair(at, None, scheme, "security-scheme-from-name",
                              f"spec/{BUNDLED[LATER_EXPORT]}#{at}, the later export of the same page "
                              "(spec/SOURCES.md)"))


def repair(document: dict) -> tuple[dict, list[Repair]]:
    """A repaired deep copy of `document` and the log of every change made."""
    repaired = copy.deepcopy(document)
    log: list[Repair] = []
    _walk(repaired, [], log)
    _security(repaired, log)
    return repaired, log
