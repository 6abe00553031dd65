"""What a Xendit API key's prefix says about it (facts §4.1): one place for the suite and the emulator."""

from __future__ import annotations

LIVE_PREFIXES = ("xnd_production_", "xnd_public_production_")  # secret and public live keys
TEST_PREFIX = "xnd_development_"


def is_live(key: str) -> bool:
    """Whether `key` is a live (production) key, secret or public, whatever its letter case."""
    return key.lower().startswith(LIVE_PREFIXES)


def is_test(key: str) -> bool:
    """Whether `key` is a test-mode secret key, whatever its letter case."""
    return key.lower().startswith(TEST_PREFIX)
