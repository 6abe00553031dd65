"""The model's state: who owns each session, its status, when it expires, and every field the API returned.

Time is the target's clock in seconds (``now`` is always passed in): an ACTIVE session whose ``expires_at`` has
passed *is* EXPIRED, whether or not anyone read it. Around ``expires_at`` (a ``Margin``: clock skew and latency on
both sides, and after it the lag the target's expiry may run late by) the model cannot tell, and allows both.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeAlias

from conformance.target.identity import Owner

ACTIVE, CANCELED, COMPLETED, EXPIRED = "ACTIVE", "CANCELED", "COMPLETED", "EXPIRED"
VOLATILE_ON_CANCEL = frozenset({"status", "updated", "payment_link_url"})  # "The Xendit Hosted Checkout URL will be
# invalid" lets payment_link_url change or go null on cancel
VOLATILE_ON_END = VOLATILE_ON_CANCEL | {"payment_request_id", "payment_id", "payment_token_id"}
JSONObject: TypeAlias = dict[str, Any]  # a JSON object as the target sent it: its values are whatever JSON holds,
# unchecked (read with .get, compared by meaning)
PLAIN = frozenset({str, int, float, type(None)})  # types whose equal values are the same value (not bool: True == 1)


@dataclass(frozen=True)
class Margin:
    """How long around ``expires_at`` either status is allowed: `skew` on both sides (the clocks' difference, request
    latency), and `lag` after it: how late the target may still show or treat a session as ACTIVE (the document
    says EXPIRED "at expires_at" and not how soon; an expiry job runs late: ``--expiry-lag``)."""

    skew: float = 0.5
    lag: float = 0.0


@dataclass(frozen=True)
class Session:
    """One session as the model holds it. `loose`: fields whose next value the model cannot know (the ones a state
    change may set); the next read by the owner fixes them."""

    id: str
    owner: Owner
    status: str
    body: JSONObject = field(hash=False)
    expires_at: float | None = None  # seconds, the target's clock
    loose: frozenset[str] = frozenset()

    def statuses_at(self, now: float, margin: Margin, until: float | None = None) -> frozenset[str]:
        """The statuses the session may have at `now`, or at any instant from `now` to `until` (a request the target
        handled at some moment between its sending and its answer): EXPIRED once `expires_at` passed, both near it.
        A status only moves forward in time, so over a span it is those of its two ends."""
        if until is not None:
            return self.statuses_at(now, margin) | self.statuses_at(until, margin)
        if self.status != ACTIVE or self.expires_at is None or now < self.expires_at - margin.skew:
            return frozenset({self.status})
        return frozenset({EXPIRED}) if now > self.expired_by(margin) else frozenset({ACTIVE, EXPIRED})

    def expired_by(self, margin: Margin) -> float:
        """When the session has surely expired: `expires_at` as written stands for every instant of its last digit
        (``…T10:00:05Z`` is a whole second: a server may keep the milliseconds it does not show), plus the margin
        after it."""
        return (self.expires_at or 0.0) + resolution(self.body.get("expires_at")) + margin.skew + margin.lag

    def ended(self, status: str) -> Session:
        """The session once moved to `status` (canceled, completed, expired): its volatile fields are loose."""
        volatile = VOLATILE_ON_CANCEL if status == CANCELED else VOLATILE_ON_END
        return replace(self, status=status, body={**self.body, "status": status},
                       loose=self.loose | (volatile - {"status"}))

    def read(self, body: JSONObject) -> Session:
        """The session after its owner read `body`: loose fields take the values read."""
        fixed = {**self.body, **{name: body.get(name) for name in self.loose}}
        return replace(self, body=fixed, expires_at=instant(fixed.get("expires_at")) or self.expires_at,
                       loose=frozenset())

    def loosen(self, *names: str) -> Session:
        """The session with more fields the model cannot know until the next read."""
        return replace(self, loose=self.loose | set(names))


class Model:
    """The sessions of one sequence of operations, by id."""

    def __init__(self, margin: Margin = Margin()):
        self.margin = margin
        self.sessions: dict[str, Session] = {}
        self.quarantined: set[str] = set()  # sessions a finding involved: the model no longer vouches for them

    def add(self, owner: Owner, body: JSONObject, expires_at: float | None = None) -> Session:
        """A session as created (or given); `expires_at`: the one requested, if the body's cannot be read."""
        session = Session(body["payment_session_id"], owner, body.get("status", ACTIVE), dict(body),
                          instant(body.get("expires_at")) or expires_at)
        self.sessions[session.id] = session
        return session

    def at(self, session_id: str, now: float) -> Session:
        """The session at `now`: EXPIRED (with loose volatile fields) once its expiry has surely passed."""
        session = self.sessions[session_id]
        if session.statuses_at(now, self.margin) == {EXPIRED} and session.status == ACTIVE:
            session = self.sessions[session_id] = session.ended(EXPIRED)
        return session

    def set(self, session: Session) -> None:
        self.sessions[session.id] = session

    def others(self, session_ids: Collection[str]) -> list[Session]:
        """Every session but those of `session_ids` and those set aside, in creation order."""
        return [session for session_id, session in self.sessions.items()
                if session_id not in session_ids and session_id not in self.quarantined]


def instant(value: object) -> float | None:
    """An RFC 3339 date-time as seconds since the epoch; None if it is not one."""
    return _instant(value) if isinstance(value, str) else None


@lru_cache(maxsize=4096)  # the same few timestamps of each session are compared at every read of it
def _instant(value: str) -> float | None:
    if "T" not in value.upper():
        return None
    try:
        moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None


def resolution(value: object) -> float:
    """The span of time the last digit of an RFC 3339 date-time covers (1 s without a fraction); 0 for anything
    else (an instant the suite computed itself)."""
    return _resolution(value) if isinstance(value, str) else 0.0


@lru_cache(maxsize=4096)
def _resolution(value: str) -> float:
    if _instant(value) is None:
        return 0.0
    fraction = re.search(r"\.(\d+)", value)
    return 10.0 ** -len(fraction[1]) if fraction else 1.0


def same_value(before: object, after: object) -> bool:
    """Equal by meaning: date-times as instants (any offset or precision), numbers as numbers, nested alike."""
    kind = before.__class__
    if kind is after.__class__ and kind in PLAIN and before == after:  # most fields of a session read again: the
        return True  # same text, number or null is the same value (a date-time too)
    if isinstance(before, dict) and isinstance(after, dict):
        return before.keys() == after.keys() and all(same_value(before[k], after[k]) for k in before)
    if isinstance(before, list) and isinstance(after, list):
        return len(before) == len(after) and all(map(same_value, before, after))
    if isinstance(before, bool) or isinstance(after, bool):
        return before is after
    if isinstance(before, int | float) and isinstance(after, int | float):
        return before == after
    instants = instant(before), instant(after)
    if isinstance(before, str) and isinstance(after, str) and None not in instants:
        return instants[0] == instants[1]
    return before == after


def changed_fields(expected: JSONObject, seen: JSONObject, ignore: frozenset[str] = frozenset()) -> list[str]:
    """The fields (of either body) that differ by meaning, but those of `ignore`."""
    return sorted(name for name in (expected.keys() | seen.keys()) - ignore
                  if not same_value(expected.get(name), seen.get(name)))
