"""Sessions watched across time: a cohort created to expire a second or two later, and what each of its sessions
meets before, at and after its ``expires_at`` (every request judged against the model, which allows both statuses
within the margin around it, ``Exploration.margin``):

- one cancelled at once, then read after its expiry and again at the end: a CANCELED session stays CANCELED, every
  field as the cancel left it;
- two cancelled at the boundary, just before and just after ``expires_at``: either outcome, and the reads after it
  agree with the one taken;
- one read before the boundary (ACTIVE), then across it until it shows EXPIRED, every other field unchanged, and
  never ACTIVE again;
- one never read, cancelled once its expiry has surely passed (the lag included): refused, nothing changed.

The watch runs in a thread of its own beside the exploration (its waits overlap the other work) on its own model,
and reports to the exploration's ledger; ``finish`` waits for it and reads the cohort once more, long after."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from conformance.checks.lifecycle import Step
from conformance.generation.probe import segment
from conformance.model.expect import expect_get
from conformance.model.state import EXPIRED, Session
from conformance.stateful.bodies import plain_body
from conformance.stateful.exploration import EXPIRY_LEAD_SECONDS
from conformance.stateful.rules import LifecycleMachine
from conformance.stateful.variants import WATCH_SUB_ACCOUNT
from conformance.target.identity import MAIN, Owner

POLL_SECONDS = 0.2  # between reads of a session waiting for it to show EXPIRED
ROLES = ("cancelled-before", "edge-before", "edge-after", "read-across", "unread")
CREATE_ATTEMPTS = 2  # a cohort refused once (its creates took longer than the slack) is created again, later
TIMED = {"edge-before", "edge-after", "read-across"}  # whose requests' outcomes depend on when they arrive: left out
# where every target must be sent the same requests (compare)


class Watch(LifecycleMachine):
    """The cohort and its timed steps (a machine of its own, like the opening; `run` is set on the subclass)."""

    family = "watch"  # its requests interleave with the exploration's: told apart in the transcript
    cohort: dict[str, Session]
    thread: threading.Thread | None = None

    def start(self) -> None:
        """Create the cohort (all expiring at one instant) and start watching it; nothing if the target refuses an
        expires_at that close, or the lifecycle checks it serves are not selected."""
        if not {"LIFE-EXPIRED", "LIFE-READ", "LIFE-GET-CANCELED"} & self.run.selected:
            self.run.watched = "none of the checks it judges is selected"
            return
        roles = [role for role in ROLES if role not in TIMED or not self.run.fixed_corpus]
        self.steps = len(roles)  # a create is a step, as in every sequence
        owner = Owner(MAIN, WATCH_SUB_ACCOUNT) if self.run.sub_accounts else self.run.main  # apart from the
        # exploration's sessions, where the target allows: a fault touching an owner's other sessions is not charged to
        # a request of the exploration's that the watch's ran beside
        slack = 0.3  # for the creates: a target whose floor is the lead refuses an expiry already that close
        for _ in range(CREATE_ATTEMPTS):
            started = self.run.now()
            owner = self._create_cohort(roles, owner, started + EXPIRY_LEAD_SECONDS + slack)
            if len(self.cohort) == len(roles):
                break
            per_create = (self.run.now() - started) / (len(self.cohort) + 1)  # a slow target (or machine; a target
            slack += 2 * per_create * len(roles)  # that takes no expiry this close refuses the next cohort too): it
            # expires late enough for all its creates, twice over
        if len(self.cohort) < len(roles):
            self.run.expiry_supported = False
            self.run.watched = f"the target refused a session that expires {EXPIRY_LEAD_SECONDS:g} s ahead"
            return
        del self.model.sessions[self.cohort["unread"].id]  # nobody reads it before its cancel
        self.thread = threading.Thread(target=self._watch, name="watch", daemon=True)
        self.thread.start()

    def _create_cohort(self, roles: list[str], owner: Owner, expires: float) -> Owner:
        """Create a session per role, all expiring at `expires`, until one is refused; the owner they have (the
        main one where the target has no such sub-account)."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(expires)) + f".{int(expires % 1 * 1000):03d}Z"
        self.cohort = {}
        for role in roles:
            body = plain_body(f"{self.run.sessions.tag}-{role}", stamp)
            described = f"create a session that expires {EXPIRY_LEAD_SECONDS:g} s later ({role})"
            session = self._create(owner, body, described)
            if session is None and not self.cohort and owner != self.run.main:  # no such sub-account: the main one
                owner = self.run.main
                session = self._create(owner, body, described)
            if session is None:
                return owner
            self.cohort[role] = session
        return owner

    def finish(self) -> None:
        """Wait for the watch; then read every session of the cohort once more."""
        if self.thread is None:
            return
        self.thread.join()
        for session in self.cohort.values():
            if session.id in self.model.sessions and session.id not in self.model.quarantined:
                self._look(session, "long after its expiry")

    def _watch(self) -> None:
        cohort, margin = self.cohort, self.run.margin
        expires = cohort["unread"].expires_at or 0.0
        with without_collection_pauses():
            self._until(0.0)
            self._cancel(cohort["cancelled-before"], "key", "owner")
            if "read-across" in cohort:
                self._until(expires - margin.skew - 0.15)
                self._look(cohort["read-across"], "before its expiry")
                self._until(expires - margin.skew / 2)
                self._cancel(cohort["edge-before"], "key", "owner", frame=False)
                self._until(expires + margin.skew / 2)
                self._cancel(cohort["edge-after"], "key", "owner", frame=False)
                self._until(expires + margin.skew)
                self._across(cohort["read-across"])
        for role in ("cancelled-before", "edge-before", "edge-after"):
            if role in cohort:
                self._until(cohort[role].expired_by(margin))
                self._look(cohort[role], "after its expiry")
        self._until(0.0)
        self.model.set(cohort["unread"])
        self._cancel_expired(cohort["unread"], frame=False)

    def _until(self, instant: float) -> None:
        """Wait for `instant` (the target's clock); what follows is a step of its own (after the cohort's creates;
        the budget's steps are the exploration's, so a failing sequence's length compares with shrunk ones)."""
        self.steps += 1
        time.sleep(max(0.0, instant - self.run.now()))

    def _across(self, session: Session) -> None:
        """Read `session` until it shows EXPIRED, or once more after its expiry has surely passed."""
        while session.id not in self.model.quarantined:
            surely = self.run.now() > self.model.sessions[session.id].expired_by(self.run.margin)
            self._look(session, "across its expiry")
            if self.model.sessions[session.id].status == EXPIRED or surely:
                return
            time.sleep(POLL_SECONDS)

    def _look(self, session: Session, when: str) -> None:
        """A GET by the owner, judged against what the model allows now; the model learns what it shows."""
        if session.id in self.model.quarantined:
            return
        current = self._at(session)
        owner = self._owner(current)
        expectation, exchange = self._send_judged(partial(expect_get, current, owner), f"read the session {when}",
                                                  "GET", f"/sessions/{segment(current.id)}", current.id,
                                                  self._headers(current.owner), actor=owner)
        found = self._judge(Step(expectation, [exchange]))
        self.model.set(self._learn(current, exchange))
        self._conclude(found, [current], self._confirms(exchange))


@contextmanager
def without_collection_pauses() -> Iterator[None]:
    """The garbage collector off (as it was, after) while the watch sends its timed requests, until the session
    read across the boundary shows EXPIRED (about two seconds): a full collection of a large process stops every
    thread, for a quarter of a second in a busy test worker, and a cancel meant for the eighth of a second before
    expires_at arrived after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
