"""What the model allows for each operation: a set of outcomes, each labelled with the check that holds the target
to it.

An outcome is a branch: the request was accepted (a 2XX) or refused, the status (and error code) documented for it
if any, the session's status afterwards, and optionally a SHOULD that narrows it (e.g. "no 2XX" is the MUST, "404
NOT_FOUND" the SHOULD). When the document leaves a choice (the key with a password, a business's master account
acting on its sub-account's session, a session at the edge of its expiry) the expectation holds several branches.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from conformance.model.state import ACTIVE, CANCELED, COMPLETED, EXPIRED, Margin, Session
from conformance.target.identity import INVALID, Actor, documented

EVERY_STEP = ("LIFE-TIMESTAMPS",)  # judges whatever sessions a step shows
REFUSED_FOR = {CANCELED: "LIFE-RECANCEL", COMPLETED: "LIFE-COMPLETED", EXPIRED: "LIFE-EXPIRED"}


@dataclass(frozen=True)
class Refinement:
    """A SHOULD inside an outcome: the exact answer a check expects once the MUST branch holds."""

    check_id: str
    status: int
    error_code: str


@dataclass(frozen=True)
class Outcome:
    check_id: str  # the check that holds the target to this branch (its level is the registry's)
    accepted: bool  # a 2XX: the request acted
    after: str  # the session's status after it
    status: int | None = None  # the documented status, if the document gives one
    error_code: str | None = None
    should: Refinement | None = None

    def describe(self) -> str:
        answer = f"{self.status}" if self.status else ("a 2XX" if self.accepted else "no 2XX")
        answer += f" {self.error_code}" if self.error_code else ""
        return f"{answer}, then the session {self.after} ({self.check_id})"


@dataclass(frozen=True)
class Expectation:
    """The model's word on one step: the session acted on (before), who acted, the allowed outcomes, and the other
    checks that judge the step."""

    operation: str  # cancel, burst, get, method, variant, checkout
    session: Session
    actor: Actor
    outcomes: tuple[Outcome, ...]
    also: tuple[str, ...] = ()

    @property
    def checks(self) -> tuple[str, ...]:
        found = [outcome.check_id for outcome in self.outcomes]
        found += [outcome.should.check_id for outcome in self.outcomes if outcome.should]
        return tuple(dict.fromkeys([*found, *self.also, *EVERY_STEP]))

    @property
    def text(self) -> str:
        return " or ".join(outcome.describe() for outcome in self.outcomes)

    @property
    def accepted_after(self) -> str | None:
        """The session's status after an accepted answer; None if no branch allows one. (A refused one leaves it as
        it was: even a race's losers only find it canceled by the winner.)"""
        return next((outcome.after for outcome in self.outcomes if outcome.accepted), None)


def _owner_cancel(status: str) -> list[Outcome]:
    if status == ACTIVE:
        return [Outcome("LIFE-CANCEL-ACTIVE", True, CANCELED, 200)]
    return [Outcome(REFUSED_FOR[status], False, status, 422, "INVALID_SESSION_STATUS")]


def _unchanged(check_id: str, status: str, code: tuple[int, str | None] | None = None,
               should: Refinement | None = None) -> Outcome:
    answer, error_code = code or (None, None)
    return Outcome(check_id, False, status, answer, error_code, should=should)


def expect_cancel(session: Session, actor: Actor, now: float, margin: Margin, operation: str = "cancel",
                  refusable: frozenset[int] = frozenset(), until: float | None = None) -> Expectation:
    """A cancel of `session` by `actor` at `now` (or at any instant until `until`: ``Session.statuses_at``);
    `refusable`: statuses HTTP leaves the target free to refuse this form of the request with (content on an
    operation that defines none), which leave the session as it was."""
    statuses = sorted(session.statuses_at(now, margin, until))
    status = session.status
    if actor.credential == INVALID:
        outcomes = [_unchanged("LIFE-AUTH-NO-EFFECT", status, (401, "INVALID_API_KEY"))]
    elif actor.business != session.owner.business:
        outcomes = [_unchanged("LIFE-OTHER-BUSINESS", status, None if actor.sub_account else (404, "NOT_FOUND"))]
    elif actor.sub_account and actor.sub_account != session.owner.sub_account:
        outcomes = [_unchanged("LIFE-OTHER-SUBACCOUNT", status, should=None if not documented(actor) else
                               Refinement("LIFE-OTHER-SUBACCOUNT-404", 404, "NOT_FOUND"))]
    else:
        outcomes = [outcome for each in statuses for outcome in _owner_cancel(each)]
        if actor.sub_account != session.owner.sub_account:  # the master acting for its sub-account: not stated
            outcomes.append(_unchanged("LIFE-OTHER-SUBACCOUNT", status))
    if not documented(actor):  # the key with a password (or in another form): the document does not say; a 401 is
        # allowed, and an answer neither branch allows is charged to the credentials
        outcomes.insert(0, _unchanged("LIFE-AUTH-NO-EFFECT", status, (401, "INVALID_API_KEY")))
    outcomes += [_unchanged(outcomes[0].check_id, status, (refusal, None)) for refusal in sorted(refusable)]
    also = ["LIFE-FRAME"]
    if any(outcome.accepted for outcome in outcomes):
        also.append("LIFE-UPDATED")
    if any(outcome.status == 422 for outcome in outcomes):
        also.append("LIFE-STATUS-MESSAGE")
    return Expectation(operation, session, actor, tuple(outcomes), tuple(also))


def expect_burst(session: Session, actor: Actor, now: float, margin: Margin) -> Expectation:
    """Concurrent cancels of `session` by its owner: at most one acts; the others find it CANCELED."""
    single = expect_cancel(session, actor, now, margin, "burst")
    losers = tuple(Outcome("LIFE-CONCURRENT", False, CANCELED,
                           should=Refinement("LIFE-CONCURRENT-422", 422, "INVALID_SESSION_STATUS"))
                   for outcome in single.outcomes if outcome.check_id == "LIFE-CANCEL-ACTIVE")
    return Expectation("burst", session, actor, single.outcomes + losers, ("LIFE-CONCURRENT", *single.also))


def expect_variant(session: Session, actor: Actor) -> Expectation:
    """A cancel of a variant of `session`'s id: an unknown id, which must not act on the session."""
    return Expectation("variant", session, actor, (_unchanged("LIFE-ID-VARIANT", session.status),), ("LIFE-FRAME",))


def expect_method(session: Session, actor: Actor) -> Expectation:
    """Another method than POST on `session`'s cancel path: not the cancel operation; nothing changes."""
    return Expectation("method", session, actor, (_unchanged("LIFE-METHOD-NO-EFFECT", session.status),),
                       ("LIFE-FRAME",))


def expect_get(session: Session, actor: Actor, now: float, margin: Margin, until: float | None = None) -> Expectation:
    """A GET of `session` by `actor` at `now` (or at any instant until `until`): its owner sees it as the model holds
    it; nobody else sees it (a business's master account may or may not see its sub-account's sessions, a key with a
    password may or may not work)."""
    statuses = sorted(session.statuses_at(now, margin, until))
    check = "LIFE-GET-CANCELED" if session.status == CANCELED else "LIFE-READ"
    seen = tuple(Outcome(check, True, each, 200)
                 for each in statuses)
    hidden = (Outcome("LIFE-READ", False, session.status),)
    same_business = actor.business == session.owner.business and actor.credential != INVALID
    if same_business and actor.sub_account == session.owner.sub_account:
        return Expectation("get", session, actor, seen + (hidden if not documented(actor) else ()))
    if same_business and not actor.sub_account:
        return Expectation("get", session, actor, seen + hidden)
    return Expectation("get", session, actor, hidden)


def expect_read_during(session: Session, actor: Actor, now: float, margin: Margin, cancelled: bool) -> Expectation:
    """A GET sent at once with other requests about `session`: it sees the session as before them, or, if its owner
    cancels it among them (`cancelled`), as that cancel left it; never anything in between."""
    expectation = expect_get(session, actor, now, margin)
    if not cancelled or ACTIVE not in session.statuses_at(now, margin):
        return expectation
    after = tuple(replace(outcome, after=CANCELED) for outcome in expectation.outcomes if outcome.accepted)[:1]
    return replace(expectation, outcomes=expectation.outcomes + after)
