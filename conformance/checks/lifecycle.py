"""Lifecycle checks: what a cancel does to sessions the suite created (or was given), judged across requests.

Where the document states an outcome it is MUST; where it only rules out some outcomes (no 2XX, no change to the
session), the rest of the expected answer is a SHOULD of its own, with the inference it rests on.
"""

from __future__ import annotations

from conformance.checks.registry import (
    ERROR_CODES,
    FACTS,
    LIFECYCLE,
    MUST,
    OPERATION,
    SESSION_COMPONENT,
    SHOULD,
    Check,
    inferred,
    register,
    stated,
)

FOR_USER_ID = "/components/parameters/Payment_Session_ForUserIdHeaderParam"
CANCELS_ACTIVE = stated(f"{OPERATION}/description", "Cancels an ACTIVE Session.")
ONLY_ACTIVE = stated(ERROR_CODES, "INVALID_SESSION_STATUS - The session is not in ACTIVE status. Only ACTIVE sessions "
                                  "can be canceled.")
NOT_FOUND = stated(ERROR_CODES, "NOT_FOUND - The session with the given session_id does not exist or does not belong "
                                "to your business.")
INVALID_KEY = stated(ERROR_CODES, "INVALID_API_KEY - The API key provided is invalid or missing.")

register(Check("LIFE-CANCEL-ACTIVE", LIFECYCLE, MUST, "state", CANCELS_ACTIVE,
               "Cancelling an ACTIVE session gives 200, status CANCELED, every other field as created (compared by "
               "meaning) except those the document lets a cancel change: updated, payment_link_url."))
register(Check("LIFE-GET-CANCELED", LIFECYCLE, MUST, "state", CANCELS_ACTIVE,
               "After a cancel, GET shows the session CANCELED."))
register(Check("LIFE-UPDATED", LIFECYCLE, SHOULD, "state",
               inferred(f"{SESSION_COMPONENT}/properties/updated",
                        "the schema names the field `updated` (Payment_Session_UpdatedDateTime) without saying what "
                        "moves it; a cancel changes the session, so it is expected to move (facts §8)"),
               "A cancel moves the session's `updated` timestamp forward."))
register(Check("LIFE-RECANCEL", LIFECYCLE, MUST, "state", ONLY_ACTIVE,
               "Cancelling a CANCELED session gives 422 INVALID_SESSION_STATUS."))
register(Check("LIFE-STATUS-MESSAGE", LIFECYCLE, SHOULD, "errors",
               inferred("/components/responses/Payment_Session_CancelSessionError/content/application~1json/examples/"
                        "invalidSessionStatus/value/message",
                        "the document's only 422 example says 'Session status is COMPLETED, expecting ACTIVE': an "
                        "example, not a rule, so naming the status (in any case or spelling) is a SHOULD"),
               "A 422 message names the session's current status (any case; CANCELED or CANCELLED)."))
register(Check("LIFE-COMPLETED", LIFECYCLE, MUST, "state", ONLY_ACTIVE,
               "Cancelling a COMPLETED session gives 422 and leaves it COMPLETED."))
register(Check("LIFE-EXPIRED", LIFECYCLE, MUST, "state", ONLY_ACTIVE,
               "Cancelling an EXPIRED session gives 422 and leaves it EXPIRED."))
register(Check("LIFE-CONCURRENT", LIFECYCLE, MUST, "concurrency", ONLY_ACTIVE,
               "Concurrent cancels of one ACTIVE session: at most one 200 (two would be two cancels of one "
               "session), and the session CANCELED after the one that succeeded."))
register(Check("LIFE-CONCURRENT-422", LIFECYCLE, SHOULD, "concurrency",
               inferred(ERROR_CODES, "the losers of a race find the session CANCELED, which the document answers "
                                     "with 422; it states no atomicity, so a loser's 409 or 429 is a warning"),
               "The losers of concurrent cancels get 422 INVALID_SESSION_STATUS."))
register(Check("LIFE-AUTH-NO-EFFECT", LIFECYCLE, MUST, "auth", INVALID_KEY,
               "A cancel with no key or a wrong key gets 401 and leaves the session ACTIVE and cancellable."))
register(Check("LIFE-OTHER-BUSINESS", LIFECYCLE, MUST, "isolation", NOT_FOUND,
               "A cancel with another business's key gets 404 and leaves the session ACTIVE."))
register(Check("LIFE-OTHER-SUBACCOUNT", LIFECYCLE, MUST, "isolation",
               stated(FOR_USER_ID, "The XenPlatform subaccount user id that will perform this transaction."),
               "A cancel on behalf of another sub-account (for-user-id) gets no 2XX and leaves the session ACTIVE."))
register(Check("LIFE-OTHER-SUBACCOUNT-404", LIFECYCLE, SHOULD, "isolation",
               inferred(f"{FACTS} §4.4",
                        "the document gives no status for a sub-account that does not own the session; 'does not "
                        "belong to your business' (404 NOT_FOUND) is the closest statement (facts §3, §4.4)"),
               "A cancel on behalf of another sub-account gets 404 NOT_FOUND."))
register(Check("LIFE-ID-VARIANT", LIFECYCLE, MUST, "ids", NOT_FOUND,
               "A cancel of a variant of a real id (prefix, extension, case, whitespace) gets no 2XX and leaves the "
               "session ACTIVE."))
register(Check("LIFE-CHECKOUT", LIFECYCLE, MUST, "checkout",
               stated(f"{OPERATION}/description", "The Xendit Hosted Checkout URL will be invalid."),
               "After a cancel, the session's hosted checkout link no longer serves the session."))
