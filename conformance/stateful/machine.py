"""The lifecycle stage as a Hypothesis rule-based state machine: random sequences of operations over several
sessions, two businesses and sub-accounts, each step judged against the reference model.

Rules (see ``conformance.stateful.plan``): create (bodies from the create schema, for the main business, a
sub-account or the other business); get and cancel with every credential variant and ``for-user-id`` (absent, the
owner's, another sub-account's, the other business's id) and the other business's key; cancels of variants of a real
id (sent only once the safety rule allows them); other methods on the cancel path; concurrent cancels of one session
and of several; test-control complete/expire, then a cancel without reading; waiting past a session's
``expires_at`` and cancelling it without reading it first; the hosted checkout link. After every request on the
cancel path the session is read back by its owner, and so is every other session of the sequence (the frame
condition).

A first pass explores the whole budget (--max-steps) and raises nothing: every step is judged, every finding kept
with the sequence that led to it, and the sessions a finding involves are set aside (the model no longer vouches for
them). Then each check that failed gets a pass of its own, the same sequences again (same seed), where its failure
raises an exception of its own: Hypothesis shrinks it, on fresh sessions every attempt, until the shrinking budget
(seconds) runs out; the shortest failing sequence seen is the one reported.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conformance.checks.lifecycle import JUDGEMENTS, NA, Finding, Step, accepted, body, status
from conformance.generation.explore import CheckFailed, _leaves, failure_type
from conformance.generation.probe import Credentials, segment
from conformance.model.expect import Expectation, expect_burst, expect_cancel, expect_get, expect_method, expect_variant
from conformance.model.state import (
    ACTIVE,
    CANCELED,
    COMPLETED,
    EXPIRED,
    Model,
    Session,
    instant,
)
from conformance.stateful.bodies import create_bodies, plain_body, rich_body
from conformance.stateful.ledger import Budget, Ledger, Trace
from conformance.stateful.sessions import Sessions
from conformance.stateful.variants import (
    KEY_KINDS,
    OTHER_SUB_ACCOUNT,
    SECOND_SUB_ACCOUNT,
    SUB_KINDS,
    VARIANTS,
    id_variant,
    request_headers,
)
from conformance.target.exchange import Exchange
from conformance.target.identity import KEY, MAIN, OTHER, Actor, Owner

STEPS_PER_SEQUENCE = 20
BURST = 4
MARGIN_SECONDS = 0.25  # clock skew (estimated from `created`) and latency around expires_at
EXPIRY_LEAD_SECONDS = 1.0  # how far ahead the expiring session expires (the bundled emulator's floor is 1 s)
WAIT = EXPIRY_LEAD_SECONDS + 2 * MARGIN_SECONDS  # what one wait for an expiry is charged
OTHER_METHODS = ["GET", "PUT", "PATCH", "DELETE"]
ISOLATION = {"LIFE-OTHER-BUSINESS", "LIFE-OTHER-SUBACCOUNT", "LIFE-OTHER-SUBACCOUNT-404"}


@dataclass
class Run:
    """What every sequence of one exploration shares: the target, keys, budget and findings."""

    sessions: Sessions
    credentials: Credentials
    other_key: str | None
    profile: str
    selected: set[str]
    budget: Budget
    test_control: bool
    shrinking: str | None = None  # the check whose failures are raised (and so shrunk) in this pass
    no_real_sessions: bool = False
    sub_accounts: bool = True  # the target lets the run create sessions as an arbitrary sub-account
    ledger: Ledger = field(default_factory=Ledger)
    skew: float | None = None  # the target's clock minus ours, seconds
    expiry_supported: bool = True  # the target accepted an expires_at EXPIRY_LEAD_SECONDS ahead
    checkout_served: bool | None = None  # a session's checkout link answered 2XX while it was ACTIVE (None: not
    # tried yet; without it a link that answers nothing proves nothing)
    other_business_id: str | None = None
    create_error: str | None = None  # why the run has no session at all
    reused_ids: int = 0  # creates that answered an id an earlier create had answered (a mock answering its example)
    fixed_corpus: bool = False  # send the same requests whatever the target answers (compare): nothing set aside
    @property
    def main(self) -> Owner:
        return Owner(MAIN, self.credentials.for_user_id or "")

    def now(self) -> float:
        return time.time() + (self.skew or 0.0)

    def key_kinds(self) -> list[str]:
        return [kind for kind in KEY_KINDS if kind != "other-key" or self.other_key]


class LifecycleMachine(RuleBasedStateMachine):
    """One sequence: its own sessions and model; the run's target and ledger."""

    run: Run  # set on the subclass that `explore` makes for each run
    sessions = Bundle("sessions")

    def __init__(self) -> None:
        super().__init__()
        self.model = Model(MARGIN_SECONDS)
        self.trace: Trace = []
        self.steps = 0
        self.swept: set[str] = set()  # the sweeps done in this sequence (each at most once)
        self.run.ledger.sequences += 1

    # --- plumbing -------------------------------------------------------------------------------------------------

    def _begin(self) -> bool:
        """Count a step if the budget allows one; a spent budget makes every rule a no-op."""
        budget = self.run.budget
        if not budget.live():
            return False
        budget.steps += 1
        self.steps += 1
        return True

    def _headers(self, owner: Owner) -> dict[str, str]:
        key = self.run.credentials.api_key if owner.business == MAIN else self.run.other_key
        return request_headers("key", owner.sub_account, key=key, other_key=None)

    def _owner(self, session: Session) -> Actor:
        """The session's owner as a request with its own headers claims to be."""
        return self.run.credentials.classify(self._headers(session.owner))

    def _actor(self, key_kind: str, sub_kind: str, session: Session) -> tuple[Actor, dict[str, str]]:
        """Headers with the credentials of `key_kind` and the for-user-id of `sub_kind`, and who they claim to be."""
        sub = {"none": "", "owner": session.owner.sub_account,
               "another": OTHER_SUB_ACCOUNT if session.owner.sub_account != OTHER_SUB_ACCOUNT else SECOND_SUB_ACCOUNT,
               "other-business": self.run.other_business_id or SECOND_SUB_ACCOUNT}[sub_kind]
        keys = {MAIN: self.run.credentials.api_key, OTHER: self.run.other_key}
        owner, other = session.owner.business, OTHER if session.owner.business == MAIN else MAIN
        headers = request_headers(key_kind, sub, key=keys[owner], other_key=keys[other])
        return self.run.credentials.classify(headers), headers

    def _send(self, description: str, method: str, path: str, session_id: str, headers: dict, expected: str,
              payload: bytes | None = None, family: str = "lifecycle", actor: Actor | None = None) -> Exchange:
        exchange = self.run.sessions.send(description, method, path, session_id, headers, payload, family, actor)
        self.trace.append((exchange, expected))
        return exchange

    def _read(self, session: Session, why: str) -> Exchange:
        return self._send(f"GET {why}", "GET", f"/sessions/{segment(session.id)}", session.id,
                          self._headers(session.owner), f"200, {session.status}, every field as before")

    def _judge(self, step: Step) -> list[tuple[str, Finding]]:
        """Apply the step's judgements; record and return the findings."""
        step.profile = self.run.profile
        if not any(not exchange.skipped for exchange in step.exchanges):
            return []
        found = []
        for check_id in step.expectation.checks:
            if check_id not in self.run.selected:
                continue
            finding = JUDGEMENTS[check_id](step)
            if finding != NA:
                self.run.ledger.judged[check_id] += 1
            if isinstance(finding, Finding):
                trace = self.trace[:next((i + 1 for i, (exchange, _) in enumerate(self.trace)
                                          if exchange is finding.exchange), len(self.trace))]
                self.run.ledger.found(check_id, finding, trace, self.steps, self.run.budget.steps,
                                      self.run.budget.raised)
                found.append((check_id, finding))
        return found

    def _conclude(self, found: list[tuple[str, Finding]], sessions: list[Session]) -> None:
        """After findings, set the sessions involved aside (the model no longer knows them, so one fault is not
        charged again to every step after it); raise the failure being shrunk, if found."""
        if not found:
            return
        if not self.run.fixed_corpus:
            self.model.quarantined.update(session.id for session in sessions)
        for check_id, finding in found:
            if check_id == self.run.shrinking:
                self.run.budget.raised = True
                raise failure_type(check_id)(finding.exchange, finding.violation)

    def _settle(self, expectation: Expectation, exchanges: list[Exchange], frame: bool = True) -> None:
        """After a request on the cancel path: read the session and (frame) every other one back, judge, advance."""
        session = expectation.session
        reread = self._read(session, "the session after the step")
        others = []
        if frame:
            now = self.run.now()
            for other in self.model.others({session.id}):
                current = self.model.at(other.id, now)
                others.append((current, current.statuses_at(now, MARGIN_SECONDS),
                               self._read(current, "another session (frame condition)")))
        found = self._judge(Step(expectation, exchanges, reread, others))
        acted = any(accepted(exchange) for exchange in exchanges if not exchange.skipped)
        after = expectation.after(acted) or session.status
        advanced = session if after == session.status else session.ended(after)
        if advanced is not session and not found:
            found += self._judge(Step(expect_get(advanced, self._owner(session),
                                                 self.run.now(), MARGIN_SECONDS), [reread]))
        if advanced.status == CANCELED != session.status:
            found += self._follow_link(session, advanced)
        self.model.set(self._learn(advanced, reread))
        for other, _, exchange in others:
            self.model.set(self._learn(other, exchange))
        changed = [other for other, _, exchange in others if isinstance(JUDGEMENTS["LIFE-FRAME"](
            Step(expectation, exchanges, frame=[(other, _, exchange)])), Finding)]
        self._conclude(found, [session, *changed] if any(c != "LIFE-FRAME" for c, _ in found) else changed)

    @staticmethod
    def _learn(session: Session, exchange: Exchange) -> Session:
        """The session once its owner's read is known: a status that time moved, loose fields fixed."""
        data = body(exchange)
        if status(exchange) != 200 or data.get("payment_session_id") != session.id:
            return session
        if data.get("status") == EXPIRED and session.status == ACTIVE:
            session = session.ended(EXPIRED)
        return session.read(data) if data.get("status") == session.status else session

    def _create(self, owner: Owner, payload: dict, description: str) -> Session | None:
        """POST /sessions (not judged: create is not the operation under test); the session, or None."""
        headers = {**self._headers(owner), "Content-Type": "application/json"}
        sent_at = time.time()
        exchange = self._send(description, "POST", "/sessions", "", headers,
                              "201 with the session, or a 4XX (create is not judged)", json.dumps(payload).encode())
        data = body(exchange)
        if status(exchange) != 201 or not isinstance(data.get("payment_session_id"), str):
            if not self.run.sessions.known_ids:  # nothing to explore: stop at once
                self.run.create_error = (f"POST /sessions did not create a session "
                                         f"({exchange.skipped or exchange.error or status(exchange)})")
                self.run.budget.steps = self.run.budget.max_steps
            return None
        created = instant(data.get("created"))
        if self.run.skew is None and created is not None:
            self.run.skew = created - (sent_at + time.time()) / 2
        self.run.reused_ids += data["payment_session_id"] in self.run.sessions.known_ids
        self.run.sessions.known_ids.add(data["payment_session_id"])
        if owner.business == OTHER and not owner.sub_account and isinstance(data.get("business_id"), str):
            self.run.other_business_id = data["business_id"]
        return self.model.add(owner, data, instant(payload.get("expires_at")))

    def _at(self, session: Session) -> Session:
        return self.model.at(session.id, self.run.now())

    def _usable(self, session: Session) -> bool:
        """A step on `session` is counted and sent: the budget allows one and the model still knows the session."""
        return session.id not in self.model.quarantined and self._begin()

    # --- rules ----------------------------------------------------------------------------------------------------

    @initialize(target=sessions, data=st.data())
    def start(self, data):
        """Every sequence starts with two ACTIVE sessions of the main business (a generated body and a plain one),
        one of a sub-account (where the run may create them) and one of the other business."""
        return multiple(*self._open(data.draw(create_bodies(self.run.sessions.tag)))) if self._begin() else multiple()

    def _open(self, payload: dict) -> list[Session]:
        tag = self.run.sessions.tag
        made = [*self._given(), self._create(self.run.main, plain_body(f"{tag}-start"), "create a session"),
                self._create(self.run.main, payload, "create a second session")]  # the plain one first: a body
        # the target refuses (a currency the account lacks) is not a reason to stop
        if self.run.sub_accounts:
            made.append(self._create(Owner(MAIN, OTHER_SUB_ACCOUNT), plain_body(f"{tag}-start"),
                                     "create a session of a sub-account"))
        if self.run.other_key:
            made.append(self._create(Owner(OTHER), plain_body(f"{tag}-other"),
                                     "create a session of the other business"))
        made = list(filter(None, made))
        if self.run.checkout_served is None and made:  # once a run: whether the target serves checkout links
            self._follow_link(made[-1], made[-1])
        return made

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

    def _may_wait(self) -> bool:
        return "LIFE-EXPIRED" in self.run.selected and self.run.budget.can_wait(WAIT)

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

    def _given(self) -> list[Session]:
        """The sessions the user gave (--session-id, --completed-session-id, ...), in the first sequence only: read
        with the key and held by the model as they are."""
        found = []
        for session_id in self.run.sessions.take_given():
            exchange = self._send("read a given session", "GET", f"/sessions/{segment(session_id)}", session_id,
                                  self._headers(self.run.main), "200 with the session")
            if status(exchange) == 200 and body(exchange).get("payment_session_id") == session_id:
                found.append(self.model.add(self.run.main, body(exchange)))
            else:
                seen = exchange.skipped or exchange.error or f"GET answered {status(exchange)}"
                self.run.sessions.dropped.append((session_id, f"not readable as the run's key's session ({seen})"))
        return found

    @rule(target=sessions, owner=st.sampled_from(["main", "sub-account", "other"]), data=st.data())
    def create(self, owner, data):
        if not self._begin():
            return multiple()
        chosen = {"main": self.run.main, "sub-account": Owner(MAIN, OTHER_SUB_ACCOUNT), "other": Owner(OTHER)}[owner]
        if (owner == "other" and not self.run.other_key) or (owner == "sub-account" and not self.run.sub_accounts):
            chosen = self.run.main
        payload = data.draw(create_bodies(self.run.sessions.tag))
        made = self._create(chosen, payload, f"create a {payload['session_type']} {payload['mode']} session "
                                             f"({owner})")
        return multiple(made) if made else multiple()

    def _cancel(self, session: Session, key: str, sub: str, frame: bool = True) -> None:
        current = self._at(session)
        actor, headers = self._actor(key if key in self.run.key_kinds() else "key", sub, current)
        expectation = expect_cancel(current, actor, self.run.now(), MARGIN_SECONDS)
        exchange = self._send(f"cancel ({key}, for-user-id {sub})", "POST", f"/sessions/{segment(current.id)}/cancel",
                              current.id, headers, expectation.text, actor=actor)
        self._settle(expectation, [exchange], frame)

    def _cancels(self, session: Session, whos: list[tuple[str, str]]) -> None:
        """A cancel by each of `whos` in turn, each followed by a read of the session; the frame after the last."""
        for number, (key, sub) in enumerate(whos, 1):
            if session.id in self.model.quarantined:
                return
            self._cancel(session, key, sub, frame=number == len(whos))

    @rule(session=sessions)
    def cancel(self, session):
        """A cancel by the session's owner."""
        if self._usable(session):
            self._cancel(session, "key", "owner")

    @rule(session=sessions)
    def cancel_as(self, session):
        """Cancels with the credentials varied: no key, an unknown one, the key in upper case or with spaces, with a
        password, as Bearer."""
        if self._usable(session):
            self._cancels(session, [(key, "owner") for key in KEY_KINDS[2:]])

    @rule(session=sessions)
    def cancel_for(self, session):
        """Cancels with the key, for-user-id varied (another sub-account's, the other business's id, absent), then
        with the other business's key (for-user-id absent, the owner's, another one, its own id)."""
        if self._usable(session):
            self._cancels(session, [("key", sub) for sub in ("another", "other-business", "none")] +
                          [("other-key", sub) for sub in SUB_KINDS if self.run.other_key])

    @precondition(lambda self: "isolation" not in self.swept)
    @rule()
    def isolation(self):
        """The for-user-id and other-business sweep of `cancel_for` on one ACTIVE session of each owner (the main
        business, its sub-account, the other business): isolation in every direction. Once a sequence."""
        owners = {}
        for session in self.model.sessions.values():
            if (session.status == ACTIVE or self.run.fixed_corpus) and session.id not in self.model.quarantined:
                owners.setdefault(session.owner, session)
        if not owners or not self._begin():
            return
        self.swept.add("isolation")
        for session in owners.values():  # the other business first (`cancel_for` tries the sub-accounts first)
            self._cancels(session, [("other-key", sub) for sub in SUB_KINDS if self.run.other_key] +
                          [("key", sub) for sub in ("another", "other-business", "none")])

    @rule(session=sessions, key=st.sampled_from(KEY_KINDS), sub=st.sampled_from(SUB_KINDS))
    def get(self, session, key, sub):
        if not self._usable(session):
            return
        current = self._at(session)
        actor, headers = self._actor(key if key in self.run.key_kinds() else "key", sub, current)
        expectation = expect_get(current, actor, self.run.now(), MARGIN_SECONDS)
        exchange = self._send(f"get ({key}, for-user-id {sub})", "GET", f"/sessions/{segment(current.id)}",
                              current.id, headers, expectation.text, actor=actor)
        found = self._judge(Step(expectation, [exchange]))
        if actor.owner == current.owner and actor.credential == KEY:
            self.model.set(self._learn(current, exchange))
        self._conclude(found, [current])

    @precondition(lambda self: "variants" not in self.swept)
    @rule(session=sessions)
    def cancel_variants(self, session):
        """Cancels of every variant of the session's id (each an unknown id, sent once the safety rule allows), then
        one read of the session and the frame. Once a sequence: it is many requests."""
        if not self._usable(session):
            return
        self.swept.add("variants")
        current = self._at(session)
        actor = self._owner(current)
        headers = self._headers(current.owner)
        expectation = expect_variant(current, actor)
        exchanges = []
        for kind in VARIANTS:
            variant = id_variant(current.id, *kind)
            if variant.session_id == current.id:  # not a variant of this id (nothing to change in it)
                continue
            reason = self._unsafe(variant.session_id, headers)
            if reason:
                exchange = self.run.sessions.target.skip(
                    self.run.sessions.intent(f"cancel {variant.description}", variant.session_id, headers), "POST",
                    variant.path, headers, reason)
                self.trace.append((exchange, "not sent: " + reason))
                continue
            exchanges.append(self._send(f"cancel {variant.description}", "POST", variant.path, variant.session_id,
                                        headers, expectation.text))
        if exchanges:
            self._settle(expectation, exchanges)

    @rule(session=sessions)
    def cancel_encoded(self, session):
        """A cancel whose path percent-encodes a character of the id that needs no encoding: the same id."""
        if not self._usable(session):
            return
        current = self._at(session)
        variant = id_variant(current.id, "encoded-once", 0, "")
        expectation = expect_cancel(current, self._owner(current),
                                    self.run.now(), MARGIN_SECONDS)
        exchange = self._send(f"cancel {variant.description}", "POST", variant.path, current.id,
                              self._headers(current.owner), expectation.text)
        self._settle(expectation, [exchange])

    def _unsafe(self, variant: str, headers: dict) -> str | None:
        """Why the variant must not be cancelled: unless the target holds only the run's sessions, a GET with the
        owner's key must show it unknown (404, or 400: refused as malformed before any lookup), or show one of the
        run's own sessions (a normalising server)."""
        if self.run.no_real_sessions:
            return None
        exchange = self._send("confirm that the variant is unknown before cancelling it", "GET",
                              f"/sessions/{segment(variant)}", variant, headers, "404 (an unknown id)",
                              family="safety")
        if status(exchange) in (400, 404) or body(exchange).get("payment_session_id") in self.model.sessions:
            return None
        return (f"not sent: a GET of {variant!r} answered {status(exchange) or exchange.skipped or exchange.error}, "
                "not 404 (or 400) nor one of the run's sessions")

    @rule(session=sessions)
    def other_methods(self, session):
        """GET, PUT, PATCH and DELETE on the session's cancel path, then one read of the session and the frame."""
        if not self._usable(session):
            return
        current = self._at(session)
        expectation = expect_method(current, self._owner(current))
        exchanges = [self._send(f"{method} on the cancel path", method, f"/sessions/{segment(current.id)}/cancel",
                                current.id, self._headers(current.owner), expectation.text)
                     for method in OTHER_METHODS]
        self._settle(expectation, exchanges)

    @rule(session=sessions)
    def burst(self, session):
        """Concurrent cancels of one ACTIVE session by its owner (a race; of a session that ended, it is not one)."""
        current = self._at(session)
        if (current.status != ACTIVE and not self.run.fixed_corpus) or not self._usable(session):
            return
        actor = self._owner(current)
        expectation = expect_burst(current, actor, self.run.now(), MARGIN_SECONDS)
        headers = self._headers(current.owner)
        intent = self.run.sessions.intent(f"one of {BURST} concurrent cancels", current.id, headers, actor=actor)
        exchanges = self.run.sessions.target.burst(intent, "POST", f"/sessions/{segment(current.id)}/cancel",
                                                   headers, BURST)
        self.trace += [(exchange, expectation.text) for exchange in exchanges]
        self._settle(expectation, exchanges)

    @rule(chosen=st.lists(sessions, min_size=2, max_size=3))
    def burst_distinct(self, chosen):
        """Concurrent cancels of different sessions, each by its owner: each judged as a cancel of its own."""
        unique = list({session.id: self._at(session) for session in chosen
                       if session.id not in self.model.quarantined}.values())
        if len(unique) < 2 or not self._begin():
            return
        expectations = [expect_cancel(session, self._owner(session),
                                      self.run.now(), MARGIN_SECONDS) for session in unique]
        exchanges = self._concurrently(unique)
        self.trace += [(exchange, expectation.text) for exchange, expectation in zip(exchanges, expectations,
                                                                                     strict=True)]
        for expectation, exchange in zip(expectations, exchanges, strict=True):
            self._settle(expectation, [exchange], frame=expectation is expectations[-1])

    def _concurrently(self, sessions: list[Session]) -> list[Exchange]:
        """One cancel per session, released together (one event for the rate limit and the budget)."""
        target = self.run.sessions.target
        skipped = target.traffic.admit(len(sessions))
        results: dict[int, Exchange] = {}
        start = threading.Barrier(len(sessions))

        def one(index: int, session: Session) -> None:
            headers = self._headers(session.owner)
            intent = self.run.sessions.intent("one of concurrent cancels of different sessions", session.id, headers)
            path = f"/sessions/{segment(session.id)}/cancel"
            if skipped:
                results[index] = target.skip(intent, "POST", path, headers, skipped)
                return
            start.wait()
            results[index] = target.fork().send(intent, "POST", path, headers, admitted=True)

        threads = [threading.Thread(target=one, args=item) for item in enumerate(sessions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [results[index] for index in range(len(sessions))]

    @precondition(lambda self: self.run.test_control)
    @rule(session=sessions, action=st.sampled_from(["complete", "expire"]))
    def control(self, session, action):
        """Test control (an extension, not judged: the model follows what the target did); then a cancel of the
        session without reading it first."""
        if not self._usable(session):
            return
        current = self._at(session)
        exchange = self._send(f"test control: {action}", "POST",
                              f"/test-control/sessions/{segment(current.id)}/{action}", current.id,
                              self._headers(current.owner), "200 if ACTIVE, else 409 (not judged)")
        data = body(exchange)
        done = {"complete": COMPLETED, "expire": EXPIRED}[action]
        if status(exchange) == 200 and data.get("status") == done and current.status == ACTIVE:
            self.model.set(current.ended(done).loosen("expires_at").read(data))  # expiring early moves it
        self._cancel(session, "key", "owner")

    @precondition(lambda self: self._may_wait())
    @rule(target=sessions)
    def expire_unread(self):
        """A session created to expire a second later, its expiry waited out, then cancelled without reading it.
        Each attempt is charged a whole wait, taken or not (so that whether it is drawn does not depend on timing)."""
        if not self._begin() or (session := self._expiring()) is None:
            return multiple()
        self._cancel_expired(session)
        return self.model.sessions[session.id]

    def _expiring(self) -> Session | None:
        """A session of the main owner created to expire EXPIRY_LEAD_SECONDS from now; the wait is charged."""
        self.run.budget.waited += WAIT
        expires = self.run.now() + EXPIRY_LEAD_SECONDS + 0.3  # slack for a slow request
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(expires)) + f".{int(expires % 1 * 1000):03d}Z"
        session = self._create(self.run.main, plain_body(f"{self.run.sessions.tag}-expiring", stamp),
                               "create a session that expires in a second")
        if session is None:
            self.run.expiry_supported = False
        return session

    def _cancel_expired(self, session: Session, frame: bool = True) -> None:
        """Wait out `session`'s expiry, then cancel it without reading it first."""
        time.sleep(max(0.0, (session.expires_at or 0.0) + MARGIN_SECONDS + 0.05 - self.run.now()))
        current = self._at(session)
        expectation = expect_cancel(current, self._owner(current), self.run.now(), MARGIN_SECONDS)
        exchange = self._send("cancel the session after its expires_at, not read since its creation", "POST",
                              f"/sessions/{segment(current.id)}/cancel", current.id, self._headers(current.owner),
                              expectation.text)
        self._settle(expectation, [exchange], frame)

    @rule(session=sessions)
    def checkout(self, session):
        """The hosted checkout link, read at any time: served while ACTIVE; invalid once canceled (LIFE-CHECKOUT)."""
        current = self._at(session)
        if self._link_path(current) is None or not self._usable(session):
            return
        self._conclude(self._follow_link(current, current), [current])

    def _follow_link(self, before: Session, now: Session) -> list[tuple[str, Finding]]:
        """GET the checkout link `before` had (the session's link while ACTIVE: a cancel may null it) as the session
        is `now`: while ACTIVE it shows that the target serves links; once canceled it must not (judged only if some
        link was served)."""
        path = self._link_path(before)
        if path is None or (now.status != ACTIVE and not self.run.checkout_served):
            return []
        expectation = Expectation("checkout", now, self.run.credentials.classify({}), (), ("LIFE-CHECKOUT",))
        exchange = self._send("checkout link", "GET", path, now.id, {},
                              "a 4XX once canceled" if now.status == CANCELED else "200 while ACTIVE")
        if now.status == ACTIVE:
            self.run.checkout_served = self.run.checkout_served or accepted(exchange)
            return []
        return self._judge(Step(expectation, [exchange]))

    def _link_path(self, session: Session) -> str | None:
        """The session's checkout link as a path through the target (None: no link, or one not under the target's
        base URL)."""
        link = session.body.get("payment_link_url")
        return self.run.sessions.target.path_of(link) if isinstance(link, str) else None


def _pass(run: Run, seed: int, shrink: bool) -> None:
    """One Hypothesis run of the machine over `run.budget`; failures of `run.shrinking` raise and are shrunk."""
    machine = type("Lifecycle", (LifecycleMachine,), {"run": run})
    sequences = 2 * max(1, -(-run.budget.max_steps // STEPS_PER_SEQUENCE))  # some steps do nothing (a burst of an
    # ended session, ...): the budget, not the number of sequences, ends the pass
    phases = [Phase.generate] + ([Phase.shrink] if shrink else [])
    config = settings(max_examples=sequences, stateful_step_count=STEPS_PER_SEQUENCE, deadline=None, database=None,
                      phases=phases, suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
                      print_blob=False, verbosity=Verbosity.quiet)
    hypothesis_seed(seed)(machine)
    try:
        run_state_machine_as_test(machine, settings=config)
    except BaseException as error:  # noqa: BLE001 - Hypothesis reports the failure it shrank as an exception
        if isinstance(error, KeyboardInterrupt):
            raise
        unexpected = [leaf for leaf in _leaves(error) if not isinstance(leaf, CheckFailed | HypothesisException)]
        if unexpected:  # a bug of the suite, not a finding
            raise


def explore(run: Run, seed: int, *, shrink_seconds: float) -> Ledger:
    """The opening sequence, then Hypothesis's sequences within the step budget, judging every step and raising
    nothing; then, for each check that failed
    (in the order found, while `shrink_seconds` last), run the same sequences again raising that check's failures,
    so that Hypothesis shrinks them to a minimal sequence (on fresh sessions each time)."""
    explored = run.budget
    opening = type("Opening", (LifecycleMachine,), {"run": run})()
    expiring = opening.opening()
    _pass(run, seed, shrink=False)
    if expiring is not None:
        opening.closing(expiring)
    deadline = time.monotonic() + shrink_seconds
    for check_id in list(run.ledger.detected):
        if time.monotonic() >= deadline:
            break
        run.budget = Budget(explored.max_steps, explored.wait_seconds * 2, deadline)
        run.shrinking = check_id
        _pass(run, seed, shrink=True)
    run.budget, run.shrinking = explored, None
    return run.ledger
