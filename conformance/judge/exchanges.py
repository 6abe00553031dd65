"""A recorded exchange as the suite's ``Exchange``: the request's path as the API sees it, its intent (who asked,
through ``identity.classify``; whether its id could name a session the recording did not show), and the response
read by the strict reader — from the bytes off the wire when the recording has them, else from its parsed fields
and body (``wire.message_of``: what a HAR cannot show is not judged).

Credentials the judge does not know (cookies, tokens of any scheme) are reduced to their shape here, before anything
is kept; the keys it knows are named by its redactor in every output."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from requests.structures import CaseInsensitiveDict

from conformance.identifiers import SESSION_ID
from conformance.judge.identities import Identity, Keyring
from conformance.judge.recorded import Recorded
from conformance.target.exchange import Exchange, Intent, Request, Response
from conformance.target.identity import header
from conformance.target.wire import Wire, message_of, read_message

FAMILY = "recorded"


def api_path(url: str) -> str:
    """The path (and query) of the API from a recorded URL or request target: from ``/sessions`` on, whatever prefix
    a base URL put before it."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    at = path.find("/sessions")
    return path[at:] if at > 0 and path[at + len("/sessions"):][:1] in ("", "/", "?") else path


def session_id_of(path: str) -> str:
    """The id a request names (``/sessions/{id}`` and ``/sessions/{id}/…``), percent-decoded; "" for none."""
    parts = path.split("?", 1)[0].split("/")
    return unquote(parts[2]) if len(parts) >= 3 and parts[1] == "sessions" else ""


def exchange_of(recorded: Recorded, keyring: Keyring) -> tuple[Exchange, Identity]:
    """`recorded` as an Exchange, and who asked."""
    raw_headers = dict(recorded.headers)
    identity = keyring.identify(raw_headers, recorded.redacted)
    path = api_path(recorded.url)
    session_id = session_id_of(path)
    intent = Intent(FAMILY, f"{recorded.method} {path} ({recorded.where})", session_id, identity.actor,
                    configured=identity.known, known=bool(SESSION_ID.fullmatch(session_id)))  # another form names
    # no session, so a recording that did not show it created still shows it unknown
    conceal = keyring.redactor.conceal
    request = Request(recorded.method, recorded.url, {name: conceal(name, value) for name, value in recorded.headers},
                      recorded.body, path=path, version=recorded.version)
    exchange = Exchange(intent, request, error=recorded.error, sent_at=recorded.at)
    if recorded.status is not None:
        exchange.response = _response(recorded, recorded.status, raw_headers, conceal)
    return exchange, identity


def _response(recorded: Recorded, status: int, request_headers: dict[str, str], conceal) -> Response:
    if recorded.wire is None:  # its fields as recorded, a list: the strict reader sees a field sent twice as such
        fields = [(name, conceal(name, value)) for name, value in recorded.response_headers]
        response = Response(status, _joined(fields), recorded.response_body, recorded.elapsed)
        response.message = message_of(fields, recorded.response_body)
        return response
    accepted = header(request_headers, "accept-encoding")
    accepted = accepted.decode("latin-1") if isinstance(accepted, bytes) else accepted
    wire = Wire(recorded.wire, True, recorded.method, accepted, recorded.version)
    message = read_message(wire)
    fields = [(name, conceal(name, value)) for name, value in message.fields]
    response = Response(status, _joined(fields), message.body or b"", recorded.elapsed, wire=wire)
    response.message = message  # read once: the cached property would read the same bytes again
    return response


def _joined(fields: list[tuple[str, str]]) -> CaseInsensitiveDict:
    """Header fields as requests holds them: a name sent twice, its values joined with ", "."""
    joined: CaseInsensitiveDict = CaseInsensitiveDict()
    for name, value in fields:
        joined[name] = f"{joined[name]}, {value}" if name in joined else value
    return joined
