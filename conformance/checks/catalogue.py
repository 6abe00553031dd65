"""The catalogue: every check the suite runs, in declaration order, built from the registry.

Checks are declared next to the code that judges them (``document``, ``stateless``, ``reading``, ``lifecycle``);
importing this module declares them all.
"""

from __future__ import annotations

from conformance.checks import document, lifecycle, reading, stateless  # noqa: F401 - importing declares them
from conformance.checks.registry import (  # re-exported (__all__): the catalogue's vocabulary
    ERROR_CODES,
    ERROR_RESPONSE,
    ERROR_SCHEMA,
    FAMILIES,
    INFERRED,
    LIFECYCLE,
    MUST,
    OPERATION,
    REGISTRY,
    RFC,
    SERVER_ERROR_RESPONSE,
    SERVER_ERROR_SCHEMA,
    SESSION_COMPONENT,
    SESSION_ID_PARAMETER,
    SESSION_SCHEMA,
    SHOULD,
    SPEC,
    STATED,
    STATELESS,
    Check,
)

__all__ = ["CATALOGUE", "ERROR_CODES", "ERROR_RESPONSE", "ERROR_SCHEMA", "FAMILIES", "INFERRED", "LIFECYCLE", "MUST",
           "OPERATION", "REGISTRY", "RFC", "SERVER_ERROR_RESPONSE", "SERVER_ERROR_SCHEMA", "SESSION_COMPONENT",
           "SESSION_ID_PARAMETER", "SESSION_SCHEMA", "SHOULD", "SPEC", "STAGES", "STATED", "STATELESS", "Check",
           "select"]

STAGES = (SPEC, STATELESS, LIFECYCLE)
CATALOGUE: list[Check] = sorted(REGISTRY.values(), key=lambda check: STAGES.index(check.stage))


def select(ids: list[str] | None, should: bool = True) -> list[Check]:
    """The checks to run: all, or those named; SHOULD checks dropped when `should` is off."""
    unknown = sorted(set(ids or ()) - REGISTRY.keys())
    if unknown:
        raise KeyError(", ".join(unknown))
    chosen = [check for check in CATALOGUE if not ids or check.id in ids]
    return [check for check in chosen if should or check.level == MUST]
