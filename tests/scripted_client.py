"""A scripted client of the Payment Sessions API, as a team's integration tests would drive it: each kind of
request whose answer the judge can hold to the contract (creates, reads, cancels by the owner, by nobody, by another
business, a variant of an id, another method, a race, a session past its expiry, a completed one)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import requests

from conformance.emulator import DEFAULT_KEYS
from conformance.target.identity import basic

KEY, OTHER_KEY = list(DEFAULT_KEYS)[:2]
UNKNOWN_ID = "ps-" + "Z" * 24  # within the document's bounds, of no session's form
NOT_CREATED = "ps-" + "Y" * 24  # what the script uses for a session the server did not create


def _body(reference: str, expires_in: float | None = None) -> bytes:
    payload = {"reference_id": reference, "session_type": "PAY", "mode": "PAYMENT_LINK", "amount": 10000,
               "currency": "IDR", "country": "ID"}
    if expires_in is not None:
        moment = datetime.now(UTC) + timedelta(seconds=expires_in)
        payload["expires_at"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps(payload).encode()


def drive(base_url: str, expiry: bool = True, keys: tuple[str, str] = (KEY, OTHER_KEY)) -> int:
    """Drive `base_url` (the emulator, or a proxy in front of it) with two businesses' `keys`; the number of requests
    sent."""
    http = requests.Session()
    key, other_key = keys
    main, other = {"Authorization": basic(key)}, {"Authorization": basic(other_key)}
    json_type = {"Content-Type": "application/json"}
    sent = 0

    def call(method: str, path: str, headers: dict, body: bytes | None = None) -> requests.Response:
        nonlocal sent
        sent += 1
        return http.request(method, base_url + path, headers=headers, data=body, timeout=10)

    def create(headers: dict, reference: str, expires_in: float | None = None) -> str:
        """The id of the session created; a server that refused (a mock that knows one key) or answered no id: an
        id of no session, so that the script goes on as a team's tests would, sending what it sends."""
        response = call("POST", "/sessions", {**headers, **json_type}, _body(reference, expires_in))
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        created = body.get("payment_session_id") if isinstance(body, dict) else None
        return created if isinstance(created, str) and created else NOT_CREATED

    first, second, theirs = create(main, "judge-a"), create(main, "judge-b"), create(other, "judge-c")
    call("GET", f"/sessions/{first}", main)
    call("POST", f"/sessions/{first}/cancel", main)
    call("GET", f"/sessions/{first}", main)
    call("POST", f"/sessions/{first}/cancel", main)
    call("GET", f"/sessions/{first}", main)
    call("GET", f"/sessions/{second}", main)  # after a cancel of another session: the frame condition
    for headers in ({}, other, {"Authorization": basic(key + "x")}):
        call("POST", f"/sessions/{second}/cancel", headers)
        call("GET", f"/sessions/{second}", main)
    call("POST", f"/sessions/{second.upper()}/cancel", main)
    call("POST", f"/sessions/{UNKNOWN_ID}/cancel", main)
    call("GET", f"/sessions/{second}", main)
    call("GET", f"/sessions/{second}/cancel", main)
    call("GET", f"/sessions/{second}", main)
    call("GET", f"/sessions/{theirs}", main)
    call("POST", f"/sessions/{theirs}/cancel", other)
    call("GET", f"/sessions/{theirs}", other)
    raced = create(main, "judge-race")
    racers = [threading.Thread(target=call, args=("POST", f"/sessions/{raced}/cancel", main)) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    call("GET", f"/sessions/{raced}", main)
    completed = create(main, "judge-completed")
    call("POST", f"/test-control/sessions/{completed}/complete", main)
    call("GET", f"/sessions/{completed}", main)
    call("POST", f"/sessions/{completed}/cancel", main)
    call("GET", f"/sessions/{completed}", main)
    if expiry:
        expiring = create(main, "judge-expiring", 1.2)
        time.sleep(3.9)  # past expires_at, the skew and the lag a late expiry is allowed (Margin(0.5, 2.0))
        call("POST", f"/sessions/{expiring}/cancel", main)
        call("GET", f"/sessions/{expiring}", main)
    call("POST", f"/sessions/{second}/cancel", main)
    call("GET", f"/sessions/{second}", main)
    return sent
