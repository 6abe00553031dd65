"""A stored session as the API returns it.

Field order and presence follow the response schema of the repaired document (``Payment_Session_StandardSession
ResponsePublicSchema``): a field with a value is returned; a field without one is ``null`` when the schema says it is
nullable and left out otherwise (Xendit's examples show ``null``, its live responses leave fields out; both validate).

- ``payment_link_url`` (PAYMENT_LINK sessions) is this emulator's own hosted checkout, ``{origin}/checkout/{id}``,
  built from the origin the client used, so it stays right after a restart on another port. It is kept after the
  session ends; the page itself then answers 404.
- ``business_id`` is the owning (sub-)account: the ``for-user-id`` the session was created with, else the key's
  business.
"""

from __future__ import annotations

from functools import cache

from conformance.emulator.create import schemas
from conformance.emulator.formats import timestamp
from conformance.emulator.store import Session
from conformance.spec.pointer import resolve

RESPONSE = "Payment_Session_StandardSessionResponsePublicSchema"


@cache
def response_fields() -> tuple[tuple[str, ...], frozenset[str]]:
    """(every response property in schema order, the nullable ones)."""
    document = schemas().document
    properties = document["components"]["schemas"][RESPONSE]["properties"]
    nullable = {name for name, schema in properties.items()
                if (resolve(document, schema["$ref"]) if "$ref" in schema else schema).get("nullable")}
    return tuple(properties), frozenset(nullable)


def session_body(session: Session, origin: str) -> dict:
    """The JSON body for `session`; `origin` is the emulator's base URL as the client reached it."""
    values = {
        **session.fields,
        **session.outcome,
        "payment_session_id": session.id,
        "updated": timestamp(session.updated),
        "expires_at": timestamp(session.expires_at),
        "status": session.status,
        "business_id": session.owner.sub_account or session.owner.business_id,
    }
    if session.fields["mode"] == "PAYMENT_LINK":
        values["payment_link_url"] = f"{origin}/checkout/{session.id}"
    names, nullable = response_fields()
    return {name: values.get(name) for name in names if name in values or name in nullable}
