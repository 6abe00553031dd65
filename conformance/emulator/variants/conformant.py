"""Conformant emulators that differ from the reference one where the contract leaves room: the suite must pass them.
Each class overrides one step of :class:`Api`; the first line of its docstring is its description in the catalogue.
Those that change the HTTP of every answer add one ASGI layer (their own, or the sandbox mode's) in ``Api.layers``.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from dataclasses import replace
from decimal import Decimal

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from conformance.emulator.app import Api, ASGIApp, basic_credentials, json_response
from conformance.emulator.create import schemas
from conformance.emulator.errors import ApiError
from conformance.emulator.formats import now_ms
from conformance.emulator.sandbox import Gzip, JsonCharset, Message, Scope, other_origin
from conformance.emulator.store import CANCELED, Owner, Session
from conformance.emulator.variants.transport import Answer
from conformance.emulator.view import RESPONSE
from conformance.identifiers import SESSION_ID
from conformance.spec.pointer import resolve

MILLISECONDS = re.compile(r"\.\d{3}Z$")
SESSION_ID_LENGTH = 27  # the document's minLength and maxLength of session_id
CORS_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": "Authorization, Content-Type, for-user-id",
                "Access-Control-Max-Age": "600"}
SETTLE_SECONDS = 0.3  # how long a cancel holds its session after writing: racing cancels arrive meanwhile
NESTED_EXTRA = {"x_trace": "nested-extra"}  # what ExtraNestedFields adds to each nested object the schema describes
CHUNKS = 3  # the pieces ChunkedResponses sends a body in
CLOSE_EVERY = 3  # ConnectionClose closes after every third response (and every error)


class OptionalFieldsOmitted(Api):
    """Unset optional fields are left out of session bodies instead of being null."""

    def body(self, request: Request, session: Session) -> dict:
        return {name: value for name, value in super().body(request, session).items() if value is not None}


class TimestampsInSeconds(Api):
    """Timestamps have no fraction of a second ("2024-12-06T03:35:36Z")."""

    def body(self, request: Request, session: Session) -> dict:
        return {name: MILLISECONDS.sub("Z", value) if name in {"created", "updated", "expires_at"} else value
                for name, value in super().body(request, session).items()}


class ExtraSessionFields(Api):
    """Session bodies carry undocumented fields (object, livemode, version)."""

    def body(self, request: Request, session: Session) -> dict:
        return {"object": "payment_session", **super().body(request, session), "livemode": False, "version": 3}


class ExtraErrorFields(Api):
    """Error bodies carry undocumented fields (request_id, documentation_url)."""

    async def api_error(self, request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        return json_response(error.status, {**error.body(), "request_id": "req-0f3c9a",
                                            "documentation_url": "https://docs.xendit.co/errors"})


class CheckoutLinkWithQuery(Api):
    """payment_link_url carries a query string and a fragment ("{origin}/checkout/{id}?locale=en#pay")."""

    def body(self, request: Request, session: Session) -> dict:
        body = super().body(request, session)
        if body.get("payment_link_url"):
            body["payment_link_url"] += "?locale=en#pay"
        return body


class MalformedId400(Api):
    """A malformed session id gets 400 API_VALIDATION_ERROR (as an earlier Xendit specification has it)."""

    def session_id(self, request: Request) -> str:
        session_id = self.raw_id(request)
        if not SESSION_ID.fullmatch(session_id):
            raise ApiError(400, "API_VALIDATION_ERROR", "session_id must be ps- followed by 24 hex characters")
        return session_id


class SessionNotFoundCode(Api):
    """A 404 carries error_code SESSION_NOT_FOUND instead of NOT_FOUND (as an earlier Xendit specification has it)."""

    async def api_error(self, request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        if error.code == "NOT_FOUND":
            error = ApiError(404, "SESSION_NOT_FOUND", error.message)
        return await super().api_error(request, error)


def validated_length(request: Request) -> str | None:
    """The path's session id (if the path has one), held to the document's 27 characters by a request validator:
    400 otherwise."""
    session_id = request.path_params.get("session_id")
    if session_id is not None and len(session_id) != SESSION_ID_LENGTH:
        raise ApiError(400, "API_VALIDATION_ERROR", f"request/params/session_id must have {SESSION_ID_LENGTH} "
                       "characters", [{"message": f"must have {SESSION_ID_LENGTH} characters",
                                       "path": "/params/session_id"}])
    return session_id


class OutOfBoundsId400(Api):
    """A session id that is not 27 characters long gets 400 API_VALIDATION_ERROR (the document's bounds, validated)."""

    def session_id(self, request: Request) -> str:
        validated_length(request)
        return super().session_id(request)


class PathBeforeKey(Api):
    """The path is validated before the key: a session id that is not 27 characters gets 400, whatever the key."""

    def owner(self, request: Request) -> Owner:
        validated_length(request)
        return super().owner(request)


class CorsPreflight(Api):
    """OPTIONS gets 204 with Access-Control-* headers and no body, before authentication (a CORS preflight)."""

    async def unrouted(self, request: Request, error: Exception) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=CORS_HEADERS)
        return await super().unrouted(request, error)


class MethodNotAllowedPlain(Api):
    """Another method gets 405 text/plain "Method Not Allowed" without an Allow header."""

    async def unrouted(self, request: Request, error: Exception) -> Response:
        response = await super().unrouted(request, error)
        if isinstance(error, HTTPException) and response.status_code == 405:
            return PlainTextResponse("Method Not Allowed", 405)
        return response


class ForeignSubAccount403(Api):
    """A session of another sub-account of the same business gets 403 REQUEST_FORBIDDEN_ERROR, not 404."""

    def visible(self, session: Session | None, owner: Owner) -> Session:
        if session is not None and session.owner.business_id == owner.business_id and session.owner != owner:
            raise ApiError(403, "REQUEST_FORBIDDEN_ERROR", "for-user-id may not act on this session")
        return super().visible(session, owner)


class MasterActsForSubAccounts(Api):
    """A business's master account (no for-user-id) reads and cancels its sub-accounts' sessions as their owner."""

    def owner(self, request: Request) -> Owner:
        owner = super().owner(request)
        session_id = request.path_params.get("session_id")
        session = self.store.find(session_id, now_ms()) if session_id and not owner.sub_account else None
        return session.owner if session is not None and session.owner.business_id == owner.business_id else owner


class RaceLoser409(Api):
    """A cancel that arrives while another cancel of the same session is under way gets 409 CONFLICT, not 422."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cancelling: set[str] = set()

    async def cancel(self, request: Request) -> Response:
        session_id = self.raw_id(request)
        self.visible(self.store.find(session_id, now_ms()), self.owner(request))  # the session's owner only: to
        # anyone else it does not exist (a crowd puts another business's cancel beside the owner's)
        if session_id in self.cancelling:
            raise ApiError(409, "CONFLICT", "Another cancel of this session is under way")
        self.cancelling.add(session_id)
        try:
            response = await super().cancel(request)
            await asyncio.sleep(SETTLE_SECONDS)
            return response
        finally:
            self.cancelling.discard(session_id)


class CheckoutLinkNulledOnCancel(Api):
    """A canceled session's payment_link_url is null (its hosted checkout URL is invalid)."""

    def body(self, request: Request, session: Session) -> dict:
        body = super().body(request, session)
        return {**body, "payment_link_url": None} if session.status == CANCELED else body


class KeyPasswordAccepted(Api):
    """A key sent with any password (Basic base64(KEY:secret)) is accepted as that key."""

    def api_key(self, request: Request) -> str:
        credentials = basic_credentials(request.headers.get("authorization"))
        return credentials[0] if credentials else ""


class CheckoutLinksOtherOrigin(Api):
    """payment_link_url is on another origin than the API (localhost for 127.0.0.1 and the other way round)."""

    def link_origin(self, request: Request) -> str:
        return super().link_origin(request) if self.config.sandbox else other_origin(self.origin(request))


def response_schema() -> tuple[dict, dict]:
    """(the repaired document, the session response schema in it)."""
    document = schemas().document
    return document, document["components"]["schemas"][RESPONSE]


def resolved(document: dict, schema: dict) -> dict:
    return resolve(document, schema["$ref"]) if "$ref" in schema else schema


def with_nested_extras(document: dict, schema: dict, value: object, nested: bool = False) -> object:
    """`value` with NESTED_EXTRA in each object below the top that the schema describes property by property and
    does not close (``additionalProperties: false``); free-form objects (metadata, channel_properties: the client's
    own data) are left as they are."""
    schema = resolved(document, schema)
    if isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        shown = {name: with_nested_extras(document, properties.get(name, {}), item, True)
                 for name, item in value.items()}
        open_ = schema.get("additionalProperties", True) is not False
        return {**shown, **NESTED_EXTRA} if nested and open_ else shown
    if isinstance(value, list) and "items" in schema:
        return [with_nested_extras(document, schema["items"], item, True) for item in value]
    return value


class ExtraNestedFields(Api):
    """Nested objects (each item, subscription, its schedule, components_configuration) carry an undocumented field."""

    def body(self, request: Request, session: Session) -> dict:
        document, schema = response_schema()
        return with_nested_extras(document, schema, super().body(request, session))  # type: ignore[return-value]


def spelled_number(name: str, value: int | float) -> str:
    """A number as a JSON ``number`` may be written: ``amount`` in exponent form (10000 → ``1E+4``), any other with
    a fraction (``10000.0``)."""
    if name == "amount":
        return format(Decimal(repr(value)).normalize(), "E")
    return f"{value}.0" if isinstance(value, int) else repr(value)


def json_text(document: dict, schema: dict, value: object, name: str = "") -> str:
    """`value` as JSON text, the numbers of fields the schema types ``number`` spelled by :func:`spelled_number`;
    ``integer`` fields (a JSON number without fraction or exponent in OpenAPI 3.0) and untyped ones as json writes
    them."""
    schema = resolved(document, schema)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        return "{" + ",".join(f"{json.dumps(key)}:{json_text(document, properties.get(key, {}), item, key)}"
                              for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(json_text(document, schema.get("items", {}), item, name) for item in value) + "]"
    if schema.get("type") == "number" and isinstance(value, int | float) and not isinstance(value, bool) and \
            math.isfinite(value):
        return spelled_number(name, value)
    return json.dumps(value, allow_nan=False)


class NumbersExponent(Api):
    """Numbers of number-typed fields are written with an exponent or a fraction (amount 1E+4, 10000.0 for others)."""

    def present(self, request: Request, session: Session, status: int = 200) -> Response:
        document, schema = response_schema()
        return Response(json_text(document, schema, self.body(request, session)), status,
                        media_type="application/json")


class Chunked:
    """ASGI layer: each response body sent with ``Transfer-Encoding: chunked`` (its Content-Length dropped) in
    CHUNKS pieces; to an HTTP/1.0 request as it is (RFC 9112 §6.1: no chunked answer to one, and uvicorn would
    chunk any answer without a Content-Length)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope.get("http_version") == "1.0":
            await self.app(scope, receive, send)
            return

        async def chunked(message: Message) -> None:
            if message["type"] == "http.response.start":
                await send({**message, "headers": [(name, value) for name, value in message.get("headers", ())
                                                   if name.lower() != b"content-length"]})
                return
            body, more = message.get("body", b""), message.get("more_body", False)
            if message["type"] != "http.response.body" or not body:
                await send(message)
                return
            size = -(-len(body) // CHUNKS)
            for start in range(0, len(body), size):
                await send({"type": "http.response.body", "body": body[start:start + size], "more_body": True})
            if not more:
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app(scope, receive, chunked)


class ChunkedResponses(Api):
    """Every response to HTTP/1.1 is sent with Transfer-Encoding: chunked (no Content-Length), in several chunks."""

    def layers(self, app: Starlette) -> ASGIApp:
        return Chunked(super().layers(app))


class Closing:
    """ASGI layer: ``Connection: close`` on every `every`-th response and on every error (status 400 or more); the
    server then closes the connection."""

    def __init__(self, app: ASGIApp, every: int = CLOSE_EVERY):
        self.app, self.every, self.answered = app, every, 0

    async def __call__(self, scope: Scope, receive, send) -> None:
        request_read = False

        async def receiving() -> Message:
            nonlocal request_read
            message = await receive()
            request_read = request_read or message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.answered += 1
                if message["status"] >= 400 or self.answered % self.every == 0:
                    message = {**message, "headers": [*message.get("headers", ()), (b"connection", b"close")]}
                    while not request_read:  # the request read to its end first: a server that closes on bytes
                        await receiving()  # still arriving resets the connection under its answer (RFC 9112 §9.6)
            await send(message)

        await self.app(scope, receiving, closing)


class ConnectionClose(Api):
    """Connection: close (and the connection closed) after every third response and after every error."""

    def layers(self, app: Starlette) -> ASGIApp:
        return Closing(super().layers(app))


class ConnectionCloseAlways(Api):
    """Connection: close (and the connection closed) after every response."""

    def layers(self, app: Starlette) -> ASGIApp:
        return Closing(super().layers(app), every=1)


class Http10Responses(ConnectionCloseAlways):
    """Every response is HTTP/1.0 with no Content-Length: its body ends where the server closes the connection."""

    def wire(self, scope: Scope, response: bytes) -> bytes:
        answer = Answer.parse(response)
        return replace(answer, status_line=answer.status_line.replace(b"HTTP/1.1", b"HTTP/1.0", 1)).head(
            answer.without(b"content-length")) + answer.body


class FieldNamesUpperCase(Api):
    """Every response's field names are in upper case (CONTENT-TYPE, CONTENT-LENGTH): names are case-insensitive."""

    def wire(self, scope: Scope, response: bytes) -> bytes:
        answer = Answer.parse(response)
        return answer.head(tuple((name.upper(), value) for name, value in answer.fields)) + answer.body


class JsonCharsetDeclared(Api):
    """JSON responses are declared application/json; charset=utf-8."""

    def layers(self, app: Starlette) -> ASGIApp:
        return JsonCharset(super().layers(app))


class GzipResponses(Api):
    """JSON responses are gzip-encoded whenever the request's Accept-Encoding allows gzip."""

    def layers(self, app: Starlette) -> ASGIApp:
        return Gzip(super().layers(app))
