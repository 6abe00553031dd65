"""One request, its response (or transport error), and what the suite meant by sending it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import unquote, urlsplit

from requests.structures import CaseInsensitiveDict

from conformance.target.endpoints import CHECKOUT, endpoint_of
from conformance.target.identity import KEY, MAIN, Actor
from conformance.target.json_text import Document, read_json
from conformance.target.wire import Finding, Message, Wire, message_of, read_message

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
    lag: float = 0.0  # in a burst, seconds after the others are released (a read sent while they are under way)


@dataclass
class Response:
    """An answer as requests read it (`headers`, `body` decoded), and as a strict client reads the bytes that came
    off the wire (`message`, `document`): what every check and the model see of its body is the latter."""

    status: int
    headers: CaseInsensitiveDict
    body: bytes
    elapsed: float
    truncated: bool = False  # the body was longer than the suite reads (MAX_BODY)
    wire: Wire | None = field(default=None, repr=False)  # its bytes as received (None: not read off the wire)

    @cached_property
    def message(self) -> Message:
        """Framed and decoded as RFC 9112 and RFC 9110 say, from the bytes off the wire when the suite has them all;
        else from what requests read."""
        if self.wire is not None and self.wire.complete:
            return read_message(self.wire)
        return message_of(self.headers.items(), self.body)

    @cached_property
    def document(self) -> Document:
        """The body as one JSON text, read strictly (RFC 8259); no value when the message has no body to read."""
        body = self.message.body
        return read_json(body) if body is not None else Document(None, ())

    @cached_property
    def findings(self) -> tuple[Finding, ...]:
        """Every rule of HTTP and JSON the response breaks, as the strict reader found them."""
        return self.message.findings + self.document.findings

    @property
    def content_type(self) -> str:
        return self.message.content_type

    @cached_property
    def _read(self) -> tuple[object, str | None]:
        """The body's value and the rule that makes a compliant client misread it (None: it reads it): read once,
        however many checks ask."""
        misread = next((finding for finding in self.findings if finding.misread), None)
        return (None, misread.message) if misread is not None else (self.document.value, None)

    @property
    def json(self) -> object:
        """The body as a strict, compliant client reads it; raises ValueError, naming the rule, when such a client
        would not read the JSON the server meant (see CANCEL-CONTENT-TYPE)."""
        value, misread = self._read
        if misread is not None:
            raise ValueError(misread)
        return value

    def json_or_none(self) -> object | None:
        return self._read[0]


@dataclass
class Exchange:
    intent: Intent
    request: Request
    response: Response | None = None
    error: str | None = None
    violations: dict = field(default_factory=dict)  # check ID → Violation, filled in by the stateless judge
    sent_at: float = 0.0  # time.time() when the request went out
    skipped: str | None = None  # why it was not sent, or why its answer is not judged (budget, 429s, breaker)
    withheld: str | None = None  # not sent by the safety rule: what the GET for its id answered ("200", "405")
    timed_out: str | None = None  # the target took the request, its answer did not complete in time: NO_STATUS_LINE
    # (nothing came back) or BODY_STALLED (the status line and headers came, the body did not)

    @property
    def requested_id(self) -> str:
        """The session id as the server should decode it from the request path."""
        return self.intent.session_id

    @cached_property
    def raw_id(self) -> str | None:
        """The id segment of ``/sessions/{id}/cancel`` as sent on the wire (never in a link's URL)."""
        if self.request.endpoint == CHECKOUT:
            return None
        parts = self.request.path.split("?", 1)[0].split("/")
        if len(parts) == 4 and parts[1] == "sessions" and parts[3] == "cancel":
            return parts[2]
        return None

    @cached_property
    def path_id(self) -> str | None:
        """The id segment of ``/sessions/{id}/cancel`` as sent, percent-decoded."""
        raw = self.raw_id
        return None if raw is None else unquote(raw)
