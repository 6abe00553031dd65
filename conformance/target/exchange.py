"""One request, its response (or transport error), and what the suite meant by sending it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import unquote, urlsplit

from requests.structures import CaseInsensitiveDict

from conformance.target.endpoints import CHECKOUT, endpoint_of
from conformance.target.identity import KEY, MAIN, Actor

NO_STATUS_LINE, BODY_STALLED = "no status line", "body stalled"  # how a request timed out (Exchange.timed_out)


@dataclass(frozen=True)
class Intent:
    """What the suite knows about a request, so checks can state what the contract expects of it.

    actor: who the request claims to be (``identity.classify``, made once per request).
    configured: the actor is the run's own: the configured key and ``--for-user-id`` (or none).
    known: the session id is one the suite created or was given.
    """

    family: str
    description: str
    session_id: str
    actor: Actor = Actor(MAIN)
    configured: bool = True
    known: bool = False
    refusable: frozenset[int] = frozenset()  # statuses HTTP leaves the target free to refuse this request with
    # (content on an operation that defines none: 400, 413, 415), besides the documented answers

    @property
    def as_configured(self) -> bool:
        """The run's own key, as documented, for the run's own sub-account (or none)."""
        return self.configured and self.actor.credential == KEY


@dataclass(frozen=True)
class Request:
    method: str
    url: str  # the target's base URL (which may have a path prefix) + `path`; a link: as the target gave it
    headers: dict[str, str | bytes] = field(default_factory=dict, repr=False)  # may carry credentials
    body: bytes | None = None
    path: str = ""  # the path of the API as the suite built it (without the base URL's prefix); a link: its URL
    endpoint: str = ""  # create, get, cancel, other (from method and path), or checkout (a link the target handed out)
    version: str = "HTTP/1.1"  # the request line's protocol version

    def __post_init__(self) -> None:
        if not self.path:
            object.__setattr__(self, "path", urlsplit(self.url).path)
        if not self.endpoint:
            object.__setattr__(self, "endpoint", endpoint_of(self.method, self.path))


@dataclass(frozen=True)
class PlannedRequest:
    """A request to the target as the suite plans it, to go out alone or with others (``Target.burst_many``,
    ``Target.gather``)."""

    intent: Intent
    method: str
    path: str
    headers: dict[str, str | bytes] = field(default_factory=dict, repr=False)  # may carry credentials
    body: bytes | None = None
    version: str = "HTTP/1.1"


@dataclass
class Response:
    status: int
    headers: CaseInsensitiveDict
    body: bytes
    elapsed: float
    truncated: bool = False  # the body was longer than the suite reads (MAX_BODY)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @cached_property
    def json(self) -> object:
        """The parsed body; raises ValueError when it is not JSON."""
        return json.loads(self.body)

    def json_or_none(self) -> object | None:
        try:
            return self.json
        except ValueError:
            return None


@dataclass
class Exchange:
    intent: Intent
    request: Request
    response: Response | None = None
    error: str | None = None
    violations: dict = field(default_factory=dict)  # check ID → Violation, filled in by the recorder
    sent_at: float = 0.0  # time.time() when the request went out
    skipped: str | None = None  # why it was not sent, or why its answer is not judged (budget, 429s, breaker)
    withheld: str | None = None  # not sent by the safety rule: what the GET for its id answered ("200", "405")
    timed_out: str | None = None  # the target took the request, its answer did not complete in time: NO_STATUS_LINE
    # (nothing came back) or BODY_STALLED (the status line and headers came, the body did not)

    @property
    def requested_id(self) -> str:
        """The session id as the server should decode it from the request path."""
        return self.intent.session_id

    @property
    def raw_id(self) -> str | None:
        """The id segment of ``/sessions/{id}/cancel`` as sent on the wire (never in a link's URL)."""
        if self.request.endpoint == CHECKOUT:
            return None
        parts = self.request.path.split("?", 1)[0].split("/")
        if len(parts) == 4 and parts[1] == "sessions" and parts[3] == "cancel":
            return parts[2]
        return None

    @property
    def path_id(self) -> str | None:
        """The id segment of ``/sessions/{id}/cancel`` as sent, percent-decoded."""
        raw = self.raw_id
        return None if raw is None else unquote(raw)
