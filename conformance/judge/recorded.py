"""One exchange as a recording holds it, before the judge reads it as the suite's ``Exchange``; and what a reader
could not use, said with its position so that a skipped entry is never silent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class RecordingError(Exception):
    """A recording the judge cannot read at all (the message names the file and the position)."""


@dataclass(frozen=True)
class Skipped:
    """An entry of a recording not judged, and why (`where`: the file and the position)."""

    where: str
    reason: str


@dataclass
class Recorded:
    """A request and its answer as recorded. `wire`: the response's bytes as they came off the socket (the proxy
    has them; a HAR or JSON recording only has the parsed head and the decoded body). `redacted`: the suite's own
    transcript, whose keys are placeholders (``$XENDIT_API_KEY``)."""

    where: str
    method: str
    url: str  # an absolute URL, or the request target as sent (``/sessions/ps-…/cancel``)
    headers: list[tuple[str, str]] = field(repr=False)
    body: bytes | None = field(default=None, repr=False)
    at: float = 0.0  # when the request went out, seconds since the epoch (the model's `now`)
    version: str = "HTTP/1.1"
    status: int | None = None  # None: no response (see `error`)
    response_headers: list[tuple[str, str]] = field(default_factory=list, repr=False)
    response_body: bytes = field(default=b"", repr=False)
    wire: bytes | None = field(default=None, repr=False)
    elapsed: float = 0.0
    error: str | None = None
    redacted: bool = False


def timestamp(value: object) -> float | None:
    """Seconds since the epoch, from a number of seconds or an ISO 8601 date-time with an offset; None otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None
