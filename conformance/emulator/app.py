"""The emulator's HTTP API as an ASGI app (Starlette).

Endpoints: ``POST /sessions``, ``GET /sessions/{id}``, ``POST /sessions/{id}/cancel``; the hosted checkout page
``GET /checkout/{id}``; and, unless turned off, the test-control extension ``POST /test-control/sessions/{id}/complete``
and ``…/expire`` (same auth and ownership; 409 ``INVALID_SESSION_STATUS`` when the session is not ACTIVE).

Documented choices:
- Auth is HTTP Basic with the secret key as username and an empty password. No header, another scheme, bad base64,
  a non-empty password or a key that is not configured → 401 ``INVALID_API_KEY``. Every path but the checkout page
  authenticates first, so an unknown path or method answers 401 before 404/405.
- ``for-user-id`` absent or empty means the business's master account; any other value is a sub-account id. A session
  is visible only to its owner (business and sub-account): to anyone else it is 404 ``NOT_FOUND``.
- A session id that is not ``ps-`` + 24 lowercase hex is 404 ``NOT_FOUND`` (never 400, never 5XX), whatever its
  length or characters (up to the HTTP layer's request-target limit: see ``protocol``); so are ids that contain ``/``
  or ``%2F`` (no route matches them).
- A request with a live key (``xnd_production_…``, ``xnd_public_production_…``, any case) is 401 like any unknown key,
  and logged as a warning (client, method, path; never the key).
- Links (``payment_link_url``) start with ``public_url`` if configured, else with the scheme and Host header the
  client used (the HTTP layer has already refused a Host that is not ``host[:port]``); in sandbox mode, with another
  host name of it (``sandbox.other_origin``).
- Cancel ignores any request body, even one that is not JSON.
- The checkout page needs no auth (the end customer opens it): 200 HTML while ACTIVE, 404 JSON otherwise.
- Unknown paths: 404 ``NOT_FOUND``; wrong methods: 405 ``METHOD_NOT_ALLOWED`` with ``Allow`` (404 if the path's
  session id is malformed); both JSON.
  Any internal failure: 500 ``SERVER_ERROR`` with the documented body (the traceback goes to the server log only).

Every step of a request is a method of :class:`Api`, so a variant of the emulator can replace exactly one. In sandbox
mode (``config.sandbox``) the routes are served behind the layers of ``sandbox`` (:meth:`Api.layers`).
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from conformance.emulator.config import EmulatorConfig, is_live
from conformance.emulator.create import new_session
from conformance.emulator.errors import (
    ApiError,
    invalid_api_key,
    invalid_session_status,
    server_error,
    session_not_found,
)
from conformance.emulator.formats import now_ms, payment_reference
from conformance.emulator.sandbox import other_origin, sandboxed
from conformance.emulator.store import ACTIVE, Owner, Session, Store
from conformance.emulator.view import session_body
from conformance.identifiers import SESSION_ID

logger = logging.getLogger("conformance.emulator")

ENCODED_SLASH = re.compile(rb"%2f", re.IGNORECASE)
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]


def json_response(status: int, body: dict, headers: dict | None = None) -> Response:
    return Response(json.dumps(body, separators=(",", ":"), allow_nan=False), status, headers,
                    media_type="application/json")


def error_response(error: ApiError, headers: dict | None = None) -> Response:
    return json_response(error.status, error.body(), headers)


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(username, password) of ``Basic base64(user:password)``; None for anything else."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


def basic_username(header: str | None) -> str | None:
    """The username of ``Basic base64(user:)``; None for anything else (including a non-empty password)."""
    credentials = basic_credentials(header)
    return credentials[0] if credentials and not credentials[1] else None


def completion(session: Session) -> dict:
    """The payment references a completed session carries: a payment (PAY, SUBSCRIPTION), a token (SAVE or FORCED)."""
    fields = session.fields
    outcome = {}
    if fields["session_type"] != "SAVE":
        outcome |= {"payment_request_id": payment_reference("pr"), "payment_id": payment_reference("py")}
    if fields["session_type"] == "SAVE" or fields.get("allow_save_payment_method") == "FORCED":
        outcome["payment_token_id"] = payment_reference("pt")
    return outcome


class Api:
    """The emulator's HTTP API over one store."""

    wire: Callable[[Scope, bytes], bytes] | None = None  # a variant's rewrite of each answer's bytes, as the HTTP
    # layer would send them, for what an ASGI app cannot send (``protocol.Rewriting``)

    def __init__(self, config: EmulatorConfig, store: Store):
        self.config, self.store = config, store

    def asgi(self) -> ASGIApp:
        """The ASGI app: routes, JSON errors everywhere, a log line per request if configured."""
        app = Starlette(routes=self.routes(), exception_handlers={
            ApiError: self.api_error, HTTPException: self.unrouted, Exception: self.crashed,
        })
        app.router.redirect_slashes = False
        return Envelope(self.layers(app), self.config.log_requests)

    def layers(self, app: Starlette) -> ASGIApp:
        """What stands between the envelope and the routes: nothing, or in sandbox mode the sandbox's layers."""
        sandbox = self.config.sandbox
        return app if sandbox is None else sandboxed(app, app.routes, self.account, sandbox)

    def routes(self) -> list[Route]:
        routes = [
            Route("/sessions", self.create, methods=["POST"]),
            Route("/sessions/{session_id}", self.get, methods=["GET"]),
            Route("/sessions/{session_id}/cancel", self.cancel, methods=["POST"]),
            Route("/checkout/{session_id}", self.checkout, methods=["GET"]),
        ]
        if self.config.test_control:
            routes += [
                Route("/test-control/sessions/{session_id}/complete", self.complete, methods=["POST"]),
                Route("/test-control/sessions/{session_id}/expire", self.expire, methods=["POST"]),
            ]
        return routes

    # --- steps --------------------------------------------------------------------------------------------------

    def api_key(self, request: Request) -> str:
        """The API key a request carries: the username of HTTP Basic with an empty password; "" for anything else."""
        return basic_username(request.headers.get("authorization")) or ""

    def account(self, scope: Scope) -> str | None:
        """The business whose (sandbox) rate limit a request spends: its key's; None without a valid key."""
        return self.config.api_keys.get(self.api_key(Request(scope)))

    def owner(self, request: Request) -> Owner:
        """Who is asking: the business of the API key, and the ``for-user-id`` sub-account if any."""
        key = self.api_key(request)
        business = self.config.api_keys.get(key)
        if business is None:
            if is_live(key):
                logger.warning("%s sent a live API key on %s %s: refused", (request.client or ("-",))[0],
                               request.method, request.url.path)
            raise invalid_api_key()
        return Owner(business, request.headers.get("for-user-id", ""))

    @staticmethod
    def raw_id(request: Request) -> str:
        """The path's session id segment as routed, unchecked (what a faulty variant may act on)."""
        return request.path_params["session_id"]

    def session_id(self, request: Request) -> str:
        """The path's session id; 404 straight away if it cannot be one."""
        session_id = self.raw_id(request)
        if not SESSION_ID.fullmatch(session_id):
            raise session_not_found()
        return session_id

    def stored(self, session_id: str) -> Session:
        """The session as stored now, which the caller has just found or acted on; 404 if it is gone."""
        session = self.store.find(session_id, now_ms())
        if session is None:
            raise session_not_found()
        return session

    def visible(self, session: Session | None, owner: Owner) -> Session:
        """The session if `owner` may see it; 404 otherwise."""
        if session is None or session.owner != owner:
            raise session_not_found()
        return session

    def settled(self, request: Request, owner: Owner, result: tuple[Session | None, bool], refusal: int) -> Response:
        """The answer to a state change: 200 with the session, 404, or `refusal` if it was not ACTIVE."""
        session, changed = result
        session = self.visible(session, owner)
        if not changed:
            raise invalid_session_status(session.status, refusal)
        return self.present(request, session)

    def present(self, request: Request, session: Session, status: int = 200) -> Response:
        """The session as a JSON response."""
        return json_response(status, self.body(request, session))

    def body(self, request: Request, session: Session) -> dict:
        """The session's public fields; its links use the public URL, else :meth:`link_origin`."""
        return session_body(session, self.config.public_url or self.link_origin(request))

    def link_origin(self, request: Request) -> str:
        """The origin the client reached us at; in sandbox mode, another host name of it (the sandbox's checkout
        lives on another host than its API)."""
        sandbox = self.config.sandbox
        return self.origin(request) if sandbox is None else other_origin(self.origin(request), sandbox.link_host)

    @staticmethod
    def origin(request: Request) -> str:
        host = request.headers.get("host") or "{}:{}".format(*request.scope["server"])
        return f"{request.scope['scheme']}://{host}"

    # --- endpoints ----------------------------------------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        owner = self.owner(request)
        session = new_session(await request.body(), owner, now_ms(), self.config, self.store)
        self.store.add(session)
        return self.present(request, session, 201)

    async def get(self, request: Request) -> Response:
        owner = self.owner(request)
        return self.present(request, self.visible(self.store.find(self.session_id(request), now_ms()), owner))

    async def cancel(self, request: Request) -> Response:
        owner = self.owner(request)
        return self.settled(request, owner, self.store.cancel(owner, self.session_id(request), now_ms()), 422)

    async def complete(self, request: Request) -> Response:
        owner = self.owner(request)
        session_id = self.session_id(request)
        session = self.visible(self.store.find(session_id, now_ms()), owner)
        return self.settled(request, owner, self.store.complete(owner, session_id, now_ms(), completion(session)), 409)

    async def expire(self, request: Request) -> Response:
        owner = self.owner(request)
        return self.settled(request, owner, self.store.expire(owner, self.session_id(request), now_ms()), 409)

    async def checkout(self, request: Request) -> Response:
        session = self.store.find(self.raw_id(request), now_ms())
        if session is None or session.status != ACTIVE:
            raise session_not_found()
        shown = {name: html.escape(str(session.fields.get(name, ""))) for name in ("currency", "amount", "description")}
        return HTMLResponse(f"<!doctype html><title>Checkout {session.id}</title><h1>Pay {shown['currency']} "
                            f"{shown['amount']}</h1><p>{shown['description']}</p>")

    # --- errors -------------------------------------------------------------------------------------------------

    async def api_error(self, request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        return error_response(error)

    async def unrouted(self, request: Request, error: Exception) -> Response:
        """Routing's 404/405 as JSON, after authentication like every API path."""
        assert isinstance(error, HTTPException)
        path = request.url.path
        try:
            if not path.startswith("/checkout/"):
                self.owner(request)
        except ApiError as refused:
            return error_response(refused)
        segments = path.split("/")
        malformed_id = len(segments) > 2 and segments[1] in ("sessions", "checkout") and not SESSION_ID.fullmatch(
            segments[2])
        if error.status_code == 405 and not malformed_id:
            return error_response(ApiError(405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed on {path}"),
                                  error.headers)
        if path.startswith(("/sessions/", "/checkout/")):
            return error_response(session_not_found())
        return error_response(ApiError(404, "NOT_FOUND", f"{path} not found"))

    async def crashed(self, request: Request, error: Exception) -> Response:
        return error_response(server_error())


class Envelope:
    """Outermost ASGI layer: an exception never reaches the server (which would drop the connection) but is logged
    with its traceback, answered with the documented 500 if nothing was sent yet; optionally one log line per request
    (client, method, path, status, milliseconds), never a header."""

    def __init__(self, app: ASGIApp, log_requests: bool):
        self.app, self.log_requests = app, log_requests

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started_at, status = time.perf_counter(), 0
        raw_path = scope.get("raw_path") or scope["path"].encode()
        if b"%2f" in raw_path.lower():  # an encoded slash stays inside its segment: ids never span segments
            scope = {**scope, "path": unquote(ENCODED_SLASH.sub(b"%252F", raw_path).decode("latin-1"))}

        async def observed(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed)
        except ClientDisconnect:  # the HTTP layer refused the rest of the request and has answered it
            pass
        except Exception:
            logger.exception("internal error")
            if not status:
                await error_response(server_error())(scope, receive, observed)
        if self.log_requests:
            client = (scope.get("client") or ("-",))[0]
            logger.info("%s %s %s %d %.1fms", client, scope["method"], raw_path.decode("latin-1"), status,
                        (time.perf_counter() - started_at) * 1000)
