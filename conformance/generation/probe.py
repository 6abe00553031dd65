"""A planned request to the cancel operation, and the intent the suite derives from it."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from urllib.parse import quote

from conformance.target.client import basic
from conformance.target.exchange import Intent


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

    @property
    def path(self) -> str:
        return f"/sessions/{segment(self.session_id) if self.wire is None else self.wire}/cancel"


@dataclass(frozen=True)
class Credentials:
    """The configured key and sub-account: what a valid request carries. Another business's keys are valid
    credentials too, but for other sessions: requests with them have no stateless expectation."""

    api_key: str = field(repr=False)
    for_user_id: str | None = None
    other_keys: tuple[str, ...] = field(default=(), repr=False)

    def headers(self) -> dict[str, str]:
        headers = {"Authorization": basic(self.api_key)}
        if self.for_user_id:
            headers["for-user-id"] = self.for_user_id
        return headers

    def credentials_of(self, headers: dict[str, str | bytes]) -> str:
        """``valid``, ``invalid`` (401 expected) or ``other`` (a valid key with a twist: no expectation)."""
        value = _header(headers, "authorization")
        if value == basic(self.api_key):
            return "valid"
        if value in {basic(key) for key in self.other_keys}:
            return "other"
        if isinstance(value, str) and value[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(value[6:], validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return "invalid"
            if decoded.startswith(self.api_key + ":"):
                return "other"
        return "invalid"

    def sub_account_of(self, headers: dict[str, str | bytes]) -> str:
        return "default" if _header(headers, "for-user-id") == self.for_user_id else "other"

    def intent(self, probe: Probe, known: bool = False) -> Intent:
        return Intent(probe.family, probe.description, probe.session_id, self.credentials_of(probe.headers),
                      self.sub_account_of(probe.headers), known)


def _header(headers: dict[str, str | bytes], name: str) -> str | bytes | None:
    return next((value for key, value in headers.items() if key.lower() == name), None)
