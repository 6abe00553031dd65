"""Crowds: many requests released together — cancels and reads of several sessions, by their owners and by a
stranger (the other business, else another sub-account) — as real traffic puts them side by side. Every answer is
judged by the model: the owner's cancels of one session as a race (at most one acts), a read (sent a moment after
the cancels, while they are under way) as the session before the crowd or as its owner's cancel left it (nothing in
between), the stranger's requests as refused; then each session is read back and the frame condition read after the
last. The crowd's requests are one span of the trace: a failure shows them all."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.checks.lifecycle import Step, accepted
from conformance.generation.probe import segment
from conformance.model.expect import Expectation, expect_burst, expect_cancel, expect_read_during
from conformance.model.state import Session
from conformance.stateful.steps import Steps
from conformance.target.endpoints import CANCEL, GET
from conformance.target.exchange import Exchange, PlannedRequest

CROWD = (8, 32)  # requests in one crowd, at least and at most (within any rate limit: half its window)
CANCEL_OP, READ_OP = "cancel", "read"
OWNER, STRANGER = "owner", "stranger"
READ_LAG_SECONDS = 0.02  # a crowd's reads go out this long after its cancels: while those are under way (at 5 ms, a
# loaded machine sometimes let a read reach the target first)


@dataclass(frozen=True)
class Sent:
    """One request of a crowd: about which session, which operation, by whom."""

    session: Session
    operation: str
    who: str
    expected: Expectation  # what the model allows it, on its own
    exchange: Exchange


def crowd_plan(sessions: list[Session], size: int) -> list[tuple[Session, str, str]]:
    """A crowd of at least `size` over `sessions` (up to four) with a request of every kind, the fewest reads: on the
    first session, three cancels by its owner (a race) beside a read by its owner and a cancel by the stranger; a
    cancel of each other session by its owner; then more of those (races on each)."""
    first, *rest = sessions
    plan = [(first, CANCEL_OP, OWNER)] * 3 + [(first, READ_OP, OWNER), (first, CANCEL_OP, STRANGER)]
    plan += [(session, CANCEL_OP, OWNER) for session in rest]
    turn = [(session, CANCEL_OP, OWNER) for session in rest] or [(first, READ_OP, OWNER)]
    return plan + [turn[number % len(turn)] for number in range(size - len(plan))]


class Crowds(Steps):
    """Sends a crowd and judges it."""

    def _crowd_room(self) -> int:
        """The largest crowd the rate limits take at once: half the smallest window of the endpoints it uses."""
        limits = [limit for endpoint in (CANCEL, GET)
                  if (limit := self.run.sessions.target.traffic.limit(endpoint)) is not None]
        return max(2, min([CROWD[1], *(limit // 2 for limit in limits)]))

    def _stranger(self) -> tuple[str, str]:
        """Who asks about sessions not theirs: the other business's key, else the key for another sub-account."""
        return ("other-key", "none") if self.run.other_key else ("key", "another")

    def _crowd(self, plan: list[tuple[Session, str, str]]) -> None:
        """Send `plan` (session, operation, who) at once; judge every answer, then each session's read back."""
        now, margin = self.run.now(), self.run.margin
        current = {session.id: self._at(session) for session, _, _ in plan}
        cancelled = {session.id for session, operation, who in plan if (operation, who) == (CANCEL_OP, OWNER)}
        planned, asked = [], []
        for session, operation, who in plan:
            at = current[session.id]
            actor, headers = self._actor(*(("key", "owner") if who == OWNER else self._stranger()), at)
            path = f"/sessions/{segment(at.id)}" + ("/cancel" if operation == CANCEL_OP else "")
            intent = self._intent(f"one of {len(plan)} at once: {operation} by the {who}", at.id, headers, actor)
            planned.append(PlannedRequest(intent, "POST" if operation == CANCEL_OP else "GET", path, headers,
                                          lag=0.0 if operation == CANCEL_OP else READ_LAG_SECONDS))
            if operation == CANCEL_OP:
                asked.append((at, operation, who, expect_cancel(at, actor, now, margin)))
            else:  # a read, beside its owner's cancels of the session if any
                asked.append((at, operation, who, expect_read_during(at, actor, now, margin, at.id in cancelled)))
        exchanges = self.run.sessions.target.burst_many(planned)
        sent = [Sent(*ask, exchange) for ask, exchange in zip(asked, exchanges, strict=True)]
        self._trace_burst([(item.exchange, item.expected.text) for item in sent])
        settling = [at.id for at in current.values() if any(item.session.id == at.id and item.operation == CANCEL_OP
                                                            for item in sent)]
        acted = {item.session.id for item in sent if item.operation == CANCEL_OP and accepted(item.exchange)}
        for at in current.values():
            if at.id in self.model.quarantined:
                continue
            mine = [item for item in sent if item.session.id == at.id]
            self._conclude([finding for item in mine if item.operation == READ_OP
                            for finding in self._judge(Step(item.expected, [item.exchange]))], [at])
            owners = [item.exchange for item in mine if (item.operation, item.who) == (CANCEL_OP, OWNER)]
            strangers = [item for item in mine if (item.operation, item.who) == (CANCEL_OP, STRANGER)]
            last = bool(settling) and at.id == settling[-1]  # the frame condition after the crowd, read once
            alone = not acted - {at.id}  # no cancel of another session acted beside these
            if owners:
                race = (expect_burst if len(owners) > 1 else expect_cancel)(at, self._owner(at), now, margin)
                self._settle(race, owners, frame=last, alone=alone)
                for item in strangers:  # answered beside the owner's cancel: the read after it shows that one
                    self._conclude(self._judge(Step(item.expected, [item.exchange])), [at])
            elif strangers:
                self._settle(strangers[0].expected, [item.exchange for item in strangers], frame=last, alone=alone)
