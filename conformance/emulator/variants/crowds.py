"""Emulators that behave differently under many requests at once: faults that show only when reads and cancels of
several sessions arrive together (the lifecycle's crowds), and a conformant server that refuses the excess with a
429. Each class changes one behaviour of :class:`Api`; its docstring's first line is the catalogue's description.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from conformance.emulator.app import Api, error_response
from conformance.emulator.errors import ApiError, server_error, session_not_found

HOLD_SECONDS = 0.04  # what a cancel's database round trips hold a connection of the pool for
REWRITE_SECONDS = 0.15  # how long a cancel's rewrite of its row takes: a slow index rebuild, wide enough for a
# crowd's reads to meet it on a loaded machine (at 50 ms, 2 of 12 trials under load missed it)
POOL = 8  # connections in the pool: more cancels at once than this find none free (a burst sends 4)


class Pooled(Api):
    """Base: each cancel holds one of POOL connections for HOLD_SECONDS; `exhausted` answers the rest."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_use = 0

    async def pooled(self, handler: Callable[[Request], Awaitable[Response]], request: Request) -> Response:
        if self.in_use >= POOL:
            return self.exhausted()
        self.in_use += 1
        try:
            await asyncio.sleep(HOLD_SECONDS)
            return await handler(request)
        finally:
            self.in_use -= 1

    def exhausted(self) -> Response:
        raise NotImplementedError

    async def cancel(self, request: Request) -> Response:
        return await self.pooled(super().cancel, request)


class PoolExhausted500(Pooled):
    """More than eight cancels at once: the ones that find no free database connection get 500."""

    def exhausted(self) -> Response:
        raise server_error()


class ReadsMissDuringCancel(Api):
    """A GET that arrives while a cancel of the same session is being written answers 404 (the row is rewritten)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rewriting: set[str] = set()

    async def get(self, request: Request) -> Response:
        if self.session_id(request) in self.rewriting:
            raise session_not_found()
        return await super().get(request)

    async def cancel(self, request: Request) -> Response:
        response = await super().cancel(request)
        if response.status_code == 200:
            session_id = self.session_id(request)
            self.rewriting.add(session_id)  # deleted and inserted again, the index rebuilt: reads miss it meanwhile
            try:
                await asyncio.sleep(REWRITE_SECONDS)
            finally:
                self.rewriting.discard(session_id)
        return response


class PoolExhausted429(Pooled):
    """More than eight cancels at once: the excess gets 429 with Retry-After (a client waits and resends)."""

    def exhausted(self) -> Response:
        return error_response(ApiError(429, "RATE_LIMIT_EXCEEDED", "Too many requests at once; retry shortly"),
                              {"Retry-After": "1"})
