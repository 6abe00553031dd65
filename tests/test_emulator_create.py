"""``POST /sessions`` validation: every error code the emulator implements, with its documented status and body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conformance.emulator import EmulatorConfig, running

CUSTOMER = {"type": "INDIVIDUAL", "reference_id": "c1", "individual_detail": {"given_names": "Ana"}}
ITEM = {"reference_id": "i1", "type": "PHYSICAL_PRODUCT", "name": "Shirt", "net_unit_amount": 5000, "quantity": 2,
        "category": "CLOTHES"}


def in_seconds(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


REJECTED = {
    "SAVE with an amount": ({"session_type": "SAVE", "amount": 5, "customer": CUSTOMER}, "INVALID_AMOUNT"),
    "PAY with amount 0": ({"amount": 0}, "INVALID_AMOUNT"),
    "SUBSCRIPTION with amount 0": ({"session_type": "SUBSCRIPTION", "amount": 0}, "INVALID_AMOUNT"),
    "SAVE without customer": ({"session_type": "SAVE", "amount": 0}, "MISSING_CUSTOMER"),
    "optional save without customer": ({"allow_save_payment_method": "OPTIONAL"}, "MISSING_CUSTOMER"),
    "http return URL": ({"success_return_url": "http://shop.example/ok"}, "INVALID_URL"),
    "relative cancel URL": ({"cancel_return_url": "/cancel"}, "INVALID_URL"),
    "http components return URL": (
        {"mode": "COMPONENTS", "components_configuration": {"origins": [], "return_url": "http://x.example"}},
        "INVALID_URL"),
    "customer id prefix": ({"customer_id": "cus_-b98d6f63-d240-44ec-9bd5-aa42954c4f48"}, "INVALID_CUSTOMER_ID"),
    "capture method on SAVE": (
        {"session_type": "SAVE", "amount": 0, "customer": CUSTOMER, "capture_method": "MANUAL"},
        "DISALLOWED_CAPTURE_METHOD"),
    "items on SAVE": ({"session_type": "SAVE", "amount": 0, "customer": CUSTOMER, "items": [ITEM]},
                      "ITEMS_NOT_SUPPORTED"),
    "expiry too soon": ({"expires_at": in_seconds(0.2)}, "INVALID_EXPIRY_DATE"),
    "expiry in the past": ({"expires_at": "2020-01-01T00:00:00Z"}, "INVALID_EXPIRY_DATE"),
    "expiry beyond year 9999": ({"expires_at": "9999-12-31T23:59:59-01:00"}, "INVALID_EXPIRY_DATE"),
    "unsupported session type": ({"session_type": "AUTHORIZATION"}, "SESSION_TYPE_NOT_SUPPORTED"),
    "unsupported mode": ({"mode": "CARDS_SESSION_JS"}, "MODE_NOT_SUPPORTED"),
    "unsupported currency": ({"currency": "EUR"}, "INVALID_CURRENCY"),
    "unsupported country": ({"country": "DE"}, "INVALID_COUNTRY"),
    "too many metadata keys": ({"metadata": {f"k{n}": "v" for n in range(21)}}, "INVALID_METADATA"),
    "long metadata value": ({"metadata": {"k": "v" * 81}}, "INVALID_METADATA"),
    "item metadata not a string": ({"items": [{**ITEM, "metadata": {"k": 1}}]}, "INVALID_ITEM_METADATA"),
    "missing session_type": ({"session_type": None}, "API_VALIDATION_ERROR"),
    "amount as a string": ({"amount": "10000"}, "API_VALIDATION_ERROR"),
    "negative amount": ({"amount": -1}, "API_VALIDATION_ERROR"),
    "reference_id too long": ({"reference_id": "r" * 65}, "API_VALIDATION_ERROR"),
    "customer_id too short": ({"customer_id": "cust-1"}, "API_VALIDATION_ERROR"),
    "expires_at not a date-time": ({"expires_at": "tomorrow"}, "API_VALIDATION_ERROR"),
    "bad enum with another error": ({"mode": "NOPE", "amount": "1"}, "API_VALIDATION_ERROR"),
    "bad components_configuration": ({"mode": "COMPONENTS", "components_configuration": {"origins": "x"}},
                                     "API_VALIDATION_ERROR"),
}


@pytest.mark.parametrize(("overrides", "code"), REJECTED.values(), ids=REJECTED.keys())
def test_rejected_with_documented_code(api, documented, overrides, code):
    response = api().create(**overrides)
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == code
    assert documented("create", response) == []


def test_validation_error_has_the_documented_shape(api):
    body = api().create(session_type=None).json()
    assert body == {
        "error_code": "API_VALIDATION_ERROR",
        "message": "request/body must have required property 'session_type'",
        "errors": [{"message": "must have required property 'session_type'", "path": "/body/session_type"}],
    }


def test_nested_violations_name_their_paths(api):
    body = api().create(customer={"type": "COMPANY", "reference_id": "c"}, amount="1").json()
    assert {entry["path"] for entry in body["errors"]} == {
        "/body/amount", "/body/customer/type", "/body/customer/individual_detail"}
    assert "request/body/customer must have required property 'individual_detail'" in body["message"]


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'"text"', b"null", b'{"amount": NaN}', b'{"amount": 1e999}',
                                 b"\xff\xfe\x00", b"[" * 100_000])
def test_non_object_bodies_are_validation_errors(api, emulator_url, raw):
    response = api().http.post(emulator_url + "/sessions", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error_code"] == "API_VALIDATION_ERROR"


ACCEPTED = {
    "docs' SAVE example": {"session_type": "SAVE", "amount": 0, "customer": CUSTOMER, "locale": "id",
                           "description": "Insurance Plan Registration",
                           "success_return_url": "https://yourcompany.com/success"},
    "PAY with items and metadata": {"items": [ITEM], "metadata": {"order": "123"}, "capture_method": "MANUAL"},
    "subscription": {"session_type": "SUBSCRIPTION", "amount": 50000, "subscription": {
        "schedule": {"interval": "MONTH", "interval_count": 1, "anchor_date": "2026-05-01T00:00:00Z"}}},
    "forced save with customer_id": {"allow_save_payment_method": "FORCED",
                                     "customer_id": "cust-b98d6f63-d240-44ec-9bd5-aa42954c4f48"},
    "explicit nulls": {"metadata": None, "items": None, "subscription": None},
    "fractional amount": {"amount": 10.5, "currency": "PHP", "country": "PH"},
    # times are computed when the test runs, not when it is collected (a busy machine may start it minutes later)
    "expiry 30 s ahead, floor 1 s": {"expires_at": lambda: in_seconds(30)},
    "lowercase t and z": {"expires_at": lambda: (datetime.now(UTC) + timedelta(hours=1)).strftime(
        "%Y-%m-%dt%H:%M:%Sz")},
    "channels": {"allowed_payment_channels": ["CARDS", "DANA"], "channel_properties": {"cards": {}},
                 "notification_channels": ["EMAIL"]},
}


@pytest.mark.parametrize("overrides", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted_and_echoed(api, documented, overrides):
    overrides = {name: value() if callable(value) else value for name, value in overrides.items()}
    response = api().create(**overrides)
    assert response.status_code == 201, response.text
    assert documented("create", response) == []
    session = response.json()
    assert session["customer_id"].startswith("cust-") if "customer" in overrides else True
    for name, value in overrides.items():
        if name not in ("expires_at", "customer"):
            assert session[name] == value, name


def test_expiry_floor_defaults_to_ten_minutes(client_of):
    with running() as base_url:
        soon = client_of(base_url).create(expires_at=in_seconds(540))
        assert soon.status_code == 400
        assert soon.json()["message"] == "expires_at must be at least 10 minutes in the future"
        assert client_of(base_url).create(expires_at=in_seconds(660)).status_code == 201


def test_expiry_floor_message_in_seconds(client_of):
    with running(EmulatorConfig(min_expiry_seconds=90)) as base_url:
        response = client_of(base_url).create(expires_at=in_seconds(60))
    assert response.json()["message"] == "expires_at must be at least 90 seconds in the future"
