"""``POST /sessions`` validation: every error code the emulator implements, with its documented status and body."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running

KEY_A, KEY_B = DEFAULT_KEYS

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
    "unknown channel": ({"allowed_payment_channels": ["CARDS", "INVALID_CHANNEL"]}, "INVALID_PAYMENT_CHANNEL"),
    "channel in lower case": ({"allowed_payment_channels": ["cards"]}, "INVALID_PAYMENT_CHANNEL"),
    "primary channel not allowed": ({"allowed_payment_channels": ["CARDS"], "payment_link_configuration": {
        "primary_payment_channels": ["BPI_DIRECT_DEBIT"]}}, "INVALID_PRIMARY_PAYMENT_CHANNEL"),
    "primary channel unknown": ({"payment_link_configuration": {"primary_payment_channels": ["NOPE"]}},
                                "INVALID_PRIMARY_PAYMENT_CHANNEL"),
    "primary channels not a list": ({"payment_link_configuration": {"primary_payment_channels": "DANA"}},
                                    "API_VALIDATION_ERROR"),
    "101 items": ({"items": [ITEM] * 101}, "API_VALIDATION_ERROR"),
    "lone surrogate in customer reference_id": ({"session_type": "SAVE", "amount": 0, "customer": {
        **CUSTOMER, "reference_id": "c\ud800"}}, "API_VALIDATION_ERROR"),
    "lone surrogate in description": ({"description": "\udfff"}, "API_VALIDATION_ERROR"),
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


def test_channel_errors_name_the_channels(api):
    unknown = api().create(allowed_payment_channels=["CARDS", "INVALID_CHANNEL", "INVALID_CHANNEL"]).json()
    assert unknown["message"] == ("Channel(s) INVALID_CHANNEL are not available. Please ensure that you have "
                                  "activated the necessary channels")
    primary = api().create(allowed_payment_channels=["CARDS", "DANA"],
                           payment_link_configuration={"primary_payment_channels": ["DANA", "OVO"]}).json()
    assert primary["message"] == "Primary channel OVO is not included in the requested channels"


@pytest.mark.parametrize("raw", [b'{"amount": -5, "amount": 1000}', b'{"amount": 1000, "amount": -5}'],
                         ids=["invalid first", "invalid last"])
def test_duplicate_keys_are_rejected_in_either_order(api, emulator_url, documented, raw):
    body = raw[:-1] + b', "reference_id": "r", "session_type": "PAY", "mode": "PAYMENT_LINK", "currency": "IDR", ' \
        b'"country": "ID"}'
    response = api().http.post(emulator_url + "/sessions", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and documented("create", response) == []
    assert response.json()["errors"] == [{"message": "must NOT have duplicate property 'amount'", "path": "/body"}]


def test_lone_surrogates_are_named_by_path_and_never_echoed(api):
    response = api().create(metadata={"k\udc00": "v"})
    assert response.content.isascii() and "\\udc00" in response.json()["message"]
    assert response.json()["errors"] == [{"message": "must be valid Unicode (a lone UTF-16 surrogate is not)",
                                          "path": "/body/metadata/k\\udc00"}]


def test_customer_ids_must_exist_for_the_owner(api, documented):
    unknown = api().create(customer_id=f"cust-{uuid.uuid4()}")
    assert unknown.status_code == 404 and documented("create", unknown) == []
    assert unknown.json() == {"error_code": "DATA_NOT_FOUND",
                              "message": "The customer ID provided in the request does not exist"}
    customer = {**CUSTOMER, "reference_id": f"c-{uuid.uuid4().hex}"}
    registered = api().new(customer=customer)["customer_id"]
    assert api().new(customer_id=registered)["customer_id"] == registered
    assert api(KEY_B).create(customer_id=registered).status_code == 404
    assert api(KEY_A, "sub-1").create(customer_id=registered).status_code == 404
    for seeded in ("cust-b98d6f63-d240-44ec-9bd5-aa42954c4f48", "cust-e2878b4c-d57e-4a2c-922d-c0313c2800a3"):
        assert api(KEY_B).create(customer_id=seeded).status_code == 201


def test_a_customer_reference_id_belongs_to_one_business(api, documented):
    customer = {**CUSTOMER, "reference_id": f"c-{uuid.uuid4().hex}"}
    first = api().new(customer=customer)["customer_id"]
    assert api().new(customer=customer)["customer_id"] == first
    for intruder in (api(KEY_B), api(KEY_A, "sub-1")):
        duplicate = intruder.create(customer=customer)
        assert duplicate.status_code == 409 and documented("create", duplicate) == []
        assert duplicate.json()["error_code"] == "DUPLICATE_ERROR"


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
    "every documented channel": {"allowed_payment_channels": ["CARDS", "BRI_DIRECT_DEBIT", "DANA", "OVO",
                                                              "BPI_DIRECT_DEBIT"]},
    "primary channel among the allowed": {"allowed_payment_channels": ["DANA", "OVO"],
                                          "payment_link_configuration": {"primary_payment_channels": ["OVO"]}},
    "100 items": {"items": [ITEM] * 100},
    "surrogate pair, NUL and BOM": {"description": "\U0001f600 \x00 \ufeff"},
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
        if name not in ("expires_at", "customer", "payment_link_configuration"):  # not in the response schema
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
