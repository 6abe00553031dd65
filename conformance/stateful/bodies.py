"""Create-session bodies for the state machine, drawn from the repaired create document (``load_repaired("create")``):
its enums, its item and customer schemas, and the documented business rules, so that every body is one a conforming
server accepts. Across a run every optional field is exercised: a customer object or a ``customer_id``, items,
metadata, descriptions in non-ASCII text, currencies with decimal amounts where they have minor units, SAVE as well
as PAY, PAYMENT_LINK and COMPONENTS, a chosen ``expires_at``, channels and notification channels."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import cache

from hypothesis import strategies as st

from conformance.spec.stage import load_repaired

DECIMAL_CURRENCIES = {"PHP", "THB", "SGD", "MYR", "USD"}  # two minor digits; IDR and VND have none (facts §1.3)
COUNTRY_OF = {"IDR": "ID", "PHP": "PH", "VND": "VN", "THB": "TH", "SGD": "SG", "MYR": "MY", "USD": "ID"}
TEXT = st.sampled_from(["Pesanan #123 — kopi ☕", "Đơn hàng số 7", "ชำระเงิน", "Café crème · 2×", "注文 42",
                        "Plain order 1"])
REFERENCES = st.sampled_from(["start", "order-1"])  # a session reference_id need not be unique: some repeat (the
# sequence's first sessions have "start")


@cache
def _schemas() -> dict:
    return load_repaired("create")["components"]["schemas"]


def enum(name: str) -> list[str]:
    """An enum of the create document, e.g. ``enum("Payment_Session_CurrencyPublic")``."""
    return list(_schemas()[name]["enum"])


def _amount(currency: str) -> st.SearchStrategy[float | int]:
    whole = st.integers(1, 5_000_000)
    if currency not in DECIMAL_CURRENCIES:
        return whole
    return st.one_of(whole, st.integers(101, 500_000).map(lambda cents: round(cents / 100, 2)))


def _customer(tag: str) -> st.SearchStrategy[dict]:
    detail = st.fixed_dictionaries({"given_names": st.sampled_from(["Budi", "Nguyen", "Somchai"])},
                                   optional={"surname": st.sampled_from(["Santoso", "Tran"]),
                                             "gender": st.sampled_from(["MALE", "FEMALE", "OTHER"]),
                                             "date_of_birth": st.just("1990-01-31")})
    return st.fixed_dictionaries({
        "type": st.just("INDIVIDUAL"),
        "reference_id": st.integers(1, 3).map(lambda n: f"{tag}cust{n}"),
        "individual_detail": detail,
    }, optional={"email": st.just("customer@example.com"), "mobile_number": st.just("+628123456789")})


def _items() -> st.SearchStrategy[list[dict]]:
    item = st.fixed_dictionaries({
        "reference_id": st.sampled_from(["sku-1", "sku-2"]),
        "type": st.sampled_from(enum_of_items()),
        "name": TEXT,
        "net_unit_amount": st.sampled_from([1000, 2500.5]),
        "quantity": st.integers(1, 3),
        "category": st.just("general"),
    }, optional={"description": TEXT, "metadata": st.just({"colour": "biru"})})
    return st.lists(item, min_size=1, max_size=2)


def enum_of_items() -> list[str]:
    return list(_schemas()["Payment_Session_XenditStandardItem"]["properties"]["type"]["enum"])


def _later(hours: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@st.composite
def create_bodies(draw, tag: str) -> dict:
    """A valid create body; `tag` marks the session as the run's (its reference_id and customer references)."""
    session_type = draw(st.sampled_from([kind for kind in enum("Payment_Session_SessionTypePublicEnum")
                                         if kind in ("PAY", "SAVE")]))
    currency = draw(st.sampled_from(enum("Payment_Session_CurrencyPublic")))
    mode = draw(st.sampled_from(enum("Payment_Session_SessionModePublicEnum")))
    body = {"reference_id": f"{tag}-{draw(REFERENCES)}", "session_type": session_type, "mode": mode,
            "currency": currency, "country": COUNTRY_OF[currency],
            "amount": 0 if session_type == "SAVE" else draw(_amount(currency))}
    who = draw(st.sampled_from(["customer", "customer_id", "none"] if session_type == "PAY"
                               else ["customer", "customer_id"]))
    if who == "customer":
        body["customer"] = draw(_customer(tag.replace("-", "")))
    elif who == "customer_id":
        body["customer_id"] = f"cust-{uuid.UUID(int=draw(st.integers(0, 2**32)))}"
    if session_type == "PAY":
        if draw(st.booleans()):
            body["items"] = draw(_items())
        if who != "none":
            body["allow_save_payment_method"] = draw(st.sampled_from(enum(
                "Payment_Session_AllowSavePaymentMethodEnum")))
        if draw(st.booleans()):
            body["capture_method"] = draw(st.sampled_from(enum("Payment_Session_CaptureMethodEnum")))
    if draw(st.booleans()):
        body["metadata"] = draw(st.dictionaries(st.sampled_from(["order", "note", "kanal"]), TEXT, min_size=1,
                                                max_size=3))
    if draw(st.booleans()):
        body["description"] = draw(TEXT)
    if draw(st.booleans()):
        body["locale"] = draw(st.sampled_from(["en", "id", "th", "vi"]))
    if draw(st.booleans()):
        body["expires_at"] = _later(draw(st.integers(1, 24)))
    if draw(st.booleans()):
        body["allowed_payment_channels"] = draw(st.sampled_from([["CARDS"], ["DANA", "OVO"]]))
    if draw(st.booleans()):
        body["notification_channels"] = ["EMAIL"]
    if mode == "COMPONENTS":
        body["components_configuration"] = {"origins": ["https://shop.example.com"]}
    else:
        body["success_return_url"] = "https://example.com/conformance/success"
        body["cancel_return_url"] = "https://example.com/conformance/cancel"
    return body


def plain_body(reference_id: str, expires_at: str | None = None) -> dict:
    """A plain PAY link (the session the machine always starts with, and the one whose expiry it waits out)."""
    body = {"reference_id": reference_id, "session_type": "PAY", "mode": "PAYMENT_LINK", "currency": "IDR",
            "amount": 10000, "country": "ID",
            "description": "Created by the cancel conformance suite; safe to cancel.",
            "success_return_url": "https://example.com/conformance/success",
            "cancel_return_url": "https://example.com/conformance/cancel"}
    return body | ({"expires_at": expires_at} if expires_at else {})


def rich_body(tag: str, mode: str) -> dict:
    """A session with every optional field the document lets `mode` have (a customer, items, metadata, non-ASCII
    text, a decimal amount): the opening sequence cancels one of each mode, so that every field is compared across a
    cancel whatever the budget."""
    body = {"reference_id": f"{tag}-rich", "session_type": "PAY", "mode": mode, "currency": "PHP", "country": "PH",
            "amount": 1234.5, "description": "Pesanan #123 — kopi ☕", "locale": "en",
            "customer": {"type": "INDIVIDUAL", "reference_id": f"{tag.replace('-', '')}cust1",
                         "email": "customer@example.com",
                         "individual_detail": {"given_names": "Nguyen", "surname": "Tran"}},
            "items": [{"reference_id": "sku-1", "type": enum_of_items()[0], "name": "注文 42",
                       "net_unit_amount": 1234.5, "quantity": 1, "category": "general",
                       "metadata": {"colour": "biru"}}],
            "metadata": {"order": "Đơn hàng số 7", "kanal": "ชำระเงิน"}, "capture_method": "AUTOMATIC",
            "allow_save_payment_method": "OPTIONAL", "allowed_payment_channels": ["CARDS"],
            "notification_channels": ["EMAIL"]}
    if mode == "COMPONENTS":
        return body | {"components_configuration": {"origins": ["https://shop.example.com"]}}
    return body | {"success_return_url": "https://example.com/conformance/success",
                   "cancel_return_url": "https://example.com/conformance/cancel"}
