"""Faults in surviving odd input: a long, quoted, non-ASCII or dot-segment id crashes or cuts the answer short.

Each class changes exactly one behaviour of :class:`Api`, by overriding one step (or a small base's one hook);
the first line of its docstring is the fault's description in the catalogue (``variants/__init__.py``).
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from conformance.emulator.app import Api, json_response
from conformance.emulator.errors import ApiError, session_not_found


class CrashOnLongId(Api):
    """An id longer than 1024 characters crashes the handler: the documented 500 SERVER_ERROR."""

    def session_id(self, request: Request) -> str:
        if len(self.raw_id(request)) > 1024:
            raise OverflowError("session id buffer overflow")
        return super().session_id(request)


class CrashOnQuote(Api):
    """An id with a single quote breaks a hand-built SQL query: 500 with error_code DATABASE_ERROR."""

    def session_id(self, request: Request) -> str:
        if "'" in self.raw_id(request):
            raise ApiError(500, "DATABASE_ERROR", "syntax error at or near \"'\"")
        return super().session_id(request)


class CrashOnNonAscii(Api):
    """An id with a non-ASCII character gets a plain-text 500 ("Internal Server Error"), not JSON."""

    async def cancel(self, request: Request) -> Response:
        if self.raw_id(request).isascii():
            return await super().cancel(request)
        self.owner(request)
        return PlainTextResponse("Internal Server Error", 500)


class CutShort(Response):
    """A response that declares its whole body's length, sends half of it and stops: the connection closes."""

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body[:len(self.body) // 2], "more_body": True})


class TruncatedOnLongId(Api):
    """An id of 256 characters or more gets a response cut off mid-body (the connection closes)."""

    async def cancel(self, request: Request) -> Response:
        if len(self.raw_id(request)) < 256:
            return await super().cancel(request)
        error = session_not_found()
        return CutShort(json_response(error.status, error.body()).body, error.status, media_type="application/json")


class CrashOnUpperCaseId(Api):
    """An upper-case letter in a 27-character id crashes the lookup: 500 INTERNAL_ERROR (not in the 5XX schema)."""

    def session_id(self, request: Request) -> str:
        raw = self.raw_id(request)
        if re.fullmatch(r"[A-Za-z0-9_-]{27}", raw) and raw != raw.lower():
            raise ApiError(500, "INTERNAL_ERROR", "collation mismatch")
        return super().session_id(request)


class CrashOnDotSegment(Api):
    """A dot segment in place of the id (/sessions/../cancel) reaches the handler and crashes it: 500."""

    def session_id(self, request: Request) -> str:
        if self.raw_id(request) in {".", "..", "%2E", "%2E%2E", "%2e", "%2e%2e"}:
            raise RuntimeError("path traversal in the id")
        return super().session_id(request)


class NoAllowOn405(Api):
    """A 405 for another method on the cancel path carries no Allow header."""

    async def unrouted(self, request: Request, error: Exception) -> Response:
        response = await super().unrouted(request, error)
        if response.status_code == 405:
            del response.headers["allow"]
        return response
