"""One classification of who a request claims to be, used by every judge: the cases as data, and the two judges
(the stateless checks and the model) reading the same classification of the same request."""

from __future__ import annotations

import base64

import pytest
from requests.structures import CaseInsensitiveDict

from conformance.checks.findings import NA, CheckContext
from conformance.checks.stateless import STATELESS_CHECKS
from conformance.generation.probe import Credentials
from conformance.model.expect import expect_cancel
from conformance.model.state import ACTIVE, Session
from conformance.spec.schemas import Schemas
from conformance.spec.stage import load_repaired
from conformance.target.exchange import Exchange, Request, Response
from conformance.target.identity import INVALID, MAIN, OTHER, PASSWORD, UNUSUAL, Actor, Owner, basic, classify

A, B = "xnd_development_business_a", "xnd_development_business_b"
KEYS = {MAIN: A, OTHER: B}
SID = "ps-661f87c614802d6c402cd82d"

CASES = [  # (description, headers, who they claim to be)
    ("the key", {"Authorization": basic(A)}, Actor(MAIN)),
    ("the other business's key", {"Authorization": basic(B)}, Actor(OTHER)),
    ("the key for a sub-account", {"Authorization": basic(A), "for-user-id": "sub-1"}, Actor(MAIN, "sub-1")),
    ("the header name in another case", {"AUTHORIZATION": basic(A), "For-User-Id": "s"}, Actor(MAIN, "s")),
    ("a non-ASCII for-user-id", {"Authorization": basic(B), "for-user-id": "é".encode()}, Actor(OTHER, "Ã©")),
    ("the key with a password", {"Authorization": basic(A, "secret")}, Actor(MAIN, "", PASSWORD)),
    ("the other business's key with a password", {"Authorization": basic(B, "x")}, Actor(OTHER, "", PASSWORD)),
    ("the scheme in lower case (RFC 9110 §11.1)", {"Authorization": "basic" + basic(A)[5:]}, Actor(MAIN)),
    ("the scheme in upper case", {"authorization": "BASIC" + basic(A)[5:]}, Actor(MAIN)),
    ("two spaces after the scheme (§11.4: 1*SP)", {"Authorization": basic(A).replace(" ", "  ")}, Actor(MAIN)),
    ("whitespace around the values (§5.5)", {"Authorization": basic(A) + " \t", "FOR-USER-ID": "s "},
     Actor(MAIN, "s")),
    ("a tab after the scheme", {"Authorization": basic(A).replace(" ", "\t")}, Actor("", "", INVALID)),
    ("the scheme in lower case, with a password", {"Authorization": "basic" + basic(A, "x")[5:]},
     Actor(MAIN, "", PASSWORD)),
    ("an empty for-user-id", {"Authorization": basic(A), "for-user-id": ""}, Actor(MAIN, "", UNUSUAL)),
    ("no Authorization", {}, Actor("", "", INVALID)),
    ("an unknown key", {"Authorization": basic("xnd_development_nobody")}, Actor("", "", INVALID)),
    ("the key in upper case", {"Authorization": basic(A.upper())}, Actor("", "", INVALID)),
    ("the key with spaces", {"Authorization": basic(f" {A} ")}, Actor("", "", INVALID)),
    ("Bearer", {"Authorization": f"Bearer {A}"}, Actor("", "", INVALID)),
    ("the key unencoded", {"Authorization": A}, Actor("", "", INVALID)),
    ("malformed base64", {"Authorization": "Basic !!not-base64!!"}, Actor("", "", INVALID)),
    ("no colon", {"Authorization": "Basic " + base64.b64encode(A.encode()).decode()}, Actor("", "", INVALID)),
    ("the key as the password", {"Authorization": basic("", A)}, Actor("", "", INVALID)),
    ("an invalid key for a sub-account", {"for-user-id": "sub-1"}, Actor("", "sub-1", INVALID)),
]


@pytest.mark.parametrize(("description", "headers", "expected"), CASES, ids=[case[0] for case in CASES])
def test_classify(description, headers, expected):
    assert classify(headers, KEYS) == expected


def test_a_run_without_another_key_knows_one_business():
    assert classify({"Authorization": basic(B)}, {MAIN: A}) == Actor("", "", INVALID)


@pytest.mark.parametrize(("headers", "configured"), [
    ({"Authorization": basic(A)}, False),  # the run acts for sub-1: no for-user-id is its master account
    ({"Authorization": basic(A), "for-user-id": "sub-1"}, True),
    ({"Authorization": basic(B), "for-user-id": "sub-1"}, False),
    ({"Authorization": basic(A), "for-user-id": "sub-2"}, False),
])
def test_the_runs_own_identity(headers, configured):
    intent = Credentials(A, "sub-1", B).intent("auth", "x", SID, headers)
    assert intent.configured is configured
    assert intent.actor == classify(headers, KEYS)


def _answer(status: int, body: bytes) -> Exchange:
    headers = {"Authorization": basic(B, "secret")}
    intent = Credentials(A, None, B).intent("lifecycle", "cancel", SID, headers, known=True)
    return Exchange(intent, Request("POST", f"http://127.0.0.1:1/sessions/{SID}/cancel", headers),
                    Response(status, CaseInsensitiveDict({"Content-Type": "application/json"}), body, 0.01))


def test_both_judges_read_one_classification_of_a_key_with_a_password():
    """The other business's key with a password on the main business's session: the document does not say how a
    password is answered, so the stateless CANCEL-AUTH has nothing to hold it to and the model allows the key's answer
    (404) as well as a 401. Before the classification was shared, CANCEL-AUTH took it for an unknown key."""
    exchange = _answer(404, b'{"error_code": "NOT_FOUND", "message": "not yours"}')
    context = CheckContext("strict", Schemas(load_repaired("cancel")), {SID})
    assert STATELESS_CHECKS["CANCEL-AUTH"](exchange, context) == NA
    session = Session(SID, Owner(MAIN), ACTIVE, {"payment_session_id": SID, "status": ACTIVE})
    expectation = expect_cancel(session, exchange.intent.actor, 0.0, 0.25)
    assert {(outcome.check_id, outcome.status) for outcome in expectation.outcomes} == {
        ("LIFE-AUTH-NO-EFFECT", 401), ("LIFE-OTHER-BUSINESS", 404)}
