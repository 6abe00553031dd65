"""Faults in the session's life: which states a cancel acts from, what it stores, what it touches beside the
session, when a session expires, and what concurrent requests see.

Each class changes exactly one behaviour of :class:`Api`, by overriding one step (or a small base's one hook);
the first line of its docstring is the fault's description in the catalogue (``variants/__init__.py``).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from conformance.emulator.app import Api, error_response
from conformance.emulator.errors import ApiError, invalid_session_status, session_not_found
from conformance.emulator.formats import now_ms
from conformance.emulator.store import ACTIVE, CANCELED, COMPLETED, EXPIRED, Owner, Session

RACE_WINDOW_SECONDS = 0.2


class CancelsFrom(Api):
    """Base: cancelling a session in status `accepts` answers 200 with status CANCELED."""

    accepts = ""

    def settled(self, request: Request, owner: Owner, result: tuple[Session | None, bool], refusal: int) -> Response:
        session, changed = result
        if not changed and session is not None and session.status == self.accepts:
            return self.present(request, replace(self.visible(session, owner), status=CANCELED))
        return super().settled(request, owner, result, refusal)


class RecancelSucceeds(CancelsFrom):
    """Cancelling a CANCELED session answers 200 again instead of 422."""

    accepts = CANCELED


class CompletedCancelable(CancelsFrom):
    """Cancelling a COMPLETED session answers 200 with status CANCELED instead of 422."""

    accepts = COMPLETED


class ExpiredCancelable(CancelsFrom):
    """Cancelling an EXPIRED session answers 200 with status CANCELED instead of 422."""

    accepts = EXPIRED


def active_session(api: Api, request: Request) -> tuple[Owner, Session]:
    """The requester and the session it may cancel, read without changing anything; 404/422 as the API would."""
    owner = api.owner(request)
    session = api.visible(api.store.find(api.session_id(request), now_ms()), owner)
    if session.status != ACTIVE:
        raise invalid_session_status(session.status)
    return owner, session


class CancelNotPersisted(Api):
    """A cancel answers 200 CANCELED but never stores it: the session stays ACTIVE."""

    async def cancel(self, request: Request) -> Response:
        _, session = active_session(self, request)
        return self.present(request, replace(session, status=CANCELED, updated=now_ms()))


class CancelNotAtomic(Api):
    """Cancel reads the status, pauses, then writes: racing cancels of one ACTIVE session all answer 200."""

    async def cancel(self, request: Request) -> Response:
        owner, session = active_session(self, request)
        await asyncio.sleep(RACE_WINDOW_SECONDS)  # the window in which another cancel reads ACTIVE too
        self.store.cancel(owner, session.id, now_ms())
        return self.present(request, self.stored(session.id))


class CheckoutAliveAfterCancel(Api):
    """The hosted checkout page keeps serving a session after it is canceled."""

    async def checkout(self, request: Request) -> Response:
        session = self.store.find(self.raw_id(request), now_ms())
        if session is None:
            raise session_not_found()
        return HTMLResponse(f"<!doctype html><title>Checkout {session.id}</title><h1>Pay</h1>")


def force(api: Api, session_id: str, assignments: str, **values) -> None:
    """An unconditional UPDATE (what a buggy store does): no check of status, owner or expiry."""
    with api.store._lock:
        api.store._db.execute(f"UPDATE sessions SET {assignments} WHERE id = :id", {"id": session_id, **values})


def _sessions_of(api: Api, owner: Owner) -> list[Session]:
    with api.store._lock:
        rows = api.store._db.execute("SELECT id FROM sessions WHERE business_id = ? AND sub_account = ?",
                                     (owner.business_id, owner.sub_account)).fetchall()
    return [session for (session_id,) in rows if (session := api.store.find(session_id, now_ms())) is not None]


class AfterCancel(Api):
    """Base: a cancel works; then `aftermath(owner, session)` runs with the session it canceled."""

    async def cancel(self, request: Request) -> Response:
        response = await super().cancel(request)
        if response.status_code == 200:
            owner = self.owner(request)
            self.aftermath(owner, self.stored(self.session_id(request)))
        return response

    def aftermath(self, owner: Owner, session: Session) -> None:
        raise NotImplementedError


class CancelTouchesSiblings(AfterCancel):
    """A cancel also moves `updated` of every other session of the same owner (a bulk 'touch')."""

    def aftermath(self, owner: Owner, session: Session) -> None:
        for other in _sessions_of(self, owner):
            if other.id != session.id:
                force(self, other.id, "updated = updated + 1000")


class CancelByReferenceId(AfterCancel):
    """A cancel cancels every ACTIVE session of the owner that shares the canceled one's reference_id."""

    def aftermath(self, owner: Owner, session: Session) -> None:
        for other in _sessions_of(self, owner):
            if other.fields.get("reference_id") == session.fields.get("reference_id"):
                self.store.cancel(owner, other.id, now_ms())


class UpdatedMovesBackwards(Api):
    """A cancel sets the session's `updated` a second before its previous value (a clock that went backwards)."""

    async def cancel(self, request: Request) -> Response:
        owner, session_id = self.owner(request), self.session_id(request)
        before = self.stored(session_id)
        session, changed = self.store.cancel(owner, session_id, now_ms())
        if changed:
            force(self, session_id, "updated = :updated", updated=before.updated - 1000)
            session = self.store.find(session_id, now_ms())
        return self.settled(request, owner, (session, changed), 422)


class RejectedCancelBumpsUpdated(Api):
    """A refused cancel (422, the session not ACTIVE) still moves the session's `updated`."""

    def settled(self, request: Request, owner: Owner, result: tuple[Session | None, bool], refusal: int) -> Response:
        session, changed = result
        if not changed and session is not None and session.owner == owner and refusal == 422:
            force(self, session.id, "updated = :now", now=now_ms())
        return super().settled(request, owner, result, refusal)


class GetCachesFirstRead(Api):
    """GET answers from a cache filled at a session's first read and never invalidated: a cancel does not show."""

    def __init__(self, config, store):
        super().__init__(config, store)
        self.cache: dict[str, Response] = {}

    async def get(self, request: Request) -> Response:
        key = f"{request.headers.get('authorization')}|{request.headers.get('for-user-id')}|{self.raw_id(request)}"
        if key not in self.cache:
            response = await super().get(request)
            if response.status_code != 200:
                return response
            self.cache[key] = response
        return self.cache[key]


class CancelTrustsReadCache(Api):
    """Cancel trusts the status a GET last showed: read while ACTIVE, then completed or expired, it is canceled."""

    def __init__(self, config, store):
        super().__init__(config, store)
        self.read: dict[str, str] = {}

    async def get(self, request: Request) -> Response:
        response = await super().get(request)
        if response.status_code == 200:
            self.read[self.raw_id(request)] = json.loads(bytes(response.body))["status"]
        return response

    async def cancel(self, request: Request) -> Response:
        owner, session_id = self.owner(request), self.session_id(request)
        session = self.visible(self.store.find(session_id, now_ms()), owner)
        if self.read.get(session_id) == ACTIVE and session.status in (COMPLETED, EXPIRED):
            force(self, session_id, f"status = '{CANCELED}', updated = :now, expires_at = MAX(expires_at, :now + 1)",
                   now=now_ms())
            return self.present(request, self.stored(session_id))
        return await super().cancel(request)


class ColumnExpiry(Api):
    """Base: test control's expire stores EXPIRED; `cancels_expired` says if a cancel takes a time-expired one."""

    async def expire(self, request: Request) -> Response:
        response = await super().expire(request)
        if response.status_code == 200:
            force(self, self.session_id(request), f"status = '{EXPIRED}'")
        return response

    async def cancel(self, request: Request) -> Response:
        owner, session_id = self.owner(request), self.session_id(request)
        session = self.visible(self.store.find(session_id, now_ms()), owner)
        if session.status == EXPIRED and self.cancels_expired(session):
            force(self, session_id, f"status = '{CANCELED}', updated = :now, expires_at = :far",
                   now=now_ms(), far=now_ms() + 10 ** 9)
            return self.present(request, self.stored(session_id))
        return await super().cancel(request)

    def cancels_expired(self, session: Session) -> bool:
        raise NotImplementedError


class LazyExpiry(ColumnExpiry):
    """A session is EXPIRED only once read after its expires_at: cancelled before anyone read it, it is canceled."""

    def __init__(self, config, store):
        super().__init__(config, store)
        self.seen: set[str] = set()

    async def get(self, request: Request) -> Response:
        response = await super().get(request)
        if response.status_code == 200 and json.loads(bytes(response.body))["status"] == EXPIRED:
            self.seen.add(self.raw_id(request))
        return response

    def cancels_expired(self, session: Session) -> bool:
        with self.store._lock:
            (column,) = self.store._db.execute("SELECT status FROM sessions WHERE id = ?", (session.id,)).fetchone()
        return column == ACTIVE and session.id not in self.seen


class CancelIgnoresExpiry(ColumnExpiry):
    """Cancel looks at the stored status only: a session whose expires_at passed unnoticed is canceled (200)."""

    def cancels_expired(self, session: Session) -> bool:
        with self.store._lock:
            (column,) = self.store._db.execute("SELECT status FROM sessions WHERE id = ?", (session.id,)).fetchone()
        return column == ACTIVE


class ExpiredShownActive(ColumnExpiry):
    """GET shows the stored status: a session whose expires_at passed is still ACTIVE to a GET (cancel refuses it)."""

    def cancels_expired(self, session: Session) -> bool:
        return False

    async def get(self, request: Request) -> Response:
        owner = self.owner(request)
        session = self.visible(self.store.find(self.session_id(request), now_ms()), owner)
        with self.store._lock:
            (column,) = self.store._db.execute("SELECT status FROM sessions WHERE id = ?", (session.id,)).fetchone()
        return self.present(request, replace(session, status=column) if column == ACTIVE else session)


class DeleteCancels(Api):
    """DELETE on the cancel path answers 405 as it should, but cancels the session anyway."""

    def routes(self) -> list[Route]:
        return [Route("/sessions/{session_id}/cancel", self.delete, methods=["DELETE"]), *super().routes()]

    async def delete(self, request: Request) -> Response:
        owner = self.owner(request)
        self.store.cancel(owner, self.session_id(request), now_ms())
        return error_response(ApiError(405, "METHOD_NOT_ALLOWED", f"DELETE is not allowed on {request.url.path}"),
                              {"allow": "POST"})


class CancelAnswersRacingSession(Api):
    """Cancel keeps its session id in a field all requests share: concurrent cancels answer each other's session."""

    current = ""

    async def cancel(self, request: Request) -> Response:
        owner = self.owner(request)
        self.current = self.session_id(request)
        self.settled(request, owner, self.store.cancel(owner, self.current, now_ms()), 422)
        await asyncio.sleep(RACE_WINDOW_SECONDS)  # another cancel may set `current` meanwhile
        return self.present(request, self.stored(self.current))
