"""Each session's observed life, replayed through the reference model and judged by the lifecycle checks' own
judgements (``checks.lifecycle.JUDGEMENTS`` on a ``Step``), as the run judges its steps.

Sessions are told apart by id: a create's answer, the GET and cancel paths. A session enters the model when its
create (by a known key) is seen, or, if its earlier life was not observed, when its owner's read or an accepted
cancel shows it; until then what happens to it is *not judged*, with the reason, never passed. A request on the
cancel path waits for the owner's next read of the session (that read shows whether a refusal changed nothing);
a read of a session after a request on the cancel path of another one is the frame condition. ``now`` is the
recorded time of each request, corrected by the server's clock as the first create shows it.
"""

from __future__ import annotations

import traceback
from collections import Counter, deque
from dataclasses import dataclass, field

from conformance.checks.catalogue import MUST, REGISTRY
from conformance.checks.findings import NA, Failure
from conformance.checks.lifecycle import JUDGEMENTS, Finding, Step, accepted, body, status
from conformance.checks.stateless_judge import KEPT_FAILURES
from conformance.config import DEFAULT_EXPIRY_LAG
from conformance.judge.identities import Identity
from conformance.model.expect import Expectation, expect_burst, expect_cancel, expect_get, expect_method, expect_variant
from conformance.model.state import ACTIVE, CANCELED, COMPLETED, EXPIRED, Margin, Session, instant
from conformance.target.endpoints import CREATE, GET
from conformance.target.exchange import Exchange
from conformance.target.identity import KEY, Actor

MARGIN = Margin(0.5, DEFAULT_EXPIRY_LAG)  # a recording's clock is the client's: this close to expires_at (and the
# lag a late expiry may take after it) the model allows both statuses
TRACE = 12  # the last requests of a session's life kept, to show with a failure
STATUSES = {ACTIVE, CANCELED, COMPLETED, EXPIRED}
UNSEEN = "of a session whose earlier life the recording does not show (its state is unknown)"
UNPLACED = "whose credentials the recording does not place (a key the judge was not given)"
HINTS = {
    "LIFE-COMPLETED": "no cancel of a session last seen COMPLETED",
    "LIFE-EXPIRED": "no cancel of a session past its expires_at, or last seen EXPIRED",
    "LIFE-CONCURRENT": "no cancels of one session that overlap in time",
    "LIFE-CONCURRENT-422": "no cancels of one session that overlap in time",
    "LIFE-CHECKOUT": "the judge does not follow checkout links, and the recording shows none followed",
    "LIFE-OTHER-BUSINESS": "no request on a session with another known business's key",
    "LIFE-OTHER-SUBACCOUNT": "no request on a session for a sub-account that does not own it",
    "LIFE-ID-VARIANT": "no cancel of a variant of a session's id",
    "LIFE-FRAME": "no read of a session after a request on the cancel path of another one",
    "LIFE-METHOD-NO-EFFECT": "no other method than POST on a session's cancel path",
}


@dataclass
class Life:
    """One session as observed: the model's state (None: unknown), its last requests, and a request on its cancel
    path waiting for the owner's next read."""

    session: Session | None
    trace: deque = field(default_factory=lambda: deque(maxlen=TRACE))
    pending: tuple[Expectation, list[Exchange]] | None = None
    seen_step: int = 0  # the number of cancel-path steps there had been when it was last observed


class Lives:
    """The sessions of a recording, fed one exchange at a time in the order they were sent."""

    def __init__(self, selected: set[str], profile: str):
        self.selected, self.profile = selected, profile
        self.lives: dict[str, Life] = {}
        self.judged: Counter[str] = Counter()
        self.failing: Counter[str] = Counter()
        self.failures: dict[str, list[Failure]] = {}
        self.errors: dict[str, str] = {}
        self.not_judged: Counter[str] = Counter()  # why requests on sessions were not judged
        self.steps = 0  # requests on the cancel path of a session the model knows
        self.last_step: tuple[Expectation, list[Exchange]] | None = None
        self.skew: float | None = None  # the server's clock minus the recording's
        self._alike: dict[str, list[str]] = {}  # sessions by _likeness: where the variants of an id are looked for

    def _new(self, session_id: str, life: Life) -> Life:
        if session_id not in self.lives:
            self._alike.setdefault(_likeness(session_id), []).append(session_id)
        self.lives[session_id] = life
        return life

    def now(self, exchange: Exchange) -> float:
        return exchange.sent_at + (self.skew or 0.0)

    def observe(self, exchange: Exchange, identity: Identity) -> None:
        if exchange.response is None:
            return
        endpoint, path_id = exchange.request.endpoint, exchange.path_id
        if endpoint == CREATE:
            self._created(exchange, identity)
        elif endpoint == GET:
            self._read(exchange, identity)
        elif path_id is not None and exchange.request.method != "OPTIONS":
            self._on_cancel_path(exchange, identity, path_id)
        elif accepted(exchange) and exchange.intent.session_id in self.lives:  # an operation the model does not
            # have (a test-control route, say): what it did to the session, its owner's next read shows
            life = self.lives[exchange.intent.session_id]
            self._settle(life, None)
            life.session = None

    def finish(self) -> None:
        """The recording ended: the requests still waiting for a read are judged without one."""
        for life in self.lives.values():
            self._settle(life, None)

    # --- what the recording shows ----------------------------------------------------------------------------

    def _created(self, exchange: Exchange, identity: Identity) -> None:
        data = body(exchange)
        session_id = data.get("payment_session_id")
        if status(exchange) != 201 or not isinstance(session_id, str):
            return
        created = instant(data.get("created"))
        if self.skew is None and created is not None and exchange.response is not None:
            self.skew = created - (exchange.sent_at + exchange.response.elapsed / 2)
        owner = _owner(identity)
        session = None if owner is None else Session(session_id, owner.owner, data.get("status", ACTIVE), dict(data),
                                                      instant(data.get("expires_at")))
        life = self._new(session_id, Life(session, seen_step=self.steps))
        life.trace.append((exchange, "201 with the session (create is not judged)"))

    def _read(self, exchange: Exchange, identity: Identity) -> None:
        life = self.lives.get(exchange.intent.session_id)
        if life is None:
            life = self._new(exchange.intent.session_id, Life(None))
        owner = _owner(identity)
        session = life.session
        if life.pending and session is not None and owner is not None and owner.owner == session.owner:
            life.trace.append((exchange, f"the owner's read after {life.pending[0].operation}"))
            self._settle(life, exchange)
        else:
            self._settle(life, None)
            self._judge_read(life, exchange, identity)
        self._adopt(life, exchange, owner)
        life.seen_step = self.steps

    def _judge_read(self, life: Life, exchange: Exchange, identity: Identity) -> None:
        if life.session is None:
            return
        if not identity.decided:
            self.not_judged[f"reading a session, {UNPLACED}"] += 1
            return
        now = self.now(exchange)
        current = self._at(life, now)
        owner_read = identity.actor.owner == current.owner and identity.actor.credential == KEY
        if owner_read and life.seen_step < self.steps and self.last_step is not None \
                and self.last_step[0].session.id != current.id:
            cause, caused = self.last_step
            life.trace.append((caused[-1], f"{cause.operation} of another session"))
            life.trace.append((exchange, f"{current.status}, every field as before (frame condition)"))
            frame = [(current, current.statuses_at(now, MARGIN), exchange)]
            self._judge(life, Step(cause, caused, frame=frame, profile=self.profile), only="LIFE-FRAME")
            return
        expectation = expect_get(current, identity.actor, now, MARGIN)
        life.trace.append((exchange, expectation.text))
        self._judge(life, Step(expectation, [exchange], profile=self.profile))

    def _on_cancel_path(self, exchange: Exchange, identity: Identity, path_id: str) -> None:
        life = self.lives.get(path_id)
        if life is None:
            alike = (self.lives.get(key) for key in self._alike.get(_likeness(path_id), ()))
            variant_of = next((candidate for candidate in alike if candidate is not None
                               and candidate.session is not None and variant(path_id, candidate.session.id)), None)
            if variant_of is not None and identity.decided and exchange.request.method == "POST":
                self._settle(variant_of, None)
                if variant_of.session is not None:
                    self._step(variant_of, expect_variant(variant_of.session, identity.actor), exchange)
                return
            if not exchange.intent.known:  # an id of no session's form: the stateless checks' business
                return
            life = self._new(path_id, Life(None))
        pending = life.pending
        if pending and exchange.request.method == "POST" and pending[0].operation in ("cancel", "burst") and \
                identity.actor == pending[0].actor and _overlaps(pending[1][-1], exchange):  # sent before the
            # previous cancel was answered: a race
            first = pending[0]
            life.pending = (expect_burst(first.session, first.actor, self.now(exchange), MARGIN),
                            [*pending[1], exchange])
            life.trace.append((exchange, life.pending[0].text))
            return
        self._settle(life, None)
        if life.session is None or not identity.decided:
            self.not_judged[f"on a cancel path, {UNSEEN if life.session is None else UNPLACED}"] += 1
            if accepted(exchange):  # it acted, as far as anyone can tell: the model no longer knows the session
                life.session = None
            self._adopt(life, exchange, _owner(identity))
            return
        now = self.now(exchange)
        expectation = expect_cancel(self._at(life, now), identity.actor, now, MARGIN) \
            if exchange.request.method == "POST" else expect_method(life.session, identity.actor)
        self._step(life, expectation, exchange)

    # --- the model ----------------------------------------------------------------------------------------------

    def _step(self, life: Life, expectation: Expectation, exchange: Exchange) -> None:
        life.pending = (expectation, [exchange])
        life.trace.append((exchange, expectation.text))
        self.steps += 1
        self.last_step = (expectation, [exchange])
        life.seen_step = self.steps

    def _at(self, life: Life, now: float) -> Session:
        """The session at `now`: EXPIRED once its expiry has surely passed (as ``Model.at``). Asked only of a life
        whose session is known."""
        session = life.session
        if session is None:
            raise ValueError("a life whose session is unknown has no state at any time")
        if session.status == ACTIVE and session.statuses_at(now, MARGIN) == {EXPIRED}:
            session = life.session = session.ended(EXPIRED)
        return session

    def _settle(self, life: Life, reread: Exchange | None) -> None:
        """Judge the request waiting on `life` (with the owner's `reread`, if that came next) and advance the model
        as its answer says."""
        if life.pending is None:
            return
        expectation, exchanges = life.pending
        life.pending = None
        session = expectation.session
        statuses = session.statuses_at(self.now(reread), MARGIN) if reread is not None else frozenset()
        found = self._judge(life, Step(expectation, exchanges, reread, profile=self.profile, reread_statuses=statuses),
                            skip="LIFE-FRAME")
        acted = any(accepted(exchange) for exchange in exchanges)
        after = expectation.accepted_after if acted else None
        advanced = session.ended(after) if after and after != session.status else session
        if reread is not None and advanced is not session and not found:
            now = self.now(reread)
            found = self._judge(life, Step(expect_get(advanced, reread.intent.actor, now, MARGIN), [reread],
                                           profile=self.profile))
        life.session = None if found else _learned(advanced, reread)

    def _adopt(self, life: Life, exchange: Exchange, owner: Actor | None) -> None:
        """A session the model does not know, shown whole by a request of a known key (a read, or an accepted
        cancel): from here on its life is judged."""
        data = body(exchange)
        if life.session is None and owner is not None and status(exchange) == 200 and \
                data.get("payment_session_id") == exchange.intent.session_id and data.get("status") in STATUSES:
            life.session = Session(data["payment_session_id"], owner.owner, data["status"], dict(data),
                                   instant(data.get("expires_at")))

    def _judge(self, life: Life, step: Step, only: str | None = None, skip: str | None = None) -> bool:
        """Apply the step's judgements; record the failures (with the session's life up to them). Whether a MUST
        check failed (the model then no longer vouches for the session)."""
        must = False
        for check_id in step.expectation.checks:
            if check_id not in self.selected or check_id == skip or only not in (None, check_id):
                continue
            try:
                verdict = JUDGEMENTS[check_id](step)
            except Exception:  # a broken judgement is that check's error; the judging goes on
                self.errors.setdefault(check_id, traceback.format_exc(limit=5))
                continue
            if verdict == NA:
                continue
            self.judged[check_id] += 1
            if isinstance(verdict, Finding):
                must = must or REGISTRY[check_id].level == MUST
                self._fail(life, check_id, verdict)
        return must

    def _fail(self, life: Life, check_id: str, finding: Finding) -> None:
        self.failing[check_id] += 1
        kept = self.failures.setdefault(check_id, [])
        if len(kept) < KEPT_FAILURES:
            trace = list(life.trace)
            end = next((index + 1 for index, (exchange, _) in enumerate(trace) if exchange is finding.exchange),
                       len(trace))
            kept.append(Failure(check_id, finding.violation, finding.exchange, steps=tuple(trace[:end])))

    def not_exercised(self, check_id: str) -> str:
        """Why a lifecycle check judged nothing in this recording."""
        reasons = "; ".join(f"{count} request(s) {reason}" for reason, count in sorted(self.not_judged.items()))
        hint = HINTS.get(check_id, "no step of a session's life that it judges")
        return f"not exercised by the recording: {hint}" + (f" (not judged: {reasons})" if reasons else "")


def _owner(identity: Identity) -> Actor | None:
    """Who a request with a known key as documented claims to be (its sessions are theirs); None otherwise."""
    return identity.actor if identity.decided and identity.known and identity.actor.credential == KEY else None


def _learned(session: Session, read: Exchange | None) -> Session:
    """The session once its owner's read is known: a status time moved, loose fields fixed (as the run learns)."""
    data = body(read)
    if read is None or status(read) != 200 or data.get("payment_session_id") != session.id:
        return session
    if data.get("status") == EXPIRED and session.status == ACTIVE:
        session = session.ended(EXPIRED)
    return session.read(data) if data.get("status") == session.status else session


def _overlaps(earlier: Exchange, later: Exchange) -> bool:
    """`later` went out before `earlier` was answered."""
    return later.sent_at < earlier.sent_at + (earlier.response.elapsed if earlier.response else 0.0)


def _likeness(session_id: str) -> str:
    """The key under which an id's variants are found: the first 20 characters of its case-folded form without
    whitespace or control characters, which every variant of it shares (see `variant`)."""
    plain = "".join(character for character in session_id if character.isprintable() and not character.isspace())
    return plain.casefold()[:20]


def variant(path_id: str, session_id: str) -> bool:
    """Whether `path_id` is another form of `session_id` (case, whitespace, a character added or cut, a prefix): a
    cancel of it must not act on the session."""
    plain = "".join(character for character in path_id if character.isprintable() and not character.isspace())
    if path_id == session_id:
        return False
    return plain.casefold() == session_id.casefold() or (
        min(len(plain), len(session_id)) >= 20 and (plain.startswith(session_id) or session_id.startswith(plain)))
