"""Lifecycle checks: what an operation does to the sessions the suite created (or was given), judged step by step
against the reference model (``conformance.model``).

Each check is declared here with its judgement: a pure function from a :class:`Step` (the model's expectation, the
exchanges observed, the session read back after it, every other session read back) to a :class:`Finding`, None when
the step conforms, or NA when the check does not judge that step. A step is judged by the checks its expectation
names (``Expectation.checks``).
Where the document states an outcome it is MUST; where it only rules out some outcomes (no 2XX, no change to the
session), the rest of the expected answer is a SHOULD of its own, with the inference it rests on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from typing import TypeGuard

from conformance.checks.findings import NA, Violation, json_object
from conformance.checks.profiles import allowed
from conformance.checks.registry import (
    ERROR_CODES,
    FACTS,
    INVALID_KEY,
    LIFECYCLE,
    MUST,
    NOT_FOUND,
    ONLY_ACTIVE,
    OPERATION,
    SESSION_COMPONENT,
    SHOULD,
    Check,
    declaring,
    inferred,
    stated,
)
from conformance.model.expect import Expectation, Outcome
from conformance.model.state import (
    ACTIVE,
    CANCELED,
    EXPIRED,
    VOLATILE_ON_CANCEL,
    JSONObject,
    Session,
    changed_fields,
    instant,
    resolution,
)
from conformance.target.exchange import Exchange

FOR_USER_ID = "/components/parameters/Payment_Session_ForUserIdHeaderParam"
CANCELS_ACTIVE = stated(f"{OPERATION}/description", "Cancels an ACTIVE Session.")


@dataclass
class Step:
    """One step as observed: the model's expectation, the request(s) sent (one, or a burst's), the owner's read of
    the session right after (with the statuses time allows it over that read's span), and a read of every other
    session of the run with the statuses the model allows it."""

    expectation: Expectation
    exchanges: list[Exchange]
    reread: Exchange | None = None
    frame: list[tuple[Session, frozenset[str], Exchange]] = field(default_factory=list)
    profile: str = "strict"
    reread_statuses: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Finding:
    exchange: Exchange
    violation: Violation


DATE_SLACK = 60.0  # seconds: a Date is written to the second, and servers cache it (a busy one for longer)
Verdict = Finding | None | str
Judgement = Callable[[Step], Verdict]
JUDGEMENTS: dict[str, Judgement] = {}


judgement = declaring(JUDGEMENTS)  # @judgement(Check(...)) declares a lifecycle check and its judge of one step


# --- reading an exchange -------------------------------------------------------------------------------------------

def body(exchange: Exchange | None) -> JSONObject:
    """The response's JSON object, or an empty one: a step reads its fields with .get."""
    return json_object(exchange) or {}


def status(exchange: Exchange | None) -> int | None:
    return exchange.response.status if exchange is not None and exchange.response is not None else None


def seen(exchange: Exchange) -> str:
    if exchange.response is None:
        return f"no response ({exchange.error})"
    data = body(exchange)
    return f"status {exchange.response.status}, body status {data.get('status')!r}, " \
           f"error_code {data.get('error_code')!r}"


def accepted(exchange: Exchange) -> bool:
    got = status(exchange)
    return got is not None and 200 <= got <= 299


def names_status(message: str, wanted: str) -> bool:
    """Whether `message` names `wanted` in any case, with either spelling of CANCELED."""
    spellings = {wanted, "CANCELLED"} if wanted == CANCELED else {wanted}
    return any(spelling in message.upper() for spelling in spellings)


def _exact(exchange: Exchange, check_id: str, wanted: int, code: str | None, profile: str) -> bool:
    got, got_code = status(exchange), body(exchange).get("error_code")
    if got == wanted and (code is None or got_code == code):
        return True
    return got is not None and code is not None and bool(allowed(profile, check_id, got, got_code,
                                                                 exchange.requested_id))


def matches(outcome: Outcome, exchange: Exchange, profile: str) -> bool:
    """Whether the answer is this outcome's: accepted or not, and its documented status and code if any."""
    if status(exchange) is None or accepted(exchange) != outcome.accepted:
        return False
    return outcome.status is None or _exact(exchange, outcome.check_id, outcome.status, outcome.error_code, profile)


def taken(step: Step, exchange: Exchange) -> Outcome | None:
    """The outcome the target took, if the model allows its answer: those with a documented status first, then
    those that leave the session with the status the answer shows (a read at the edge of an expiry)."""
    shown = body(exchange).get("status")
    ordered = sorted(step.expectation.outcomes, key=lambda outcome: (outcome.status is None, outcome.after != shown))
    return next((outcome for outcome in ordered if matches(outcome, exchange, step.profile)), None)


def heard(exchange: Exchange | None) -> TypeGuard[Exchange]:
    """A read that was answered: one not sent, rate limited or without a response shows nothing of the session."""
    return exchange is not None and not exchange.skipped and exchange.response is not None


def sent(step: Step) -> list[Exchange]:
    return [exchange for exchange in step.exchanges if not exchange.skipped]


# --- the shared judgements -----------------------------------------------------------------------------------------

def answered(declared: Check, step: Step) -> Verdict:
    """An answer no outcome allows is charged to the expectation's first outcome (the one its request aims at). A
    check whose outcome is neither first nor taken did not judge the step (NA): at the edge of an expiry, a 200 says
    nothing of LIFE-EXPIRED."""
    if not step.expectation.outcomes or step.expectation.outcomes[0].check_id != declared.id:
        took = any((outcome := taken(step, exchange)) and outcome.check_id == declared.id for exchange in sent(step))
        return None if took else NA
    for exchange in sent(step):
        if taken(step, exchange) is None:
            return Finding(exchange, Violation(seen(exchange), step.expectation.text))
    return None


def unchanged(declared: Check, step: Step) -> Finding | None:
    """After a refusal this check allows, the owner reads the session back exactly as before, `updated` included."""
    refused = [exchange for exchange in sent(step)
               if (outcome := taken(step, exchange)) and outcome.check_id == declared.id and not outcome.accepted]
    if not refused or not heard(step.reread):
        return None
    after = body(step.reread)
    session = as_read(as_after(step.expectation.session, taken(step, refused[0])), step.reread_statuses, after)
    changed = changed_fields(session.body, after, session.loose)
    if status(step.reread) == 200 and not changed:
        return None
    shown = f"{seen(step.reread)}; fields changed: {changed}" if status(step.reread) == 200 else seen(step.reread)
    return Finding(step.reread, Violation(f"after {refused[0].intent.description} ({seen(refused[0])}), the "
                                          f"owner reads: {shown}", "the session exactly as before (updated "
                                                                   "included): a refused request changes nothing"))


def answered_unchanged(declared: Check, step: Step) -> Verdict:
    return answered(declared, step) or unchanged(declared, step)


def refined(declared: Check, step: Step) -> Verdict:
    """The SHOULD inside an outcome: once its MUST branch is taken, the exact answer it expects."""
    verdict: Verdict = NA
    for exchange in sent(step):
        outcome = taken(step, exchange)
        should = outcome.should if outcome else None
        if should and should.check_id == declared.id:
            if not _exact(exchange, declared.id, should.status, should.error_code, step.profile):
                return Finding(exchange, Violation(seen(exchange), f"{should.status} {should.error_code}"))
            verdict = None
    return verdict


def as_after(session: Session, outcome: Outcome | None) -> Session:
    """The session as the outcome leaves it: moved to its status (the fields that move with it loose), if another."""
    if outcome is None or outcome.after == session.status:
        return session
    return session.ended(outcome.after)


def as_read(session: Session, statuses: frozenset[str], data: JSONObject) -> Session:
    """The session as a read that shows `data` may find it when nothing changed it: moved to a status time allows
    over the read's span (`statuses`), with the fields that move with it; or, ended by time, still ACTIVE. An expiry
    later than --expiry-lag is for LIFE-READ and LIFE-EXPIRED to judge, not a change some request made."""
    shown = data.get("status")
    if shown in statuses - {session.status}:
        return session.ended(shown)
    if shown == ACTIVE and session.status == EXPIRED:
        return replace(session, status=ACTIVE, body={**session.body, "status": ACTIVE})
    return session


def shows(declared: Check, step: Step) -> Finding | None:
    """A read (or an accepted cancel) that the model says shows the session: its status and every field as the
    model holds them (fields a state change may set excepted)."""
    for exchange in sent(step):
        outcome = taken(step, exchange)
        if outcome is None or outcome.check_id != declared.id or not outcome.accepted:
            continue
        data = body(exchange)
        session = as_after(step.expectation.session, outcome)
        ignore = session.loose | {"status"} | (VOLATILE_ON_CANCEL if outcome.after == CANCELED else frozenset())
        changed = changed_fields(session.body, data, ignore)
        if data.get("status") != outcome.after or changed:
            return Finding(exchange, Violation(f"status {data.get('status')!r}; fields not as the model holds them: "
                                               f"{changed}", f"status {outcome.after}, every other field as before "
                                                             f"(compared by meaning; {sorted(ignore)} excepted)"))
    return None


# --- the checks ------------------------------------------------------------------------------------------------------

@judgement(Check("LIFE-CANCEL-ACTIVE", LIFECYCLE, MUST, "state", CANCELS_ACTIVE,
                 "Cancelling an ACTIVE session gives 200, status CANCELED, every other field as the session had it "
                 "(compared by meaning) except those the document lets a cancel change: updated, payment_link_url."))
def cancel_active(declared: Check, step: Step) -> Verdict:
    return answered(declared, step) or shows(declared, step)


@judgement(Check("LIFE-GET-CANCELED", LIFECYCLE, MUST, "state", CANCELS_ACTIVE,
                 "A GET of a canceled session shows it CANCELED, every other field as the cancel left it."))
def get_canceled(declared: Check, step: Step) -> Verdict:
    return answered(declared, step) or shows(declared, step)


@judgement(Check("LIFE-UPDATED", LIFECYCLE, SHOULD, "state",
                 inferred(f"{SESSION_COMPONENT}/properties/updated",
                          "the schema names the field `updated` (Payment_Session_UpdatedDateTime) without saying "
                          "what moves it; a cancel changes the session, so it is expected to move (facts §8)"),
                 "A cancel moves the session's `updated` timestamp forward."))
def updated_moves(declared: Check, step: Step) -> Verdict:
    before = instant(step.expectation.session.body.get("updated"))
    verdict: Verdict = NA
    for exchange in sent(step):
        outcome = taken(step, exchange)
        if outcome is None or outcome.check_id != "LIFE-CANCEL-ACTIVE" or before is None:
            continue
        verdict = None
        after = instant(body(exchange).get("updated"))
        coarse = whole_seconds(step.expectation.session.body.get("updated")) and whole_seconds(
            body(exchange).get("updated"))  # within the second it was created, a cancel cannot show a later one
        if after is None or after < before or (after == before and not coarse):
            return Finding(exchange, Violation(f"updated {step.expectation.session.body.get('updated')!r} → "
                                               f"{body(exchange).get('updated')!r}",
                                               "an `updated` later than before the cancel"))
    return verdict


def whole_seconds(value: object) -> bool:
    """A date-time without a fraction of a second ("2024-12-06T03:35:36Z")."""
    return instant(value) is not None and "." not in str(value)


@judgement(Check("LIFE-RECANCEL", LIFECYCLE, MUST, "state", ONLY_ACTIVE,
                 "Cancelling a CANCELED session gives 422 INVALID_SESSION_STATUS and changes nothing."))
def recancel(declared: Check, step: Step) -> Verdict:
    return answered_unchanged(declared, step)


@judgement(Check("LIFE-STATUS-MESSAGE", LIFECYCLE, SHOULD, "errors",
                 inferred("/components/responses/Payment_Session_CancelSessionError/content/application~1json/"
                          "examples/invalidSessionStatus/value/message",
                          "the document's only 422 example says 'Session status is COMPLETED, expecting ACTIVE': an "
                          "example, not a rule, so naming the status (in any case or spelling) is a SHOULD"),
                 "A 422 message names the session's current status (any case; CANCELED or CANCELLED)."))
def status_message(declared: Check, step: Step) -> Verdict:
    verdict: Verdict = NA
    for exchange in sent(step):
        outcome = taken(step, exchange)
        if outcome is None or outcome.status != 422:
            continue
        message = body(exchange).get("message")
        if not (isinstance(message, str) and names_status(message, outcome.after)):
            return Finding(exchange, Violation(f"message {message!r}", f"a message naming the status: Session "
                                                                       f"status is {outcome.after}, expecting ACTIVE"))
        verdict = None
    return verdict


@judgement(Check("LIFE-COMPLETED", LIFECYCLE, MUST, "state", ONLY_ACTIVE,
                 "Cancelling a COMPLETED session gives 422 and changes nothing."))
def completed(declared: Check, step: Step) -> Verdict:
    return answered_unchanged(declared, step)


@judgement(Check("LIFE-EXPIRED", LIFECYCLE, MUST, "state", ONLY_ACTIVE,
                 "Cancelling an EXPIRED session (expired by test control, or by time while nobody read it) gives "
                 "422 and changes nothing."))
def expired(declared: Check, step: Step) -> Verdict:
    return answered_unchanged(declared, step)


@judgement(Check("LIFE-CONCURRENT", LIFECYCLE, MUST, "concurrency", ONLY_ACTIVE,
                 "Concurrent cancels of one ACTIVE session: at most one 200 (two would be two cancels of one "
                 "session), and the session CANCELED after it, not before."))
def concurrent(declared: Check, step: Step) -> Verdict:
    if step.expectation.operation != "burst" or step.expectation.session.status != ACTIVE or not sent(step):
        return NA
    winners = [exchange for exchange in sent(step) if accepted(exchange)]
    statuses = sorted(status(exchange) or 0 for exchange in sent(step))
    if len(winners) > 1:
        return Finding(winners[-1], Violation(f"statuses {statuses}", "at most one 200: one session is canceled "
                                                                      "once"))
    after = body(step.reread).get("status")
    if heard(step.reread) and winners and after != CANCELED:
        return Finding(step.reread, Violation(f"statuses {statuses} and then {seen(step.reread)}",
                                              "the session CANCELED after the cancel that got 200"))
    if heard(step.reread) and not winners and after == CANCELED != step.expectation.session.status:
        return Finding(step.reread, Violation(f"statuses {statuses} and then {seen(step.reread)}",
                                              "a CANCELED session only after a 200"))
    return None


@judgement(Check("LIFE-CONCURRENT-422", LIFECYCLE, SHOULD, "concurrency",
                 inferred(ERROR_CODES, "the losers of a race find the session CANCELED, which the document answers "
                                       "with 422; it states no atomicity, so a loser's 409 or 429 is a warning"),
                 "The losers of concurrent cancels get 422 INVALID_SESSION_STATUS."))
def concurrent_losers(declared: Check, step: Step) -> Verdict:
    return refined(declared, step)


@judgement(Check("LIFE-AUTH-NO-EFFECT", LIFECYCLE, MUST, "auth", INVALID_KEY,
                 "A cancel with no key, a wrong key, the key altered (case, whitespace) or another scheme gets 401 "
                 "and changes nothing."))
def auth_no_effect(declared: Check, step: Step) -> Verdict:
    return answered_unchanged(declared, step)


@judgement(Check("LIFE-OTHER-BUSINESS", LIFECYCLE, MUST, "isolation", NOT_FOUND,
                 "A cancel with another business's key gets 404 (no 2XX when it also names a sub-account) and changes "
                 "nothing, whoever in the business owns the session."))
def other_business(declared: Check, step: Step) -> Verdict:
    return answered_unchanged(declared, step)


@judgement(Check("LIFE-OTHER-SUBACCOUNT", LIFECYCLE, MUST, "isolation",
                 stated(FOR_USER_ID, "The XenPlatform subaccount user id that will perform this transaction."),
                 "A cancel on behalf of a sub-account (for-user-id) that does not own the session gets no 2XX and "
                 "changes nothing; the master account acting on its sub-account's session either acts or changes "
                 "nothing."))
def other_sub_account(declared: Check, step: Step) -> Verdict:
    return answered_unchanged(declared, step)


@judgement(Check("LIFE-OTHER-SUBACCOUNT-404", LIFECYCLE, SHOULD, "isolation",
                 inferred(f"{FACTS} §4.4",
                          "the document gives no status for a sub-account that does not own the session; 'does not "
                          "belong to your business' (404 NOT_FOUND) is the closest statement (facts §3, §4.4)"),
                 "A cancel on behalf of another sub-account gets 404 NOT_FOUND."))
def other_sub_account_404(declared: Check, step: Step) -> Verdict:
    return refined(declared, step)


@judgement(Check("LIFE-ID-VARIANT", LIFECYCLE, MUST, "ids", NOT_FOUND,
                 "A cancel of a variant of a real id (case, whitespace and control characters, truncation at special "
                 "characters, percent-encoding once or twice, Unicode compatibility forms, prefixes, extensions) "
                 "gets no 2XX and changes nothing."))
def id_variant(declared: Check, step: Step) -> Verdict:
    return answered_unchanged(declared, step)


@judgement(Check("LIFE-CHECKOUT", LIFECYCLE, MUST, "checkout",
                 stated(f"{OPERATION}/description", "The Xendit Hosted Checkout URL will be invalid."),
                 "After a cancel, the session's hosted checkout link no longer serves the session."))
def checkout(declared: Check, step: Step) -> Verdict:
    if step.expectation.operation != "checkout" or step.expectation.session.status != CANCELED:
        return NA
    for exchange in sent(step):
        if status(exchange) is None or accepted(exchange):
            return Finding(exchange, Violation(f"the link still answers {status(exchange)}",
                                               "a 4XX: the hosted checkout URL is invalid after a cancel"))
    return None


@judgement(Check("LIFE-FRAME", LIFECYCLE, MUST, "state", CANCELS_ACTIVE,
                 "A request on the cancel path (accepted or refused) changes no other session: each one the run "
                 "owns reads back exactly as the model holds it, `updated` included."))
def frame(declared: Check, step: Step) -> Verdict:
    if not step.frame:
        return NA
    for session, statuses, exchange in step.frame:
        if not heard(exchange):
            continue
        data = body(exchange)
        expected = as_read(session, statuses, data)
        changed = changed_fields(expected.body, data, expected.loose)
        if status(exchange) != 200 or changed:
            cause = step.exchanges[0].intent.description if step.exchanges else step.expectation.operation
            return Finding(exchange, Violation(
                f"after {cause} on {step.expectation.session.id}, another session {session.id} reads: "
                f"{seen(exchange)}; fields changed: {changed}",
                f"session {session.id} exactly as before: {' or '.join(sorted(statuses))}, every field unchanged"))
    return None


@judgement(Check("LIFE-READ", LIFECYCLE, SHOULD, "state",
                 inferred(f"{FACTS} §5",
                          "the lifecycle: ACTIVE until completed, expired (at expires_at) or canceled, each final; "
                          "GET /sessions/{id} (get-session) shows the session as it is to its owner, and, as cancel "
                          "says of sessions that do not belong to your business, to nobody else"),
                 "A GET shows the session as the model holds it: to its owner, its status (EXPIRED once "
                 "expires_at passed, read or not) and every field; to another business or sub-account, no 2XX. "
                 "How soon EXPIRED shows is judged here alone: to the checks that a request changed nothing, a "
                 "session still ACTIVE past its expiry is unchanged."))
def read(declared: Check, step: Step) -> Verdict:
    return answered(declared, step) or shows(declared, step)


@judgement(Check("LIFE-METHOD-NO-EFFECT", LIFECYCLE, SHOULD, "state",
                 inferred(OPERATION, "the document declares only POST on the cancel path; a request with another "
                                     "method is not the cancel and is expected to change nothing"),
                 "A request with another method on the cancel path (GET, PUT, PATCH, DELETE) changes nothing."))
def method_no_effect(declared: Check, step: Step) -> Finding | None:
    return unchanged(declared, step)


@judgement(Check("LIFE-TIMESTAMPS", LIFECYCLE, SHOULD, "state",
                 inferred("/components/schemas/Payment_Session_ExpiresAt/description",
                          "'By default the Session will expire 30 minutes after creation': expires_at comes after "
                          "created; `created` and `updated` (Payment_Session_CreatedDateTime, _UpdatedDateTime) name "
                          "the session's first and last change, so updated is never before created, never moves "
                          "back, and is never later than the answer that shows it (its Date)"),
                 "Every session read or answered shows created ≤ updated, created < expires_at, an `updated` never "
                 "earlier than before nor a minute past its answer's Date — compared as instants, any offset."))
def timestamps(declared: Check, step: Step) -> Verdict:
    verdict: Verdict = NA
    shown = [(step.expectation.session, exchange) for exchange in [*sent(step), step.reread]
             if exchange is not None and accepted(exchange)]
    for session, exchange in [*shown, *((session, exchange) for session, _, exchange in step.frame)]:
        data = body(exchange)
        response = exchange.response if heard(exchange) else None
        if response is None or data.get("payment_session_id") != session.id:
            continue
        verdict = None
        wrong = disorder(session.body, data, response.headers.get("date"))
        if wrong:
            return Finding(exchange, Violation(wrong, "created ≤ updated ≤ the answer's Date, created < expires_at, "
                                                      "updated no earlier than the model's"))
    return verdict


def disorder(before: JSONObject, data: JSONObject, date: str | None) -> str | None:
    """What is out of order among a session body's timestamps (`before`: the body the model held)."""
    def span(value: object) -> tuple[float, float] | None:  # the first and last instant a written value stands for
        moment = instant(value)
        return None if moment is None else (moment, moment + resolution(value))

    created, updated, expires = (data.get(name) for name in ("created", "updated", "expires_at"))
    made, changed, ends, before_changed = map(span, (created, updated, expires, before.get("updated")))
    if made and changed and changed[1] < made[0]:
        return f"updated {updated!r} before created {created!r}"
    if made and ends and ends[1] <= made[0]:
        return f"expires_at {expires!r} not after created {created!r}"
    if changed and before_changed and changed[1] < before_changed[0]:
        return f"updated {updated!r} earlier than before ({before.get('updated')!r})"
    answered_at = http_date(date)
    if answered_at is not None and changed and changed[0] > answered_at + 1.0 + DATE_SLACK:
        return f"updated {updated!r} after the answer's Date {date!r}"
    return None


def http_date(value: str | None) -> float | None:
    """An HTTP Date (RFC 9110 §5.6.7) in seconds since the epoch; None if absent or not one."""
    try:
        return parsedate_to_datetime(value).timestamp() if value else None
    except (TypeError, ValueError):
        return None
