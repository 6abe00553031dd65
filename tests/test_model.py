"""The reference model (pure): what each operation may return for each state and credential, and what it changes."""

from __future__ import annotations

import pytest

from conformance.model.expect import (
    expect_burst,
    expect_cancel,
    expect_get,
    expect_method,
    expect_read_during,
    expect_variant,
)
from conformance.model.state import (
    ACTIVE,
    CANCELED,
    COMPLETED,
    EXPIRED,
    Margin,
    Model,
    changed_fields,
    same_value,
)
from conformance.target.identity import MAIN, OTHER, Actor, Owner

SID = "ps-661f87c614802d6c402cd82d"
BODY = {"payment_session_id": SID, "status": ACTIVE, "updated": "2026-11-26T04:05:00.000Z",
        "expires_at": "2026-11-26T04:30:00.000Z", "amount": 12.5, "items": [{"name": "Café"}]}
EXPIRES = 1795667400.0  # 2026-11-26T04:30:00Z
OWNER = Owner(MAIN)
KEY = Actor(MAIN)
M = Margin(0.5)


def session(status: str = ACTIVE, owner: Owner = OWNER):
    return Model().add(owner, {**BODY, "status": status}).ended(status) if status != ACTIVE else \
        Model().add(owner, BODY)


def answers(expectation) -> set[tuple]:
    return {(o.check_id, o.accepted, o.status, o.error_code, o.after) for o in expectation.outcomes}


@pytest.mark.parametrize(("status", "expected"), [
    (ACTIVE, {("LIFE-CANCEL-ACTIVE", True, 200, None, CANCELED)}),
    (CANCELED, {("LIFE-RECANCEL", False, 422, "INVALID_SESSION_STATUS", CANCELED)}),
    (COMPLETED, {("LIFE-COMPLETED", False, 422, "INVALID_SESSION_STATUS", COMPLETED)}),
    (EXPIRED, {("LIFE-EXPIRED", False, 422, "INVALID_SESSION_STATUS", EXPIRED)}),
])
def test_the_owner_cancels_only_an_active_session(status, expected):
    assert answers(expect_cancel(session(status), KEY, EXPIRES - 600, M)) == expected


@pytest.mark.parametrize(("actor", "expected"), [
    (Actor(MAIN, credential="invalid"), {("LIFE-AUTH-NO-EFFECT", False, 401, "INVALID_API_KEY", ACTIVE)}),
    (Actor(OTHER), {("LIFE-OTHER-BUSINESS", False, 404, "NOT_FOUND", ACTIVE)}),
    (Actor(OTHER, "sub-1"), {("LIFE-OTHER-BUSINESS", False, None, None, ACTIVE)}),
    (Actor(MAIN, "sub-1"), {("LIFE-OTHER-SUBACCOUNT", False, None, None, ACTIVE)}),
])
def test_anyone_else_changes_nothing(actor, expected):
    assert answers(expect_cancel(session(), actor, EXPIRES - 600, M)) == expected


def test_a_foreign_sub_account_should_get_404():
    outcome, = expect_cancel(session(), Actor(MAIN, "sub-1"), EXPIRES - 600, M).outcomes
    assert (outcome.should.check_id, outcome.should.status) == ("LIFE-OTHER-SUBACCOUNT-404", 404)


def test_choices_where_the_document_is_silent_are_sets_of_outcomes():
    """The master account on its sub-account's session may act or not; a key with a password may work or be
    refused (the 401 branch first: an answer neither allows is charged to the credentials)."""
    sub_session = session(owner=Owner(MAIN, "sub-1"))
    assert {(o.check_id, o.accepted) for o in expect_cancel(sub_session, KEY, EXPIRES - 600, M).outcomes} == \
        {("LIFE-CANCEL-ACTIVE", True), ("LIFE-OTHER-SUBACCOUNT", False)}
    password = expect_cancel(session(), Actor(MAIN, credential="password"), EXPIRES - 600, M)
    assert [o.check_id for o in password.outcomes] == ["LIFE-AUTH-NO-EFFECT", "LIFE-CANCEL-ACTIVE"]


def test_time_expires_a_session_nobody_read_and_is_undecided_near_its_expiry():
    model = Model(M)
    model.add(OWNER, BODY)
    assert model.sessions[SID].statuses_at(EXPIRES - 1, M) == {ACTIVE}
    assert model.sessions[SID].statuses_at(EXPIRES + 0.2, M) == {ACTIVE, EXPIRED}
    near = expect_cancel(model.at(SID, EXPIRES + 0.2), KEY, EXPIRES + 0.2, M)
    assert {o.check_id for o in near.outcomes} == {"LIFE-CANCEL-ACTIVE", "LIFE-EXPIRED"}
    expired = model.at(SID, EXPIRES + 1)
    assert expired.status == EXPIRED and "updated" in expired.loose
    assert answers(expect_cancel(expired, KEY, EXPIRES + 1, M)) == {
        ("LIFE-EXPIRED", False, 422, "INVALID_SESSION_STATUS", EXPIRED)}


def test_a_state_change_loosens_its_volatile_fields_until_the_next_read():
    canceled = session().ended(CANCELED)
    assert canceled.loose == {"updated", "payment_link_url"} and canceled.status == CANCELED
    read = canceled.read({**BODY, "status": CANCELED, "updated": "2026-11-26T04:06:00Z", "payment_link_url": None})
    assert read.loose == frozenset() and read.body["updated"] == "2026-11-26T04:06:00Z"
    assert read.body["amount"] == 12.5  # a read fixes only what the model could not know


def test_reads_variants_methods_and_bursts():
    assert answers(expect_get(session(CANCELED), KEY, EXPIRES - 600, M)) == {
        ("LIFE-GET-CANCELED", True, 200, None, CANCELED)}
    assert answers(expect_get(session(), Actor(OTHER), EXPIRES - 600, M)) == {
        ("LIFE-READ", False, None, None, ACTIVE)}
    assert answers(expect_variant(session(), KEY)) == {("LIFE-ID-VARIANT", False, None, None, ACTIVE)}
    assert answers(expect_method(session(), KEY)) == {("LIFE-METHOD-NO-EFFECT", False, None, None, ACTIVE)}
    burst = expect_burst(session(), KEY, EXPIRES - 600, M)
    assert {"LIFE-CONCURRENT", "LIFE-FRAME"} <= set(burst.checks)
    assert burst.accepted_after == CANCELED


def test_fields_are_compared_by_meaning():
    assert same_value("2026-11-26T04:05:00Z", "2026-11-26T11:05:00.000+07:00") and same_value(10000, 10000.0)
    assert not same_value(True, 1) and not same_value("Café", "Caf?")
    assert changed_fields(BODY, {**BODY, "amount": 12, "updated": "x"}, frozenset({"updated"})) == ["amount"]


@pytest.mark.parametrize(("written", "span"), [("2026-11-26T04:30:00Z", 1.0), ("2026-11-26T04:30:00.5Z", 0.1),
                                               ("2026-11-26T04:30:00.000Z", 0.001)])
def test_an_expiry_written_to_the_second_stands_for_the_whole_second(written, span):
    """A server that shows whole seconds may keep the milliseconds it does not show: the session may still be
    ACTIVE until the written instant's last digit has passed (then the margin)."""
    model = Model(Margin(0.25))
    model.add(OWNER, {**BODY, "expires_at": written})
    expires = model.sessions[SID].expires_at
    assert model.sessions[SID].statuses_at(expires + span + 0.2, Margin(0.25)) == {ACTIVE, EXPIRED}
    assert model.sessions[SID].statuses_at(expires + span + 0.3, Margin(0.25)) == {EXPIRED}


def test_an_expiry_that_runs_late_is_allowed_for_its_lag_and_no_longer():
    """--expiry-lag: after expires_at (and the skew) the session may still be ACTIVE for the lag, then it is not;
    before expires_at the lag changes nothing."""
    late = Margin(0.25, lag=2.0)
    active = session()
    assert active.statuses_at(EXPIRES - 0.3, late) == {ACTIVE}
    assert active.statuses_at(EXPIRES + 2.2, late) == {ACTIVE, EXPIRED}
    assert active.statuses_at(EXPIRES + 2.3, late) == {EXPIRED}
    assert active.expired_by(late) == EXPIRES + 0.001 + 2.25
    assert session(CANCELED).statuses_at(EXPIRES + 10, late) == {CANCELED}  # an ended session stays as it ended


def test_a_request_is_judged_over_the_whole_time_it_took():
    """Sent while the session was surely ACTIVE, answered after its expiry: the target handled it at some instant
    between, so either status; a span that stays on one side allows that side's alone."""
    margin, active = Margin(0.25), session()
    assert active.statuses_at(EXPIRES - 0.4, margin, until=EXPIRES + 0.3) == {ACTIVE, EXPIRED}
    assert active.statuses_at(EXPIRES - 0.9, margin, until=EXPIRES - 0.4) == {ACTIVE}
    assert active.statuses_at(EXPIRES + 0.4, margin, until=EXPIRES + 5) == {EXPIRED}
    read, read_over = (expect_get(active, KEY, EXPIRES - 0.4, margin, until) for until in (None, EXPIRES + 0.3))
    assert answers(read) == {("LIFE-READ", True, 200, None, ACTIVE)}
    assert answers(read_over) == {("LIFE-READ", True, 200, None, ACTIVE), ("LIFE-READ", True, 200, None, EXPIRED)}
    cancel, cancel_over = (expect_cancel(active, KEY, EXPIRES - 0.4, margin, until=until)
                           for until in (None, EXPIRES + 0.3))
    assert answers(cancel) == {("LIFE-CANCEL-ACTIVE", True, 200, None, CANCELED)}
    assert answers(cancel_over) == {("LIFE-CANCEL-ACTIVE", True, 200, None, CANCELED),
                                    ("LIFE-EXPIRED", False, 422, "INVALID_SESSION_STATUS", EXPIRED)}


def test_a_read_beside_the_owners_cancel_sees_the_session_before_it_or_after_it():
    beside = expect_read_during(session(), KEY, EXPIRES - 600, M, cancelled=True)
    assert answers(beside) == {("LIFE-READ", True, 200, None, ACTIVE), ("LIFE-READ", True, 200, None, CANCELED)}
    assert answers(expect_read_during(session(), KEY, EXPIRES - 600, M, cancelled=False)) == {
        ("LIFE-READ", True, 200, None, ACTIVE)}
    assert answers(expect_read_during(session(), Actor(OTHER), EXPIRES - 600, M, cancelled=True)) == {
        ("LIFE-READ", False, None, None, ACTIVE)}  # to a stranger, nothing, whatever the owner does
    assert answers(expect_read_during(session(CANCELED), KEY, EXPIRES - 600, M, cancelled=True)) == {
        ("LIFE-GET-CANCELED", True, 200, None, CANCELED)}
