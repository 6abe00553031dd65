"""Canary keys, and a brute-force detector of them that shares nothing with the Redactor: it decodes every base64
run at every alignment, in both alphabets, and compares case-insensitively."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote

KEY = "xnd_development_CANARY0a1b2c3d4e5f"
OTHER = "xnd_development_CANARYotherXYZ123"
SECRETS = {KEY: "XENDIT_API_KEY", OTHER: "XENDIT_OTHER_API_KEY"}
_RUN = re.compile(r"[A-Za-z0-9+/_-]+")


def _plain_forms(secret: str) -> set[str]:
    return {secret.lower(), quote(secret, safe="").lower(), quote(secret).lower()}


def _decodings(run: str) -> list[bytes]:
    """``run`` decoded from each of its four alignments, URL-safe characters read as standard ones."""
    standard = run.replace("-", "+").replace("_", "/")
    decoded = []
    for shift in range(4):
        part = standard[shift:]
        part = part[:-1] if len(part) % 4 == 1 else part  # a lone last character encodes no whole byte
        part += "=" * (-len(part) % 4)
        try:
            decoded.append(base64.b64decode(part, validate=True))
        except binascii.Error:
            continue
    return decoded


def occurrences(text: str, secret: str) -> int:
    """Places where ``text`` carries ``secret``: as is in any case, percent-encoded, or in a base64 run."""
    lowered = text.lower()
    count = sum(lowered.count(form) for form in _plain_forms(secret))
    needle = secret.lower()
    shortest = len(needle.encode()) * 4 // 3
    for run in _RUN.finditer(text):
        decoded = _decodings(run.group()) if len(run.group()) >= shortest else []
        if any(needle in data.decode("utf-8", "replace").lower() for data in decoded):
            count += 1
    return count


def leaked(text: str) -> dict[str, int]:
    """{variable name: occurrences} of each canary key that ``text`` carries (empty: clean)."""
    found = {name: occurrences(text, secret) for secret, name in SECRETS.items()}
    return {name: count for name, count in found.items() if count}
