"""What the state machine varies in a request: the session id (every normalisation a server might apply to it), the
credentials and the ``for-user-id`` header.

An id variant is a pair (description, the id as the path carries it after decoding) plus, for percent-encoding,
the wire form: all are *unknown* ids, which must not act on the real session.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.generation.probe import segment
from conformance.identifiers import TEST_PREFIX
from conformance.target.identity import basic

OTHER_SUB_ACCOUNT = "5f0c0nf0rmance0ther000000"
SECOND_SUB_ACCOUNT = "5f0c0nf0rmance5ec0nd0000"
WATCH_SUB_ACCOUNT = "5f0c0nf0rmancewatch00000"  # the watch's sessions: no side effect on them reaches the exploration's


@dataclass(frozen=True)
class IdVariant:
    description: str
    session_id: str  # what a server decodes from the path
    wire: str  # the path segment as sent

    @property
    def path(self) -> str:
        return f"/sessions/{self.wire}/cancel"


def _plain(description: str, variant: str) -> IdVariant:
    return IdVariant(description, variant, segment(variant))


def _fullwidth(text: str) -> str:
    """Each ASCII letter, digit and '-' as its fullwidth form (NFKC maps them back)."""
    return "".join(chr(ord(char) + 0xFEE0) if char.isalnum() or char == "-" else char for char in text)


def _other(char: str) -> str:
    """Another character of the same class: a digit for a digit, a letter for a letter, '_' for '-'."""
    if char.isdigit():
        return str((int(char) + 1) % 10)
    if char.isalpha():
        return "a" if char.lower() != "a" else "b"
    return "_"


def _letter(session_id: str, at: int) -> int:
    """The first letter from `at` on, else the last one before it: a change of case then always changes the id
    (random hex may have no letter there), so that a seed sends the same variants whatever the ids."""
    after = [i for i in range(at, len(session_id)) if session_id[i].isalpha()]
    before = [i for i in range(min(at, len(session_id))) if session_id[i].isalpha()]
    return (after or before[-1:] or [at])[0]


def id_variant(session_id: str, kind: str, at: int, extra: str) -> IdVariant:
    """The `kind` variant of `session_id`; `at` picks a position, `extra` a character where the kind needs one."""
    head, tail = session_id[:at], session_id[at:]
    if kind == "upper":
        return _plain("the id in upper case", session_id.upper())
    if kind == "upper-part":
        letter = _letter(session_id, at)
        return _plain(f"the id with characters {at}.. in upper case", session_id[:letter] + session_id[letter:].upper())
    if kind == "title":
        return _plain("the id with its prefix in upper case", session_id[:2].upper() + session_id[2:])
    if kind == "whitespace-around":
        return _plain(f"the id with {extra!r} before and after", extra + session_id + extra)
    if kind == "whitespace-inside":
        return _plain(f"the id with {extra!r} at {at}", head + extra + tail)
    if kind == "truncated-special":
        return _plain(f"the id, then {extra!r} and more", session_id + extra + "x1")
    if kind == "truncated":
        return _plain(f"the id cut to {at} characters", head)
    if kind == "appended":
        return _plain(f"the id, then {extra!r}", session_id + extra)
    if kind == "replaced":
        return _plain(f"the id with character {at} replaced", head + _other(tail[:1]) + tail[1:])
    if kind == "case-one":
        letter = _letter(session_id, at)
        return _plain(f"the id with the case of its first letter from character {at} on changed",
                      session_id[:letter] + session_id[letter:letter + 1].swapcase() + session_id[letter + 1:])
    if kind == "encoded-once":
        return IdVariant("the id with '-' percent-encoded once", session_id, session_id.replace("-", "%2D", 1))
    if kind == "encoded-twice":
        return _plain("the id with '-' percent-encoded (decoded twice it is the id)",
                      session_id.replace("-", "%2D", 1))
    if kind == "encoded-all":
        return _plain("the id with every character percent-encoded (decoded twice it is the id)",
                      "".join(f"%{byte:02X}" for byte in session_id.encode()))
    if kind == "fullwidth":
        return _plain("the id in fullwidth Unicode (NFKC: the id)", _fullwidth(session_id))
    if kind == "compatibility-part":
        return _plain(f"the id with character {at} in a compatibility form", head + _fullwidth(tail[:1]) + tail[1:])
    if kind == "long-s":
        return _plain("the id with 's' as U+017F (NFKC and casefold: 's')", session_id.replace("s", "\u017f", 1))
    if kind == "prefixed":
        return _plain(f"the id with the prefix {extra!r}", extra + session_id)
    if kind == "extended":
        return _plain(f"the id with the extension {extra!r}", session_id + extra)
    raise ValueError(kind)


EXTRAS = {
    "whitespace-around": [" ", "\t", "\n", "\x00", "\u200b"], "whitespace-inside": ["\t", "\x00", "\u00a0", " "],
    "truncated-special": [";", "@", "'", "+", "\x00", "\n"], "prefixed": ["x", "ps-", " "], "extended": [".json", "0"],
    "appended": ["\n", "\x00", " ", "\t", "/", ".", "%00"],
}
PLAIN_KINDS = ["upper", "upper-part", "title", "encoded-twice", "encoded-all", "fullwidth", "compatibility-part",
               "long-s"]
POSITIONS = {"truncated": [19, 26], "replaced": [0, 19, 26], "case-one": [1, 19, 26]}  # prefix, inside, the last
ID_VARIANTS = [(kind, 19, "") for kind in PLAIN_KINDS]  # (kind, position, extra)
ID_VARIANTS += [(kind, at, "") for kind, positions in POSITIONS.items() for at in positions]
ID_VARIANTS += [(kind, 19, extra) for kind, extras in EXTRAS.items() for extra in extras]


# --- credentials --------------------------------------------------------------------------------------------------

KEY_KINDS = ["key", "other-key", "no-key", "unknown-key", "key-upper", "key-spaces", "key-password", "bearer"]
SUB_KINDS = ["none", "owner", "another", "other-business"]


def request_headers(kind: str, sub: str, *, key: str, other_key: str | None) -> dict[str, str | bytes]:
    """The headers of a request with the credentials of `kind`: `key` is the session owner's key, `other_key` the
    other business's; `sub` is the for-user-id value ("" for none). Who they claim to be is for
    ``identity.classify`` to say, as for every request."""
    authorization = {"key": basic(key), "other-key": basic(other_key or key), "no-key": None,
                     "unknown-key": basic(TEST_PREFIX + "not_a_real_key"),
                     "key-upper": basic(key.upper() if key.upper() != key else key.lower()),
                     "key-spaces": basic(f" {key} "), "key-password": basic(key, "secret"),
                     "bearer": f"Bearer {key}"}[kind]
    headers: dict[str, str | bytes] = {"Authorization": authorization} if authorization else {}
    if sub:
        headers["for-user-id"] = sub
    return headers
