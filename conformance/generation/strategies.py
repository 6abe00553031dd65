"""The suite's own Hypothesis strategies: malformed session ids, odd credentials, odd sub-account headers.

Each strategy draws a Probe whose description says what kind of input it is, so a failure reads as
"27 characters, wrong prefix" rather than as a bare string.
"""

from __future__ import annotations

from functools import cache

from hypothesis import Phase, find, settings
from hypothesis import strategies as st

from conformance.generation.probe import Credentials, Probe
from conformance.identifiers import TEST_PREFIX
from conformance.target.identity import basic

HEX = "0123456789abcdef"
hex24 = st.text(HEX, min_size=24, max_size=24)
well_formed = hex24.map("ps-".__add__)
SPECIAL_IDS = [
    ("", None, "empty id"),
    ("/", None, "percent-encoded slash"),
    ("ps-661f87c614802d6c402cd82d/..", None, "encoded slash and dot-dot"),
    ("..", "..", "dot-dot segment"),
    (".", ".", "dot segment"),
    ("..", "%2E%2E", "percent-encoded dot-dot"),
    ("\x00", None, "NUL byte"),
    ("ps-661f87c614802d6c402cd8\x00d", None, "NUL inside a 27-character id"),
    ("%", "%", "bare percent sign"),
    ("%zz", "%zz", "invalid percent escape"),
    ("'", None, "single quote"),
    ('"', None, "double quote"),
    ("' OR '1'='1", None, "SQL injection"),
    ("<script>alert(1)</script>", None, "markup"),
    ("${jndi:ldap://127.0.0.1/a}", None, "template injection"),
    ("ps-661f87c614802d6c402cd82d?x=1", None, "percent-encoded query"),
    ("ps-661f87c614802d6c402cd82d#x", None, "percent-encoded fragment"),
]


def _fit(prefix: str, body: str, length: int) -> str:
    return (prefix + body * (length // max(len(body), 1) + 1))[:length]


def _probe(description: str, session_id: str, credentials: Credentials, wire: str | None = None) -> Probe:
    return Probe("ids", description, session_id, wire, credentials.headers())


BOUNDARY_LENGTHS = [0, 1, 2, 26, 28, 255, 4096]


UNKNOWN_ID = _fit("ps-", "661f87c614802d6c402cd82d", 27)


def witness_probes(credentials: Credentials) -> list[Probe]:
    """The fewest requests that judge every stateless check, sent before any exploration: an unknown id within the
    bounds (the documented 404 and its body), the same without a key (401), an id one character too long (the
    out-of-bounds SHOULD), another method on the cancel path, a dot-dot segment (robustness). The checks of a 200
    judge the lifecycle's cancels."""
    unauthenticated = {name: value for name, value in credentials.headers().items() if name != "Authorization"}
    return [_probe("27 characters", UNKNOWN_ID, credentials),
            Probe("auth", "no Authorization header", UNKNOWN_ID, None, unauthenticated),
            _probe("28 characters", _fit("ps-", "661f87c614802d6c402cd82d", 28), credentials),
            Probe("ids", "GET on the cancel path", UNKNOWN_ID, None, credentials.headers(), "GET"),
            _probe("dot-dot segment", "..", credentials, "..")]


def _insert(pair: tuple[str, str], at: int) -> str:
    session_id, extra = "ps-" + pair[0], pair[1]
    return session_id[:at] + extra + session_id[at:]


def _id_variants() -> list[tuple[str, st.SearchStrategy[str]]]:
    """Unknown and malformed ids, by kind."""
    non_ascii = st.text(st.characters(min_codepoint=0x80, max_codepoint=0x2FFFF, exclude_categories=["Cs"]),
                        min_size=1, max_size=24)
    control = st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=3)
    whitespace = st.sampled_from([" ", "\t", "\n", "\r\n", "\u00a0", "\u3000"])
    prefixes = st.sampled_from(["pr-", "py-", "pt-", "PS-", "ps_", "ps:", "sp-", "00-"])
    return [
        ("well-formed unknown id (ps- + 24 hex)", well_formed),
        ("any length", st.integers(0, 6000).flatmap(lambda n: hex24.map(lambda body: _fit("ps-", body, n)))),
        ("27 characters, wrong prefix", st.tuples(prefixes, hex24).map("".join)),
        ("27 characters, upper case", hex24.map(lambda body: "PS-" + body.upper())),
        ("27 characters, not hex", st.text("ghijklmnopqrstuvwxyzGHIJKLMNOP_", min_size=24, max_size=24).map(
            "ps-".__add__)),
        ("27 code points, non-ASCII", st.tuples(hex24, non_ascii).map(lambda p: "ps-" + (p[1] + p[0])[:24])),
        ("id with whitespace", st.tuples(st.tuples(hex24, whitespace), st.integers(0, 27)).map(
            lambda t: _insert(*t))),
        ("id with control characters", st.tuples(st.tuples(hex24, control), st.integers(0, 27)).map(
            lambda t: _insert(*t))),
    ]


@cache  # the simplest examples are found by search, the same for the same credentials: once per process
def id_probes(credentials: Credentials) -> tuple[list[Probe], st.SearchStrategy[Probe]]:
    """Unknown and malformed ids, sent with valid credentials: the contract says 404 NOT_FOUND for each.
    Explicit examples: every boundary length, every special id, the simplest id of each kind."""
    strategies = [ids.map(lambda session_id, d=description: _probe(d, session_id, credentials))
                  for description, ids in _id_variants()]
    boundaries = [_probe(f"{n} characters", _fit("ps-", "661f87c614802d6c402cd82d", n), credentials)
                  for n in BOUNDARY_LENGTHS]
    specials = [_probe(description, session_id, credentials, wire) for session_id, wire, description in SPECIAL_IDS]
    examples = boundaries + specials + [find_simplest(strategy) for strategy in strategies]
    return examples, st.one_of(*strategies, st.sampled_from(specials))


KEY_TAILS = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=40)


def _auth_variants(key: str) -> list[tuple[str, st.SearchStrategy[str | None]]]:
    """Authorization values: missing and unusable ones (401 expected), then valid keys with a twist."""
    return [
        ("no Authorization header", st.none()),
        ("empty Authorization header", st.just("")),
        ("Basic with empty credentials", st.just(basic(""))),
        ("Bearer scheme with the key", st.just("Bearer " + key)),
        ("the key without Basic encoding", st.just(key)),
        ("Basic with malformed base64", st.just("Basic !!not-base64!!")),
        ("the key as password, empty username", st.just(basic("", key))),
        ("unknown key", KEY_TAILS.map(lambda tail: TEST_PREFIX + tail).filter(
            lambda candidate: candidate != key).map(basic)),
        ("valid key with a password", KEY_TAILS.map(lambda password: basic(key, password))),
        ("lower-case basic scheme", st.just("basic" + basic(key).removeprefix("Basic"))),
    ]


def _sub_account_variants() -> list[tuple[str, st.SearchStrategy[str | bytes | None]]]:
    printable = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40)
    non_ascii = st.text(st.characters(min_codepoint=0x80, max_codepoint=0xFFFF, exclude_categories=["Cs"]),
                        min_size=1, max_size=20)
    return [
        ("no for-user-id", st.none()),
        ("empty for-user-id", st.just("")),
        ("unknown sub-account", printable),
        ("long for-user-id", st.integers(1000, 6000).map(lambda n: "a" * n)),
        ("non-ASCII for-user-id", non_ascii.map(str.encode)),
    ]


def _header_probes(family: str, name: str, variants, base: dict) -> tuple[list[Probe], st.SearchStrategy[Probe]]:
    """One explicit probe per variant (its simplest value) and a strategy over all of them."""

    def build(description: str, value: str | bytes | None, session_id: str) -> Probe:
        headers = {key: v for key, v in base.items() if key.lower() != name.lower()}
        if value is not None:
            headers[name] = value
        return Probe(family, description, session_id, None, headers)

    strategies = [st.tuples(values, well_formed).map(lambda pair, d=description: build(d, *pair))
                  for description, values in variants]
    examples = [find_simplest(strategy) for strategy in strategies]
    return examples, st.one_of(strategies)


def find_simplest(strategy: st.SearchStrategy[Probe]) -> Probe:
    return find(strategy, lambda _: True, settings=settings(database=None, phases=[Phase.generate, Phase.shrink]))


@cache
def auth_probes(credentials: Credentials) -> tuple[list[Probe], st.SearchStrategy[Probe]]:
    """Missing and unusable credentials (401 expected), and valid keys with a twist (no expectation)."""
    return _header_probes("auth", "Authorization", _auth_variants(credentials.api_key), credentials.headers())


@cache
def sub_account_probes(credentials: Credentials) -> tuple[list[Probe], st.SearchStrategy[Probe]]:
    """Valid credentials on an unknown id with odd ``for-user-id`` headers."""
    base = {"Authorization": credentials.headers()["Authorization"]}
    return _header_probes("for-user-id", "for-user-id", _sub_account_variants(), base)
