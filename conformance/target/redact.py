"""Keep secrets out of every output: API keys become ``$XENDIT_API_KEY``-style variables."""

from __future__ import annotations

import base64
import re
import shlex

MASKED_FIELDS = ("email", "mobile_number", "given_names", "surname", "phone_number")
_MASK = re.compile(r'("(?:' + "|".join(MASKED_FIELDS) + r')"\s*:\s*")[^"]*(")')


class Redactor:
    """Replaces each secret (and its Basic-auth encodings) with the name of an environment variable."""

    def __init__(self, secrets: dict[str, str]):
        self.secrets = {value: name for value, name in secrets.items() if value}

    def text(self, value: str) -> str:
        for secret, name in sorted(self.secrets.items(), key=lambda item: -len(item[0])):
            value = value.replace(secret, f"${name}")
            for encoded in _encodings(secret):
                value = value.replace(encoded, f"<base64 of ${name}>")
        return _MASK.sub(r"\1***\2", value)

    def header(self, name: str, value: str | bytes) -> str:
        """A header value for display: Basic credentials are shown decoded, with secrets replaced."""
        text = value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value
        decoded = _basic_credentials(text) if name.lower() == "authorization" else None
        if decoded is not None and self.text(decoded) != decoded:
            return f"Basic base64({self.text(decoded)})"
        return self.text(text)

    def curl(self, method: str, url: str, headers: dict[str, str | bytes], body: bytes | None) -> str:
        """A copy-pasteable curl line; the key is read from the environment, never printed."""
        parts = ["curl", "-sS", "-X", method, "--path-as-is", shlex.quote(url)]
        for name, value in headers.items():
            text = value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value
            parts += self._curl_header(name, text)
        if body:
            parts += ["--data-binary", shlex.quote(self.text(body.decode("utf-8", "backslashreplace")))]
        return " ".join(parts)

    def _curl_header(self, name: str, value: str) -> list[str]:
        decoded = _basic_credentials(value) if name.lower() == "authorization" else None
        for secret, variable in self.secrets.items():
            if decoded is None or not decoded.startswith(secret):
                continue
            rest = decoded[len(secret):]
            if rest == ":":
                return ["-u", f'"${variable}:"']
            return ["-H", f'"{name}: Basic $(printf %s "${variable}"{shlex.quote(rest)} | base64 -w0)"']
        return ["-H", shlex.quote(f"{name}: {self.text(value)}")]


def _encodings(secret: str) -> list[str]:
    raw = secret.encode("utf-8", "surrogateescape")
    return [base64.b64encode(raw + b":").decode(), base64.b64encode(raw).decode()]


def _basic_credentials(value: str) -> str | None:
    """The decoded ``user:password`` of a Basic Authorization value, or None."""
    if not value.startswith("Basic "):
        return None
    try:
        return base64.b64decode(value[6:], validate=True).decode("utf-8")
    except ValueError:
        return None
