"""What Xendit's identifiers look like: an API key's prefix (facts §4.1) and a session id's form (facts §1.5). One
place for the suite and the emulator."""

from __future__ import annotations

import re

LIVE_PREFIXES = ("xnd_production_", "xnd_public_production_")  # secret and public live keys
TEST_PREFIX = "xnd_development_"
SESSION_ID = re.compile(r"ps-[0-9a-f]{24}")  # the form of the ids Xendit (and the emulator) give sessions


def is_live(key: str) -> bool:
    """Whether `key` is a live (production) key, secret or public, whatever its letter case."""
    return key.lower().startswith(LIVE_PREFIXES)


def is_test(key: str) -> bool:
    """Whether `key` is a test-mode secret key, whatever its letter case."""
    return key.lower().startswith(TEST_PREFIX)
