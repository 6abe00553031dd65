"""The reference emulator: a real, stateful, test-mode stand-in for Xendit's Payment Sessions API.

It serves ``POST /sessions``, ``GET /sessions/{id}`` and ``POST /sessions/{id}/cancel`` exactly as the repaired
vendor documents in ``spec/`` describe them, keeps sessions in SQLite, and adds a documented test-control extension
and a hosted checkout page. Use it in-process::

    with running(EmulatorConfig(api_keys=DEFAULT_KEYS, min_expiry_seconds=1)) as base_url:
        ...

or from the command line: ``conformance emulator --port 8080 --db sessions.db``.

Modules: ``config`` (settings, keys), ``formats`` (ids, timestamps), ``store`` (SQLite, atomic transitions, derived
expiry), ``create`` (request validation and business rules), ``view`` (response bodies), ``errors`` (the error
envelope), ``app`` (routes, auth, ownership), ``protocol`` (the HTTP layer: bounds, JSON refusals), ``sandbox``
(the sandbox mode's layers: rate limit, latency, link origin, gzip, charset), ``server`` (uvicorn), ``command`` (the
CLI). Each states the choices it makes where Xendit's documentation is silent. See
README.md beside this file for why Starlette on uvicorn.
"""

from conformance.emulator.config import DEFAULT_KEYS, ConfigError, EmulatorConfig, Sandbox
from conformance.emulator.server import running

__all__ = ["DEFAULT_KEYS", "ConfigError", "EmulatorConfig", "Sandbox", "running"]
