"""Repair what is unambiguous in a published document, and log every repair.

Rules (each repair names one):
- ``string-integer`` / ``string-number``: a numeric schema keyword given as a string ("27" → 27).
- ``string-boolean``: a boolean keyword given as "true"/"false" (``nullable``, parameter ``required`` …).
- ``security-scheme-from-name``: a security requirement names a scheme that ``components.securitySchemes``
  does not define, and the name itself says what it is (``…BasicAuth`` → HTTP basic).
Literal data (``example``, ``examples``, ``default``, ``enum``, ``const``, ``x-*``) is never touched.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from conformance.spec.pointer import pointer

INTEGER_KEYWORDS = {"minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"}
NUMBER_KEYWORDS = {"minimum", "maximum", "multipleOf"}
BOOLEAN_KEYWORDS = {
    "nullable", "required", "readOnly", "writeOnly", "deprecated", "uniqueItems", "allowEmptyValue",
    "explode", "allowReserved", "exclusiveMinimum", "exclusiveMaximum", "additionalProperties",
}
LITERAL_KEYWORDS = {"example", "examples", "default", "enum", "const"}
BASIC_NAME = re.compile(r"basic", re.IGNORECASE)


@dataclass(frozen=True)
class Repair:
    pointer: str
    before: Any
    after: Any
    rule: str

    def as_dict(self) -> dict:
        return {"pointer": self.pointer, "before": self.before, "after": self.after, "rule": self.rule}


def _number(text: str) -> int | float | None:
    try:
        value = float(text)
    except ValueError:
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


def _security(document: dict, log: list[Repair]) -> None:
    components = document.setdefault("components", {}) if isinstance(document.get("components", {}), dict) else {}
    for requirement in _requirements(document):
        for name in requirement:
            schemes = components.get("securitySchemes") or {}
            if name in schemes or not BASIC_NAME.search(name):
                continue
            scheme = {"type": "http", "scheme": "basic"}
            components.setdefault("securitySchemes", {})[name] = scheme
            log.append(Repair(pointer(["components", "securitySchemes", name]), None, scheme,
                              "security-scheme-from-name"))


def repair(document: dict) -> tuple[dict, list[Repair]]:
    """A repaired deep copy of `document` and the log of every change made."""
    repaired = copy.deepcopy(document)
    log: list[Repair] = []
    _walk(repaired, [], log)
    _security(repaired, log)
    return repaired, log
