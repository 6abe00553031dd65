"""How an emulator is set up: address, storage, accepted API keys, expiry floor, extensions, logging.

API keys map to businesses (24 lowercase hex ids, like Xendit's ``business_id``). A key given without a business
gets one derived from the key itself, so the same key owns the same sessions after a restart on the same database.
The emulator is test mode only: a key starting ``xnd_production_`` is refused.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

PRODUCTION_PREFIX = "xnd_production_"
BUSINESS_ID = re.compile(r"[0-9a-f]{24}")
DEFAULT_MIN_EXPIRY_SECONDS = 600.0

DEFAULT_KEYS: Mapping[str, str] = MappingProxyType({
    "xnd_development_conformance_business_a": "5f9a3c2e1b7d4a6c8e0f1a2b",
    "xnd_development_conformance_business_b": "6a0b4d3f2c8e5b7d9f1a2b3c",
})


class ConfigError(ValueError):
    """A configuration the emulator refuses to start with."""


def business_for(key: str) -> str:
    """The business id a key owns when none is given: stable, derived from the key."""
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def parse_api_key(text: str) -> tuple[str, str]:
    """``KEY`` or ``KEY=BUSINESS_ID`` → (key, business id)."""
    key, sep, business = text.partition("=")
    return key, business if sep else business_for(key)


def _check_keys(api_keys: Mapping[str, str]) -> None:
    if not api_keys:
        raise ConfigError("at least one API key is needed")
    for key, business in api_keys.items():
        if not key or ":" in key or not key.isprintable() or key != key.strip():
            raise ConfigError(f"API key {key!r} cannot be sent as an HTTP Basic username")
        if key.startswith(PRODUCTION_PREFIX):
            raise ConfigError(f"refusing a live key ({PRODUCTION_PREFIX}…): the emulator is test mode only")
        if not BUSINESS_ID.fullmatch(business):
            raise ConfigError(f"business id {business!r} is not 24 lowercase hex characters")


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything an emulator needs; ``port=0`` picks a free port, ``db_path=None`` keeps sessions in memory."""

    host: str = "127.0.0.1"
    port: int = 0
    db_path: str | None = None
    api_keys: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_KEYS))
    min_expiry_seconds: float = DEFAULT_MIN_EXPIRY_SECONDS
    test_control: bool = True
    log_requests: bool = False

    def __post_init__(self) -> None:
        _check_keys(self.api_keys)
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port {self.port} is out of range")
        if self.min_expiry_seconds < 1:
            raise ConfigError("min_expiry_seconds must be at least 1")
        object.__setattr__(self, "api_keys", MappingProxyType(dict(self.api_keys)))
