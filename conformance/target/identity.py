"""Who a request claims to be: one classification of its credentials and ``for-user-id``, made once per request and
used by every judge (the stateless checks read it from the request's intent; the model's expectations take it as
their actor), so that two judges never answer one exchange differently."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

MAIN, OTHER = "main", "other"  # the run's two businesses: --api-key's and --other-api-key's
KEY = "key"  # a business's key as Xendit documents it: Basic, the key as username, an empty password
PASSWORD = "password"  # a business's key with a password: the document is silent (its answer or a 401)
UNUSUAL = "unusual"  # a business's key in a form the document does not pin down (an empty for-user-id): no
# documented answer
INVALID = "invalid"  # no key, an unknown or altered key, another scheme, bad base64: 401 expected


def basic(key: str, password: str = "") -> str:
    """The ``Authorization`` value Xendit expects: the key as username, an empty password."""
    return "Basic " + base64.b64encode(f"{key}:{password}".encode()).decode()


@dataclass(frozen=True)
class Owner:
    """A business (``main`` or ``other``) and its sub-account (the ``for-user-id`` value, ``""`` for none)."""

    business: str
    sub_account: str = ""


@dataclass(frozen=True)
class Actor:
    """Who a request claims to be: the business whose key it carries (``""`` for none), the sub-account it names, and
    how it carries the key (KEY, PASSWORD, UNUSUAL, INVALID)."""

    business: str
    sub_account: str = ""
    credential: str = KEY

    @property
    def owner(self) -> Owner:
        return Owner(self.business, self.sub_account)


def documented(actor: Actor) -> bool:
    """Whether the document says how the target answers this actor's credentials (the key as documented, or none)."""
    return actor.credential in (KEY, INVALID)


def header(headers: Mapping[str, str | bytes], name: str) -> str | bytes | None:
    """A header's value as HTTP reads it: its name matched in any case (RFC 9110 §5.1), the whitespace around the
    value not part of it (§5.5)."""
    value = next((value for key, value in headers.items() if key.lower() == name), None)
    if value is None:
        return None
    return value.strip(b" \t") if isinstance(value, bytes) else value.strip(" \t")


def classify(headers: Mapping[str, str | bytes], keys: Mapping[str, str]) -> Actor:
    """The actor of a request with `headers`, given the run's keys (business → key)."""
    sub = header(headers, "for-user-id")
    sub_account = sub.decode("latin-1") if isinstance(sub, bytes) else (sub or "")
    business, credential = _credential(header(headers, "authorization"), keys)
    if credential != INVALID and sub is not None and not sub_account:
        credential = UNUSUAL
    return Actor(business, sub_account, credential)


def basic_credentials(value: object) -> tuple[str, str] | None:
    """The username and password of Basic credentials as HTTP reads them (the document's security scheme is
    ``http``/``basic``): the scheme in any case (RFC 9110 §11.1), one or more spaces before the token (§11.4); None
    for anything else."""
    if not isinstance(value, str):
        return None
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, colon, password = base64.b64decode(encoded.lstrip(" "), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (username, password) if colon else None


def _credential(value: str | bytes | None, keys: Mapping[str, str]) -> tuple[str, str]:
    credentials = basic_credentials(value)
    business = next((business for business, key in keys.items() if credentials and key == credentials[0]), "")
    if not business or credentials is None:  # a business is found only for credentials
        return "", INVALID
    return business, PASSWORD if credentials[1] else KEY
