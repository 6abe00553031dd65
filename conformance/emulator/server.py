"""Running the emulator on uvicorn: in a background thread (``running``) or in the foreground (``serve``).

The listening socket is bound before uvicorn starts, so port 0 resolves to a real port at once and a port in use is
an ``OSError`` in the caller, not a failure inside the server thread. uvicorn's access log is off (the app logs its
own line per request) and uvicorn leaves the process's logging configuration alone. The HTTP layer is uvicorn's
httptools protocol with the emulator's bounds (``protocol.GuardedProtocol``); WebSocket upgrades are not served.
"""

from __future__ import annotations

import resource
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager

import uvicorn

from conformance.emulator.app import Api
from conformance.emulator.config import ConfigError, EmulatorConfig
from conformance.emulator.create import schemas
from conformance.emulator.protocol import GuardedProtocol
from conformance.emulator.store import Store

START_TIMEOUT_SECONDS = 10.0
SPARE_DESCRIPTORS = 64  # the listening socket, the database and its WAL, the interpreter's own files


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def ensure_descriptors(max_connections: int) -> None:
    """Raise the soft limit on open files to fit `max_connections`, if the hard limit allows; else ConfigError (so
    the cap, not a failing ``accept()``, is what turns connections away)."""
    needed = max_connections + SPARE_DESCRIPTORS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    except (ValueError, OSError):
        raise ConfigError(f"max-connections {max_connections} needs {needed} open files; the limit is {hard}") from None


def _server(config: EmulatorConfig, store: Store, api: type[Api]) -> uvicorn.Server:
    ensure_descriptors(config.limits.max_connections)
    schemas()  # load the spec before the first request, not during it
    emulator = api(config, store)
    return uvicorn.Server(uvicorn.Config(
        emulator.asgi(), http=GuardedProtocol.bounded(config.limits, emulator.wire), ws="none", lifespan="off",
        access_log=False, log_config=None, log_level=None, timeout_graceful_shutdown=2, server_header=False,
        proxy_headers=False,
    ))


@contextmanager
def running(config: EmulatorConfig | None = None, api: type[Api] = Api) -> Iterator[str]:
    """Run an emulator in a background thread for the duration of a ``with`` block; yields its base URL."""
    config = config or EmulatorConfig()
    with closing(Store(config.db_path)) as store, closing(bind(config.host, config.port)) as sock:
        server = _server(config, store, api)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="conformance-emulator")
        thread.start()
        try:
            _wait(lambda: server.started, thread)
            yield base_url(sock)
        finally:
            server.should_exit = True
            thread.join()


def _wait(ready: Callable[[], bool], thread: threading.Thread) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not ready():
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the emulator did not start")
        time.sleep(0.002)


def serve(config: EmulatorConfig, on_ready: Callable[[str], None], api: type[Api] = Api) -> None:
    """Run an emulator (or a variant's `api`) in the foreground until interrupted; `on_ready` gets the base URL once
    it listens."""
    with closing(Store(config.db_path)) as store, closing(bind(config.host, config.port)) as sock:
        server = _server(config, store, api)
        on_ready(base_url(sock))
        server.run(sockets=[sock])
