"""Profiles: ``strict`` holds the target to the published document alone; ``lenient`` adds allowances.

Each allowance is a documented departure seen in an earlier Xendit specification (docs/xendit-facts.md §3, §7),
applied by the checks that would otherwise fail on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.identifiers import SESSION_ID


@dataclass(frozen=True)
class Allowance:
    name: str
    answers: frozenset[tuple[int, str]]  # (status, error_code) it accepts
    malformed_ids_only: bool
    checks: tuple[str, ...]
    description: str
    source: str

    def allows(self, status: int, error_code: object, session_id: str) -> bool:
        if self.malformed_ids_only and SESSION_ID.fullmatch(session_id):
            return False
        return (status, error_code) in self.answers


ALLOWANCES = {
    "lenient": (
        Allowance("malformed-id-400", frozenset({(400, "API_VALIDATION_ERROR")}), True,
                  ("CANCEL-NOT-FOUND", "CANCEL-OUT-OF-BOUNDS-404", "CANCEL-4XX-SCHEMA", "CANCEL-ERROR-CODE",
                   "LIFE-ID-VARIANT"),
                  "A malformed session_id (not ps- + 24 lowercase hex) may get 400 API_VALIDATION_ERROR.",
                  "Xendit's Jan 2026 Payments OpenAPI (xendit/demo-store payments.yaml) declares 400 "
                  "API_VALIDATION_ERROR for cancel and a 27/27 length on session_id (facts §3, §7.3)."),
        Allowance("session-not-found-404", frozenset({(404, "SESSION_NOT_FOUND")}), False,
                  ("CANCEL-NOT-FOUND", "CANCEL-OUT-OF-BOUNDS-404", "CANCEL-4XX-SCHEMA", "CANCEL-ERROR-CODE",
                   "LIFE-OTHER-BUSINESS", "LIFE-OTHER-SUBACCOUNT-404", "LIFE-ID-VARIANT"),
                  "A 404 may carry error_code SESSION_NOT_FOUND instead of NOT_FOUND.",
                  "Xendit's Jan 2026 Payments OpenAPI gives SESSION_NOT_FOUND as the 404 code (facts §2, §7.1)."),
        Allowance("path-before-key", frozenset({(400, "API_VALIDATION_ERROR"), (404, "NOT_FOUND")}), True,
                  ("CANCEL-AUTH",),
                  "A malformed session_id with unusable credentials may be rejected for the id (400 "
                  "API_VALIDATION_ERROR or 404 NOT_FOUND) before the key is looked at.",
                  "A request validator in front of the handler (the Jan 2026 Payments OpenAPI's 400 for cancel, "
                  "facts §3) checks path parameters before authentication runs; the document does not order the "
                  "two."),
    ),
    "strict": (),
}
PROFILES = tuple(ALLOWANCES)


def allowed(profile: str, check_id: str, status: int, error_code: object, session_id: str) -> Allowance | None:
    """The allowance of `profile` that lets `check_id` accept this status and error code, if any."""
    for allowance in ALLOWANCES[profile]:
        if check_id in allowance.checks and allowance.allows(status, error_code, session_id):
            return allowance
    return None
