"""The reference model of Payment Sessions: pure Python, no I/O.

It holds the sessions a run created (owner, status, ``expires_at``, every field the API returned) and says, for each
operation (create, get, cancel, test-control complete/expire, another method on the cancel path, a variant of an id,
concurrent cancels, time passing), what the target may answer and what may change. Where the document leaves a
choice, an expectation lists several allowed outcomes, each labelled with the check ID and level that enforces it.
"""

from conformance.model.expect import Expectation, Outcome, expect_cancel, expect_get, expect_method, expect_variant
from conformance.model.state import (
    ACTIVE,
    CANCELED,
    COMPLETED,
    EXPIRED,
    VOLATILE_ON_CANCEL,
    Model,
    Session,
)

__all__ = ["ACTIVE", "CANCELED", "COMPLETED", "EXPIRED", "VOLATILE_ON_CANCEL", "Expectation", "Model", "Outcome",
           "Session", "expect_cancel", "expect_get", "expect_method", "expect_variant"]
