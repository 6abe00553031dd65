"""The suite's own Hypothesis strategies: malformed session ids, odd credentials, odd sub-account headers.

Each strategy draws a Probe whose description says what kind of input it is, so a failure reads as
"27 characters, wrong prefix" rather than as a bare string.
"""

from __future__ import annotations

import base64

from hypothesis import strategies as st

from conformance.generation.probe import Credentials, Probe

HEX = "0123456789abcdef"
hex24 = st.text(HEX, min_size=24, max_size=24)
well_formed = hex24.map("ps-".__add__)
SPECIAL_IDS = [
    ("", None, "empty id"),
    ("/", None, "percent-encoded slash"),
    ("ps-661f87c614802d6c402cd82d/..", None, "encoded slash and dot-dot"),
    ("..", "..", "dot-dot segment"),
    (".", ".", "dot segment"),
    ("..", None, "percent-encoded dot-dot"),
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


def id_probes(credentials: Credentials) -> st.SearchStrategy[Probe]:
    """Unknown and malformed ids, sent with valid credentials: the contract says 404 NOT_FOUND for each."""

    def probe(description: str):
        return lambda session_id: _probe(description, session_id, credentials)

    lengths = st.sampled_from([0, 1, 2, 26, 28, 255, 4096]).flatmap(
        lambda n: hex24.map(lambda body: _fit("ps-", body, n)).map(probe(f"{n} characters")))
    wrong_prefix = st.tuples(st.sampled_from(["pr-", "py-", "pt-", "PS-", "ps_", "ps:", "sp-", "00-"]), hex24)
    non_ascii = st.text(st.characters(min_codepoint=0x80, max_codepoint=0x2FFFF, exclude_categories=["Cs"]),
                        min_size=1, max_size=24)
    control = st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=3)
    whitespace = st.sampled_from([" ", "\t", "\n", "\r\n", "\u00a0", "\u3000"])
    return st.one_of(
        well_formed.map(probe("well-formed unknown id (ps- + 24 hex)")),
        lengths,
        wrong_prefix.map(lambda pair: pair[0] + pair[1]).map(probe("27 characters, wrong prefix")),
        hex24.map(lambda body: "PS-" + body.upper()).map(probe("27 characters, upper case")),
        st.text("ghijklmnopqrstuvwxyzGHIJKLMNOP_", min_size=24, max_size=24).map(
            lambda body: "ps-" + body).map(probe("27 characters, not hex")),
        st.tuples(hex24, non_ascii).map(lambda pair: "ps-" + (pair[1] + pair[0])[:24]).map(
            probe("27 code points, non-ASCII")),
        st.tuples(hex24, whitespace, st.integers(0, 27)).map(
            lambda t: ("ps-" + t[0])[: t[2]] + t[1] + ("ps-" + t[0])[t[2]:]).map(probe("id with whitespace")),
        st.tuples(hex24, control, st.integers(0, 27)).map(
            lambda t: ("ps-" + t[0])[: t[2]] + t[1] + ("ps-" + t[0])[t[2]:]).map(probe("id with control characters")),
        st.sampled_from(SPECIAL_IDS).map(lambda item: _probe(item[2], item[0], credentials, item[1])),
    )


def auth_probes(credentials: Credentials) -> st.SearchStrategy[Probe]:
    """Missing and unusable credentials (401 expected), and valid keys with a twist (no expectation)."""
    key = credentials.api_key

    def with_auth(description: str, value: str | None) -> st.SearchStrategy[Probe]:
        def build(session_id: str) -> Probe:
            headers = {name: v for name, v in credentials.headers().items() if name != "Authorization"}
            if value is not None:
                headers["Authorization"] = value
            return Probe("auth", description, session_id, None, headers)

        return well_formed.map(build)

    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    unknown_keys = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=60).map(
        lambda tail: "xnd_development_" + tail).filter(lambda candidate: candidate != key)
    return st.one_of(
        with_auth("no Authorization header", None),
        with_auth("empty Authorization header", ""),
        with_auth("Basic with empty credentials", "Basic " + b64(":")),
        with_auth("Bearer scheme with the key", "Bearer " + key),
        with_auth("the key without Basic encoding", key),
        with_auth("Basic with malformed base64", "Basic !!not-base64!!"),
        with_auth("the key as password, empty username", "Basic " + b64(":" + key)),
        unknown_keys.flatmap(lambda unknown: with_auth("unknown key", "Basic " + b64(unknown + ":"))),
        st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=20).flatmap(
            lambda password: with_auth("valid key with a password", "Basic " + b64(f"{key}:{password}"))),
        with_auth("lower-case basic scheme", "basic " + b64(key + ":")),
    )


def sub_account_probes(credentials: Credentials) -> st.SearchStrategy[Probe]:
    """Valid credentials on an unknown id with odd ``for-user-id`` headers."""

    def with_header(description: str, value: str | bytes | None) -> st.SearchStrategy[Probe]:
        def build(session_id: str) -> Probe:
            headers = {"Authorization": credentials.headers()["Authorization"]}
            if value is not None:
                headers["for-user-id"] = value
            return Probe("for-user-id", description, session_id, None, headers)

        return well_formed.map(build)

    printable = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40)
    return st.one_of(
        with_header("no for-user-id", None),
        with_header("empty for-user-id", ""),
        printable.flatmap(lambda value: with_header("unknown sub-account", value)),
        st.integers(1000, 6000).flatmap(lambda n: with_header(f"for-user-id of {n} characters", "a" * n)),
        st.text(st.characters(min_codepoint=0x80, max_codepoint=0xFFFF, exclude_categories=["Cs"]), min_size=1,
                max_size=20).flatmap(lambda value: with_header("non-ASCII for-user-id", value.encode())),
    )
