"""Never touch a live account unless told, never cancel a session the suite did not create or was not given.

- A live key (``xnd_production_``, ``xnd_public_production_``, in any letter case), or a Xendit host with a key
  that is not a test key (``xnd_development_``),
  is refused unless ``--allow-live`` is given.
- Before a state-changing request to an id that contains a well-formed session id the suite did not create, a GET
  with the request's credentials must answer 404 for that id (or show one of the run's sessions): a generated id
  could, in theory, be a real session. ``Sessions.guard`` applies it, for every stage.
- A checkout link the target hands out is fetched (a GET, no credentials) only on the target's own host, on loopback
  when the target is there, on Xendit's checkout hosts when the target is Xendit, or on a host the user names: a mock
  answering the document's example (``https://xen.to/…``) does not send the suite onto the internet.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from conformance.identifiers import SESSION_ID, is_live, is_test
from conformance.target.rate_limits import Quota

XENDIT_HOST = re.compile(r"(^|\.)xendit\.co$", re.IGNORECASE)
REAL_LOOKING_ID = re.compile(SESSION_ID.pattern, re.IGNORECASE)  # as written: a lenient server may ignore case
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOOPBACK = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$", re.IGNORECASE)
XENDIT_LINK_HOST = re.compile(r"(^|\.)(xendit\.co|xen\.to)$", re.IGNORECASE)  # its checkout pages and short links
XENDIT_TEST_QUOTA = Quota(60, 60.0)  # Xendit's test mode: 60 requests a minute per endpoint (sliding window)


def is_xendit(base_url: str) -> bool:
    return bool(XENDIT_HOST.search(urlsplit(base_url).hostname or ""))


def live_risk(base_url: str, keys: list[str | None]) -> str | None:
    """Why this run could touch a live account, or None."""
    for key in filter(None, keys):
        if is_live(key):
            return "a live (xnd_production_ or xnd_public_production_, any case) API key was given"
        if is_xendit(base_url) and not is_test(key):
            return f"{urlsplit(base_url).hostname} is Xendit and a key is not a test (xnd_development_) key"
    return None


def endpoint_quota(base_url: str) -> Quota | None:
    """Each endpoint's limit before the target announces one: Xendit's documented test-mode limit on Xendit hosts
    (429s are then rare rather than routine), none elsewhere."""
    return XENDIT_TEST_QUOTA if is_xendit(base_url) else None


def to_confirm(method: str, session_id: str) -> set[str]:
    """The ids a GET must show absent before this request is sent: every well-formed id inside `session_id`, as
    written and in lower case (a lenient server might match a prefix, or ignore case). Empty for safe methods."""
    if method.upper() in SAFE_METHODS:
        return set()
    found = REAL_LOOKING_ID.findall(session_id)
    return set(found) | {match.lower() for match in found}


def link_refusal(base_url: str, link: str, hosts: tuple[str, ...] = ()) -> str | None:
    """Why a checkout link the target handed out is not fetched, or None: links are fetched on the target's own
    host, on loopback when the target is on loopback, on Xendit's checkout hosts when the target is Xendit, and on
    the `hosts` the user named (--checkout-host)."""
    host, target = (urlsplit(link).hostname or "").lower(), (urlsplit(base_url).hostname or "").lower()
    if host == target or host in {name.lower() for name in hosts} or (LOOPBACK.match(host) and LOOPBACK.match(target)) \
            or (is_xendit(base_url) and XENDIT_LINK_HOST.search(host)):
        return None
    return (f"its checkout links are on {host or link!r}, neither the target's host nor a checkout host of Xendit's: "
            f"the suite does not fetch them unless told to (--checkout-host {host})")
