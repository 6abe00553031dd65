"""Faults in who may act: keys, the Basic scheme, businesses and the sub-accounts of for-user-id.

Each class changes exactly one behaviour of :class:`Api`, by overriding one step (or a small base's one hook);
the first line of its docstring is the fault's description in the catalogue (``variants/__init__.py``).
"""



from starlette.requests import Request
from starlette.responses import Response

from conformance.emulator.app import Api, basic_username
from conformance.emulator.errors import ApiError, session_not_found
from conformance.emulator.formats import now_ms
from conformance.emulator.store import Owner, Session
from conformance.identifiers import TEST_PREFIX


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
            session = self.store.find(self.raw_id(request), now_ms())
            if session is not None:
                self.store.cancel(session.owner, session.id, now_ms())
            raise
        return self.settled(request, owner, self.store.cancel(owner, self.session_id(request), now_ms()), 422)


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
