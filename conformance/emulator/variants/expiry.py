"""Emulators that keep time differently: faults that show only to a client watching sessions across their
``expires_at`` (the lifecycle's watch), and conformant servers whose expiry runs late or whose timestamps carry an
offset. Each class changes one behaviour of :class:`Api`; its docstring's first line is the catalogue's description.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from starlette.requests import Request
from starlette.responses import Response

from conformance.emulator.app import Api
from conformance.emulator.errors import invalid_session_status
from conformance.emulator.formats import now_ms
from conformance.emulator.store import ACTIVE, CANCELED, EXPIRED, Session
from conformance.emulator.variants.state import force

EARLY_MS = 1000  # how early the early expiry, and the lost cancels, come before expires_at
SWEEP_MS = 1500  # the late expiry's sweep period
LOCAL = timezone(timedelta(hours=7))  # Western Indonesia Time, where a server might keep its clock
HELD_MS = 600  # how long a read near an expiry waits in the queue



class ExpiryOverwritesCanceled(Api):
    """A CANCELED session reads EXPIRED once its expires_at passes (an expiry sweep that ignores the status)."""

    def present(self, request: Request, session: Session, status: int = 200) -> Response:
        if session.status == CANCELED and now_ms() >= session.expires_at:
            session = replace(session, status=EXPIRED, updated=max(session.updated, session.expires_at))
        return super().present(request, session, status)


class ExpiresEarly(Api):
    """A session turns EXPIRED a second before its expires_at (the sweep compares whole seconds, rounded up)."""

    def present(self, request: Request, session: Session, status: int = 200) -> Response:
        if session.status == ACTIVE and now_ms() >= session.expires_at - EARLY_MS:
            session = replace(session, status=EXPIRED, updated=session.expires_at - EARLY_MS)
        return super().present(request, session, status)

    async def cancel(self, request: Request) -> Response:
        owner = self.owner(request)
        session = self.visible(self.store.find(self.session_id(request), now_ms()), owner)
        if session.status == ACTIVE and now_ms() >= session.expires_at - EARLY_MS:
            raise invalid_session_status(EXPIRED)
        return await super().cancel(request)


class BoundaryCancelLost(Api):
    """A cancel in the last second before expires_at answers 200 CANCELED but is not stored: the expiry wins."""

    async def cancel(self, request: Request) -> Response:
        owner = self.owner(request)
        session = self.visible(self.store.find(self.session_id(request), now_ms()), owner)
        if session.status == ACTIVE and session.expires_at - EARLY_MS <= now_ms():
            return self.present(request, replace(session, status=CANCELED, updated=now_ms()))
        return await super().cancel(request)


class ExpiryUpdatedUnset(Api):
    """An EXPIRED session's `updated` reads 1970-01-01T00:00:00.000Z (the expiry never writes it; the column is 0)."""

    def present(self, request: Request, session: Session, status: int = 200) -> Response:
        return super().present(request, replace(session, updated=0) if session.status == EXPIRED else session, status)


class CancelUpdatedLocalTime(Api):
    """A cancel writes `updated` from a UTC+7 wall clock labelled Z: seven hours in the future."""

    async def cancel(self, request: Request) -> Response:
        response = await super().cancel(request)
        if response.status_code == 200:
            force(self, self.session_id(request), "updated = updated + :ahead", ahead=7 * 3600 * 1000)
            return self.present(request, self.store.find(self.session_id(request), now_ms()))
        return response


class ExpirySweepLate(Api):
    """Expiry runs as a sweep every 1.5 s: past its expires_at a session stays ACTIVE (and cancellable) until then."""

    @staticmethod
    def swept(now: int) -> int:
        """The instant of the last sweep: what the sessions' statuses reflect."""
        return now - now % SWEEP_MS

    async def get(self, request: Request) -> Response:
        owner = self.owner(request)
        return self.present(request, self.visible(self.store.find(self.session_id(request), self.swept(now_ms())),
                                                  owner))

    async def cancel(self, request: Request) -> Response:
        owner, session_id = self.owner(request), self.session_id(request)
        session = self.visible(self.store.find(session_id, self.swept(now_ms())), owner)
        if session.status != ACTIVE:
            raise invalid_session_status(session.status)
        force(self, session_id, f"status = '{CANCELED}', updated = MAX(:now, updated + 1)", now=now_ms())
        return self.present(request, self.store.find(session_id, now_ms()))

    async def expire(self, request: Request) -> Response:
        response = await super().expire(request)  # test control expires at once: stored, not left to the sweep
        if response.status_code == 200:
            force(self, self.session_id(request), f"status = '{EXPIRED}'")
        return response


class TimestampsWithOffset(Api):
    """Timestamps are written in UTC+7 with their offset (…T17:00:00.000+07:00): the same instants."""

    def body(self, request: Request, session: Session) -> dict:
        data = super().body(request, session)
        for name in ("created", "updated", "expires_at"):
            if isinstance(data.get(name), str):
                moment = datetime.fromisoformat(data[name].replace("Z", "+00:00")).astimezone(LOCAL)
                data[name] = moment.isoformat(timespec="milliseconds")
        return data


class ReadsHeldNearExpiry(Api):
    """A read in the second before a session's expires_at waits 0.6 s in a queue before it is handled.

    It shows the session as it is then, EXPIRED perhaps: the suite judges a request over the whole time it took."""

    async def get(self, request: Request) -> Response:
        session = self.store.find(self.session_id(request), now_ms())
        if session is not None and session.status == ACTIVE and 0 <= session.expires_at - now_ms() <= 1000:
            await asyncio.sleep(HELD_MS / 1000)
        return await super().get(request)
