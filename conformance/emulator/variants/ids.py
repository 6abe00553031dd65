"""Faults in reading a session id: a server that normalises, truncates or completes an id finds a session the
id does not name.

Each class changes exactly one behaviour of :class:`Api`, by overriding one step (or a small base's one hook);
the first line of its docstring is the fault's description in the catalogue (``variants/__init__.py``).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response

from conformance.emulator.app import Api, json_response
from conformance.emulator.errors import session_not_found
from conformance.emulator.formats import now_ms
from conformance.emulator.store import CANCELED
from conformance.emulator.variants.state import _sessions_of
from conformance.identifiers import SESSION_ID


class NormalizedId(Api):
    """Base: the path's id goes through `normalized` before it is looked up."""

    def session_id(self, request: Request) -> str:
        session_id = self.normalized(self.raw_id(request))
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
        raw = self.raw_id(request)
        if len(raw) == 26 and raw.startswith("ps-"):
            owner = self.owner(request)
            found = [session.id for session in _sessions_of(self, owner)
                     if session.id.startswith(raw)]
            if len(found) == 1:
                return found[0]
        return super().session_id(request)
