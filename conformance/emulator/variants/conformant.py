"""Conformant emulators that differ from the reference one where the contract leaves room: the suite must pass them.
Each class overrides one step of :class:`Api`; the first line of its docstring is its description in the catalogue.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from conformance.emulator.app import Api, json_response
from conformance.emulator.errors import ApiError
from conformance.emulator.formats import SESSION_ID
from conformance.emulator.store import Session

MILLISECONDS = re.compile(r"\.\d{3}Z$")


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
