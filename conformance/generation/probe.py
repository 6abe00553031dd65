"""A planned request to the cancel operation, and the intent the suite derives from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from conformance.target.exchange import Intent
from conformance.target.identity import MAIN, OTHER, Actor, basic, classify, header


def segment(session_id: str) -> str:
    """The id as a path segment: every byte outside the unreserved set percent-encoded."""
    return quote(session_id, safe="", errors="surrogateescape")


@dataclass(frozen=True)
class Probe:
    family: str
    description: str
    session_id: str
    wire: str | None = None
    headers: dict[str, str | bytes] = field(default_factory=dict, hash=False)
    method: str = "POST"
    body: bytes | None = None
    query: str = ""
    version: str = "HTTP/1.1"
    refusable: frozenset[int] = frozenset()  # statuses HTTP leaves the target free to refuse it with

    @property
    def path(self) -> str:
        path = f"/sessions/{segment(self.session_id) if self.wire is None else self.wire}/cancel"
        return f"{path}?{self.query}" if self.query else path


@dataclass(frozen=True)
class Credentials:
    """The run's keys and sub-account: what a request as the run carries, and who any request claims to be."""

    api_key: str = field(repr=False)
    for_user_id: str | None = None
    other_key: str | None = field(default=None, repr=False)

    def headers(self) -> dict[str, str | bytes]:
        headers: dict[str, str | bytes] = {"Authorization": basic(self.api_key)}
        if self.for_user_id:
            headers["for-user-id"] = self.for_user_id
        return headers

    @property
    def keys(self) -> dict[str, str]:
        return {MAIN: self.api_key, **({OTHER: self.other_key} if self.other_key else {})}

    def classify(self, headers: dict[str, str | bytes]) -> Actor:
        return classify(headers, self.keys)

    def intent(self, family: str, description: str, session_id: str, headers: dict[str, str | bytes],
               known: bool = False, actor: Actor | None = None, refusable: frozenset[int] = frozenset()) -> Intent:
        """The intent of a request with `headers` (`actor`: their classification, when the caller made it)."""
        actor = actor or self.classify(headers)
        configured = actor.business == MAIN and header(headers, "for-user-id") == (self.for_user_id or None)
        return Intent(family, description, session_id, actor, configured, known, refusable)

    def probe_intent(self, probe: Probe, known: bool = False) -> Intent:
        return self.intent(probe.family, probe.description, probe.session_id, probe.headers, known,
                           refusable=probe.refusable)
