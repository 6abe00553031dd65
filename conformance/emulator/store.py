"""Sessions (and the customer registry) in SQLite: in memory by default, or a file (WAL) that survives restarts.

State changes are single conditional statements (``UPDATE … WHERE status = 'ACTIVE' AND expires_at > now``), so of
any number of racing cancels, in this process or another one on the same file, exactly one wins.

Expiry is derived, never scheduled: a stored ACTIVE session whose ``expires_at`` has passed *is* EXPIRED (its
``updated`` is then its ``expires_at``) for every read and every transition, whether or not anyone looked at it.
So the ``status`` column holds the last explicit transition, and expiring a session early (test control) just moves
its ``expires_at`` to now.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, replace

ACTIVE, COMPLETED, EXPIRED, CANCELED = "ACTIVE", "COMPLETED", "EXPIRED", "CANCELED"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL,
    sub_account TEXT NOT NULL,
    status TEXT NOT NULL,
    updated INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    fields TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
    reference_id TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    business_id TEXT NOT NULL,
    sub_account TEXT NOT NULL
);
"""
_COLUMNS = "id, business_id, sub_account, status, updated, expires_at, outcome, fields"
_LIVE = ("id = :id AND business_id = :business_id AND sub_account = :sub_account"
         " AND status = 'ACTIVE' AND expires_at > :now")
_BUMP = "updated = MAX(:now, updated + 1)"


@dataclass(frozen=True)
class Owner:
    """Who a session belongs to: a business, and its sub-account (``for-user-id``) or ``""`` for the master."""

    business_id: str
    sub_account: str = ""

    @property
    def key(self) -> str:
        return f"{self.business_id}/{self.sub_account}"


@dataclass(frozen=True)
class Session:
    """One stored session. ``fields`` are the public fields fixed at creation; ``outcome`` the payment references."""

    id: str
    owner: Owner
    status: str
    updated: int
    expires_at: int
    fields: dict
    outcome: dict

    def at(self, now: int) -> Session:
        """This session as seen at `now` (milliseconds): EXPIRED once ACTIVE past its ``expires_at``."""
        if self.status == ACTIVE and now >= self.expires_at:
            return replace(self, status=EXPIRED, updated=self.expires_at)
        return self


def _session(row: tuple) -> Session:
    id_, business_id, sub_account, status, updated, expires_at, outcome, fields = row
    return Session(id_, Owner(business_id, sub_account), status, updated, expires_at,
                   json.loads(fields), json.loads(outcome))


def _dump(value: dict) -> str:
    return json.dumps(value, separators=(",", ":"))


class Store:
    """All sessions of one emulator. Safe to share between threads."""

    def __init__(self, path: str | None = None):
        self._db = sqlite3.connect(path or ":memory:", isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        if path:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA busy_timeout = 5000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, session: Session) -> None:
        row = (session.id, session.owner.business_id, session.owner.sub_account, session.status,
               session.updated, session.expires_at, _dump(session.outcome), _dump(session.fields))
        with self._lock:
            self._db.execute(f"INSERT INTO sessions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)

    def find(self, session_id: str, now: int) -> Session | None:
        """The session as seen at `now`, whoever owns it; None if there is none."""
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchall()
        return _session(rows[0]).at(now) if rows else None

    def claim_customer(self, owner: Owner, reference_id: str, customer_id: str) -> bool:
        """Register customer `reference_id` as `owner`'s (id `customer_id`) unless another owner has it; whether the
        owner has it now. The first owner to register a ``reference_id`` keeps it, in any number of processes."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO customers VALUES (?, ?, ?, ?)",
                             (reference_id, customer_id, owner.business_id, owner.sub_account))
            row = self._db.execute("SELECT business_id, sub_account FROM customers WHERE reference_id = ?",
                                   (reference_id,)).fetchone()
        return Owner(*row) == owner

    def has_customer(self, owner: Owner, customer_id: str) -> bool:
        """Whether `owner` registered the customer `customer_id`."""
        with self._lock:
            return self._db.execute("SELECT 1 FROM customers WHERE id = ? AND business_id = ? AND sub_account = ?",
                                    (customer_id, owner.business_id, owner.sub_account)).fetchone() is not None

    def cancel(self, owner: Owner, session_id: str, now: int) -> tuple[Session | None, bool]:
        return self._transition(owner, session_id, now, f"status = '{CANCELED}', {_BUMP}")

    def complete(self, owner: Owner, session_id: str, now: int, outcome: dict) -> tuple[Session | None, bool]:
        return self._transition(owner, session_id, now, f"status = '{COMPLETED}', {_BUMP}, outcome = :outcome",
                                outcome=_dump(outcome))

    def expire(self, owner: Owner, session_id: str, now: int) -> tuple[Session | None, bool]:
        return self._transition(owner, session_id, now, "expires_at = MAX(:now, updated + 1), " + _BUMP)

    def _transition(self, owner: Owner, session_id: str, now: int, assignments: str,
                    **values: str) -> tuple[Session | None, bool]:
        """Apply `assignments` if `owner`'s session is live: (the session as it now is, whether this changed it)."""
        keys = {"id": session_id, "business_id": owner.business_id, "sub_account": owner.sub_account, "now": now}
        with self._lock:
            rows = self._db.execute(f"UPDATE sessions SET {assignments} WHERE {_LIVE} RETURNING {_COLUMNS}",
                                    keys | values).fetchall()
        if rows:
            return _session(rows[0]).at(max(now, rows[0][4])), True
        return self.find(session_id, now), False
