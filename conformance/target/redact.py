"""Keep secrets out of every output: API keys become ``$XENDIT_API_KEY``-style variables.

A key is found in every form an output could carry it: as is, in any letter case, percent-encoded, and inside any
base64 (standard or URL-safe alphabet, padded or not) of bytes that contain it at any offset (``key:``, ``:key``,
``user:key:x``...). For each of the three byte alignments the key can take in base64, the characters that the key
alone determines (the "core") are the same whatever bytes surround it; a run of base64 characters containing a core
is replaced whole.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote

from conformance.target.shell import Expansion, printf_bytes, word

MASKED_FIELDS = ("email", "mobile_number", "given_names", "surname", "phone_number")
_MASK = re.compile(r'("(?:' + "|".join(MASKED_FIELDS) + r')"\s*:\s*")[^"]*(")')
_RUN_TAIL = re.compile(r"[A-Za-z0-9+/_-]*=*")  # the rest of a run of base64 characters, padding included
_BEFORE_RUN = re.compile(r"(?s:.*)[^A-Za-z0-9+/_-]")  # everything up to the last character outside the alphabet
_BASIC = re.compile(r"(basic +)(\S*)([ \t]*)", re.IGNORECASE)  # scheme, token, whitespace after it (RFC 9110 §5.5)
CORE_MIN = 4  # shorter base64 fragments would match ordinary text everywhere
CREDENTIAL_FIELDS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _lower(value: str) -> str:
    """``value`` in lower case, character for character (where full lower-casing would change the length, as
    for "İ", only ASCII letters are lowered)."""
    lowered = value.lower()
    return lowered if len(lowered) == len(value) else value.translate(_ASCII_LOWER)


def _cores(secret: str) -> set[str]:
    """The base64 characters determined by ``secret`` alone, at each alignment, in both alphabets and in the
    secret's lower- and upper-case forms (none shorter than CORE_MIN: a key that short is found only as text)."""
    cores = set()
    for form in {secret, secret.lower(), secret.upper()}:
        raw = form.encode("utf-8", "surrogateescape")
        for pad in range(3):
            encoded = base64.b64encode(bytes(pad) + raw).decode()
            core = encoded[(8 * pad + 5) // 6:(8 * (pad + len(raw))) // 6]
            if len(core) >= CORE_MIN:
                cores |= {core, core.replace("+", "-").replace("/", "_")}
    return cores


def _pattern(texts) -> re.Pattern | None:
    """A pattern matching any of ``texts`` (the longest first), or None when there is none."""
    ordered = sorted(texts, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


class Redactor:
    """Replaces each secret, in every derived form, with the name of the environment variable that holds it."""

    def __init__(self, secrets: dict[str, str]):
        self.secrets = {value: name for value, name in secrets.items() if value}
        self._plain: dict[str, tuple[str, str, str]] = {}  # lower-case form → (form as sent, name, marker)
        self._cores: dict[str, str] = {}  # base64 core → marker
        self._expansions: dict[str, str] = {}  # a secret as is, in lower case, in upper case → its shell expansion
        for secret, name in self.secrets.items():
            for form, marker in [(quote(secret, safe=""), f"<url-encoded ${name}>"),
                                 (quote(secret), f"<url-encoded ${name}>"), (secret, f"${name}")]:
                self._plain[_lower(form)] = (form, name, marker)
            self._cores.update(dict.fromkeys(_cores(secret), f"<base64 containing ${name}>"))
            self._expansions.update({secret.lower(): f"${{{name},,}}", secret.upper(): f"${{{name}^^}}",
                                     secret: f"${name}"})
        self._reach = max(map(len, [*self._plain, *self._cores]), default=0)  # the longest form a key can take
        self._raw = _pattern(self._plain)  # searched in lower-cased text
        self._encoded = _pattern(self._cores)
        self._verbatim = _pattern(self._expansions)

    def leaks(self, value: str) -> int:
        """How many places of ``value`` carry a secret in some form (0: safe to write)."""
        return len(self._spans(value))

    def scrub(self, value: str) -> str:
        """``value`` with every form of every secret replaced: the last step before any text leaves the suite."""
        spans = self._spans(value)
        if not spans:
            return value
        out, at = [], 0
        for start, end, marker in spans:
            out += [value[at:start], marker]
            at = end
        out.append(value[at:])
        return "".join(out)

    def text(self, value: str) -> str:
        """``value`` scrubbed, with customer details (email, phone, names) in JSON masked too."""
        return _MASK.sub(r"\1***\2", self.scrub(value))

    def clip(self, data: bytes, limit: int) -> str:
        """The first ``limit`` characters of ``data`` as text, redacted as if whole: a key the limit cuts through
        leaves no prefix behind."""
        return self.text(data[:limit + self._reach].decode("utf-8", "backslashreplace"))[:limit]

    def _spans(self, value: str) -> list[tuple[int, int, str]]:
        """Sorted, non-overlapping (start, end, marker) of every secret in ``value``."""
        found = []
        if self._raw is not None:
            for match in self._raw.finditer(_lower(value)):
                form, name, marker = self._plain[match.group()]
                exact = value[match.start():match.end()] == form
                found.append((match.start(), match.end(), marker if exact else f"<${name} in another letter case>"))
        if self._encoded is not None:
            found += [(*_run_around(value, match.start(), match.end()), self._cores[match.group()])
                      for match in self._encoded.finditer(value)]
        return _merged(found)

    def header(self, name: str, value: str | bytes) -> str:
        """A header value for display: Basic credentials that contain a secret are shown decoded, scrubbed
        (``Basic base64(:$XENDIT_API_KEY)``), a form ``conformance replay`` turns back into the header."""
        text = value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value
        credentials = self._secret_credentials(name, text)
        if credentials is None:
            return self.text(text)
        scheme, decoded, tail = credentials
        return f"{scheme}base64({self.text(decoded.decode('utf-8', 'backslashreplace'))}){tail}"

    def conceal(self, name: str, value: str) -> str:
        """A header value that may carry a credential this redactor does not know (a cookie, a token of any scheme,
        a key with a password), reduced to its shape: the scheme, each cookie's name. Basic credentials that are
        exactly one of its secrets as documented (``key:``) are kept: every output names them."""
        lowered = name.lower()
        if lowered not in CREDENTIAL_FIELDS:
            return value
        if lowered == "cookie":
            return "; ".join(f"{part.split('=', 1)[0].strip()}=<redacted>" for part in value.split(";"))
        if lowered == "set-cookie":
            first, _, attributes = value.partition(";")
            return f"{first.split('=', 1)[0].strip()}=<redacted>" + (f";{attributes}" if attributes else "")
        credentials = _basic_credentials(value)
        if credentials is not None and any(credentials[1] == f"{secret}:".encode() for secret in self.secrets):
            return value
        scheme = value.strip().split(" ", 1)[0] if " " in value.strip() else ""
        return f"{scheme} <redacted>".lstrip()

    def curl(self, method: str, url: str, headers: dict[str, str | bytes], body: bytes | None,
             version: str = "HTTP/1.1") -> str:
        """A curl line that sends the same bytes when pasted into bash; each key is read from its environment
        variable (Basic credentials are encoded by the shell), never printed."""
        parts = ["curl", "-sS", "-g", "--path-as-is", *(["--http1.0"] if version == "HTTP/1.0" else []), "-X",
                 word([method]), word(self._parts(url))]
        for name, value in headers.items():
            parts += self._curl_header(name, value)
        if body:
            if b"\0" in body:  # no bash word holds a NUL byte: let printf write the body
                parts += ["--data-binary", f"@<({printf_bytes(body)})"]
            else:
                parts += ["--data-binary", word(self._parts(body))]
            if not any(name.lower() == "content-type" for name in headers):
                parts += ["-H", word(["Content-Type:"])]  # curl would add one the suite did not send
        return self.scrub(" ".join(parts))

    def _curl_header(self, name: str, value: str | bytes) -> list[str]:
        text = value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value
        if not text:
            return ["-H", word([name, ";"])]  # `Name:` with nothing after it would remove the header
        credentials = self._secret_credentials(name, text)
        if credentials is None:
            return ["-H", word([name, ": ", *self._parts(text)])]
        scheme, decoded, tail = credentials
        for secret, variable in self.secrets.items():
            if (name, scheme, tail) == ("Authorization", "Basic ", "") and decoded == f"{secret}:".encode():
                return ["-u", word([Expansion(f"${variable}"), ":"])]
        encode = Expansion(f"$(printf '%s' {word(self._parts(decoded))} | base64 | tr -d '\\n')")
        return ["-H", word([name, ": ", scheme, encode, tail])]

    def _secret_credentials(self, name: str, value: str) -> tuple[str, bytes, str] | None:
        """The scheme, decoded credentials and trailing whitespace of a Basic ``Authorization`` value that carries a
        secret, or None."""
        credentials = _basic_credentials(value) if name.lower() == "authorization" else None
        if credentials is None or not self.leaks(credentials[1].decode("utf-8", "surrogateescape")):
            return None
        return credentials

    def _parts(self, value: str | bytes) -> list[str | bytes]:
        """``value`` split into literal parts and the shell expansions of the secrets it contains verbatim
        (or in lower or upper case: ``${XENDIT_API_KEY,,}``, ``${XENDIT_API_KEY^^}``)."""
        text = value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value
        if self._verbatim is None:
            return [text]
        parts, at = [], 0
        for match in self._verbatim.finditer(text):
            parts += [text[at:match.start()], Expansion(self._expansions[match.group()])]
            at = match.end()
        return [*parts, text[at:]]


def _run_around(value: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the run of base64 characters (and its padding) that holds ``value[start:end]``."""
    run_tail = _RUN_TAIL.match(value, end)  # always a match (the empty string, at least)
    tail = run_tail.end() if run_tail else end
    while start > 0:
        window = max(0, start - 512)
        before = _BEFORE_RUN.match(value, window, start)
        if before:
            return before.end(), tail
        start = window
    return 0, tail


def _merged(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping spans joined; a joined span keeps the marker of its widest member."""
    merged: list[tuple[int, int, str]] = []
    for start, end, marker in sorted(spans, key=lambda span: (span[0], -span[1])):
        if merged and start < merged[-1][1]:
            first, last, kept = merged[-1]
            merged[-1] = (first, max(last, end), kept if last - first >= end - start else marker)
        else:
            merged.append((start, end, marker))
    return merged


def _basic_credentials(value: str) -> tuple[str, bytes, str] | None:
    """The scheme as written, the decoded ``user:password`` bytes and the whitespace after them of a Basic
    Authorization value, or None."""
    match = _BASIC.fullmatch(value)
    if match is None:
        return None
    try:
        return match.group(1), base64.b64decode(match.group(2), validate=True), match.group(3)
    except binascii.Error:
        return None
