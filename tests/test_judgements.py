"""Each lifecycle judgement on crafted steps: the model's expectation and the exchanges a target might give."""

from __future__ import annotations

import json

import pytest
from requests.structures import CaseInsensitiveDict

from conformance.checks.catalogue import CATALOGUE, LIFECYCLE
from conformance.checks.findings import NA
from conformance.checks.lifecycle import JUDGEMENTS, Finding, Step
from conformance.model.expect import (
    Expectation,
    expect_burst,
    expect_cancel,
    expect_get,
    expect_method,
    expect_read_during,
    expect_variant,
)
from conformance.model.state import ACTIVE, CANCELED, COMPLETED, EXPIRED, Margin, Model
from conformance.target.exchange import Exchange, Intent, Request, Response
from conformance.target.identity import MAIN, OTHER, Actor, Owner

SID = "ps-661f87c614802d6c402cd82d"
BODY = {"payment_session_id": SID, "status": ACTIVE, "updated": "2026-11-26T04:05:00.000Z",
        "expires_at": "2099-11-26T04:30:00.000Z", "amount": 12.5, "description": "Café", "items": [{"name": "a"}],
        "payment_link_url": "https://checkout.example/ps"}
NOW, MARGIN = 4_000_000_000.0, Margin(0.5)
KEY = Actor(MAIN)
CANCELED_BODY = {**BODY, "status": CANCELED, "updated": "2026-11-26T04:06:00.000Z"}
NOT_FOUND = {"error_code": "NOT_FOUND", "message": "not found"}
INVALID_STATUS = {"error_code": "INVALID_SESSION_STATUS", "message": "Session status is CANCELED, expecting ACTIVE"}


def exchange(status: int | None, body: object = None, description: str = "cancel", date: str | None = None) -> \
        Exchange:
    """An exchange whose answer is `body` as JSON (bytes: as sent), or none when `status` is None; `date`: its Date."""
    sent = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"content-type": "application/json"} | ({"date": date} if date else {})
    response = None if status is None else Response(status, CaseInsensitiveDict(headers), sent, 0.001)
    return Exchange(Intent("lifecycle", description, SID), Request("POST", f"http://t/sessions/{SID}/cancel"),
                    response, error=None if response else "ConnectionError")


MAIN_OWNER = Owner(MAIN)


def session(status: str = ACTIVE, owner: Owner = MAIN_OWNER):
    added = Model().add(owner, {**BODY, "status": status} if status == ACTIVE else BODY)
    return added if status == ACTIVE else added.ended(status).read({**BODY, "status": status})


def cancel(status: str = ACTIVE, actor: Actor = KEY) -> Expectation:
    return expect_cancel(session(status), actor, NOW, MARGIN)


ACTIVE_READ = exchange(200, BODY, "GET")
EDGE = Model().add(MAIN_OWNER, {**BODY, "created": "2026-11-26T04:00:00.000Z",
                                "expires_at": "2096-10-02T07:06:40.000Z"})  # expires at NOW: either status
EXPIRED_READ = exchange(200, {**EDGE.body, "status": EXPIRED, "updated": "2096-10-02T07:06:40.000Z",
                              "payment_link_url": None}, "GET")
INVALID_EXPIRED = {"error_code": "INVALID_SESSION_STATUS", "message": "Session status is EXPIRED, expecting ACTIVE"}
PAST_BODY = {**BODY, "expires_at": "2021-12-31T23:59:59Z"}  # surely expired at NOW (as Prism's example session)
PAST = Model().add(MAIN_OWNER, PAST_BODY).ended(EXPIRED)  # as the model holds it once time ended it
PAST_ACTIVE_READ = exchange(200, PAST_BODY, "GET")  # a target whose expiry runs later than --expiry-lag
NO_KEY = Actor(MAIN, credential="invalid")
UNAUTHORIZED = {"error_code": "INVALID_API_KEY", "message": "x"}
CASES = [  # (check, description, step, conforms: True, False, or NA)
    ("LIFE-CANCEL-ACTIVE", "200 CANCELED, other fields kept", Step(cancel(), [exchange(200, CANCELED_BODY)]), True),
    ("LIFE-CANCEL-ACTIVE", "payment_link_url may go null", Step(cancel(), [exchange(200, {
        **CANCELED_BODY, "payment_link_url": None})]), True),
    ("LIFE-CANCEL-ACTIVE", "404 for the owner", Step(cancel(), [exchange(404, NOT_FOUND)]), False),
    ("LIFE-CANCEL-ACTIVE", "items dropped", Step(cancel(), [exchange(200, {**CANCELED_BODY, "items": None})]), False),
    ("LIFE-CANCEL-ACTIVE", "decimals lost", Step(cancel(), [exchange(200, {**CANCELED_BODY, "amount": 12})]), False),
    ("LIFE-CANCEL-ACTIVE", "non-ASCII mangled", Step(cancel(), [exchange(200, {**CANCELED_BODY,
                                                                              "description": "Caf?"})]), False),
    ("LIFE-CANCEL-ACTIVE", "200 CANCELED behind a byte order mark: no strict client reads it", Step(cancel(), [
        exchange(200, b"\xef\xbb\xbf" + json.dumps(CANCELED_BODY).encode())]), False),
    ("LIFE-CANCEL-ACTIVE", "status twice, ACTIVE then CANCELED: which one a client keeps is its own", Step(cancel(), [
        exchange(200, b'{"status":"ACTIVE",' + json.dumps(CANCELED_BODY).encode()[1:])]), False),
    ("LIFE-UPDATED", "moved forward", Step(cancel(), [exchange(200, CANCELED_BODY)]), True),
    ("LIFE-UPDATED", "not moved", Step(cancel(), [exchange(200, {**CANCELED_BODY, "updated": BODY["updated"]})]),
     False),
    ("LIFE-UPDATED", "a refused cancel is not judged", Step(cancel(), [exchange(404, NOT_FOUND)]), NA),
    ("LIFE-GET-CANCELED", "CANCELED", Step(expect_get(session(CANCELED), KEY, NOW, MARGIN),
                                           [exchange(200, {**BODY, "status": CANCELED}, "GET")]), True),
    ("LIFE-GET-CANCELED", "a cached ACTIVE", Step(expect_get(session(CANCELED), KEY, NOW, MARGIN), [ACTIVE_READ]),
     False),
    ("LIFE-RECANCEL", "422, unchanged", Step(cancel(CANCELED), [exchange(422, INVALID_STATUS)],
                                            exchange(200, {**BODY, "status": CANCELED})), True),
    ("LIFE-RECANCEL", "200 again", Step(cancel(CANCELED), [exchange(200, CANCELED_BODY)]), False),
    ("LIFE-RECANCEL", "422; the read after it got no answer", Step(cancel(CANCELED), [exchange(422, INVALID_STATUS)],
                                                                  exchange(None)), True),
    ("LIFE-RECANCEL", "422 but `updated` moved", Step(cancel(CANCELED), [exchange(422, INVALID_STATUS)], exchange(
        200, {**BODY, "status": CANCELED, "updated": "2026-11-26T05:00:00Z"})), False),
    ("LIFE-COMPLETED", "422", Step(cancel(COMPLETED), [exchange(422, INVALID_STATUS)]), True),
    ("LIFE-COMPLETED", "200", Step(cancel(COMPLETED), [exchange(200, CANCELED_BODY)]), False),
    ("LIFE-EXPIRED", "422 once expires_at passed, unread", Step(expect_cancel(
        Model().add(Owner(MAIN), {**BODY, "expires_at": "2026-01-01T00:00:00Z"}), KEY, NOW, MARGIN),
        [exchange(422, {**INVALID_STATUS, "message": "Session status is EXPIRED"})]), True),
    ("LIFE-EXPIRED", "canceled after expires_at", Step(expect_cancel(
        Model().add(Owner(MAIN), {**BODY, "expires_at": "2026-01-01T00:00:00Z"}), KEY, NOW, MARGIN),
        [exchange(200, CANCELED_BODY)]), False),
    ("LIFE-STATUS-MESSAGE", "names the status", Step(cancel(CANCELED), [exchange(422, INVALID_STATUS)]), True),
    ("LIFE-STATUS-MESSAGE", "generic message", Step(cancel(CANCELED), [exchange(422, {
        **INVALID_STATUS, "message": "Invalid status"})]), False),
    ("LIFE-AUTH-NO-EFFECT", "401, unchanged", Step(cancel(actor=NO_KEY), [exchange(401, UNAUTHORIZED)], ACTIVE_READ),
     True),
    ("LIFE-AUTH-NO-EFFECT", "past its expiry, still read ACTIVE: late to expire (LIFE-READ's), not changed", Step(
        expect_cancel(PAST, NO_KEY, NOW, MARGIN), [exchange(401, UNAUTHORIZED)], PAST_ACTIVE_READ), True),
    ("LIFE-AUTH-NO-EFFECT", "past its expiry, read CANCELED", Step(expect_cancel(PAST, NO_KEY, NOW, MARGIN), [
        exchange(401, UNAUTHORIZED)], exchange(200, {**PAST_BODY, "status": CANCELED}, "GET")), False),
    ("LIFE-AUTH-NO-EFFECT", "at its expiry, read back EXPIRED, its link gone", Step(
        expect_cancel(EDGE, NO_KEY, NOW, MARGIN), [exchange(401, UNAUTHORIZED)], EXPIRED_READ,
        reread_statuses=frozenset({ACTIVE, EXPIRED})), True),
    ("LIFE-AUTH-NO-EFFECT", "far from its expiry, read back EXPIRED", Step(cancel(actor=NO_KEY), [
        exchange(401, UNAUTHORIZED)], exchange(200, {**BODY, "status": EXPIRED}, "GET"),
        reread_statuses=frozenset({ACTIVE})), False),
    ("LIFE-AUTH-NO-EFFECT", "an altered key works", Step(cancel(actor=NO_KEY), [exchange(200, CANCELED_BODY)]), False),
    ("LIFE-AUTH-NO-EFFECT", "a key with a password may work", Step(cancel(actor=Actor(MAIN, credential="password")),
                                                                   [exchange(200, CANCELED_BODY)]), True),
    ("LIFE-OTHER-BUSINESS", "404", Step(cancel(actor=Actor(OTHER)), [exchange(404, NOT_FOUND)], ACTIVE_READ), True),
    ("LIFE-OTHER-BUSINESS", "422 leaks the status", Step(cancel(actor=Actor(OTHER)), [exchange(422, INVALID_STATUS)]),
     False),
    ("LIFE-OTHER-BUSINESS", "refused, but canceled", Step(cancel(actor=Actor(OTHER)), [exchange(404, NOT_FOUND)],
                                                          exchange(200, CANCELED_BODY)), False),
    ("LIFE-OTHER-SUBACCOUNT", "403", Step(cancel(actor=Actor(MAIN, "sub-2")), [exchange(403, {})], ACTIVE_READ),
     True),
    ("LIFE-OTHER-SUBACCOUNT", "200", Step(cancel(actor=Actor(MAIN, "sub-2")), [exchange(200, CANCELED_BODY)]), False),
    ("LIFE-OTHER-SUBACCOUNT", "the master on its sub-account's session may act: then this check did not judge",
     Step(expect_cancel(session(owner=Owner(MAIN, "sub-1")), KEY, NOW, MARGIN), [exchange(200, CANCELED_BODY)]),
     NA),
    ("LIFE-OTHER-SUBACCOUNT", "the master on its sub-account's session may refuse, changing nothing",
     Step(expect_cancel(session(owner=Owner(MAIN, "sub-1")), KEY, NOW, MARGIN), [exchange(404, NOT_FOUND)],
          exchange(200, BODY, "GET")), True),
    ("LIFE-EXPIRED", "at its expiry, acted on (200): this check did not judge", Step(
        expect_cancel(EDGE, KEY, NOW, MARGIN), [exchange(200, {**EDGE.body, "status": CANCELED})]), NA),
    ("LIFE-OTHER-SUBACCOUNT-404", "404", Step(cancel(actor=Actor(MAIN, "sub-2")), [exchange(404, NOT_FOUND)]), True),
    ("LIFE-OTHER-SUBACCOUNT-404", "403", Step(cancel(actor=Actor(MAIN, "sub-2")), [exchange(403, {})]), False),
    ("LIFE-ID-VARIANT", "404, unchanged", Step(expect_variant(session(), KEY), [exchange(404, NOT_FOUND)],
                                               ACTIVE_READ), True),
    ("LIFE-ID-VARIANT", "the variant cancels the session", Step(expect_variant(session(), KEY), [exchange(
        200, CANCELED_BODY)]), False),
    ("LIFE-METHOD-NO-EFFECT", "405, unchanged", Step(expect_method(session(), KEY), [exchange(405, {})],
                                                     ACTIVE_READ), True),
    ("LIFE-METHOD-NO-EFFECT", "405, but canceled", Step(expect_method(session(), KEY), [exchange(405, {})],
                                                        exchange(200, CANCELED_BODY)), False),
    ("LIFE-CONCURRENT", "one 200, the rest 422, CANCELED after", Step(
        expect_burst(session(), KEY, NOW, MARGIN), [exchange(200, CANCELED_BODY), exchange(422, INVALID_STATUS)],
        exchange(200, CANCELED_BODY)), True),
    ("LIFE-CONCURRENT", "two 200s", Step(expect_burst(session(), KEY, NOW, MARGIN),
                                         [exchange(200, CANCELED_BODY)] * 2, exchange(200, CANCELED_BODY)), False),
    ("LIFE-CONCURRENT", "a burst on a CANCELED session is not a race", Step(
        expect_burst(session(CANCELED), KEY, NOW, MARGIN), [exchange(422, INVALID_STATUS)] * 2), NA),
    ("LIFE-CONCURRENT-422", "losers 422", Step(expect_burst(session(), KEY, NOW, MARGIN),
                                               [exchange(200, CANCELED_BODY), exchange(422, INVALID_STATUS)]), True),
    ("LIFE-CONCURRENT-422", "losers 409", Step(expect_burst(session(), KEY, NOW, MARGIN),
                                               [exchange(200, CANCELED_BODY), exchange(409, {})]), False),
    ("LIFE-CHECKOUT", "404 once canceled", Step(Expectation("checkout", session(CANCELED), KEY, (), ("LIFE-CHECKOUT",)),
                                                [exchange(404, {})]), True),
    ("LIFE-CHECKOUT", "200 once canceled", Step(Expectation("checkout", session(CANCELED), KEY, (),
                                                            ("LIFE-CHECKOUT",)), [exchange(200, {})]), False),
    ("LIFE-FRAME", "the other session as it was", Step(cancel(), [exchange(200, CANCELED_BODY)], frame=[
        (session(), frozenset({ACTIVE}), ACTIVE_READ)]), True),
    ("LIFE-FRAME", "the other session's `updated` moved", Step(cancel(), [exchange(200, CANCELED_BODY)], frame=[
        (session(), frozenset({ACTIVE}), exchange(200, {**BODY, "updated": "2026-11-26T05:00:00Z"}))]), False),
    ("LIFE-FRAME", "the other session canceled too", Step(cancel(), [exchange(200, CANCELED_BODY)], frame=[
        (session(), frozenset({ACTIVE}), exchange(200, CANCELED_BODY))]), False),
    ("LIFE-FRAME", "no other session", Step(cancel(), [exchange(200, CANCELED_BODY)]), NA),
    ("LIFE-FRAME", "a read with no answer shows no change", Step(cancel(), [exchange(200, CANCELED_BODY)], frame=[
        (session(), frozenset({ACTIVE}), exchange(None))]), True),
    ("LIFE-FRAME", "a read that shows the session gone", Step(cancel(), [exchange(200, CANCELED_BODY)], frame=[
        (session(), frozenset({ACTIVE}), exchange(404, NOT_FOUND))]), False),
    ("LIFE-READ", "the owner reads it as it is", Step(expect_get(session(COMPLETED), KEY, NOW, MARGIN), [
        exchange(200, {**BODY, "status": COMPLETED})]), True),
    ("LIFE-READ", "another business reads it", Step(expect_get(session(), Actor(OTHER), NOW, MARGIN),
                                                    [ACTIVE_READ]), False),
    ("LIFE-READ", "at its expiry, EXPIRED with the fields that move with it moved", Step(
        expect_get(EDGE, KEY, NOW, MARGIN), [EXPIRED_READ]), True),
    ("LIFE-READ", "at its expiry, EXPIRED with its amount changed", Step(expect_get(EDGE, KEY, NOW, MARGIN), [
        exchange(200, {**EDGE.body, "status": EXPIRED, "amount": 12}, "GET")]), False),
    ("LIFE-READ", "beside its owner's cancel, CANCELED", Step(expect_read_during(session(), KEY, NOW, MARGIN, True), [
        exchange(200, CANCELED_BODY, "GET")]), True),
    ("LIFE-READ", "beside its owner's cancel, 404", Step(expect_read_during(session(), KEY, NOW, MARGIN, True), [
        exchange(404, NOT_FOUND, "GET")]), False),
    ("LIFE-EXPIRED", "at its expiry, refused as EXPIRED, and read so", Step(
        expect_cancel(EDGE, KEY, NOW, MARGIN), [exchange(422, INVALID_EXPIRED)], EXPIRED_READ), True),
    ("LIFE-FRAME", "another session at its expiry reads EXPIRED, its link gone", Step(
        cancel(), [exchange(200, CANCELED_BODY)], frame=[(EDGE, frozenset({ACTIVE, EXPIRED}), EXPIRED_READ)]), True),
    ("LIFE-FRAME", "another session past its expiry, still read ACTIVE: late to expire, not changed", Step(
        cancel(), [exchange(200, CANCELED_BODY)], frame=[(PAST, frozenset({EXPIRED}), PAST_ACTIVE_READ)]), True),
    ("LIFE-FRAME", "another session past its expiry, read CANCELED", Step(cancel(), [exchange(200, CANCELED_BODY)],
        frame=[(PAST, frozenset({EXPIRED}), exchange(200, {**PAST_BODY, "status": CANCELED}, "GET"))]), False),
    ("LIFE-TIMESTAMPS", "in order", Step(cancel(), [exchange(200, {**CANCELED_BODY, "created": BODY["updated"]},
                                                             date="Thu, 26 Nov 2026 04:06:00 GMT")]), True),
    ("LIFE-TIMESTAMPS", "the same instants with an offset", Step(cancel(), [exchange(200, {
        **CANCELED_BODY, "created": "2026-11-26T11:05:00+07:00", "updated": "2026-11-26T11:06:00.000+07:00"})]),
     True),
    ("LIFE-TIMESTAMPS", "updated before created", Step(cancel(), [exchange(200, {
        **CANCELED_BODY, "created": "2026-11-26T04:07:00.000Z"})]), False),
    ("LIFE-TIMESTAMPS", "updated moved back", Step(cancel(), [exchange(200, {
        **CANCELED_BODY, "updated": "2026-11-26T04:04:00.000Z"})]), False),
    ("LIFE-TIMESTAMPS", "expires_at not after created", Step(cancel(), [exchange(200, {
        **CANCELED_BODY, "created": "2026-11-26T04:00:00Z", "expires_at": "2026-11-26T03:59:00Z"})]), False),
    ("LIFE-TIMESTAMPS", "updated hours after the answer's Date (local time written as Z)", Step(cancel(), [
        exchange(200, {**CANCELED_BODY, "updated": "2026-11-26T11:06:00.000Z"},
                 date="Thu, 26 Nov 2026 04:06:00 GMT")]), False),
    ("LIFE-TIMESTAMPS", "no session shown", Step(cancel(), [exchange(404, NOT_FOUND)]), NA),
]


@pytest.mark.parametrize(("check_id", "step", "conforms"), [pytest.param(c, s, ok, id=f"{c}: {d}")
                                                            for c, d, s, ok in CASES])
def test_judgement(check_id, step, conforms):
    verdict = JUDGEMENTS[check_id](step)
    if conforms is NA:
        assert verdict == NA
    elif conforms:
        assert verdict is None, verdict
    else:
        assert isinstance(verdict, Finding) and verdict.violation.message and verdict.violation.expected


def test_every_lifecycle_check_has_a_judgement_and_cases_that_pass_and_fail():
    lifecycle = {check.id for check in CATALOGUE if check.stage == LIFECYCLE}
    assert set(JUDGEMENTS) == lifecycle
    assert {c for c, _, _, ok in CASES if ok is True} == lifecycle
    assert {c for c, _, _, ok in CASES if ok is False} == lifecycle
