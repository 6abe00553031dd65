"""What one exchange shows of a target's behaviour, with what is volatile normalised away.

An exchange becomes a :class:`Case` (what the suite meant: intent family and input, the request with the run's own
session ids and tag replaced, the key redacted) and an :class:`Observation` (status, content type, error_code,
session status, every body field with its JSON type). Ids, timestamps and URLs in bodies are never compared as
values: only their type is (``string (date-time)``, ``string (uri)``).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

from conformance.results.model import RunResult
from conformance.target.endpoints import CHECKOUT
from conformance.target.exchange import Exchange

IGNORED_FAMILIES = {"retry", "safety"}  # the suite's own repeats of a failing request (as many as the target's
# failures) and its safety GETs (none for a target known to hold no real sessions): not part of the corpus
MAX_DEPTH = 32
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
DATE_TIME_BYTES = re.compile(DATE_TIME.pattern.encode())  # in request bodies: instants the run computed (expires_at)
VARIANT_SEGMENT = re.compile(r"/sessions/(?!\{session-\d+\}(?:/|$))[^/]*")
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")
NOT_SENT, NO_RESPONSE = "not sent", "no response"


@dataclass(frozen=True, order=True)
class Case:
    """One request of the corpus, the same on every target run with the same seed."""

    family: str
    description: str
    method: str
    path: str  # as sent, the run's sessions as {session-N} (N: creation order)
    headers: tuple[tuple[str, str], ...]  # redacted
    body_sha256: str  # of the body with the run's tag replaced; "" without a body

    @property
    def id(self) -> str:
        """A short stable name for the case (the same seed gives the same ids)."""
        return hashlib.sha256(repr(self).encode("utf-8", "backslashreplace")).hexdigest()[:10]

    @property
    def label(self) -> str:
        return f"{self.family}: {self.description}: {self.method} {self.path}"

    def as_dict(self) -> dict:
        return {"id": self.id, "family": self.family, "input": self.description, "method": self.method,
                "path": self.path, "headers": dict(self.headers), "body_sha256": self.body_sha256 or None}


@dataclass(frozen=True)
class Observation:
    """What the target answered, as comparable values (None: not applicable)."""

    status: str  # "404", "not sent", "no response (ConnectionError)"
    content_type: str | None = None
    body: str | None = None  # the body's JSON type, "not JSON" or "empty"
    error_code: str | None = None
    session_status: str | None = None
    types: tuple[tuple[str, str], ...] = ()  # field path (a.b, items[]) → JSON type(s)


def json_type(value: object) -> str:
    """The JSON type of a value; strings that are RFC 3339 date-times or absolute URLs say so."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        if DATE_TIME.fullmatch(value):
            return "string (date-time)"
        return "string (uri)" if URI.fullmatch(value) else "string"
    return "array" if isinstance(value, list) else "object"


def field_types(value: object) -> tuple[tuple[str, str], ...]:
    """Every field path of a JSON value with its type; an array's items are ``name[]`` (types joined by ``|``)."""
    found: dict[str, set[str]] = defaultdict(set)

    def walk(item: object, prefix: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        if isinstance(item, dict):
            children = [(f"{prefix}.{name}" if prefix else str(name), child) for name, child in item.items()]
        elif isinstance(item, list):
            children = [(f"{prefix}[]", child) for child in item]
        else:
            return
        for path, child in children:
            found[path].add(json_type(child))
            walk(child, path, depth + 1)

    walk(value, "", 0)
    return tuple(sorted((path, "|".join(sorted(types))) for path, types in found.items()))


def observe(exchange: Exchange) -> Observation:
    response = exchange.response
    if response is None:
        if exchange.error:
            return Observation(f"{NO_RESPONSE} ({exchange.error.split(':', 1)[0]})")
        return Observation(NOT_SENT)
    content_type = response.content_type.split(";", 1)[0].strip().lower() or None
    if not response.body:
        return Observation(str(response.status), content_type, "empty")
    try:
        body = response.json
    except (ValueError, RecursionError):
        return Observation(str(response.status), content_type, "not JSON")
    fields = body if isinstance(body, dict) else {}
    code, status = fields.get("error_code"), fields.get("status")
    return Observation(str(response.status), content_type, json_type(body).split(" ")[0],
                       code if isinstance(code, str) else None, status if isinstance(status, str) else None,
                       field_types(body))


class Normaliser:
    """Turns one run's exchanges into cases: its sessions (numbered in creation order) and its tag replaced."""

    def __init__(self, run: RunResult, tag: str):
        self.redactor = run.redactor
        self.tag = tag
        creates = [exchange for exchange in run.exchanges
                   if exchange.request.method == "POST" and exchange.request.path.rstrip("/") == "/sessions"]
        self.sessions: list[tuple[re.Pattern, str]] = []
        for number, exchange in enumerate(creates, 1):
            body = exchange.response.json_or_none() if exchange.response is not None else None
            session_id = body.get("payment_session_id") if isinstance(body, dict) else None
            if isinstance(session_id, str) and len(session_id) > 1:
                # the id itself and the suite's variants of it (one character less or more, upper case)
                pattern = re.compile(re.escape(session_id[:-1]) + f"(?:{re.escape(session_id[-1])})?", re.I)
                self.sessions.append((pattern, f"{{session-{number}}}"))

    def case(self, exchange: Exchange) -> Case:
        request = exchange.request
        path = urlsplit(request.path).path if request.endpoint == CHECKOUT else request.path.split("?", 1)[0]
        # (a checkout link's origin is each target's own)
        for pattern, name in self.sessions:
            path = pattern.sub(name, path)
        if exchange.intent.family == "lifecycle":  # what is left of a session id is a variant of one (cut, prefixed,
            # encoded, another Unicode form): its description names which
            path = VARIANT_SEGMENT.sub("/sessions/{id-variant}", path)
        headers = tuple(sorted((name.lower(), self.redactor.header(name, value))
                               for name, value in request.headers.items()))
        body = ""
        if request.body:
            tagged = request.body.replace(self.tag.encode(), b"{tag}").replace(self.tag.replace("-", "").encode(),
                                                                                b"{tag}")  # alphanumeric ids
            normalised = DATE_TIME_BYTES.sub(b"{date-time}", tagged)
            body = hashlib.sha256(normalised).hexdigest()
        return Case(exchange.intent.family, exchange.intent.description, request.method,
                    self.redactor.text(path), headers, body)


def observations(run: RunResult, tag: str) -> dict[Case, list[Observation]]:
    """Every case of a run (in the order first sent) with what each of its sends observed."""
    normaliser = Normaliser(run, tag)
    found: dict[Case, list[Observation]] = {}
    for exchange in run.exchanges:
        if exchange.intent.family not in IGNORED_FAMILIES:
            found.setdefault(normaliser.case(exchange), []).append(observe(exchange))
    return found
