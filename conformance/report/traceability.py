"""The traceability matrix: for each statement of the published document, the checks that enforce it."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.checks.catalogue import (
    ERROR_SCHEMA,
    OPERATION,
    SERVER_ERROR_SCHEMA,
    SESSION_COMPONENT,
    SESSION_ID_PARAMETER,
    Check,
)
from conformance.spec.pointer import resolve


@dataclass(frozen=True)
class Row:
    pointer: str
    label: str
    checks: tuple[Check, ...]


def _structure(document: dict) -> dict[str, str]:
    """Statements the document makes about the operation: its responses, security, parameters, and every property
    of the bodies it returns."""
    rows = {f"{OPERATION}/description": "operation description",
            f"{OPERATION}/security": "security requirement (HTTP Basic)",
            SESSION_ID_PARAMETER: "path parameter session_id",
            "/components/parameters/Payment_Session_ForUserIdHeaderParam": "header for-user-id"}
    for status in resolve(document, f"#{OPERATION}/responses"):
        rows[f"{OPERATION}/responses/{status}"] = f"response {status}"
    for base, name in [(SESSION_COMPONENT, "session"), (ERROR_SCHEMA, "4XX body"), (SERVER_ERROR_SCHEMA, "5XX body")]:
        for prop in resolve(document, f"#{base}/properties"):
            rows[f"{base}/properties/{prop}"] = f"{name} field {prop}"
    return rows


def matrix(document: dict, checks: list[Check]) -> list[Row]:
    statements = _structure(document)
    for check in checks:
        statements.setdefault(check.statement, check.quote[:80])
    return [Row(at, label, tuple(check for check in checks if check.enforces(at)))
            for at, label in sorted(statements.items())]
