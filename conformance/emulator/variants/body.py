"""Faults in the session body: what a 200 (create, GET, cancel) says of the session — types, lengths, formats,
enums, the echoed id, and the fields a cancel must leave as they were.

Each class changes exactly one behaviour of :class:`Api`, by overriding one step (or a small base's one hook);
the first line of its docstring is the fault's description in the catalogue (``variants/__init__.py``).
"""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response

from conformance.emulator.app import Api
from conformance.emulator.formats import now_ms
from conformance.emulator.store import CANCELED, Session


class BodyFault(Api):
    """Base: every session body (create, GET, cancel) goes through `altered`."""

    def body(self, request: Request, session: Session) -> dict:
        return self.altered(super().body(request, session))

    def altered(self, body: dict) -> dict:
        raise NotImplementedError


class AmountAsString(BodyFault):
    """The session's amount is a JSON string ("10000"), not a number."""

    def altered(self, body: dict) -> dict:
        return {**body, "amount": str(body["amount"])}


class ReferenceIdPadded(BodyFault):
    """reference_id comes back right-padded with spaces to 80 characters (a CHAR(80) column; maxLength is 64)."""

    def altered(self, body: dict) -> dict:
        return {**body, "reference_id": body["reference_id"].ljust(80)}


class TimestampsNotRfc3339(BodyFault):
    """Timestamps are written "2024-12-06 03:35:36" (no T, no zone), not RFC 3339 date-times."""

    def altered(self, body: dict) -> dict:
        return {name: value[:19].replace("T", " ") if name in {"created", "updated", "expires_at"} else value
                for name, value in body.items()}


class StatusMisspelled(BodyFault):
    """A canceled session's status is "CANCELLED", which the status enum does not have."""

    def altered(self, body: dict) -> dict:
        return {**body, "status": "CANCELLED"} if body["status"] == CANCELED else body


class BusinessIdNull(BodyFault):
    """business_id is null, which the schema does not allow."""

    def altered(self, body: dict) -> dict:
        return {**body, "business_id": None}


class CancelAnswerFault(Api):
    """Base: a cancel works, but its 200 answers with `shown(session before, session after)`."""

    async def cancel(self, request: Request) -> Response:
        owner, session_id = self.owner(request), self.session_id(request)
        before = self.stored(session_id)
        self.settled(request, owner, self.store.cancel(owner, session_id, now_ms()), 422)
        return self.present(request, self.shown(before, self.stored(session_id)))

    def shown(self, before: Session, after: Session) -> Session:
        raise NotImplementedError


class AnswersSessionBeforeCancel(CancelAnswerFault):
    """A cancel answers 200 with the session as it was before (status ACTIVE), though it did cancel it."""

    def shown(self, before: Session, after: Session) -> Session:
        return before


class EchoesInternalId(CancelAnswerFault):
    """A cancel answers 200 with the session's id in an internal form ("ps_…" for "ps-…")."""

    def shown(self, before: Session, after: Session) -> Session:
        return replace(after, id=after.id.replace("-", "_", 1))


class UpdatedNotBumped(CancelAnswerFault):
    """A cancel answers 200 with the session's `updated` unchanged."""

    def shown(self, before: Session, after: Session) -> Session:
        return replace(after, updated=before.updated)


class CanceledBodyFault(BodyFault):
    """Base: only the body of a canceled session is altered."""

    def body(self, request: Request, session: Session) -> dict:
        shown = Api.body(self, request, session)
        return self.altered(shown) if session.status == CANCELED else shown


class CancelDropsItems(CanceledBodyFault):
    """A canceled session loses its items (null)."""

    def altered(self, body: dict) -> dict:
        return {**body, "items": None}


class CancelDropsMetadata(CanceledBodyFault):
    """A canceled session loses its metadata (null)."""

    def altered(self, body: dict) -> dict:
        return {**body, "metadata": None}


class CancelManglesNonAscii(CanceledBodyFault):
    """A canceled session's description is re-encoded as ASCII: every non-ASCII character becomes '?'."""

    def altered(self, body: dict) -> dict:
        text = body.get("description")
        return {**body, "description": text.encode("ascii", "replace").decode()} if text else body


class CancelRoundsAmount(CanceledBodyFault):
    """A canceled session's amount loses its decimals (an integer column): 12.5 becomes 12."""

    def altered(self, body: dict) -> dict:
        return {**body, "amount": int(body["amount"])}


class CanceledDropsSdkKey(CanceledBodyFault):
    """A canceled COMPONENTS session loses its components_sdk_key."""

    def altered(self, body: dict) -> dict:
        return {name: value for name, value in body.items() if name != "components_sdk_key"}
