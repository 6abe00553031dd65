"""The lifecycle stage's rules: random sequences of operations over several sessions, two businesses and
sub-accounts, each step judged against the reference model. Each rule's docstring says what it sends, and is what
``--dry-run`` shows of it (``conformance.stateful.lifecycle_plan``)."""

from __future__ import annotations

from functools import partial

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, initialize, multiple, precondition, rule

from conformance.checks.lifecycle import Step, body, status
from conformance.generation.clients import CLIENT_VARIANTS
from conformance.generation.probe import segment
from conformance.model.expect import expect_burst, expect_cancel, expect_get, expect_method, expect_variant
from conformance.model.state import ACTIVE, COMPLETED, EXPIRED
from conformance.stateful.bodies import create_bodies
from conformance.stateful.crowd import CANCEL_OP, CROWD, OWNER, READ_OP, STRANGER, Crowds
from conformance.stateful.exploration import BURST
from conformance.stateful.variants import ID_VARIANTS, KEY_KINDS, OTHER_SUB_ACCOUNT, SUB_KINDS, id_variant
from conformance.target.identity import KEY, MAIN, OTHER, Owner

OTHER_METHODS = ["GET", "PUT", "PATCH", "DELETE"]


class LifecycleMachine(Crowds):
    """The rules a sequence draws its steps from."""

    sessions = Bundle("sessions")

    @initialize(target=sessions, data=st.data())
    def start(self, data):
        """Every sequence starts with two ACTIVE sessions of the main business (a generated body and a plain one),
        one of a sub-account (where the run may create them) and one of the other business."""
        return multiple(*self._open(data.draw(create_bodies(self.run.sessions.tag)))) if self._begin() else multiple()

    @rule(target=sessions, owner=st.sampled_from(["main", "sub-account", "other"]), data=st.data())
    def create(self, owner, data):
        """A session created with a body from the create schema (PAY or SAVE, PAYMENT_LINK or COMPONENTS, customer
        or customer_id, items, metadata, non-ASCII text, decimal amounts, expires_at; edge values some of the time)
        for the main business, a sub-account or the other business."""
        if not self._begin():
            return multiple()
        chosen = {"main": self.run.main, "sub-account": Owner(MAIN, OTHER_SUB_ACCOUNT), "other": Owner(OTHER)}[owner]
        if (owner == "other" and not self.run.other_key) or (owner == "sub-account" and not self.run.sub_accounts):
            chosen = self.run.main
        payload = data.draw(create_bodies(self.run.sessions.tag))
        made = self._create(chosen, payload, f"create a {payload['session_type']} {payload['mode']} session "
                                             f"({owner})")
        return multiple(made) if made else multiple()

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

    @rule(session=sessions, variant=st.sampled_from(CLIENT_VARIANTS), sub=st.sampled_from(["owner", "another"]))
    def cancel_like_clients(self, session, variant, sub):
        """A cancel by the owner (or for another sub-account) as real clients vary it: field names and the auth
        scheme in another case, extra whitespace, content, Accept with parameters, a query, Connection: close,
        HTTP/1.0. The same request in HTTP's eyes: owed what the plain one is owed."""
        if self._usable(session):
            self._settle(*self._send_cancel(self._at(session), "key", sub, variant))

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
        """A GET of the session with any of the credential and for-user-id variants of the cancels: its owner sees
        it as the model holds it, nobody else sees it."""
        if not self._usable(session):
            return
        current = self._at(session)
        actor, headers = self._actor(key if key in self.run.key_kinds() else "key", sub, current)
        expectation, exchange = self._send_judged(partial(expect_get, current, actor),
                                                  f"get ({key}, for-user-id {sub})", "GET",
                                                  f"/sessions/{segment(current.id)}", current.id, headers, actor=actor)
        found = self._judge(Step(expectation, [exchange]))
        owner = actor.owner == current.owner and actor.credential == KEY
        if owner:
            self.model.set(self._learn(current, exchange))
        self._conclude(found, [current], not owner or self._confirms(exchange))

    @precondition(lambda self: "variants" not in self.swept)
    @rule(session=sessions)
    def cancel_variants(self, session, kinds=ID_VARIANTS):
        """Cancels of every variant of the session's id (each an unknown id, sent once the safety rule allows), then
        one read of the session and the frame. Once a sequence: it is many requests. (`kinds`: the opening's
        witnesses take a few.)"""
        if not self._usable(session):
            return
        self.swept.add("variants")
        current = self._at(session)
        actor = self._owner(current)
        headers = self._headers(current.owner)
        expectation = expect_variant(current, actor)
        exchanges = []
        for kind in kinds:
            variant = id_variant(current.id, *kind)
            if variant.session_id == current.id:  # not a variant of this id (nothing to change in it)
                continue
            withholding = self.run.sessions.guard("POST", variant.session_id, headers)
            if withholding:
                exchange = self.run.sessions.target.skip(
                    self._intent(f"cancel {variant.description}", variant.session_id, headers), "POST",
                    variant.path, headers, withholding.reason, withholding.status)
                self.trace.append((exchange, withholding.reason))
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
                                    self.run.now(), self.run.margin)
        exchange = self._send(f"cancel {variant.description}", "POST", variant.path, current.id,
                              self._headers(current.owner), expectation.text)
        self._settle(expectation, [exchange])

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
        expectation = expect_burst(current, actor, self.run.now(), self.run.margin)
        headers = self._headers(current.owner)
        intent = self._intent(f"one of {BURST} concurrent cancels", current.id, headers, actor=actor)
        exchanges = self.run.sessions.target.burst(intent, "POST", f"/sessions/{segment(current.id)}/cancel",
                                                   headers, BURST)
        self._trace_burst([(exchange, expectation.text) for exchange in exchanges])
        self._settle(expectation, exchanges)

    @rule(chosen=st.lists(sessions, min_size=2, max_size=3))
    def burst_distinct(self, chosen):
        """Concurrent cancels of different sessions, each by its owner: each judged as a cancel of its own."""
        unique = list({session.id: self._at(session) for session in chosen
                       if session.id not in self.model.quarantined}.values())
        if len(unique) < 2 or not self._begin():
            return
        expectations = [expect_cancel(session, self._owner(session),
                                      self.run.now(), self.run.margin) for session in unique]
        exchanges = self._concurrently(unique)
        self._trace_burst([(exchange, expectation.text) for exchange, expectation in zip(exchanges, expectations,
                                                                                         strict=True)])
        for expectation, exchange in zip(expectations, exchanges, strict=True):
            self._settle(expectation, [exchange], frame=expectation is expectations[-1])

    @precondition(lambda self: "crowd" not in self.swept and not self.run.fixed_corpus)  # compare: no races
    @rule(chosen=st.lists(sessions, min_size=1, max_size=4), size=st.integers(*CROWD), data=st.data())
    def crowd(self, chosen, size, data):
        """Many requests at once (8 to 32, within the rate limits): cancels and reads of one to four sessions, by
        their owners and by a stranger. Once a sequence: it is many requests."""
        unique = list({session.id: session for session in chosen if session.id not in self.model.quarantined}.values())
        if not unique or not self._begin():
            return
        self.swept.add("crowd")
        kinds = st.sampled_from([(CANCEL_OP, OWNER), (READ_OP, OWNER), (CANCEL_OP, STRANGER), (READ_OP, STRANGER)])
        self._crowd([(data.draw(st.sampled_from(unique)), *data.draw(kinds))
                     for _ in range(min(size, self._crowd_room()))])

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

    @rule(session=sessions)
    def checkout(self, session):
        """The hosted checkout link, read at any time: served while ACTIVE; invalid once canceled (LIFE-CHECKOUT)."""
        current = self._at(session)
        if not isinstance(current.body.get("payment_link_url"), str) or not self._usable(session):
            return
        self._conclude(self._follow_link(current, current), [current])
