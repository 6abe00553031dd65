"""The endpoint a request goes to. Xendit counts its rate limits per endpoint (and account), so the suite paces,
counts 429s and bounds stalls per endpoint too."""

from __future__ import annotations

CREATE, GET, CANCEL, OTHER, CHECKOUT = "create", "get", "cancel", "other", "checkout"
ENDPOINTS = (CREATE, GET, CANCEL, OTHER, CHECKOUT)  # the order reports list them in
API_ENDPOINTS = (CREATE, GET, CANCEL, OTHER)  # on the target; CHECKOUT is a link it hands out, on any origin


def endpoint_of(method: str, path: str) -> str:
    """The endpoint of a request to the target, from its method and the path the suite built (without the base URL's
    prefix; a query does not count): POST /sessions is ``create``, GET /sessions/{id} ``get``,
    POST /sessions/{id}/cancel ``cancel`` (whatever the id, even empty), anything else ``other``."""
    parts = path.split("?", 1)[0].split("/")
    if parts[:2] != ["", "sessions"]:
        return OTHER
    if len(parts) == 2 and method == "POST":
        return CREATE
    if len(parts) == 3 and method == "GET":
        return GET
    if len(parts) == 4 and parts[3] == "cancel" and method == "POST":
        return CANCEL
    return OTHER
