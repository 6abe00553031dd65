"""Faults in refusals: error bodies, status codes, content types and the methods a path answers.

Each class changes exactly one behaviour of :class:`Api`, by overriding one step (or a small base's one hook);
the first line of its docstring is the fault's description in the catalogue (``variants/__init__.py``).
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.emulator.app import Api, json_response
from conformance.emulator.errors import ApiError
from conformance.emulator.formats import now_ms
from conformance.emulator.store import Owner, Session


class ErrorWithoutMessage(Api):
    """Error bodies carry error_code but no message."""

    async def api_error(self, request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        return json_response(error.status, {"error_code": error.code})


class ErrorsAsTextPlain(Api):
    """Error bodies are JSON but sent as Content-Type text/plain."""

    async def api_error(self, request: Request, error: Exception) -> Response:
        response = await super().api_error(request, error)
        response.headers["content-type"] = "text/plain; charset=utf-8"
        return response


class RefusalFault(Api):
    """Base: unusable credentials get `status` and `code` instead of 401 INVALID_API_KEY."""

    status, code = 401, "INVALID_API_KEY"

    def owner(self, request: Request) -> Owner:
        try:
            return super().owner(request)
        except ApiError as refused:
            raise ApiError(self.status, self.code, refused.message) from None


class Unauthorized403(RefusalFault):
    """Unusable credentials get 403 INVALID_API_KEY instead of 401."""

    status = 403


class UnauthorizedCode(RefusalFault):
    """Unusable credentials get 401 with error_code "UNAUTHORIZED", which the error enum does not have."""

    code = "UNAUTHORIZED"


class InvalidStatus409(Api):
    """Cancelling a session that is not ACTIVE gets 409 INVALID_SESSION_STATUS instead of 422."""

    async def cancel(self, request: Request) -> Response:
        owner = self.owner(request)
        return self.settled(request, owner, self.store.cancel(owner, self.session_id(request), now_ms()), 409)


class Accepted202(Api):
    """A successful cancel answers 202 Accepted instead of 200."""

    async def cancel(self, request: Request) -> Response:
        response = await super().cancel(request)
        response.status_code = 202
        return response


class RedirectsUpperCaseId(Api):
    """A session id with upper-case letters gets a 308 redirect to its lower-case form (an undeclared 3XX)."""

    async def cancel(self, request: Request) -> Response:
        session_id = self.raw_id(request)
        if session_id == session_id.lower():
            return await super().cancel(request)
        self.owner(request)
        location = f"/sessions/{quote(session_id.lower(), safe='')}/cancel"
        return json_response(308, {"message": "moved"}, {"location": location})


class CancelPathAnswersGet(Api):
    """GET on the cancel path answers 200 with the session (as GET /sessions/{id} does)."""

    def routes(self) -> list[Route]:
        return [*super().routes(), Route("/sessions/{session_id}/cancel", self.get, methods=["GET"])]


class StatusMessageGeneric(Api):
    """The 422 message does not name the session's status ("Invalid session status")."""

    def settled(self, request: Request, owner: Owner, result: tuple[Session | None, bool], refusal: int) -> Response:
        session, changed = result
        if changed or session is None:
            return super().settled(request, owner, result, refusal)
        self.visible(session, owner)
        raise ApiError(refusal, "INVALID_SESSION_STATUS", "Invalid session status")
