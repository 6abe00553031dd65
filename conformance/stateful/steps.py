"""The plumbing every step of the lifecycle stage goes through: who asks (headers and their classification), sending
and recording, judging a step against the model, advancing the model, and setting aside what a finding involves.
After every request on the cancel path the session is read back by its owner, and so is every other session of the
sequence, side by side (the frame condition; the opening's witnesses read it lazily)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import partial
from urllib.parse import urlsplit

from hypothesis.stateful import RuleBasedStateMachine

from conformance.checks.catalogue import MUST, REGISTRY
from conformance.checks.findings import NA
from conformance.checks.lifecycle import JUDGEMENTS, Finding, Step, accepted, body, status
from conformance.generation.clients import ClientVariant, Varied
from conformance.generation.explore import failure_type
from conformance.generation.probe import segment
from conformance.model.expect import Expectation, expect_cancel, expect_get
from conformance.model.state import ACTIVE, CANCELED, EXPIRED, Model, Session, instant
from conformance.safety import link_refusal
from conformance.stateful.bodies import plain_body
from conformance.stateful.exploration import EXPIRY_LEAD_SECONDS, Exploration, expiry_wait
from conformance.stateful.ledger import Trace
from conformance.stateful.variants import OTHER_SUB_ACCOUNT, SECOND_SUB_ACCOUNT, request_headers
from conformance.target.exchange import Exchange, Intent, PlannedRequest
from conformance.target.identity import MAIN, OTHER, Actor, Owner


class Steps(RuleBasedStateMachine):
    """One sequence: its own sessions and model; the exploration's target and ledger."""

    run: Exploration  # set on the subclass that `explore` makes for each exploration
    family = "lifecycle"  # of every request it sends (but the safety GETs)

    def __init__(self) -> None:
        super().__init__()
        self.model = Model(self.run.margin)
        self.trace: Trace = []
        self.steps = 0
        self.swept: set[str] = set()  # the sweeps done in this sequence (each at most once)
        self.framed = True  # every request on the cancel path is followed by the frame condition (the opening's
        # witnesses read it lazily instead: a session before it is used again, every session at the end)
        self.last: tuple[Expectation, list[Exchange]] | None = None  # the last step settled
        self.bursts: list[tuple[int, int]] = []  # spans of the trace sent at once (shown together in a failure)
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

    def _headers(self, owner: Owner) -> dict[str, str | bytes]:
        key = self.run.credentials.api_key if owner.business == MAIN else self.run.other_key
        return request_headers("key", owner.sub_account, key=key, other_key=None)

    def _owner(self, session: Session) -> Actor:
        """The session's owner as a request with its own headers claims to be."""
        return self.run.credentials.classify(self._headers(session.owner))

    def _actor(self, key_kind: str, sub_kind: str, session: Session) -> tuple[Actor, dict[str, str | bytes]]:
        """Headers with the credentials of `key_kind` and the for-user-id of `sub_kind`, and who they claim to be."""
        sub = {"none": "", "owner": session.owner.sub_account,
               "another": OTHER_SUB_ACCOUNT if session.owner.sub_account != OTHER_SUB_ACCOUNT else SECOND_SUB_ACCOUNT,
               "other-business": self.run.other_business_id or SECOND_SUB_ACCOUNT}[sub_kind]
        keys = {MAIN: self.run.credentials.api_key, OTHER: self.run.other_key}
        owner, other = session.owner.business, OTHER if session.owner.business == MAIN else MAIN
        headers = request_headers(key_kind, sub, key=keys[owner], other_key=keys[other])
        return self.run.credentials.classify(headers), headers

    def _intent(self, description: str, session_id: str, headers: dict, actor: Actor | None = None) -> Intent:
        return self.run.sessions.intent(description, session_id, headers, self.family, actor)

    def _send(self, description: str, method: str, path: str, session_id: str, headers: dict, expected: str,
              payload: bytes | None = None, family: str | None = None, actor: Actor | None = None,
              varied: Varied | None = None, refusable: frozenset[int] = frozenset()) -> Exchange:
        """Send and trace a request (`varied`: as a client variant sends it, refused perhaps with `refusable`)."""
        exchange = self.run.sessions.send(description, method, path, session_id, headers, payload,
                                          family or self.family, actor, varied, refusable)
        self.trace.append((exchange, expected))
        return exchange

    def _send_judged(self, expect: Callable[..., Expectation], description: str, method: str, path: str,
                     session_id: str, headers: dict, **sending) -> tuple[Expectation, Exchange]:
        """`_send`, and the model's word on the request (`expect(now, margin, until=...)`) over the whole time it
        took: the target handled it at some instant between its sending and its answer, which a loaded machine or
        network can put past the margin."""
        started = self.run.now()
        exchange = self._send(description, method, path, session_id, headers, "", **sending)
        expectation = expect(started, self.run.margin, until=self.run.now())
        self.trace[-1] = (exchange, expectation.text)  # the entry `_send` added, now that it is known
        return expectation, exchange

    def _trace_burst(self, traced: Trace) -> None:
        """Requests released together, traced as one span: a failure of any of them shows them all."""
        self.bursts.append((len(self.trace), len(self.trace) + len(traced)))
        self.trace += traced

    def _trace_to(self, exchange: Exchange) -> Trace:
        """The sequence up to `exchange`, and the rest of the burst it was part of."""
        end = next((i + 1 for i, (item, _) in enumerate(self.trace) if item is exchange), len(self.trace))
        end = max([end, *(stop for start, stop in self.bursts if start < end <= stop)])
        return self.trace[:end]

    def _read(self, session: Session, why: str) -> Exchange:
        return self._read_all([session], why)[0]

    def _read_all(self, sessions: list[Session], why: str) -> list[Exchange]:
        """Each session read back by its owner; several side by side."""
        planned = [PlannedRequest(self._intent(f"GET {why}", session.id, headers), "GET",
                                  f"/sessions/{segment(session.id)}", headers)
                   for session in sessions for headers in [self._headers(session.owner)]]
        exchanges = self.run.sessions.target.gather(planned)
        self.trace += [(exchange, f"200, {session.status}, every field as before")
                       for exchange, session in zip(exchanges, sessions, strict=True)]
        return exchanges

    def _judge(self, step: Step, only: str | None = None) -> list[tuple[str, Finding]]:
        """Apply the step's judgements (`only` that one); record and return the findings."""
        step.profile = self.run.profile
        if not any(not exchange.skipped for exchange in step.exchanges):
            return []
        found = []
        for check_id in step.expectation.checks:
            if check_id not in self.run.selected or only not in (None, check_id):
                continue
            finding = JUDGEMENTS[check_id](step)
            with self.run.ledger.lock:
                if finding != NA:
                    self.run.ledger.judged[check_id] += 1
                if isinstance(finding, Finding):
                    self.run.ledger.found(check_id, finding, self._trace_to(finding.exchange), self.steps,
                                          self.run.budget.steps, self.run.budget.raised)
            if isinstance(finding, Finding):
                found.append((check_id, finding))
        return found

    def _conclude(self, found: list[tuple[str, Finding]], sessions: list[Session], confirmed: bool = True) -> None:
        """After findings, set the sessions involved aside when the model can no longer vouch for them: after a MUST
        finding (so one fault is not charged again to every step after it), or a SHOULD one whose session the
        owner's read no longer shows as the model holds it (`confirmed`: it does). A session with a SHOULD finding
        alone stays in use, so a warning never keeps a MUST check from being judged. Raise the failure being shrunk,
        if found."""
        if not found:
            return
        doubtful = not confirmed or any(REGISTRY[check_id].level == MUST for check_id, _ in found)
        if doubtful and not self.run.fixed_corpus:
            self.model.quarantined.update(session.id for session in sessions)
        for check_id, finding in found:
            if check_id == self.run.shrinking:
                self.run.budget.raised = True
                raise failure_type(check_id)(finding.exchange, finding.violation)

    def _settle(self, expectation: Expectation, exchanges: list[Exchange], frame: bool = True,
                alone: bool = True) -> None:
        """After a request on the cancel path: read the session and (frame) every other one back, judge, advance.
        Only answers move the model: a step none of whose requests was answered (not sent, or rate limited beyond
        patience) is neither judged nor followed. Not `alone` (sent beside a cancel of another session that acted),
        a refused request's read is the frame condition's: which of them changed the session, nobody can tell."""
        if all(exchange.skipped for exchange in exchanges):
            return
        session = expectation.session
        read_from = self.run.now()
        reread = self._read(session, "the session after the step")
        read_until = self.run.now()
        others = self._frame_reads({session.id}) if frame and self.framed else []
        acted = any(accepted(exchange) for exchange in exchanges if not exchange.skipped)
        statuses = session.statuses_at(read_from, self.run.margin, read_until)
        if alone or acted:
            found = self._judge(Step(expectation, exchanges, reread, others, reread_statuses=statuses))
        else:
            beside = [(session, statuses, reread)]
            found = self._judge(Step(expectation, exchanges, frame=others))
            found += self._judge(Step(expectation, exchanges, frame=beside), only="LIFE-FRAME")
        self.last = expectation, exchanges
        after = expectation.accepted_after if acted else None
        advanced = session.ended(after) if after and after != session.status else session
        if advanced is not session and not found:
            found += self._judge(Step(expect_get(advanced, self._owner(session), read_from, self.run.margin,
                                                 read_until), [reread]))
        if advanced.status == CANCELED != session.status:
            found += self._follow_link(session, advanced)
        self.model.set(self._learn(advanced, reread))
        changed = self._learn_frame(expectation, exchanges, others)
        involved = [session, *changed] if any(check_id != "LIFE-FRAME" for check_id, _ in found) else changed
        self._conclude(found, involved, self._confirms(reread))

    def _settle_alike(self, sent: list[tuple[Expectation, list[Exchange]]]) -> None:
        """Requests sent one after another about one session, settled as one step per set of allowed outcomes (one
        read after each set): requests owed the same answer are judged alike."""
        alike: dict[tuple, tuple[Expectation, list[Exchange]]] = {}
        for expectation, exchanges in sent:
            alike.setdefault(expectation.outcomes, (expectation, []))[1].extend(exchanges)
        for expectation, exchanges in alike.values():
            if expectation.session.id not in self.model.quarantined:  # a finding set it aside: judged no further
                self._settle(expectation, exchanges)

    def _frame_reads(self, besides: set[str], sessions: list[Session] | None = None) -> \
            list[tuple[Session, frozenset[str], Exchange]]:
        """Every other session of the sequence (or `sessions`) read back by its owner, side by side (independent
        reads), with the statuses the model allows it now."""
        now = self.run.now()
        chosen = [self.model.at(other.id, now) for other in (self.model.others(besides) if sessions is None
                                                              else sessions)]
        reads = self._read_all(chosen, "another session (frame condition)")
        until = self.run.now()
        return [(current, current.statuses_at(now, self.run.margin, until), read)
                for current, read in zip(chosen, reads, strict=True)]

    def _learn_frame(self, expectation: Expectation, exchanges: list[Exchange],
                     others: list[tuple[Session, frozenset[str], Exchange]]) -> list[Session]:
        """The model learns from the frame's reads; the sessions they show changed (LIFE-FRAME)."""
        for other, _, exchange in others:
            self.model.set(self._learn(other, exchange))
        return [other for other, statuses, exchange in others if isinstance(JUDGEMENTS["LIFE-FRAME"](
            Step(expectation, exchanges, frame=[(other, statuses, exchange)])), Finding)]

    def _frame(self, sessions: list[Session]) -> None:
        """The frame condition on `sessions`, read back after the last step (their reads judged by LIFE-FRAME
        alone): a step that changed another session shows here if not at once."""
        if self.last is None or not sessions:
            return
        expectation, exchanges = self.last
        others = self._frame_reads(set(), sessions)
        found = self._judge(Step(expectation, exchanges, frame=others), only="LIFE-FRAME")
        self._conclude(found, self._learn_frame(expectation, exchanges, others))

    def _confirms(self, read: Exchange) -> bool:
        """Whether the owner's read shows its session with the status the model holds."""
        data = body(read)
        session = self.model.sessions.get(data.get("payment_session_id"))
        return status(read) == 200 and session is not None and data.get("status") == session.status

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

    def _may_wait(self) -> bool:
        return "LIFE-EXPIRED" in self.run.selected and self.run.budget.can_wait(expiry_wait(self.run.margin))

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

    def _cancel(self, session: Session, key: str, sub: str, frame: bool = True) -> None:
        self._settle(*self._send_cancel(self._at(session), key, sub), frame)

    def _send_cancel(self, current: Session, key: str, sub: str, variant: ClientVariant | None = None) -> \
            tuple[Expectation, list[Exchange]]:
        """A cancel of `current` with the credentials of `key` and the for-user-id of `sub` (`variant`: as that
        client variant sends it, classified as sent), and what the model expects of it."""
        actor, headers = self._actor(key if key in self.run.key_kinds() else "key", sub, current)
        varied, refusable = (variant.vary(headers), variant.refusable) if variant else (None, frozenset())
        if varied is not None:
            actor = self.run.credentials.classify(varied.headers)
        described = f"cancel ({key}, for-user-id {sub})" + (f", {variant.description}" if variant else "")
        expectation, exchange = self._send_judged(
            partial(expect_cancel, current, actor, refusable=refusable), described, "POST",
            f"/sessions/{segment(current.id)}/cancel", current.id, headers, actor=actor, varied=varied,
            refusable=refusable)
        return expectation, [exchange]

    def _cancels(self, session: Session, whos: list[tuple[str, str]]) -> None:
        """A cancel by each of `whos` in turn, each followed by a read of the session; the frame after the last."""
        for number, (key, sub) in enumerate(whos, 1):
            if session.id in self.model.quarantined:
                return
            self._cancel(session, key, sub, frame=number == len(whos))

    def _concurrently(self, sessions: list[Session]) -> list[Exchange]:
        """One cancel per session, released together (one event for the rate limit and the budget)."""
        planned = []
        for session in sessions:
            headers = self._headers(session.owner)
            planned.append(PlannedRequest(self._intent("one of concurrent cancels of different sessions",
                                                                   session.id, headers),
                                          "POST", f"/sessions/{segment(session.id)}/cancel", headers))
        return self.run.sessions.target.burst_many(planned)

    def _expiring(self) -> Session | None:
        """A session of the main owner created to expire EXPIRY_LEAD_SECONDS from now; the wait is charged."""
        self.run.budget.waited += expiry_wait(self.run.margin)
        expires = self.run.now() + EXPIRY_LEAD_SECONDS + 0.3  # slack for a slow request
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(expires)) + f".{int(expires % 1 * 1000):03d}Z"
        session = self._create(self.run.main, plain_body(f"{self.run.sessions.tag}-expiring", stamp),
                               "create a session that expires in a second")
        if session is None:
            self.run.expiry_supported = False
        return session

    def _cancel_expired(self, session: Session, frame: bool = True) -> None:
        """Wait out `session`'s expiry, then cancel it without reading it first."""
        time.sleep(max(0.0, session.expired_by(self.run.margin) + 0.05 - self.run.now()))
        current = self._at(session)
        expectation = expect_cancel(current, self._owner(current), self.run.now(), self.run.margin)
        exchange = self._send("cancel the session after its expires_at, not read since its creation", "POST",
                              f"/sessions/{segment(current.id)}/cancel", current.id, self._headers(current.owner),
                              expectation.text)
        self._settle(expectation, [exchange], frame)

    def _follow_link(self, before: Session, now: Session) -> list[tuple[str, Finding]]:
        """GET the checkout link `before` had (the session's link while ACTIVE: a cancel may null it) as the session
        is `now`, exactly as the target handed it out, without credentials (it is a browser's link, perhaps on
        another origin; only where the safety rule lets it go): while ACTIVE it shows that the target serves links;
        once canceled it must not (judged only if some link was served). Not fetched unless LIFE-CHECKOUT, the one
        check it serves, is selected."""
        link = before.body.get("payment_link_url")
        if "LIFE-CHECKOUT" not in self.run.selected or not isinstance(link, str) or \
                (now.status != ACTIVE and not self.run.checkout_served):
            return []
        refusal = link_refusal(self.run.sessions.target.base_url, link, self.run.checkout_hosts)
        if refusal:
            self.run.checkout_refused = refusal
            return []
        expectation = Expectation("checkout", now, self.run.credentials.classify({}), (), ("LIFE-CHECKOUT",))
        exchange = self.run.sessions.target.fetch(self._intent("checkout link", now.id, {}), link)
        self.trace.append((exchange, "a 4XX once canceled" if now.status == CANCELED else "200 while ACTIVE"))
        if now.status == ACTIVE:
            self.run.checkout_served = self.run.checkout_served or accepted(exchange)
            self.run.checkout_origins.add("{0.scheme}://{0.netloc}".format(urlsplit(link)))
            return []
        return self._judge(Step(expectation, [exchange]))
