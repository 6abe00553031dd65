"""How a server reads requests that real clients vary: each fault answers a form HTTP says is the same request
(field names and the auth scheme in another case, extra whitespace, Content-Type without content, Accept with
parameters, a query, HTTP/1.0) differently from the plain one; each conformant variant takes a choice HTTP and the
document leave open (refusing content, or a query parameter, the cancel does not define).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from conformance.emulator.app import Api, error_response
from conformance.emulator.errors import ApiError, bad_request
from conformance.emulator.protocol import FIELD_NAMES
from conformance.emulator.store import Owner


def _sent_as(request: Request, name: bytes) -> bool:
    """Whether the request carried the field spelled exactly `name`."""
    return name in request.scope.get("extensions", {}).get(FIELD_NAMES, [name])


class AuthFieldNameExact(Api):
    """Credentials are read only from a field spelled "Authorization": "AUTHORIZATION" or "authorization" is no key."""

    def api_key(self, request: Request) -> str:
        return super().api_key(request) if _sent_as(request, b"Authorization") else ""


class AuthSchemeExact(Api):
    """The auth scheme counts only when spelled "Basic": "basic" or "BASIC" is no key (401)."""

    def api_key(self, request: Request) -> str:
        return super().api_key(request) if request.headers.get("authorization", "").startswith("Basic") else ""


class AuthSingleSpace(Api):
    """Exactly one space may follow the auth scheme: "Basic  <token>" (HTTP allows 1*SP) is no key (401)."""

    def api_key(self, request: Request) -> str:
        after = request.headers.get("authorization", "").partition(" ")[2]
        return "" if after.startswith(" ") else super().api_key(request)


class ForUserIdLowerCaseOnly(Api):
    """for-user-id counts only when spelled in lower case: "FOR-USER-ID: sub" is ignored (the master account acts)."""

    def owner(self, request: Request) -> Owner:
        owner = super().owner(request)
        return owner if _sent_as(request, b"for-user-id") else Owner(owner.business_id)


class QueryUnrouted(Api):
    """A query string on the cancel path misses the route: "…/cancel?source=x" of a real session is 404 NOT_FOUND."""

    async def cancel(self, request: Request) -> Response:
        if request.url.query:
            self.owner(request)
            return error_response(ApiError(404, "NOT_FOUND", "No route matches the request"))
        return await super().cancel(request)


class ContentTypeWithoutBody400(Api):
    """Content-Type: application/json with no content is parsed as JSON and refused: 400 API_VALIDATION_ERROR."""

    async def cancel(self, request: Request) -> Response:
        if request.headers.get("content-type", "").startswith("application/json") and not await request.body():
            self.owner(request)
            return error_response(bad_request("API_VALIDATION_ERROR", "Malformed JSON body"))
        return await super().cancel(request)


class AcceptParameters406(Api):
    """Accept is matched as a whole string: "application/json;q=0.9, */*;q=0.1" gets 406."""

    async def cancel(self, request: Request) -> Response:
        if request.headers.get("accept", "application/json") not in {"application/json", "*/*"}:
            self.owner(request)
            return error_response(ApiError(406, "NOT_ACCEPTABLE", "Only application/json is served"))
        return await super().cancel(request)


class Http10Refused(Api):
    """An HTTP/1.0 request is refused: 400 API_VALIDATION_ERROR (426 would ask for HTTP/1.1; 400 says it is bad)."""

    async def cancel(self, request: Request) -> Response:
        if request.scope.get("http_version") == "1.0":
            return error_response(bad_request("API_VALIDATION_ERROR", "HTTP/1.0 is not supported"))
        return await super().cancel(request)


# --- conformant: choices HTTP and the document leave open ----------------------------------------------------------

class ContentRefused(Api):
    """A cancel with content is refused, 400 API_VALIDATION_ERROR: the document defines no request body for it."""

    async def cancel(self, request: Request) -> Response:
        if await request.body():
            self.owner(request)
            return error_response(bad_request("API_VALIDATION_ERROR", "The cancel takes no request body"))
        return await super().cancel(request)


class QueryRefused(Api):
    """A query parameter the cancel does not define is refused, 400 API_VALIDATION_ERROR."""

    async def cancel(self, request: Request) -> Response:
        if request.url.query:
            self.owner(request)
            return error_response(bad_request("API_VALIDATION_ERROR", "Unknown query parameter"))
        return await super().cancel(request)


class ExpectationRefused(Api):
    """A cancel carrying an Expect field is refused, 417 EXPECTATION_FAILED, before its content is read."""

    async def cancel(self, request: Request) -> Response:
        if "expect" in request.headers:
            self.owner(request)
            return error_response(ApiError(417, "EXPECTATION_FAILED", "Expectations are not supported"))
        return await super().cancel(request)


class Http10Upgrade426(Api):
    """An HTTP/1.0 cancel is refused, 426 UPGRADE_REQUIRED with Upgrade: HTTP/1.1."""

    async def cancel(self, request: Request) -> Response:
        if request.scope.get("http_version") == "1.0":
            self.owner(request)
            error = ApiError(426, "UPGRADE_REQUIRED", "Use HTTP/1.1")
            return error_response(error, {"Upgrade": "HTTP/1.1", "Connection": "Upgrade"})
        return await super().cancel(request)
