"""Who asked, in recorded traffic: the suite's one classification (``identity.classify``) applied to each recorded
request, with the keys the judge knows.

The keys come from the settings a run uses (``--api-key``/``XENDIT_API_KEY``, ``--other-api-key``); failing those,
a Basic username that created a session (201 to POST /sessions) is a business's key from then on. In the suite's
own transcript the keys are already placeholders (``Basic base64($XENDIT_API_KEY:)``): the placeholders are the keys.
A request whose credentials the recording cannot place — Basic credentials of a username the judge does not know
(an unknown key, or a valid key it was not given: the traffic cannot tell), a redacted key in another form — is
*undecided*: no check that turns on who asked judges it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass

from conformance.target.identity import INVALID, MAIN, OTHER, UNUSUAL, Actor, basic_credentials, classify, header
from conformance.target.redact import Redactor

PLACEHOLDERS = {MAIN: "$XENDIT_API_KEY", OTHER: "$XENDIT_OTHER_API_KEY"}
VARIABLES = {MAIN: "XENDIT_API_KEY", OTHER: "XENDIT_OTHER_API_KEY"}
SHOWN_BASIC = re.compile(r"(basic +)base64\((.*)\)([ \t]*)", re.IGNORECASE)  # ``Redactor.header``'s display form
IDENTITIES_KEPT = 1024  # credentials whose identity is remembered (a recording may carry a new token each request)
MARKER = re.compile(r"<[^<>]*\$[A-Z_]+[^<>]*>")  # where a redactor replaced a key in a form it does not keep


@dataclass(frozen=True)
class Identity:
    actor: Actor
    known: bool  # the key of a business the judge knows
    decided: bool  # False: the recording does not say whose credentials these are


class Keyring:
    """The keys the judge knows, by business, and the redactor that names each in every output."""

    def __init__(self, keys: Mapping[str, str | None]):
        self.keys = {business: key for business, key in keys.items() if key}
        self.learned: list[str] = []  # businesses whose key was learned from a create
        self.redactor = self._redactor()
        self._identities: dict[tuple, Identity] = {}  # by the credentials a request carries: traffic has a few

    def _redactor(self) -> Redactor:
        return Redactor({key: VARIABLES.get(business, f"XENDIT_RECORDED_KEY_{business.upper()}")
                         for business, key in self.keys.items()})

    def identify(self, headers: Mapping[str, str], redacted: bool) -> Identity:
        if redacted:
            return self._shown(headers)
        asked = header(headers, "authorization"), header(headers, "for-user-id")  # all that classify reads
        identity = self._identities.get(asked)
        if identity is None:
            if len(self._identities) >= IDENTITIES_KEPT:
                self._identities.clear()
            identity = self._identities[asked] = self._identify(headers)
        return identity

    def _identify(self, headers: Mapping[str, str]) -> Identity:
        actor = classify(headers, self.keys)
        username = _username(header(headers, "authorization"))
        if actor.credential == INVALID and username in PLACEHOLDERS.values():  # a HAR the proxy wrote redacted
            actor = classify(headers, PLACEHOLDERS)
        elif actor.credential == INVALID and username:
            return Identity(Actor("", actor.sub_account, UNUSUAL), False, False)
        return Identity(actor, bool(actor.business), True)

    def _shown(self, headers: Mapping[str, str]) -> Identity:
        """The identity of a request as the suite's transcript shows it: a key that is a placeholder."""
        value = header(headers, "authorization")
        shown = SHOWN_BASIC.fullmatch(value) if isinstance(value, str) else None
        if shown is not None and not MARKER.search(shown.group(2)):
            encoded = base64.b64encode(shown.group(2).encode()).decode()
            headers = {**headers, "Authorization": f"{shown.group(1)}{encoded}{shown.group(3)}"}
        elif isinstance(value, str) and MARKER.search(value):
            return Identity(Actor("", "", UNUSUAL), False, False)
        actor = classify(headers, PLACEHOLDERS)
        return Identity(actor, bool(actor.business), True)

    def learn(self, headers: Mapping[str, str]) -> None:
        """A create these headers made was answered 201: their Basic username is a business's key."""
        key = _username(header(headers, "authorization"))
        if not key or key in self.keys.values() or key in PLACEHOLDERS.values():
            return
        business = next((name for name in (MAIN, OTHER) if name not in self.keys), f"business-{len(self.keys) + 1}")
        self.keys[business] = key
        self.learned.append(business)
        self.redactor = self._redactor()
        self._identities.clear()

    def shown(self, name: str, value: str) -> str:
        """A header as a redacted HAR keeps it: Basic credentials of a known key with the key's placeholder for
        username (still Basic credentials, so a judge of the HAR places them), any other credential reduced to its
        shape."""
        credentials = basic_credentials(value) if name.lower() == "authorization" else None
        business = next((business for business, key in self.keys.items() if credentials and credentials[0] == key
                         and not credentials[1]), None)
        if business in PLACEHOLDERS:
            return "Basic " + base64.b64encode(f"{PLACEHOLDERS[business]}:".encode()).decode()
        return self.redactor.conceal(name, value)


def _username(value: object) -> str | None:
    """The username of Basic credentials; None for anything else (or an empty username)."""
    credentials = basic_credentials(value)
    return credentials[0] if credentials and credentials[0] else None
