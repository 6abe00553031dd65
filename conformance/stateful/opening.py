"""The opening sequence, before Hypothesis explores: each kind of step once, in the order that judges every lifecycle
check, on sessions with every optional field, so that any budget judges them all."""

from __future__ import annotations

from collections.abc import Callable

from conformance.model.state import ACTIVE, Session
from conformance.stateful.bodies import plain_body, rich_body
from conformance.stateful.rules import LifecycleMachine

ISOLATION = {"LIFE-OTHER-BUSINESS", "LIFE-OTHER-SUBACCOUNT", "LIFE-OTHER-SUBACCOUNT-404"}


class Opening(LifecycleMachine):
    """The opening's own steps; the rest are the rules'."""

    def opening(self) -> Session | None:
        """The opening sequence, before Hypothesis explores: each kind of step once, in the order that judges every
        lifecycle check (cancel, read, cancel again, reads, refused cancels, id variants, other methods, isolation,
        races, test control), on sessions with every optional field, so that any budget judges them all. It spends
        the same budget; its failures are shrunk like the others. It also creates a session that expires a second
        later, held out of the model (nobody reads it), and returns it: `closing` cancels it once the exploration
        has waited out its expiry."""
        if not self._begin():
            return None
        tag = self.run.sessions.tag
        self._open(rich_body(tag, "PAYMENT_LINK"))
        expiring = self._expiring() if self._may_wait() else None  # after the others: a refused expiry is no
        if expiring is not None:  # reason to stop
            del self.model.sessions[expiring.id]
        self._create(self.run.main, rich_body(tag, "COMPONENTS"), "create a COMPONENTS session")
        for step, judged in self._opening_steps():
            if judged & self.run.selected and (session := self._active()) is not None:
                step(session)
        return expiring

    def _opening_steps(self) -> list[tuple[Callable[[Session], object], set[str]]]:
        """The opening's steps, each on the first ACTIVE session, with the checks it judges (a step none of whose
        checks is selected is left out). The cancel under test comes first: a finding sets its session aside, and on
        a target that gives every session one id (a mock answering its example) nothing after it can be judged."""
        cancelled = {"LIFE-CANCEL-ACTIVE", "LIFE-UPDATED", "LIFE-GET-CANCELED", "LIFE-RECANCEL", "LIFE-STATUS-MESSAGE",
                     "LIFE-CHECKOUT", "LIFE-FRAME"}
        steps = [(self._cancel_read_cancel, cancelled), (self._reads, {"LIFE-READ"}),
                 (self.cancel_as, {"LIFE-AUTH-NO-EFFECT"}), (self.cancel_variants, {"LIFE-ID-VARIANT"}),
                 (self.other_methods, {"LIFE-METHOD-NO-EFFECT"}), (self.cancel_encoded, cancelled),
                 (self.cancel_for, ISOLATION), (lambda _: self.isolation(), ISOLATION),
                 (self.burst, {"LIFE-CONCURRENT", "LIFE-CONCURRENT-422"}), (self._burst_two, {"LIFE-CANCEL-ACTIVE"})]
        if self.run.test_control:
            steps += [(lambda session, action=action: (self.get(session, "key", "owner"),
                                                       self.control(session, action)), {check})
                      for action, check in (("complete", "LIFE-COMPLETED"), ("expire", "LIFE-EXPIRED"))]
        return steps

    def _cancel_read_cancel(self, session: Session) -> None:
        self.cancel(session)
        self.get(session, "key", "owner")
        self.cancel(session)

    def closing(self, expiring: Session) -> None:
        """Cancel the opening's expiring session, unread since its creation (its frame was the exploration: other
        sequences' requests, so no frame condition here)."""
        self.model.set(expiring)
        self._cancel_expired(expiring, frame=False)

    def _reads(self, session: Session) -> None:
        """GETs by the owner, with the key altered, for another sub-account and by the other business."""
        for key, sub in (("key", "owner"), ("key-upper", "owner"), ("key", "another"), ("other-key", "none")):
            self.get(session, key, sub)

    def _burst_two(self, session: Session) -> None:
        others = [other for other in self.model.others({session.id}) if other.status == ACTIVE]
        self.burst_distinct([session, *others[:1]])

    def _active(self) -> Session | None:
        """An ACTIVE session of the main owner the model still vouches for; a new one if there is none."""
        now = self.run.now()
        for session in self.model.others(set()):
            if session.owner == self.run.main and self.model.at(session.id, now).status == ACTIVE:
                return self.model.sessions[session.id]
        if not self._begin():
            return None
        return self._create(self.run.main, plain_body(f"{self.run.sessions.tag}-opening"), "create a session")
