"""Conformant emulators that differ from the reference one where the contract leaves room: the suite must pass them.
Each class overrides one step of :class:`Api`; the first line of its docstring is its description in the catalogue.
"""

from __future__ import annotations

import asyncio
import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from conformance.emulator.app import Api, json_response
from conformance.emulator.errors import ApiError
from conformance.emulator.formats import SESSION_ID
from conformance.emulator.store import CANCELED, Owner, Session

MILLISECONDS = re.compile(r"\.\d{3}Z$")
SESSION_ID_LENGTH = 27  # the document's minLength and maxLength of session_id
CORS_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": "Authorization, Content-Type, for-user-id",
                "Access-Control-Max-Age": "600"}
SETTLE_SECONDS = 0.3  # how long a cancel holds its session after writing: racing cancels arrive meanwhile


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
        session_id = request.path_params["session_id"]
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


class RaceLoser409(Api):
    """A cancel that arrives while another cancel of the same session is under way gets 409 CONFLICT, not 422."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cancelling: set[str] = set()

    async def cancel(self, request: Request) -> Response:
        self.owner(request)
        session_id = request.path_params["session_id"]
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
