"""Bash words that run as pasted: literal text double-quoted, anything bash could reinterpret ANSI-C quoted.

A word is built from parts: ``str`` or ``bytes`` (literal: the same bytes reach the program) and :class:`Expansion`
(shell syntax such as ``$XENDIT_API_KEY`` or ``$(...)``, expanded by bash inside double quotes). ``!`` never appears
literally (interactive bash would history-expand it, even inside double quotes), nor does any control, invalid
UTF-8 or non-printable character: those go as ``$'\\xNN'`` escapes, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable

_DOUBLE_QUOTED_ESCAPES = {"\\": "\\\\", '"': '\\"', "$": "\\$", "`": "\\`"}
_DOUBLE_QUOTED_TABLE = str.maketrans(_DOUBLE_QUOTED_ESCAPES)


class Expansion(str):
    """Shell syntax kept as is inside double quotes (a variable, a command substitution)."""


def word(parts: Iterable[str | bytes]) -> str:
    """One bash word that expands to the concatenation of ``parts``."""
    segments: list[tuple[str, str]] = []  # (quoting, text): '"' double quotes, "$" ANSI-C
    for part in parts:
        if isinstance(part, Expansion):
            segments.append(('"', part))
            continue
        text = part.decode("utf-8", "surrogateescape") if isinstance(part, bytes) else part
        if text.isascii() and text.isprintable() and "!" not in text:  # the common case, at once
            segments.append(('"', text.translate(_DOUBLE_QUOTED_TABLE)))
            continue
        for char in text:
            if char.isprintable() and char != "!":
                segments.append(('"', _DOUBLE_QUOTED_ESCAPES.get(char, char)))
            else:
                data = char.encode("utf-8", "surrogateescape")
                segments.append(("$", "".join(f"\\x{byte:02x}" for byte in data)))
    return _join(segments) or '""'


def _join(segments: list[tuple[str, str]]) -> str:
    out, quoting = [], None
    for kind, text in segments:
        if kind != quoting:
            out.append(_close(quoting) + ('"' if kind == '"' else "$'"))
            quoting = kind
        out.append(text)
    out.append(_close(quoting))
    return "".join(out)


def _close(quoting: str | None) -> str:
    return {None: "", '"': '"', "$": "'"}[quoting]


def printf_bytes(data: bytes) -> str:
    """``printf`` of arbitrary bytes (NUL included, which no bash word can hold), for ``@<(...)`` arguments."""
    escaped = "".join(chr(byte) if 0x20 <= byte < 0x7F and byte not in b"\\'%!" else f"\\{byte:03o}"
                      for byte in data)
    return f"printf '{escaped}'"
