"""Sessions for the lifecycle checks: created by the suite (marked as its own) or given by the user."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass

from conformance.generation.probe import Credentials, segment
from conformance.target.client import Target
from conformance.target.exchange import Exchange, Intent


class Unavailable(Exception):
    """No session of the kind needed could be had; the check is skipped with this reason."""


@dataclass(frozen=True)
class Withholding:
    """Why a state-changing request is not sent: what the safety GET for its id answered."""

    status: str | None  # what the GET answered ("200", "405", "no response"); None: the GET itself was not sent
    reason: str


def create_body(reference_id: str) -> dict:
    """A valid PAY request (create-session.md), with a reference_id that marks the session as the suite's."""
    return {
        "reference_id": reference_id,
        "session_type": "PAY",
        "mode": "PAYMENT_LINK",
        "currency": "IDR",
        "amount": 10000,
        "country": "ID",
        "description": "Created by the cancel conformance suite; safe to cancel.",
        "success_return_url": "https://example.com/conformance/success",
        "cancel_return_url": "https://example.com/conformance/cancel",
    }


class Sessions:
    """Hands out sessions for the lifecycle checks and sends the lifecycle's requests."""

    def __init__(self, target: Target, credentials: Credentials, *, given: list[str], completed: str | None,
                 expired: str | None, test_control: bool, known_ids: set[str], no_real_sessions: bool = False):
        self.target = target
        self.credentials = credentials
        self.given = list(given)
        self.given_completed = completed
        self.given_expired = expired
        self.test_control = test_control
        self.known_ids = known_ids
        self.tag = "conformance-" + secrets.token_hex(6)
        self.created = 0
        self.create_error: str | None = None
        self.no_real_sessions = no_real_sessions  # the target holds nothing but the run's sessions: no safety GET
        self.dropped: list[tuple[str, str]] = []  # given ids not used, and why
        self._absent: dict[str, Withholding | None] = {}
        known_ids.update(filter(None, [*given, completed, expired]))

    def send(self, description: str, method: str, path: str, session_id: str, headers: dict | None = None,
             body: bytes | None = None, target: Target | None = None, family: str = "lifecycle") -> Exchange:
        """Send with the configured credentials unless `headers` are given; `target` for another thread."""
        headers = self.credentials.headers() if headers is None else headers
        intent = Intent(family, description, session_id, self.credentials.credentials_of(headers),
                        self.credentials.sub_account_of(headers), known=session_id in self.known_ids)
        return (target or self.target).send(intent, method, path, headers, body)

    def cancel(self, session_id: str, description: str = "cancel", target: Target | None = None) -> Exchange:
        return self.send(description, "POST", f"/sessions/{segment(session_id)}/cancel", session_id, target=target)

    def burst(self, session_id: str, count: int, description: str) -> list[Exchange]:
        """`count` concurrent cancels of one session, released together (one paced event)."""
        headers = self.credentials.headers()
        intent = Intent("lifecycle", description, session_id, "valid", "default", known=session_id in self.known_ids)
        return self.target.burst(intent, "POST", f"/sessions/{segment(session_id)}/cancel", headers, count)

    def get(self, session_id: str) -> Exchange:
        return self.send("get", "GET", f"/sessions/{segment(session_id)}", session_id)

    def unsafe(self, session_id: str) -> Withholding | None:
        """Why a state-changing request to `session_id` must not be sent (a real session of the key may have this
        id), or None once a GET has answered 404 (or the target holds no real sessions). Cached per id."""
        if self.no_real_sessions:
            return None
        if session_id not in self._absent:
            exchange = self.send("confirm that no such session exists before cancelling", "GET",
                                 f"/sessions/{segment(session_id)}", session_id, family="safety")
            self._absent[session_id] = _withholding(session_id, exchange)
        return self._absent[session_id]

    def safety_note(self) -> str | None:
        """Said once when the safety GET never answered 404: the target cannot tell real sessions from unknown ones
        that way, so every generated request naming a well-formed id was withheld."""
        answers = [item for item in self._absent.values() if item is None or item.status]
        if len(answers) < 3 or any(item is None for item in answers):
            return None
        statuses = Counter(item.status for item in answers)
        shown = ", ".join(f"{status} ×{count}" for status, count in statuses.most_common())
        return (f"the target answered none of {len(answers)} safety GETs (GET /sessions/{{id}} with your key) with "
                f"404 ({shown}), so every generated request naming a well-formed id was withheld: the suite only "
                "cancels sessions it created or was given. If the target holds no real sessions (a mock, a "
                "disposable emulator), pass --no-real-sessions; otherwise give it sessions it may use with "
                "--session-id")

    def _create(self) -> dict:
        if self.create_error:
            raise Unavailable(self.create_error)
        self.created += 1
        payload = json.dumps(create_body(f"{self.tag}-{self.created}")).encode()
        headers = {**self.credentials.headers(), "Content-Type": "application/json"}
        exchange = self.send("create a session", "POST", "/sessions", "", headers, payload)
        body = exchange.response.json_or_none() if exchange.response is not None else None
        if exchange.skipped and exchange.response is None:
            raise Unavailable(f"not sent: {exchange.skipped}")
        if exchange.response is None or exchange.response.status != 201 or not isinstance(body, dict) \
                or not isinstance(body.get("payment_session_id"), str):
            seen = exchange.error or f"status {exchange.response.status}"
            self.create_error = f"POST /sessions did not create a session ({seen}); pass ids with --session-id"
            raise Unavailable(self.create_error)
        self.known_ids.add(body["payment_session_id"])
        return body

    def _given_active(self) -> dict | None:
        while self.given:
            session_id = self.given.pop(0)
            exchange = self.get(session_id)
            body = exchange.response.json_or_none() if exchange.response is not None else None
            if isinstance(body, dict) and body.get("status") == "ACTIVE":
                return body
            seen = exchange.skipped or exchange.error or (
                f"GET answered {exchange.response.status}" + (f" with status {body.get('status')!r}"
                                                              if isinstance(body, dict) else ""))
            self.dropped.append((session_id, f"not ACTIVE on the target ({seen})"))
        return None

    def active(self) -> dict:
        """A fresh ACTIVE session: one of the given ids first, else a new one."""
        return self._given_active() or self._create()

    def _moved(self, action: str, given: str | None, status: str) -> dict:
        if given:
            exchange = self.get(given)
            body = exchange.response.json_or_none() if exchange.response is not None else None
            if isinstance(body, dict) and body.get("status") == status:
                return body
            raise Unavailable(f"the given {status} session {given} is not {status} on the target")
        if not self.test_control:
            raise Unavailable(f"no {status} session: pass --{status.lower()}-session-id, or --test-control "
                              "if the target implements the emulator's test-control extension")
        session = self.active()
        session_id = session["payment_session_id"]
        exchange = self.send(f"test control: {action}", "POST",
                             f"/test-control/sessions/{segment(session_id)}/{action}", session_id)
        body = exchange.response.json_or_none() if exchange.response is not None else None
        if exchange.response is None or exchange.response.status != 200 or not isinstance(body, dict) \
                or body.get("status") != status:
            raise Unavailable(f"test control could not {action} session {session_id} "
                              f"({exchange.error or exchange.response.status})")
        return body

    def completed(self) -> dict:
        return self._moved("complete", self.given_completed, "COMPLETED")

    def expired(self) -> dict:
        return self._moved("expire", self.given_expired, "EXPIRED")


def _withholding(session_id: str, exchange: Exchange) -> Withholding | None:
    if exchange.response is not None and exchange.response.status == 404:
        return None
    if exchange.skipped:
        return Withholding(None, exchange.skipped)
    if exchange.response is None:
        return Withholding("no response", f"not sent: the safety GET for {session_id!r} got no answer "
                                          f"({exchange.error})")
    status = str(exchange.response.status)
    return Withholding(status, f"not sent: the suite did not create {session_id!r} and a GET with the key answered "
                               f"{status}, not 404; it only cancels sessions it created or was given")
