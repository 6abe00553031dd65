"""Deliberately wrong servers for end-to-end runs: real HTTP on a free loopback port, one fixed answer each."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = "xnd_development_fake_key"
UNAUTHORIZED = (401, "application/json", json.dumps({"error_code": "INVALID_API_KEY", "message": "no"}).encode())
ANSWERS = {
    "always-200": (200, "application/json", json.dumps({"status": "CANCELED"}).encode()),
    "html-404": (404, "text/html", b"<html><body>Not Found</body></html>"),
    "not-found": (404, "application/json", json.dumps({"error_code": "NOT_FOUND", "message": "nope"}).encode()),
}
CHECKS_KEY = {"not-found"}  # these answer 401 INVALID_API_KEY unless the request carries KEY


@contextmanager
def fake_server(mode: str) -> Iterator[str]:
    authorized = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            ok = mode not in CHECKS_KEY or self.headers.get("Authorization") == authorized
            status, content_type, body = ANSWERS[mode] if ok else UNAUTHORIZED
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_TRACE = do_QUERY = answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
