"""The opening sequence, before Hypothesis explores. First the witnesses: each kind of step once, in the order that
judges every lifecycle check with the fewest requests (refused cancels alike grouped under one read, a few id
variants, one request per direction of isolation, the frame condition read lazily: a session is read back before it
is used again, and every session at the end), never cut by --max-steps or --max-time, so that every run judges them
all. Then the sweeps, within the exploration's budget: every credential, every id variant, every direction of
isolation, each followed by the whole frame condition."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from conformance.generation.clients import BY_NAME as CLIENT_BY_NAME
from conformance.generation.clients import CLIENT_VARIANTS
from conformance.model.state import ACTIVE, Session
from conformance.stateful.bodies import edge_bodies, plain_body, rich_body
from conformance.stateful.crowd import crowd_plan
from conformance.stateful.rules import LifecycleMachine
from conformance.stateful.watch import Watch

ISOLATION = {"LIFE-OTHER-BUSINESS", "LIFE-OTHER-SUBACCOUNT", "LIFE-OTHER-SUBACCOUNT-404"}
CANCELLED = {"LIFE-CANCEL-ACTIVE", "LIFE-UPDATED", "LIFE-GET-CANCELED", "LIFE-RECANCEL", "LIFE-STATUS-MESSAGE",
             "LIFE-CHECKOUT", "LIFE-FRAME"}
CLIENTS = {"LIFE-CANCEL-ACTIVE", "LIFE-RECANCEL", "LIFE-OTHER-SUBACCOUNT"}
CROWDED = {"LIFE-CONCURRENT", "LIFE-CONCURRENT-422", "LIFE-CANCEL-ACTIVE", "LIFE-READ", "LIFE-FRAME"}
WITNESS_CROWD = 14  # requests in the opening's crowd: a race of three cancels of one session beside a read and a
# stranger's cancel, races of three cancels on three others (one read: the witnesses stay within 60 GETs a minute)
REFUSED_KEYS = ["no-key", "unknown-key", "key-upper", "key-spaces", "bearer"]  # each refused alike: one step
WITNESS_VARIANTS = [("upper", 19, ""), ("truncated", 26, ""), ("encoded-twice", 19, ""), ("appended", 19, "\n"),
                    ("extended", 19, ".json"), ("prefixed", 19, "ps-")]
Steps = list[tuple[Callable[[Session], object], set[str]]]


class Opening(LifecycleMachine):
    """The opening's own steps; the rest are the rules'."""

    watch: Watch | None = None  # sessions watched across their expiry, beside the exploration; `closing` waits

    def witness(self) -> None:
        """The witnesses, on sessions with every optional field; their failures are shrunk like the others'. First
        it starts the watch: sessions that expire a second or two later, watched beside everything else."""
        budget = self.run.budget
        budget.witnessing, self.framed = True, False
        try:
            self._sessions()
            for step, judged in self._witnesses():
                self._witness(step, judged)
            self._frame(self.model.others({self.last[0].session.id}) if self.last else [])
        finally:
            budget.witnessing, self.framed = False, True

    def sweep(self) -> None:
        """The sweeps, within the exploration's budget, each step followed by the whole frame condition."""
        for step, judged in self._sweeps():
            if judged & self.run.selected and (session := self._active()) is not None:
                step(session)

    def _sessions(self) -> None:
        """The sessions the witnesses start with; then the watch's (a refused expiry is no reason to stop)."""
        self._begin()
        tag = self.run.sessions.tag
        self._open(rich_body(tag, "PAYMENT_LINK"))
        if self.run.reused_ids:  # a mock answering its example: one session, whatever the cohort
            self.run.watched = "the target answered creates with an id it had already given another session"
        elif self.run.create_error is None:
            self.watch = type("Watch", (Watch,), {"run": self.run})()
            self.watch.start()
        self._create(self.run.main, rich_body(tag, "COMPONENTS"), "create a COMPONENTS session")

    def _witness(self, step: Callable[[Session], object], judged: set[str]) -> None:
        """One witness step on the first ACTIVE session. When a MUST finding set its session aside before the step
        judged its checks, once more on a fresh one."""
        wanted = judged & self.run.selected
        for _ in range(2):
            session = self._active() if wanted else None
            if session is None:
                return
            step(session)
            if session.id not in self.model.quarantined or all(self.run.ledger.judged[c] for c in wanted):
                return

    def _witnesses(self) -> Steps:
        """The witness steps, with the checks each judges (a step none of whose checks is selected is left out). The
        cancel under test comes first: a finding sets its session aside, and on a target that gives every session
        one id (a mock answering its example) nothing after it can be judged."""
        steps = [(self._cancel_read_cancel, CANCELLED), (self._reads, {"LIFE-READ"}),
                 (self._refused_keys, {"LIFE-AUTH-NO-EFFECT"}),
                 (lambda session: self.cancel_variants(session, WITNESS_VARIANTS), {"LIFE-ID-VARIANT"}),
                 (self.other_methods, {"LIFE-METHOD-NO-EFFECT"}), (self.cancel_encoded, CANCELLED),
                 (self._isolation, ISOLATION),
                 (self.burst, {"LIFE-CONCURRENT", "LIFE-CONCURRENT-422"}) if self.run.fixed_corpus else
                 (self._crowd_of_all, CROWDED),  # (a crowd's reads see either state: no two targets compare alike)
                 (self._edges, {"LIFE-CANCEL-ACTIVE", "LIFE-GET-CANCELED"})]
        if self.run.test_control:
            steps += [(lambda session, action=action: (self.get(session, "key", "owner"),
                                                       self.control(session, action)), {check})
                      for action, check in (("complete", "LIFE-COMPLETED"), ("expire", "LIFE-EXPIRED"))]
        return [*steps, (self._clients, CLIENTS)]  # new requests for checks judged already: last, so that on a target
        # that gives every session one id, their finding takes no other check's turn

    def _sweeps(self) -> Steps:
        """What the witnesses sampled, whole: every credential, every id variant, every direction of isolation."""
        return [(self.cancel_as, {"LIFE-AUTH-NO-EFFECT"}), (self.cancel_variants, {"LIFE-ID-VARIANT"}),
                (self.cancel_for, ISOLATION), (lambda _: self.isolation(), ISOLATION)]

    def _cancel_read_cancel(self, session: Session) -> None:
        self.cancel(session)
        self.get(session, "key", "owner")
        self.cancel(session)

    def _edges(self, _: Session) -> None:
        """A session of each edge body (``edge_bodies``) created, cancelled and read back: what storage does to edge
        data shows in the cancel's answer and the read, compared by meaning with the create's answer. A body the
        target refuses (a 4XX: a business limit of a real account) is left out, its create in the transcript."""
        for name, payload in edge_bodies(self.run.sessions.tag):
            if self._begin() and (session := self._create(self.run.main, payload, f"create a session: {name}")):
                self._cancel(session, "key", "owner")

    def _refused_keys(self, session: Session) -> None:
        """Cancels with no key, an unknown one, the key altered and another scheme, as one step (each is refused
        alike: one read after them all); then one with the key and a password."""
        if not self._usable(session):
            return
        current = self._at(session)
        self._settle_alike([self._send_cancel(current, kind, "owner") for kind in REFUSED_KEYS])
        self._cancels(session, [("key-password", "owner")])

    def _clients(self, session: Session) -> None:
        """Every client variant once: those that name the for-user-id of another sub-account on the ACTIVE session
        (each refused, the session unchanged), one cancel by its owner that acts, then every variant on the session
        it left CANCELED. Cancels owed the same answer are judged as one step (one read after them)."""
        if not self._usable(session):
            return
        current = self._at(session)
        self._settle_alike([self._send_cancel(current, "key", "another", CLIENT_BY_NAME[name])
                            for name in ("names-upper", "names-mixed", "values-padded")])
        if session.id not in self.model.quarantined:
            self._settle(*self._send_cancel(self._at(session), "key", "owner", CLIENT_BY_NAME["names-upper"]))
        if session.id not in self.model.quarantined:
            current = self._at(session)
            self._settle_alike([self._send_cancel(current, "key", "owner", variant) for variant in CLIENT_VARIANTS])

    def _crowd_of_all(self, session: Session) -> None:
        """One crowd over `session` (a race of its owner's cancels) and up to three other sessions the model vouches
        for, of any owner and status: the witness of concurrent cancels, of one session and of several."""
        others = list(itertools.islice((other for other in self.model.others({session.id}) if self._verified(other)),
                                       3))  # read back only the three it takes
        self._crowd(crowd_plan([session, *others], min(WITNESS_CROWD, self._crowd_room())))

    def _isolation(self, session: Session) -> None:
        """A cancel for another sub-account, and one with the other business's key."""
        if self._usable(session):
            self._cancels(session, [("key", "another")] + [("other-key", "none")] * bool(self.run.other_key))

    def closing(self) -> None:
        """Wait for the watch to finish (its waits overlapped the exploration)."""
        if self.watch is not None:
            self.watch.finish()

    def _reads(self, session: Session) -> None:
        """GETs by the owner, with the key altered, for another sub-account and by the other business."""
        for key, sub in (("key", "owner"), ("key-upper", "owner"), ("key", "another"), ("other-key", "none")):
            self.get(session, key, sub)

    def _active(self) -> Session | None:
        """An ACTIVE session of the main owner the model still vouches for, read back first (the witnesses' frame
        condition: a session is read before it is used again); a new one if there is none."""
        now = self.run.now()
        for session in self.model.others(set()):
            if session.owner == self.run.main and self.model.at(session.id, now).status == ACTIVE and \
                    self._verified(session):
                return self.model.sessions[session.id]
        if not self._begin():
            return None
        return self._create(self.run.main, plain_body(f"{self.run.sessions.tag}-opening"), "create a session")

    def _verified(self, session: Session) -> bool:
        """Whether `session` reads back as the model holds it, if steps since it was last read could have changed
        it (the witnesses read the frame condition lazily); a session that does not is set aside."""
        if not self.framed and (self.last is None or self.last[0].session.id != session.id):
            self._frame([session])
        return session.id not in self.model.quarantined
