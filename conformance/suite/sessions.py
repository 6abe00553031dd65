"""The run's sessions: the ids it created or was given (the only ones it may cancel), and the safety rule for any
other id."""

from __future__ import annotations

import secrets

from conformance.generation.probe import Credentials, segment
from conformance.target.client import Target
from conformance.target.exchange import Exchange, Intent


class Sessions:
    """Sends the lifecycle's requests and keeps which session ids are the run's own."""

    def __init__(self, target: Target, credentials: Credentials, *, given: list[str], completed: str | None,
                 expired: str | None, test_control: bool, known_ids: set[str]):
        self.target = target
        self.credentials = credentials
        self.given = [session_id for session_id in dict.fromkeys([*given, completed, expired]) if session_id]
        self.test_control = test_control
        self.known_ids = known_ids
        self.tag = "conformance-" + secrets.token_hex(6)
        self._absent: dict[str, str | None] = {}
        known_ids.update(self.given)

    def take_given(self) -> list[str]:
        """The ids the user gave (ACTIVE, COMPLETED, EXPIRED), handed out once."""
        given, self.given = self.given, []
        return given

    def send(self, description: str, method: str, path: str, session_id: str, headers: dict | None = None,
             body: bytes | None = None, target: Target | None = None, family: str = "lifecycle") -> Exchange:
        """Send with the configured credentials unless `headers` are given; `target` for another thread."""
        headers = self.credentials.headers() if headers is None else headers
        intent = Intent(family, description, session_id, self.credentials.credentials_of(headers),
                        self.credentials.sub_account_of(headers), known=session_id in self.known_ids)
        return (target or self.target).send(intent, method, path, headers, body)

    def unsafe(self, session_id: str) -> str | None:
        """Why a state-changing request to `session_id` must not be sent (a real session of the key may have this
        id), or None once a GET has answered 404. Cached per id."""
        if session_id not in self._absent:
            exchange = self.send("confirm that no such session exists before cancelling", "GET",
                                 f"/sessions/{segment(session_id)}", session_id, family="safety")
            status = exchange.response.status if exchange.response is not None else exchange.skipped or exchange.error
            self._absent[session_id] = None if status == 404 else (
                f"not sent: the suite did not create {session_id!r} and a GET with the key did not answer 404 "
                f"({status}); it only cancels sessions it created or was given")
        return self._absent[session_id]
