"""Requests varied as real clients vary them. Each is the same cancel in HTTP's eyes (RFC 9110, RFC 9112), so it is
owed the same answer as the plain request: the stateless stage sends them about an unknown id, the lifecycle about
real sessions. Where HTTP and the document leave the target a choice (content on an operation that defines none, a
query parameter it does not define), the variant names the statuses it may be refused with, and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from conformance.generation.probe import Credentials, Probe
from conformance.generation.strategies import UNKNOWN_ID, well_formed

Headers = dict[str, str | bytes]
JSON = "application/json"
CONTENT = frozenset({400, 413, 415})  # the document defines no request body for the cancel: content may be refused


@dataclass(frozen=True)
class Varied:
    """A request as a variant sends it: its headers, content, query string and protocol version."""

    headers: Headers
    body: bytes | None = None
    query: str = ""
    version: str = "HTTP/1.1"


@dataclass(frozen=True)
class ClientVariant:
    name: str
    description: str
    vary: Callable[[Headers], Varied]
    refusable: frozenset[int] = frozenset()  # statuses the target may answer it with instead (the description
    # says why)


def _names(change: Callable[[str], str]) -> Callable[[Headers], Varied]:
    return lambda headers: Varied({change(name): value for name, value in headers.items()})


def _scheme(scheme: str, spaces: str = " ") -> Callable[[Headers], Varied]:
    """The Authorization value with its scheme spelled `scheme`, followed by `spaces` (RFC 9110 §11.1, §11.4)."""
    def vary(headers: Headers) -> Varied:
        def rewrite(name: str, value: str | bytes) -> str | bytes:
            if name.lower() != "authorization" or not isinstance(value, str) or " " not in value:
                return value
            return scheme + spaces + value.split(" ", 1)[1].lstrip(" ")
        return Varied({name: rewrite(name, value) for name, value in headers.items()})
    return vary


def _adding(extra: Headers, body: bytes | None = None, **fields) -> Callable[[Headers], Varied]:
    return lambda headers: Varied({**headers, **extra}, body, **fields)


def _padded(headers: Headers) -> Varied:
    """Whitespace after every value (RFC 9110 §5.5: not part of the value; requests refuses it before a value)."""
    return Varied({name: value + (b" \t" if isinstance(value, bytes) else " \t") for name, value in headers.items()})


CLIENT_VARIANTS = [
    ClientVariant("names-lower", "header field names in lower case (RFC 9110 §5.1)", _names(str.lower)),
    ClientVariant("names-upper", "header field names in upper case (RFC 9110 §5.1)", _names(str.upper)),
    ClientVariant("names-mixed", "header field names in mixed case (RFC 9110 §5.1)",
                  _names(lambda name: "-".join(part[:1].upper() + part[1:] for part in name.lower().split("-")))),
    ClientVariant("scheme-lower", "the auth scheme in lower case: basic (RFC 9110 §11.1)", _scheme("basic")),
    ClientVariant("scheme-upper", "the auth scheme in upper case: BASIC (RFC 9110 §11.1)", _scheme("BASIC")),
    ClientVariant("scheme-spaces", "two spaces after the auth scheme (RFC 9110 §11.4: 1*SP)", _scheme("Basic", "  ")),
    ClientVariant("values-padded", "whitespace after each header value (RFC 9110 §5.5)", _padded),
    ClientVariant("empty-json", "an empty JSON object {} as content, with Content-Type: application/json (the "
                  "document defines no request body: 400, 413 or 415 allowed)", _adding({"Content-Type": JSON}, b"{}"),
                  CONTENT),
    ClientVariant("content-type-only", "Content-Type: application/json and no content",
                  _adding({"Content-Type": JSON})),
    ClientVariant("accept-q", "Accept with q-values: application/json;q=0.9, */*;q=0.1 (RFC 9110 §12.5.1)",
                  _adding({"Accept": "application/json;q=0.9, */*;q=0.1"})),
    ClientVariant("accept-charset", "Accept: application/json; charset=utf-8", _adding({"Accept": f"{JSON}; "
                                                                                               "charset=utf-8"})),
    ClientVariant("query", "a query string the operation does not define: ?source=conformance (the document defines "
                  "no query parameter: 400 allowed)", _adding({}, query="source=conformance"), frozenset({400})),
    ClientVariant("expect-continue", "Expect: 100-continue with {} as content (RFC 9110 §10.1.1; 400, 413, 415 "
                  "or 417 allowed)", _adding({"Content-Type": JSON, "Expect": "100-continue"}, b"{}"), CONTENT | {417}),
    ClientVariant("connection-close", "Connection: close (RFC 9112 §9.6)", _adding({"Connection": "close"})),
    ClientVariant("http-1.0", "an HTTP/1.0 request, with Host (RFC 9112 §2.3; 426 Upgrade Required allowed, RFC 9110 "
                  "§15.5.22)", _adding({}, version="HTTP/1.0"), frozenset({426})),
]
BY_NAME = {variant.name: variant for variant in CLIENT_VARIANTS}


def client_probe(variant: ClientVariant, session_id: str, headers: Headers) -> Probe:
    varied = variant.vary(headers)
    return Probe("clients", variant.description, session_id, None, varied.headers, body=varied.body,
                 query=varied.query, version=varied.version, refusable=variant.refusable)


def client_probes(credentials: Credentials) -> tuple[list[Probe], st.SearchStrategy[Probe]]:
    """Each variant about an unknown id with the run's credentials: owed 404 NOT_FOUND like the plain request (or a
    refusal the variant allows); then the variants about other unknown ids."""
    headers = credentials.headers()
    examples = [client_probe(variant, UNKNOWN_ID, headers) for variant in CLIENT_VARIANTS]
    strategy = st.tuples(st.sampled_from(CLIENT_VARIANTS), well_formed).map(
        lambda pair: client_probe(pair[0], pair[1], headers))
    return examples, strategy
