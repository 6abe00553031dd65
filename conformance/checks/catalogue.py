"""Every check the suite runs: a stable ID, a level, the contract statement it enforces, one line of description.

A statement is a JSON pointer into the vendor document under test (``spec/cancel-session.seed.json``), with
the words found there quoted when the pointer lands on prose. MUST checks enforce what the document states;
SHOULD checks enforce an inference recorded in the facts file, and fail as warnings only.
"""

from __future__ import annotations

from dataclasses import dataclass

OPERATION = "/paths/~1sessions~1{session_id}~1cancel/post"
ERROR_RESPONSE = "/components/responses/Payment_Session_CancelSessionError"
ERROR_SCHEMA = f"{ERROR_RESPONSE}/content/application~1json/schema"
SERVER_ERROR_RESPONSE = "/components/responses/Payment_Session_Generic5XXResponse"
SERVER_ERROR_SCHEMA = f"{SERVER_ERROR_RESPONSE}/content/application~1json/schema"
SESSION_SCHEMA = f"{OPERATION}/responses/200/content/application~1json/schema"
ERROR_CODES = f"{ERROR_SCHEMA}/properties/error_code/description"
SESSION_COMPONENT = "/components/schemas/Payment_Session_StandardSessionResponsePublicSchema"
SESSION_ID_PARAMETER = "/components/parameters/Payment_Session_SessionIdPathParam"
FAMILIES = ("document", "protocol", "schema", "errors", "ids", "auth", "isolation", "state", "concurrency",
            "checkout", "robustness")

MUST, SHOULD = "MUST", "SHOULD"
SPEC, STATELESS, LIFECYCLE = "spec", "stateless", "lifecycle"


@dataclass(frozen=True)
class Check:
    id: str
    stage: str
    level: str
    family: str  # a pytest marker: run a family with ``-m auth``
    statement: str
    quote: str
    description: str
    covers: tuple[str, ...] = ()  # further statements it enforces (pointers), for the traceability matrix

    def enforces(self, pointer: str) -> bool:
        """Whether this check enforces the statement at `pointer`: its own statements, and everything inside a
        schema it validates against."""
        return any(pointer == at or (pointer.startswith(at + "/") and _is_schema(at))
                   for at in (self.statement, *self.covers))


def _is_schema(pointer: str) -> bool:
    return pointer.endswith("/schema") or pointer.startswith(("/components/schemas/", "/components/responses/"))


CATALOGUE = [
    Check("SPEC-VALID", SPEC, MUST, "document", "/openapi", "3.0.0",
          "The document, after the logged repairs, is a valid OpenAPI 3.0 document."),
    Check("SPEC-EXAMPLES", SPEC, SHOULD, "document", f"{OPERATION}/responses/200/content/application~1json/examples",
          "cancelSessionResponseExample", "Every example in the document validates against its own schema."),

    Check("CANCEL-HTTP", STATELESS, MUST, "robustness", f"{OPERATION}/responses", "200 … 4XX … 5XX",
          "Every request gets a complete HTTP response (no reset, timeout or garbage)."),
    Check("CANCEL-STATUS", STATELESS, MUST, "protocol", f"{OPERATION}/responses", "200 … 4XX … 5XX",
          "The status is one the operation declares: 200, 4XX or 5XX (no 1XX, 2XX other than 200, or 3XX).",
          (f"{OPERATION}/responses/200", f"{OPERATION}/responses/4XX", f"{OPERATION}/responses/5XX")),
    Check("CANCEL-CONTENT-TYPE", STATELESS, MUST, "protocol", f"{OPERATION}/responses/200/content", "application/json",
          "The response is Content-Type application/json and its body parses as JSON."),
    Check("CANCEL-200-SCHEMA", STATELESS, MUST, "schema", SESSION_SCHEMA,
          "Payment_Session_StandardSessionResponsePublicSchema",
          "A 200 body validates against the StandardSession schema (types, lengths, enums, formats, nullability).",
          (SESSION_COMPONENT,)),
    Check("CANCEL-200-CANCELED", STATELESS, MUST, "schema", f"{OPERATION}/responses/200/description",
          "Session Canceled",
          "A 200 body has status CANCELED."),
    Check("CANCEL-200-ID", STATELESS, MUST, "schema", "/components/schemas/Payment_Session_SessionId/description",
          "A unique identifier for the Payment Session",
          "A 200 body's payment_session_id is the id in the request path."),
    Check("CANCEL-4XX-SCHEMA", STATELESS, MUST, "schema", ERROR_RESPONSE,
          "Error response for POST /sessions/{session_id}/cancel. Possible HTTP status codes: 401, 404, 422.",
          "A 4XX body validates against the cancel error schema (error_code in its enum, message a string).",
          (f"{OPERATION}/responses/4XX",)),
    Check("CANCEL-5XX-SCHEMA", STATELESS, MUST, "schema", SERVER_ERROR_RESPONSE, "Internal Server Error",
          "A 5XX body validates against the SERVER_ERROR schema.", (f"{OPERATION}/responses/5XX",)),
    Check("CANCEL-ERROR-CODE", STATELESS, MUST, "errors", ERROR_CODES,
          "401 error codes: INVALID_API_KEY … 404 error codes: NOT_FOUND … 422 error codes: INVALID_SESSION_STATUS",
          "The error_code matches the status: INVALID_API_KEY ⇔ 401, NOT_FOUND ⇔ 404, INVALID_SESSION_STATUS ⇔ 422.",
          (f"{ERROR_SCHEMA}/properties/error_code",)),
    Check("CANCEL-NO-5XX", STATELESS, MUST, "robustness", f"{SERVER_ERROR_SCHEMA}/properties/error_code/description",
          "SERVER_ERROR - Something unexpected happened.",
          "No generated input produces a 5XX: input handling is not 'something unexpected'."),
    Check("CANCEL-NO-PHANTOM", STATELESS, MUST, "ids", ERROR_CODES,
          "NOT_FOUND - The session with the given session_id does not exist or does not belong to your business.",
          "A session id the suite never created (and was not given) never gets a 200."),
    Check("CANCEL-NOT-FOUND", STATELESS, MUST, "ids", ERROR_CODES,
          "NOT_FOUND - The session with the given session_id does not exist or does not belong to your business.",
          "With valid credentials, an unknown or malformed session id gets 404 NOT_FOUND.", (SESSION_ID_PARAMETER,)),
    Check("CANCEL-AUTH", STATELESS, MUST, "auth", ERROR_CODES,
          "INVALID_API_KEY - The API key provided is invalid or missing.",
          "A missing, empty, malformed or unknown API key gets 401 INVALID_API_KEY.", (f"{OPERATION}/security",)),
    Check("CANCEL-METHOD", STATELESS, SHOULD, "protocol", "/paths/~1sessions~1{session_id}~1cancel", "post",
          "Another method on the cancel path gets 405 (or 404) with a JSON body, never 2XX."),

    Check("LIFE-CANCEL-ACTIVE", LIFECYCLE, MUST, "state", f"{OPERATION}/description", "Cancels an ACTIVE Session.",
          "Cancelling an ACTIVE session gives 200, status CANCELED, other fields as created."),
    Check("LIFE-GET-CANCELED", LIFECYCLE, MUST, "state", f"{OPERATION}/description", "Cancels an ACTIVE Session.",
          "After a cancel, GET shows the session CANCELED."),
    Check("LIFE-UPDATED", LIFECYCLE, SHOULD, "state",
          "/components/schemas/Payment_Session_StandardSessionResponsePublicSchema/properties/updated",
          "Payment_Session_UpdatedDateTime",
          "A cancel moves the session's `updated` timestamp forward."),
    Check("LIFE-RECANCEL", LIFECYCLE, MUST, "state", ERROR_CODES,
          "INVALID_SESSION_STATUS - The session is not in ACTIVE status. Only ACTIVE sessions can be canceled.",
          "Cancelling a CANCELED session gives 422 INVALID_SESSION_STATUS."),
    Check("LIFE-STATUS-MESSAGE", LIFECYCLE, SHOULD, "errors",
          "/components/responses/Payment_Session_CancelSessionError/content/application~1json/examples/"
          "invalidSessionStatus/value/message", "Session status is COMPLETED, expecting ACTIVE",
          "A 422 message names the session's current status."),
    Check("LIFE-COMPLETED", LIFECYCLE, MUST, "state", ERROR_CODES,
          "INVALID_SESSION_STATUS - The session is not in ACTIVE status. Only ACTIVE sessions can be canceled.",
          "Cancelling a COMPLETED session gives 422 and leaves it COMPLETED."),
    Check("LIFE-EXPIRED", LIFECYCLE, MUST, "state", ERROR_CODES,
          "INVALID_SESSION_STATUS - The session is not in ACTIVE status. Only ACTIVE sessions can be canceled.",
          "Cancelling an EXPIRED session gives 422 and leaves it EXPIRED."),
    Check("LIFE-CONCURRENT", LIFECYCLE, MUST, "concurrency", ERROR_CODES,
          "Only ACTIVE sessions can be canceled.",
          "Eight concurrent cancels of one ACTIVE session: exactly one 200, seven 422, final state CANCELED."),
    Check("LIFE-AUTH-NO-EFFECT", LIFECYCLE, MUST, "auth", ERROR_CODES,
          "INVALID_API_KEY - The API key provided is invalid or missing.",
          "A cancel with no key or a wrong key gets 401 and leaves the session ACTIVE and cancellable."),
    Check("LIFE-OTHER-BUSINESS", LIFECYCLE, MUST, "isolation", ERROR_CODES,
          "NOT_FOUND - The session with the given session_id does not exist or does not belong to your business.",
          "A cancel with another business's key gets 404 and leaves the session ACTIVE."),
    Check("LIFE-OTHER-SUBACCOUNT", LIFECYCLE, MUST, "isolation",
          "/components/parameters/Payment_Session_ForUserIdHeaderParam",
          "The XenPlatform subaccount user id that will perform this transaction.",
          "A cancel on behalf of another sub-account (for-user-id) gets 404 and leaves the session ACTIVE."),
    Check("LIFE-ID-VARIANT", LIFECYCLE, MUST, "ids", ERROR_CODES,
          "NOT_FOUND - The session with the given session_id does not exist or does not belong to your business.",
          "A cancel of a prefix or case variant of a real id gets 404 and leaves the session ACTIVE."),
    Check("LIFE-CHECKOUT", LIFECYCLE, MUST, "checkout", f"{OPERATION}/description",
          "The Xendit Hosted Checkout URL will be invalid.",
          "After a cancel, the session's hosted checkout link no longer serves the session."),
]

BY_ID = {check.id: check for check in CATALOGUE}


def select(ids: list[str] | None, should: bool = True) -> list[Check]:
    """The checks to run: all, or those named; SHOULD checks dropped when `should` is off."""
    unknown = sorted(set(ids or ()) - BY_ID.keys())
    if unknown:
        raise KeyError(", ".join(unknown))
    chosen = [check for check in CATALOGUE if not ids or check.id in ids]
    return [check for check in chosen if should or check.level == MUST]
