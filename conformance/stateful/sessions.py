"""The run's sessions: the ids it created or was given (the only ones it may cancel), and the safety rule for any
other id."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from dataclasses import dataclass

from conformance.generation.clients import Varied
from conformance.generation.probe import Credentials, segment
from conformance.safety import to_confirm
from conformance.target.client import Target
from conformance.target.exchange import Exchange, Intent, Response
from conformance.target.identity import Actor


@dataclass(frozen=True)
class Withholding:
    """Why a state-changing request is not sent: what the safety GET for its id answered."""

    status: str | None  # what the GET answered ("200", "405", "no response"); None: the GET itself was not sent
    reason: str


class Sessions:
    """Sends the lifecycle's requests and keeps which session ids are the run's own."""

    def __init__(self, target: Target, credentials: Credentials, *, given: list[str], completed: str | None,
                 expired: str | None, test_control: bool, known_ids: set[str], no_real_sessions: bool = False):
        self._target = target
        self._thread = threading.current_thread()
        self._local = threading.local()
        self.credentials = credentials
        self.given = [session_id for session_id in dict.fromkeys([*given, completed, expired]) if session_id]
        self.test_control = test_control
        self.known_ids = known_ids
        self.tag = "conformance-" + secrets.token_hex(6)
        self.no_real_sessions = no_real_sessions  # the target holds nothing but the run's sessions: no safety GET
        self.dropped: list[tuple[str, str]] = []  # given ids not used, and why
        self._absent: dict[tuple[str, tuple], Withholding | None] = {}
        known_ids.update(self.given)

    @property
    def target(self) -> Target:
        """The target, through connections of this thread's own (the watch sends beside the exploration)."""
        if threading.current_thread() is self._thread:
            return self._target
        if not hasattr(self._local, "target"):
            self._local.target = self._target.fork()
        return self._local.target

    def take_given(self) -> list[str]:
        """The ids the user gave (ACTIVE, COMPLETED, EXPIRED), handed out once."""
        given, self.given = self.given, []
        return given

    def intent(self, description: str, session_id: str, headers: dict, family: str = "lifecycle",
               actor: Actor | None = None, refusable: frozenset[int] = frozenset()) -> Intent:
        """The intent of a request with `headers` about `session_id` (`actor`: their classification, if made)."""
        return self.credentials.intent(family, description, session_id, headers, session_id in self.known_ids, actor,
                                       refusable)

    def send(self, description: str, method: str, path: str, session_id: str, headers: dict | None = None,
             body: bytes | None = None, family: str = "lifecycle", actor: Actor | None = None,
             varied: Varied | None = None, refusable: frozenset[int] = frozenset()) -> Exchange:
        """Send with the configured credentials unless `headers` are given; `varied`: as a client variant sends it
        (its headers, content, query and version replace `headers` and `body`)."""
        headers = self.credentials.headers() if headers is None else headers
        if varied is not None:
            headers, body = varied.headers, varied.body
            path += f"?{varied.query}" if varied.query else ""
        return self.target.send(self.intent(description, session_id, headers, family, actor, refusable), method, path,
                                headers, body, version=varied.version if varied else "HTTP/1.1")

    def guard(self, method: str, session_id: str, headers: dict | None = None) -> Withholding | None:
        """The safety rule, for every stage: why a `method` request naming `session_id` (with `headers`: the
        configured key's unless given) must not be sent, or None. A state-changing request is sent only when every
        well-formed session id inside `session_id` is one of the run's own, or a GET with the same credentials
        answered 404 for it, or showed one of the run's own sessions (a server that normalises the id), or the target
        holds only the run's sessions. Each GET is sent once per id and credentials."""
        if self.no_real_sessions:
            return None
        headers = self.credentials.headers() if headers is None else headers
        for real in sorted(to_confirm(method, session_id) - self.known_ids):
            cached = (real, tuple(sorted(headers.items())))
            if cached not in self._absent:
                exchange = self.send("confirm that no such session exists before cancelling", "GET",
                                     f"/sessions/{segment(real)}", real, headers, family="safety")
                self._absent[cached] = _withholding(real, exchange, self.known_ids)
            if self._absent[cached]:
                return self._absent[cached]
        return None

    def safety_note(self) -> str | None:
        """Said once when the safety GET never answered 404: the target cannot tell real sessions from unknown ones
        that way, so every generated request naming a well-formed id was withheld."""
        answers = [item for item in self._absent.values() if item is None or item.status]
        if len(answers) < 3 or any(item is None for item in answers):
            return None
        statuses = Counter(item.status for item in answers if item is not None)  # none is, by now
        shown = ", ".join(f"{status} ×{count}" for status, count in statuses.most_common())
        return (f"the target answered none of {len(answers)} safety GETs (GET /sessions/{{id}} with your key) with "
                f"404 ({shown}), so every generated request naming a well-formed id was withheld: the suite only "
                "cancels sessions it created or was given. If the target holds no real sessions (a mock, a "
                "disposable emulator), pass --no-real-sessions; otherwise give it sessions it may use with "
                "--session-id")


def _withholding(session_id: str, exchange: Exchange, own: set[str]) -> Withholding | None:
    """None when the safety GET proved `session_id` names no session but the run's (404, or one of `own`)."""
    if exchange.response is not None and (exchange.response.status == 404 or _shows_own(exchange.response, own)):
        return None
    if exchange.skipped:
        return Withholding(None, exchange.skipped)
    if exchange.response is None:
        return Withholding("no response", f"not sent: the safety GET for {session_id!r} got no answer "
                                          f"({exchange.error})")
    status = str(exchange.response.status)
    return Withholding(status, f"not sent: the suite did not create {session_id!r} and a GET with the key answered "
                               f"{status}, not 404 nor one of its sessions; it only cancels sessions it created or "
                               "was given")


def _shows_own(response: Response, own: set[str]) -> bool:
    body = response.json_or_none() if response.status == 200 else None
    return isinstance(body, dict) and body.get("payment_session_id") in own
