"""Faulty emulators: each class changes exactly one behaviour of :class:`Api`, by overriding one step (or a small
base's one hook). The first line of a class's docstring is the fault's description in the catalogue.

They are real servers, started like the emulator (``running(config, api=...)``, ``conformance emulator --fault``).
"""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from dataclasses import replace
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from conformance.emulator.app import Api, basic_username, error_response, json_response
from conformance.emulator.errors import ApiError, invalid_session_status, session_not_found
from conformance.emulator.formats import now_ms
from conformance.emulator.store import ACTIVE, CANCELED, COMPLETED, EXPIRED, Owner, Session
from conformance.identifiers import SESSION_ID, TEST_PREFIX

RACE_WINDOW_SECONDS = 0.2


def _raw_id(request: Request) -> str:
    return request.path_params["session_id"]


# --- the 200 body ---------------------------------------------------------------------------------------------------

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
        before = self.store.find(session_id, now_ms())
        self.settled(request, owner, self.store.cancel(owner, session_id, now_ms()), 422)
        return self.present(request, self.shown(before, self.store.find(session_id, now_ms())))

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


# --- error bodies, status codes, content types ----------------------------------------------------------------------

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
        session_id = _raw_id(request)
        if session_id == session_id.lower():
            return await super().cancel(request)
        self.owner(request)
        location = f"/sessions/{quote(session_id.lower(), safe='')}/cancel"
        return json_response(308, {"message": "moved"}, {"location": location})


class CancelPathAnswersGet(Api):
    """GET on the cancel path answers 200 with the session (as GET /sessions/{id} does)."""

    def routes(self) -> list[Route]:
        return [*super().routes(), Route("/sessions/{session_id}/cancel", self.get, methods=["GET"])]


# --- auth and isolation ---------------------------------------------------------------------------------------------

class MissingKeyAccepted(Api):
    """A request without an Authorization header acts as the first configured business."""

    def owner(self, request: Request) -> Owner:
        if "authorization" not in request.headers:
            return Owner(next(iter(self.config.api_keys.values())))
        return super().owner(request)


class AnyTestKeyAccepted(Api):
    """Any unknown xnd_development_ key is accepted, as the first configured business."""

    def owner(self, request: Request) -> Owner:
        key = basic_username(request.headers.get("authorization")) or ""
        if key.startswith(TEST_PREFIX) and key not in self.config.api_keys:
            return Owner(next(iter(self.config.api_keys.values())))
        return super().owner(request)


class CancelIgnoresOwner(Api):
    """Cancel finds the session by id alone: any valid key, for any sub-account, cancels it."""

    async def cancel(self, request: Request) -> Response:
        self.owner(request)
        session_id = self.session_id(request)
        session = self.store.find(session_id, now_ms())
        owner = session.owner if session is not None else Owner("")
        return self.settled(request, owner, self.store.cancel(owner, session_id, now_ms()), 422)


class OtherBusinessSeesStatus(Api):
    """Another business's session is not hidden: cancelling it gets 422 (its status leaks) instead of 404."""

    def visible(self, session: Session | None, owner: Owner) -> Session:
        if session is None or session.owner.sub_account != owner.sub_account:
            raise session_not_found()
        return session


class ForUserIdIgnored(Api):
    """The for-user-id header is ignored: every request acts for the business's master account."""

    def owner(self, request: Request) -> Owner:
        return Owner(super().owner(request).business_id)


class RejectedCancelCancels(Api):
    """A cancel with a missing or unknown key gets 401, but the session is canceled anyway."""

    async def cancel(self, request: Request) -> Response:
        try:
            owner = self.owner(request)
        except ApiError:
            session = self.store.find(_raw_id(request), now_ms())
            if session is not None:
                self.store.cancel(session.owner, session.id, now_ms())
            raise
        return self.settled(request, owner, self.store.cancel(owner, self.session_id(request), now_ms()), 422)


# --- the state machine ----------------------------------------------------------------------------------------------

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


class StatusMessageGeneric(Api):
    """The 422 message does not name the session's status ("Invalid session status")."""

    def settled(self, request: Request, owner: Owner, result: tuple[Session | None, bool], refusal: int) -> Response:
        session, changed = result
        if changed or session is None:
            return super().settled(request, owner, result, refusal)
        self.visible(session, owner)
        raise ApiError(refusal, "INVALID_SESSION_STATUS", "Invalid session status")


class CancelNotAtomic(Api):
    """Cancel reads the status, pauses, then writes: racing cancels of one ACTIVE session all answer 200."""

    async def cancel(self, request: Request) -> Response:
        owner, session = active_session(self, request)
        await asyncio.sleep(RACE_WINDOW_SECONDS)  # the window in which another cancel reads ACTIVE too
        self.store.cancel(owner, session.id, now_ms())
        return self.present(request, self.store.find(session.id, now_ms()))


class CheckoutAliveAfterCancel(Api):
    """The hosted checkout page keeps serving a session after it is canceled."""

    async def checkout(self, request: Request) -> Response:
        session = self.store.find(_raw_id(request), now_ms())
        if session is None:
            raise session_not_found()
        return HTMLResponse(f"<!doctype html><title>Checkout {session.id}</title><h1>Pay</h1>")


# --- session ids ----------------------------------------------------------------------------------------------------

class NormalizedId(Api):
    """Base: the path's id goes through `normalized` before it is looked up."""

    def session_id(self, request: Request) -> str:
        session_id = self.normalized(_raw_id(request))
        if not SESSION_ID.fullmatch(session_id):
            raise session_not_found()
        return session_id

    def normalized(self, session_id: str) -> str:
        raise NotImplementedError


class IdCaseInsensitive(NormalizedId):
    """Session ids are matched case-insensitively: "PS-ABC…" cancels "ps-abc…"."""

    def normalized(self, session_id: str) -> str:
        return session_id.lower()


class IdTruncated(NormalizedId):
    """Session ids are cut to 27 characters before lookup: a real id plus anything cancels the real session."""

    def normalized(self, session_id: str) -> str:
        return session_id[:27]


class UnknownIdCanceled(Api):
    """A well-formed id that matches no session answers 200 CANCELED with a made-up session."""

    async def cancel(self, request: Request) -> Response:
        self.owner(request)
        session_id = self.session_id(request)
        if self.store.find(session_id, now_ms()) is None:
            return json_response(200, {"payment_session_id": session_id, "status": CANCELED})
        return await super().cancel(request)


# --- robustness -----------------------------------------------------------------------------------------------------

class CrashOnLongId(Api):
    """An id longer than 1024 characters crashes the handler: the documented 500 SERVER_ERROR."""

    def session_id(self, request: Request) -> str:
        if len(_raw_id(request)) > 1024:
            raise OverflowError("session id buffer overflow")
        return super().session_id(request)


class CrashOnQuote(Api):
    """An id with a single quote breaks a hand-built SQL query: 500 with error_code DATABASE_ERROR."""

    def session_id(self, request: Request) -> str:
        if "'" in _raw_id(request):
            raise ApiError(500, "DATABASE_ERROR", "syntax error at or near \"'\"")
        return super().session_id(request)


class CrashOnNonAscii(Api):
    """An id with a non-ASCII character gets a plain-text 500 ("Internal Server Error"), not JSON."""

    async def cancel(self, request: Request) -> Response:
        if _raw_id(request).isascii():
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
        if len(_raw_id(request)) < 256:
            return await super().cancel(request)
        error = session_not_found()
        return CutShort(json_response(error.status, error.body()).body, error.status, media_type="application/json")



class CrashOnUpperCaseId(Api):
    """An upper-case letter in a 27-character id crashes the lookup: 500 INTERNAL_ERROR (not in the 5XX schema)."""

    def session_id(self, request: Request) -> str:
        raw = _raw_id(request)
        if re.fullmatch(r"[A-Za-z0-9_-]{27}", raw) and raw != raw.lower():
            raise ApiError(500, "INTERNAL_ERROR", "collation mismatch")
        return super().session_id(request)


class CrashOnDotSegment(Api):
    """A dot segment in place of the id (/sessions/../cancel) reaches the handler and crashes it: 500."""

    def session_id(self, request: Request) -> str:
        if _raw_id(request) in {".", "..", "%2E", "%2E%2E", "%2e", "%2e%2e"}:
            raise RuntimeError("path traversal in the id")
        return super().session_id(request)


class NoAllowOn405(Api):
    """A 405 for another method on the cancel path carries no Allow header."""

    async def unrouted(self, request: Request, error: Exception) -> Response:
        response = await super().unrouted(request, error)
        if response.status_code == 405:
            del response.headers["allow"]
        return response


# --- faults that show only in state (issue 13): each caught by the model-based lifecycle stage ----------------------

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
            self.aftermath(owner, self.store.find(self.session_id(request), now_ms()))
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
        before = self.store.find(session_id, now_ms())
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
        key = f"{request.headers.get('authorization')}|{request.headers.get('for-user-id')}|{_raw_id(request)}"
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
            self.read[_raw_id(request)] = json.loads(response.body)["status"]
        return response

    async def cancel(self, request: Request) -> Response:
        owner, session_id = self.owner(request), self.session_id(request)
        session = self.visible(self.store.find(session_id, now_ms()), owner)
        if self.read.get(session_id) == ACTIVE and session.status in (COMPLETED, EXPIRED):
            force(self, session_id, f"status = '{CANCELED}', updated = :now, expires_at = MAX(expires_at, :now + 1)",
                   now=now_ms())
            return self.present(request, self.store.find(session_id, now_ms()))
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
            return self.present(request, self.store.find(session_id, now_ms()))
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
        if response.status_code == 200 and json.loads(response.body)["status"] == EXPIRED:
            self.seen.add(_raw_id(request))
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


class IdControlCharsDropped(NormalizedId):
    """Control characters and invisible spaces (tab, newline, NUL, NBSP, zero-width) are removed from an id anywhere."""

    def normalized(self, session_id: str) -> str:
        return "".join(char for char in session_id if char.isprintable() and char not in "\u00a0\u200b"
                       or char == " ")


class IdCutAtSpecial(NormalizedId):
    """An id is cut at its first special character (; , @ ! $ & ' ( ) * + = : ~): "<id>;x" cancels the session."""

    def normalized(self, session_id: str) -> str:
        return re.split(r"[;,@!$&'()*+=:~]", session_id, maxsplit=1)[0]


class IdExtensionStripped(NormalizedId):
    """A trailing ".json" is stripped from an id (a format suffix): "<id>.json" cancels the session."""

    def normalized(self, session_id: str) -> str:
        return session_id.removesuffix(".json")


class IdPercentDecodedTwice(NormalizedId):
    """The id is percent-decoded a second time: "ps%252D…" on the wire cancels "ps-…"."""

    def normalized(self, session_id: str) -> str:
        return unquote(session_id)


class IdNfkcNormalised(NormalizedId):
    """The id is NFKC-normalised: fullwidth or compatibility characters ("ｐｓ－…", "pſ-…") cancel the session."""

    def normalized(self, session_id: str) -> str:
        return unicodedata.normalize("NFKC", session_id)


class IdPrefixTolerated(NormalizedId):
    """Anything before the last "ps-" in an id is ignored: "xps-…" or "ps-ps-…" cancels the session."""

    def normalized(self, session_id: str) -> str:
        return session_id[session_id.rfind("ps-"):] if "ps-" in session_id else session_id


class IdPrefixCaseInsensitive(NormalizedId):
    """The id's "ps-" prefix is matched in any case: "PS-…" (the rest as is) cancels the session."""

    def normalized(self, session_id: str) -> str:
        return session_id[:3].lower() + session_id[3:]


class IdTrailingNewlineAccepted(NormalizedId):
    """An id followed by a newline is the id: validated with a "$" that matches before a final newline, then used."""

    def normalized(self, session_id: str) -> str:
        return session_id.removesuffix("\n")


class IdCutAtNul(NormalizedId):
    """An id ends at its first NUL, as a C string does: "<id>\\0x1" cancels the session."""

    def normalized(self, session_id: str) -> str:
        return session_id.split("\x00", 1)[0]


class IdTrailingSpacesIgnored(NormalizedId):
    """Trailing spaces in an id are ignored, as a PAD SPACE collation compares them: "<id> " cancels the session."""

    def normalized(self, session_id: str) -> str:
        return session_id.rstrip(" ")


class IdOneShortCompleted(Api):
    """An id one character short is completed from the session it begins (an off-by-one in a prefix lookup)."""

    def session_id(self, request: Request) -> str:
        raw = _raw_id(request)
        if len(raw) == 26 and raw.startswith("ps-"):
            owner = self.owner(request)
            found = [session.id for session in _sessions_of(self, owner)
                     if session.id.startswith(raw)]
            if len(found) == 1:
                return found[0]
        return super().session_id(request)


class ActsForAnother(Api):
    """Base: a cancel acts as the session's owner when `reaches(session, requester)` says the requester may."""

    async def cancel(self, request: Request) -> Response:
        owner, session_id = self.owner(request), self.session_id(request)
        session = self.store.find(session_id, now_ms())
        if session is not None and self.reaches(session.owner, owner):
            owner = session.owner
        return self.settled(request, owner, self.store.cancel(owner, session_id, now_ms()), 422)

    def reaches(self, owner: Owner, requester: Owner) -> bool:
        raise NotImplementedError


class SubAccountsShareSessions(ActsForAnother):
    """Sub-accounts of one business act on each other's sessions: any for-user-id but the master's cancels them."""

    def reaches(self, owner: Owner, requester: Owner) -> bool:
        return owner.business_id == requester.business_id and bool(owner.sub_account and requester.sub_account)


class ForUserIdCrossesBusinesses(Api):
    """A for-user-id naming another business's id acts as that business: its sessions can be canceled."""

    def owner(self, request: Request) -> Owner:
        owner = super().owner(request)
        if owner.sub_account in self.config.api_keys.values():
            return Owner(owner.sub_account)
        return owner


class OtherBusinessReachesSubAccounts(ActsForAnother):
    """A sub-account's session is found by its for-user-id alone: another business's key naming it cancels it."""

    def reaches(self, owner: Owner, requester: Owner) -> bool:
        return bool(owner.sub_account) and owner.sub_account == requester.sub_account


class KeyCaseInsensitive(Api):
    """API keys are matched case-insensitively: the key in upper case works."""

    def owner(self, request: Request) -> Owner:
        username = (basic_username(request.headers.get("authorization")) or "").lower()
        business = self.config.api_keys.get(username)
        return Owner(business, request.headers.get("for-user-id", "")) if business else super().owner(request)


class KeyWhitespaceTrimmed(Api):
    """Spaces around the API key are trimmed: " key " works."""

    def owner(self, request: Request) -> Owner:
        username = (basic_username(request.headers.get("authorization")) or "").strip()
        business = self.config.api_keys.get(username)
        return Owner(business, request.headers.get("for-user-id", "")) if business else super().owner(request)


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
        return self.present(request, self.store.find(self.current, now_ms()))
