"""How an emulator is set up: address, storage, accepted API keys, expiry floor, extensions, bounds, logging, and
the sandbox mode (``Sandbox``: what Xendit's hosted test mode does to a client, see ``sandbox``).

API keys map to businesses (24 lowercase hex ids, like Xendit's ``business_id``). A key given without a business
gets one derived from the key itself, so the same key owns the same sessions after a restart on the same database.
The emulator is test mode only: a live key (``xnd_production_…`` or ``xnd_public_production_…``, in any letter case)
is refused. Keys are never printed in full: :func:`masked` shows the prefix and the last four characters.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import urlsplit

from conformance.identifiers import LIVE_PREFIXES, is_live  # noqa: F401 - the emulator's refusal of live keys

KEY_PREFIX = re.compile(r"(?i)xnd_(?:public_)?[a-z]+_")
BUSINESS_ID = re.compile(r"[0-9a-f]{24}")
HOST_NAME = rb"(?:[A-Za-z0-9._-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])"
HOST = re.compile(HOST_NAME + rb"(?::[0-9]{1,5})?")
LINK_HOST = re.compile(HOST_NAME)
DEFAULT_MIN_EXPIRY_SECONDS = 600.0

DEFAULT_KEYS: Mapping[str, str] = MappingProxyType({
    "xnd_development_conformance_business_a": "5f9a3c2e1b7d4a6c8e0f1a2b",
    "xnd_development_conformance_business_b": "6a0b4d3f2c8e5b7d9f1a2b3c",
})


class ConfigError(ValueError):
    """A configuration the emulator refuses to start with."""


def masked(key: str) -> str:
    """`key` fit to print: its ``xnd_<mode>_`` prefix (if any) and its last four characters, if that hides at least
    eight."""
    prefix = match.group() if (match := KEY_PREFIX.match(key)) else ""
    secret = key[len(prefix):]
    return f"{prefix}…{secret[-4:]}" if len(secret) >= 12 else f"{prefix}…"


def business_for(key: str) -> str:
    """The business id a key owns when none is given: stable, derived from the key."""
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def parse_api_key(text: str) -> tuple[str, str]:
    """``KEY`` or ``KEY=BUSINESS_ID`` → (key, business id)."""
    key, sep, business = text.strip().partition("=")
    return key, business if sep else business_for(key)


def keys_file_lines(lines: Iterable[str]) -> list[str]:
    """The ``KEY[=BUSINESS_ID]`` entries of a keys file: one a line; blank lines and ``#`` comments skipped."""
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _check_keys(api_keys: Mapping[str, str]) -> None:
    if not api_keys:
        raise ConfigError("at least one API key is needed")
    for key, business in api_keys.items():
        if not key or ":" in key or not key.isprintable() or not key.isascii() or key != key.strip():
            raise ConfigError(f"API key {masked(key)!r} cannot be sent as an HTTP Basic username")
        if is_live(key):
            raise ConfigError(f"refusing a live key ({masked(key)}): the emulator is test mode only")
        if not BUSINESS_ID.fullmatch(business):
            raise ConfigError(f"business id {business!r} is not 24 lowercase hex characters")


def valid_host(value: bytes) -> bool:
    """Whether a Host header value is ``host[:port]``: a DNS-style name or IPv4 address, or an IPv6 literal in
    brackets, and up to five port digits. Only such a value may go into a link."""
    return HOST.fullmatch(value) is not None


def _public_url(url: str | None) -> str | None:
    """`url` without a trailing slash, if it can prefix the emulator's links: http(s), host[:port], maybe a path."""
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and valid_host(parts.netloc.encode()) and not (
            parts.query or parts.fragment or set(parts.path) & set('"<>\\ %'))
    except (ValueError, UnicodeEncodeError):
        usable = False
    if not usable:
        raise ConfigError(f"public URL {url!r} is not http(s)://host[:port][/path]")
    return url.rstrip("/")


def _bound(default: float, help: str) -> float:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Limits:
    """Bounds on what one client can hold (see ``protocol``); each is a command-line option of the same name."""

    header_timeout: float = _bound(10.0, "Seconds from a partial request head to its end; then 408.")
    body_timeout: float = _bound(10.0, "Seconds from the end of the headers to the end of the body; then 408.")
    keep_alive_timeout: float = _bound(5.0, "Seconds an idle connection (new, or between requests) stays open.")
    max_connections: int = _bound(512, "Open connections; one more is answered 429 and closed.")
    max_header_bytes: int = _bound(16 * 1024, "Bytes of request line and headers; more is 414 or 431.")
    max_headers: int = _bound(100, "Header fields per request; more is 431.")
    max_body_bytes: int = _bound(1024 * 1024, "Bytes of request body, declared or sent; more is 413.")
    max_items: int = _bound(100, "Entries of a create request's items; more is 400 API_VALIDATION_ERROR.")

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not value > 0:
                raise ConfigError(f"{name.replace('_', '-')} must be positive")


@dataclass(frozen=True)
class Sandbox:
    """Xendit's hosted test mode as a client meets it (``sandbox``): a sliding-window rate limit of `rate_limit`
    requests per `window_seconds` per account and endpoint, a random `latency` (min, max seconds) on every response,
    checkout links on another host name (`link_host`; None: ``localhost`` for ``127.0.0.1``, ``127.0.0.1`` for
    ``localhost``, ``localhost`` for any other), gzip when the client allows it, ``charset=utf-8`` on JSON."""

    rate_limit: int = 60
    window_seconds: float = 60.0
    latency: tuple[float, float] = (0.15, 0.4)
    link_host: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.rate_limit, bool) or not isinstance(self.rate_limit, int) or self.rate_limit < 1:
            raise ConfigError(f"sandbox rate limit {self.rate_limit!r} must be a whole number of requests, at least 1")
        if not 0 < self.window_seconds < math.inf:
            raise ConfigError(f"sandbox window {self.window_seconds!r} must be a positive number of seconds")
        latency = tuple(self.latency)
        if len(latency) != 2 or not 0 <= latency[0] <= latency[1] < math.inf:
            raise ConfigError(f"sandbox latency {self.latency!r} must be (min, max) seconds, 0 <= min <= max")
        if self.link_host is not None and not (self.link_host.isascii() and LINK_HOST.fullmatch(
                self.link_host.encode())):
            raise ConfigError(f"sandbox link host {self.link_host!r} is not a host name, IPv4 or [IPv6] address")


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything an emulator needs; ``port=0`` picks a free port, ``db_path=None`` keeps sessions in memory,
    ``public_url`` (e.g. ``https://emulator.example:8443``) replaces the request's own origin in links, ``sandbox``
    turns on the sandbox mode."""

    host: str = "127.0.0.1"
    port: int = 0
    db_path: str | None = None
    api_keys: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_KEYS))
    min_expiry_seconds: float = DEFAULT_MIN_EXPIRY_SECONDS
    test_control: bool = True
    log_requests: bool = False
    public_url: str | None = None
    limits: Limits = field(default_factory=Limits)
    sandbox: Sandbox | None = None

    def __post_init__(self) -> None:
        _check_keys(self.api_keys)
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port {self.port} is out of range")
        if self.min_expiry_seconds < 1:
            raise ConfigError("min_expiry_seconds must be at least 1")
        object.__setattr__(self, "api_keys", MappingProxyType(dict(self.api_keys)))
        object.__setattr__(self, "public_url", _public_url(self.public_url))
