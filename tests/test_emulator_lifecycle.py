"""The emulator over real HTTP: create → get → cancel, test control, expiry, the hosted checkout page."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from conformance.emulator import DEFAULT_KEYS

KEY_A, KEY_B = DEFAULT_KEYS
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def test_create_get_cancel_cancel_get(api, documented):
    client = api()
    created = client.create()
    assert created.status_code == 201 and documented("create", created) == []
    session = created.json()
    session_id = session["payment_session_id"]
    assert re.fullmatch(r"ps-[0-9a-f]{24}", session_id)
    assert session["business_id"] == DEFAULT_KEYS[KEY_A]
    assert session["status"] == "ACTIVE" and session["amount"] == 10000 and isinstance(session["amount"], int)
    assert all(TIMESTAMP.fullmatch(session[name]) for name in ("created", "updated", "expires_at"))

    fetched = client.get(session_id)
    assert fetched.status_code == 200 and documented("get", fetched) == [] and fetched.json() == session

    canceled = client.cancel(session_id)
    assert canceled.status_code == 200 and documented("cancel", canceled) == []
    body = canceled.json()
    assert body["status"] == "CANCELED" and body["updated"] > session["updated"]
    assert {k: v for k, v in body.items() if k not in ("status", "updated")} == {
        k: v for k, v in session.items() if k not in ("status", "updated")}

    again = client.cancel(session_id)
    assert again.status_code == 422 and documented("cancel", again) == []
    assert again.json() == {"error_code": "INVALID_SESSION_STATUS",
                            "message": "Session status is CANCELED, expecting ACTIVE"}
    assert client.get(session_id).json() == body


def test_session_defaults_and_formats(api):
    session = api().new()
    created = datetime.fromisoformat(session["created"])
    assert datetime.fromisoformat(session["expires_at"]) - created == timedelta(minutes=30)
    assert session["locale"] == "en"
    assert session["payment_link_url"].endswith(f"/checkout/{session['payment_session_id']}")
    assert session["items"] is None and session["payment_request_id"] is None
    assert "capture_method" not in session and "customer_id" not in session


def test_customer_object_gets_a_stable_customer_id(api):
    customer = {"type": "INDIVIDUAL", "reference_id": "cust42", "individual_detail": {"given_names": "Ana"}}
    first = api().new(customer=customer)["customer_id"]
    assert re.fullmatch(r"cust-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", first)
    assert api().new(customer=customer)["customer_id"] == first
    assert api().new(customer_id=first)["customer_id"] == first


@pytest.mark.parametrize(("action", "status"), [("complete", "COMPLETED"), ("expire", "EXPIRED")])
def test_test_control_then_cancel_is_refused(api, documented, action, status):
    client = api()
    session_id = client.new()["payment_session_id"]
    moved = client.control(session_id, action)
    assert moved.status_code == 200 and moved.json()["status"] == status
    assert documented("get", moved) == []
    refused = client.cancel(session_id)
    assert refused.status_code == 422 and documented("cancel", refused) == []
    assert refused.json()["message"] == f"Session status is {status}, expecting ACTIVE"
    assert client.get(session_id).json() == moved.json()
    again = client.control(session_id, action)
    assert again.status_code == 409 and again.json()["error_code"] == "INVALID_SESSION_STATUS"


def test_completion_carries_payment_references(api):
    client = api()
    paid = client.control(client.new()["payment_session_id"], "complete").json()
    assert paid["payment_request_id"].startswith("pr-") and paid["payment_id"].startswith("py-")
    assert paid["payment_token_id"] is None
    customer = {"type": "INDIVIDUAL", "reference_id": "c1", "individual_detail": {"given_names": "Ana"}}
    saved = client.control(client.new(session_type="SAVE", amount=0, customer=customer)["payment_session_id"],
                           "complete").json()
    assert saved["payment_token_id"].startswith("pt-") and saved["payment_id"] is None


def test_forced_expiry_moves_expires_at(api):
    client = api()
    session = client.new()
    expired = client.control(session["payment_session_id"], "expire").json()
    assert expired["expires_at"] == expired["updated"] < session["expires_at"]


def test_session_expires_by_itself(api, documented):
    client = api()
    expires_at = datetime.now(UTC) + timedelta(seconds=1.2)
    session = client.new(expires_at=expires_at.isoformat())
    assert session["status"] == "ACTIVE"
    assert session["expires_at"] == expires_at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{expires_at.microsecond // 1000:03d}Z"
    link = session["payment_link_url"]
    assert requests.get(link).status_code == 200
    time.sleep(max(0.0, (expires_at - datetime.now(UTC)).total_seconds()) + 0.05)
    fetched = client.get(session["payment_session_id"])
    assert fetched.json()["status"] == "EXPIRED" and documented("get", fetched) == []
    assert fetched.json()["updated"] == session["expires_at"]
    refused = client.cancel(session["payment_session_id"])
    assert refused.status_code == 422 and refused.json()["message"] == "Session status is EXPIRED, expecting ACTIVE"
    assert requests.get(link).status_code == 404


@pytest.mark.parametrize("action", ["cancel", "complete", "expire"])
def test_checkout_link_dies_when_the_session_ends(api, action):
    client = api()
    session = client.new()
    link = session["payment_link_url"]
    page = requests.get(link)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    ended = client.cancel(session["payment_session_id"]) if action == "cancel" else client.control(
        session["payment_session_id"], action)
    assert ended.status_code == 200
    gone = requests.get(link)
    assert gone.status_code == 404 and gone.json()["error_code"] == "NOT_FOUND"


def test_components_session_has_sdk_key_and_no_link(api, documented):
    response = api().create(mode="COMPONENTS", components_configuration={"origins": ["https://shop.example"]})
    assert response.status_code == 201 and documented("create", response) == []
    session = response.json()
    assert session["payment_link_url"] is None and "-mock-" in session["components_sdk_key"]
    assert session["components_configuration"] == {"origins": ["https://shop.example"]}


def test_cancel_ignores_any_body(api):
    client = api()
    for body in (b"not json", b'{"status": "ACTIVE"}', b"\xff\xfe"):
        session_id = client.new()["payment_session_id"]
        response = client.cancel(session_id, data=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 200 and response.json()["status"] == "CANCELED"


def test_unknown_fields_are_not_echoed(api):
    session = api().new(status="COMPLETED", payment_id="py-x", business_id="0" * 24, internal_note="x")
    assert session["status"] == "ACTIVE" and session["payment_id"] is None
    assert session["business_id"] != "0" * 24 and "internal_note" not in session
