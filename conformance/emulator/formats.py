"""Identifier and timestamp formats, as Xendit's responses show them.

- session ids: ``ps-`` + 24 lowercase hex (27 characters, the spec's min/max length);
- customer ids: ``cust-`` + UUID; payment ids: ``pr-``/``py-`` + UUID; payment tokens: ``pt-`` + UUID (the form of
  real webhook and guide responses; the schema example's ``ptkn-`` is the other side of a documented conflict);
- timestamps: RFC 3339, UTC, milliseconds (``2024-12-06T03:35:36.032Z``). Internally: integer milliseconds.
"""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta

_CUSTOMERS = uuid.UUID("0b5e8f1c-6a39-4c1e-9d1f-5f0c2a7e4b11")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def new_session_id() -> str:
    return "ps-" + secrets.token_hex(12)


def customer_id(owner_key: str, reference_id: str) -> str:
    """The id of the customer an owner sent by ``reference_id``: the same customer always gets the same id."""
    return f"cust-{uuid.uuid5(_CUSTOMERS, owner_key + '/' + reference_id)}"


def payment_reference(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


def components_sdk_key() -> str:
    """A key shaped like Xendit Components' ``p0-p1-<host>-<key>``, with the SDK's ``mock`` host."""
    return f"{secrets.token_hex(8)}-{secrets.token_hex(8)}-mock-{secrets.token_hex(16)}"


def timestamp(ms: int) -> str:
    """Integer milliseconds → ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    seconds, millis = divmod(ms, 1000)
    year, month, day, hour, minute, second = time.gmtime(seconds)[:6]
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}Z"


def parse_timestamp(text: str) -> int | None:
    """An RFC 3339 date-time → integer milliseconds (UTC); None if Python cannot represent it."""
    try:
        moment = datetime.fromisoformat(text.upper())
        if moment.tzinfo is None:
            return None
        return (moment.astimezone(UTC) - _EPOCH) // _MS
    except (ValueError, OverflowError):
        return None
