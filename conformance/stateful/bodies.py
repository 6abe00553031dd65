"""Create-session bodies for the state machine, drawn from the repaired create document (``load_repaired("create")``):
its enums, its item and customer schemas, and the documented business rules, so that every body is one a conforming
server accepts. Across a run every optional field is exercised: a customer object or a ``customer_id``, items,
metadata, descriptions in non-ASCII text, currencies with decimal amounts where they have minor units, SAVE as well
as PAY, PAYMENT_LINK and COMPONENTS, a chosen ``expires_at``, channels and notification channels.

Some of the time, and always in :func:`edge_bodies`, values sit at the edges where storage and serialisation bugs
show: integers at the int32, uint32 and float32 limits and a double's last exact integer, decimals a
float32 cannot hold, text in both normalisation forms, beyond the BMP, right to left, with every JSON escape, and
every length at its documented maximum. Lengths are counted in code points, and text at a maximum stays in the BMP,
where UTF-16 code units (JavaScript's ``length``) count alike. Two limits are the document's own, not a database's:

- metadata values are strings (the ``INVALID_METADATA`` rule: at most 20 keys of 40 characters, each value a string
  of up to 80), so metadata carries strings that *read* as every JSON type (``"123"``, ``"true"``, ``"null"``,
  ``"{}"``); the JSON types themselves, nested, go in ``channel_properties``, the free-form object the response
  echoes;
- numbers stay within what I-JSON carries exactly (RFC 7493 §2.2: integers up to 2^53−1, 15 significant digits):
  an int64's limits are beyond any double, and the cancel's answer would be judged for them (CANCEL-JSON-NUMBERS)."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache

from hypothesis import strategies as st

from conformance.spec.stage import load_repaired

DECIMAL_CURRENCIES = {"PHP", "THB", "SGD", "MYR", "USD"}  # two minor digits; IDR and VND have none (facts §1.3)
COUNTRY_OF = {"IDR": "ID", "PHP": "PH", "VND": "VN", "THB": "TH", "SGD": "SG", "MYR": "MY", "USD": "ID"}
PLAIN_TEXT = ["Pesanan #123 — kopi ☕", "Đơn hàng số 7", "ชำระเงิน", "Café crème · 2×", "注文 42", "Plain order 1"]
NFD = unicodedata.normalize("NFD", "Café crème — Nguyễn Thị Đẹp")
EDGE_TEXT = {  # each at most 80 code points, 80 UTF-16 units: a metadata value, an item name or a description
    "nfc and nfd": f"{unicodedata.normalize('NFC', NFD)} | {NFD}",
    "combining marks": "Z\u0351\u0308\u0324a\u0310\u0317l\u0352go · नमस्ते · \u1112\u1161\u11ab",
    "beyond the bmp": "😀 👨\u200d👩\u200d👧\u200d👦 🇮🇩 👍🏽 1\ufe0f\u20e3 𠮷野家",
    "right to left": "طلب رقم ١٢٣ — הזמנה 7 \u202eRLO\u202c \u200fmark",
    "quotes and backslashes": '"quoted" \'single\' \\back\\slash\\ /slash/ \\u0041 \\n',
    "control characters": "tab\there nl\nhere cr\rhere \b\f\x01\x1f\x7f end",
    "line separators": "line\u2028separator paragraph\u2029separator \u200bzero\ufeffwidth\u00a0nbsp",
    "markup": "</script><script>alert(1)</script> <!-- & &amp; &lt; ]]>",
}
TEXT = st.sampled_from(PLAIN_TEXT + list(EDGE_TEXT.values()))
JSON_LOOKING = ["123", "-0", "1.50", "1E+400", "true", "null", "[]", "{}", '{"a":[1,2]}', ""]  # strings that read
# as other JSON types: metadata values stay strings (the INVALID_METADATA rule)
INT32, UINT32, EXACT = 2**31 - 1, 2**32 - 1, 2**53 - 1
EDGE_INTEGERS = [INT32, INT32 + 1, UINT32, UINT32 + 1, 2**24 + 1, EXACT]  # 2^24 + 1: a float32's first gap
EDGE_DECIMALS = [0.01, 0.07, 1048576.01, 16777217.01, 2147483647.99, 9999999999999.99]  # two minor digits; from
# 1048576.01 on, more digits than a float32 holds; 9999999999999.99: the most a double holds exactly (15 digits)
ALL_TYPES = {"string": "text", "empty string": "", "integer": INT32 + 1, "negative": -EXACT, "zero": 0,
             "number": 0.1, "exponent": 1.5e-7, "true": True, "false": False, "null": None,
             "array": [1, "two", None, True, [], {}], "empty object": {},
             "nested": {"level 2": {"level 3": {"level 4": ["deep", {"level 6": EDGE_TEXT["beyond the bmp"]}]}}}}
ITEM_URL = "https://example.com/items/sku-1?colour=biru&size=L"
REFERENCES = st.sampled_from(["start", "order-1"])  # a session reference_id need not be unique: some repeat (the
# sequence's first sessions have "start")


@cache
def _schemas() -> dict:
    return load_repaired("create")["components"]["schemas"]


def enum(name: str) -> list[str]:
    """An enum of the create document, e.g. ``enum("Payment_Session_CurrencyPublic")``."""
    return list(_schemas()[name]["enum"])


def _amount(currency: str) -> st.SearchStrategy[float | int]:
    """An amount with the decimals `currency` allows; now and then at an edge of the types stores hold it in."""
    whole = st.one_of(st.integers(1, 5_000_000), st.sampled_from(EDGE_INTEGERS))
    if currency not in DECIMAL_CURRENCIES:
        return whole
    return st.one_of(whole, st.integers(101, 500_000).map(lambda cents: round(cents / 100, 2)),
                     st.sampled_from(EDGE_DECIMALS))


def _customer(tag: str) -> st.SearchStrategy[dict]:
    names = ["Budi", "Nguyen", "Somchai", unicodedata.normalize("NFD", "Đẹp")]
    detail = st.fixed_dictionaries({"given_names": st.sampled_from(names)},
                                   optional={"surname": st.sampled_from(["Santoso", "Tran", "محمد"]),
                                             "gender": st.sampled_from(["MALE", "FEMALE", "OTHER"]),
                                             "date_of_birth": st.just("1990-01-31"),
                                             "nationality": st.just("ID"),
                                             "place_of_birth": st.sampled_from(["Jakarta", "Hà Nội"])})
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
        "net_unit_amount": st.sampled_from([1000, 2500.5, *EDGE_INTEGERS]),
        "quantity": st.integers(1, 3),
        "category": st.just("general"),
    }, optional={"description": TEXT, "metadata": _metadata(), "url": st.just(ITEM_URL),
                 "image_url": st.just(ITEM_URL + "/image.png"), "subcategory": TEXT})
    return st.lists(item, min_size=1, max_size=2)


def _metadata() -> st.SearchStrategy[dict]:
    """Metadata within the documented limits: keys and string values plain, tricky, or reading as another type."""
    keys = st.sampled_from(["order", "note", "kanal", "café", unicodedata.normalize("NFD", "café"), "k" * 40])
    return st.dictionaries(keys, st.one_of(TEXT, st.sampled_from(JSON_LOOKING)), min_size=1, max_size=3)


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
        body["metadata"] = draw(_metadata())
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
    if draw(st.integers(0, 3)) == 0:
        body["channel_properties"] = {"conformance": ALL_TYPES}
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


def _padded(text: str, length: int, prefix: str = "") -> str:
    """`prefix` and `text` repeated, cut to exactly `length` code points (BMP text: as many UTF-16 units)."""
    return prefix + (text * (length // len(text) + 1))[:length - len(prefix)]


def _full_customer(tag: str, reference_length: int = 0) -> dict:
    """A customer with every field the document gives one (their lengths from the facts' S12: given_names and
    surname 1–50, place_of_birth 1–60, email 4–50, mobile_number E.164, reference_id alphanumeric 1–255)."""
    reference = f"{tag.replace('-', '')}edge"
    reference = _padded("0123456789", reference_length, reference) if reference_length else reference
    return {"type": "INDIVIDUAL", "reference_id": reference,
            "email": _padded("customer.edge", 38) + "@example.com", "mobile_number": "+628123456789012",
            "individual_detail": {"given_names": _padded("Nguyễn Thị ", 50), "surname": _padded("Lê ", 50),
                                  "nationality": "VN", "place_of_birth": _padded("Thành phố Hồ Chí Minh ", 60),
                                  "date_of_birth": "1990-02-28", "gender": "FEMALE"}}


def _full_item(number: int, text: str, net_unit_amount: float | int, length: int = 0,
               quantity: int = 1) -> dict:
    """An item with every optional field; its text fields at `length` code points if given."""
    def sized(value: str) -> str:
        return _padded(value, length) if length else value

    return {"reference_id": sized(f"sku-{number}-"), "type": enum_of_items()[number % len(enum_of_items())],
            "name": sized(text), "net_unit_amount": net_unit_amount, "quantity": quantity,
            "category": sized("general "), "subcategory": sized(text), "description": sized(text),
            "url": ITEM_URL, "image_url": ITEM_URL + "/image.png",
            "metadata": {"note": text, "json": JSON_LOOKING[number % len(JSON_LOOKING)]}}


def _link(body: dict) -> dict:
    return body | {"success_return_url": "https://example.com/conformance/success?a=1&b=%C3%A9",
                   "cancel_return_url": "https://example.com/conformance/cancel"}


def edge_bodies(tag: str) -> list[tuple[str, dict]]:
    """One create body per dimension of the edges (numbers; metadata and every JSON type; text that Unicode and JSON
    make tricky; every optional field) and one with every length at its documented maximum: the opening creates,
    cancels and reads back each, so that what storage does to edge data shows whatever the budget (five: the
    witnesses stay within 60 requests a minute to each endpoint, Xendit's test-mode limit)."""
    texts = list(EDGE_TEXT.values())
    metadata_max = {_padded(f"{number:02d}-{text}", 40): _padded(text, 80)
                    for number, text in enumerate((PLAIN_TEXT * 4)[:20])}  # BMP text only: at the maximum, code
    # points and UTF-16 units count alike
    pay = {"session_type": "PAY", "mode": "PAYMENT_LINK"}
    return [
        ("numbers", _link({"reference_id": f"{tag}-edge-numbers", **pay, "currency": "PHP", "country": "PH",
                           "amount": EDGE_DECIMALS[-1], "description": "int32, uint32, float32 and double limits",
                           "items": [_full_item(n, PLAIN_TEXT[n % 6], value, quantity=INT32 if n == 0 else n + 1)
                                     for n, value in enumerate([*EDGE_INTEGERS, *EDGE_DECIMALS, 1234.5])]})),
        ("metadata", _link({"reference_id": f"{tag}-edge-metadata", **pay, "currency": "IDR", "country": "ID",
                            "amount": EXACT, "metadata": {
                                **{f"json {n}": text for n, text in enumerate(JSON_LOOKING)}, "café": "NFC key",
                                unicodedata.normalize("NFD", "café"): "NFD key", "k" * 40: "v" * 80},
                            "channel_properties": {"conformance": ALL_TYPES, "cards": {"card_on_file_type":
                                                                                       "CUSTOMER_UNSCHEDULED"}}})),
        ("text", _link({"reference_id": f"{tag}-edge-text", **pay, "currency": "VND", "country": "VN",
                        "amount": UINT32 + 1, "locale": "vi", "description": " ".join(texts),
                        "metadata": {**EDGE_TEXT, **{text[:40]: name for name, text in EDGE_TEXT.items()}},
                        "items": [_full_item(n, text, 100) for n, text in enumerate(texts)]})),
        ("every optional field", {
            "reference_id": f"{tag}-edge-optional", "session_type": "PAY", "mode": "COMPONENTS", "currency": "MYR",
            "country": "MY", "amount": 2147483647.99, "capture_method": "MANUAL", "allow_save_payment_method":
            "OPTIONAL", "customer": _full_customer(tag), "items": [_full_item(1, PLAIN_TEXT[0], 2147483647.99)],
            "metadata": {"order": PLAIN_TEXT[1]}, "description": PLAIN_TEXT[2], "locale": "vi",
            "expires_at": _later(24), "allowed_payment_channels": ["CARDS"], "notification_channels": ["EMAIL"],
            "channel_properties": {"conformance": ALL_TYPES},
            "components_configuration": {"origins": ["https://shop.example.com", "https://m.shop.example.com:8443"],
                                         "return_url": "https://shop.example.com/done?order=1&ok=%E2%9C%93"}}),
        ("maxima", _link({
            "reference_id": _padded("0123456789", 64, f"{tag}-edge-maxima-"), **pay, "currency": "USD", "country": "ID",
            "amount": EDGE_DECIMALS[-1], "description": _padded(" ".join(PLAIN_TEXT) + " ", 1000),
            "customer": _full_customer(tag, 255), "allow_save_payment_method": "OPTIONAL",
            "metadata": metadata_max, "notification_channels": ["EMAIL"],
            "items": [_full_item(n, text + " ", EDGE_DECIMALS[-1], 255) | {"metadata": metadata_max}
                      for n, text in enumerate(PLAIN_TEXT[:3])]})),
    ]
