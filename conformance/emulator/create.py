"""``POST /sessions``: check the request, then build the new session.

The body is checked against the create schema of the repaired vendor document (``load_repaired("create")``), and
violations are reported the way the docs show Xendit's AJV-style validator does it: 400 ``API_VALIDATION_ERROR``,
``message`` ``request/body must have required property 'session_type'`` and ``errors`` ``[{message, path}]``.
Then the documented business rules run in order; the first one broken is the answer.

Documented choices, where the docs leave a gap:
- A body that is not JSON → 400 ``API_VALIDATION_ERROR``; the Content-Type is not checked. Not JSON here: bytes that
  are not UTF-8 (RFC 8259 §8.1), NaN/Infinity, a property name twice in one object (RFC 8259 §4 leaves it open;
  accepting it let ``{"amount":-5,…,"amount":1000}`` through), and a lone UTF-16 surrogate (``"\ud800"``: valid
  JSON syntax, not a Unicode string; I-JSON, RFC 7493 §2.1, forbids it). The last two name the property's path.
- More than ``max_items`` (default 100) ``items`` → 400 ``API_VALIDATION_ERROR`` ``must NOT have more than 100
  items``, checked before the schema (the document sets no maximum).
- A ``session_type``, ``mode``, ``currency`` or ``country`` outside its enum, in a body that is otherwise valid, gets
  the specific code (``SESSION_TYPE_NOT_SUPPORTED``, ``MODE_NOT_SUPPORTED``, ``INVALID_CURRENCY``,
  ``INVALID_COUNTRY``); together with any other violation it is one more ``API_VALIDATION_ERROR`` entry.
- ``components_configuration`` is missing from the published request schema but used by every COMPONENTS example:
  it is accepted and checked against the document's own ``Payment_Session_ComponentsConfiguration`` schema.
- Metadata limits follow the ``INVALID_METADATA`` text (20 keys, keys ≤ 40 chars, string values ≤ 80 chars), not
  the looser schema description (a documented conflict).
- No maximum ``expires_at`` (the docs mention one without a value). The minimum lead time is configurable.
- Channels: the known ones are those the create document names (:func:`channels`); any other entry of
  ``allowed_payment_channels`` → 400 ``INVALID_PAYMENT_CHANNEL`` listing them (codes are case-sensitive).
  ``payment_link_configuration.primary_payment_channels`` (named by the error text, absent from the schema: an array
  of strings) must each be in ``allowed_payment_channels`` (all known channels when that is empty or left out), else
  400 ``INVALID_PRIMARY_PAYMENT_CHANNEL``.
- Customers: a registry per store. A ``customer`` object registers its ``reference_id`` for the owner and gets a
  ``customer_id`` derived from both; the same ``reference_id`` from another owner (business or sub-account) → 409
  ``DUPLICATE_ERROR``. A ``customer_id`` must be one the owner was given that way or one of the document's example
  ids (seeded, known to everyone), else 404 ``DATA_NOT_FOUND``. With both, ``customer_id`` wins and the object is
  not registered. These run last, after every 400 rule.
- Fields outside the request schema (but ``payment_link_configuration``, read for the rule above) are ignored, not
  echoed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from urllib.parse import urlsplit

from jsonschema.exceptions import ValidationError

from conformance.emulator.config import EmulatorConfig
from conformance.emulator.errors import ApiError, bad_request
from conformance.emulator.formats import components_sdk_key, customer_id, new_session_id, parse_timestamp, timestamp
from conformance.emulator.store import ACTIVE, Owner, Session, Store
from conformance.spec.pointer import pointer
from conformance.spec.schemas import Schemas
from conformance.spec.stage import load_repaired

REQUEST_SCHEMA = "/paths/~1sessions/post/requestBody/content/application~1json/schema"
COMPONENTS_CONFIGURATION = "/components/schemas/Payment_Session_ComponentsConfiguration"
DEFAULT_LIFETIME_MS = 30 * 60 * 1000
UNSUPPORTED = {
    "session_type": ("SESSION_TYPE_NOT_SUPPORTED", "session_type {} is not supported for now"),
    "mode": ("MODE_NOT_SUPPORTED", "mode {} is not supported for now"),
    "currency": ("INVALID_CURRENCY", "currency {} is not supported"),
    "country": ("INVALID_COUNTRY", "country {} is not supported"),
}
METADATA_KEYS, METADATA_KEY_LENGTH, METADATA_VALUE_LENGTH = 20, 40, 80
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
CHANNELS_SCHEMA = "Payment_Session_AllowedPaymentChannels"
PRIMARY_CHANNEL_EXAMPLE = "BPI_DIRECT_DEBIT"  # named by the document's INVALID_PRIMARY_PAYMENT_CHANNEL example
SHOWN_CHANNELS = 5
CUSTOMER_ID = re.compile(r"cust-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@cache
def schemas() -> Schemas:
    """Validators over the repaired create document (loaded once per process)."""
    return Schemas(load_repaired("create"))


@cache
def kept_fields() -> frozenset[str]:
    """Request fields a session keeps as sent: those the response schema also has, but ``expires_at`` (normalised)."""
    components = schemas().document["components"]["schemas"]
    request = components["Payment_Session_CreateSessionRequestPublicSchema"]["properties"]
    response = components["Payment_Session_StandardSessionResponsePublicSchema"]["properties"]
    return frozenset((set(request) | {"components_configuration"}) & set(response) - {"expires_at"})


# --- the body and its schema ---------------------------------------------------------------------------------------

def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _no_constant(text: str) -> None:
    raise ValueError(text)


class _Duplicate(ValueError):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def _object(pairs: list[tuple[str, object]]) -> dict:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        raise _Duplicate(next(name for name, _ in pairs if name in seen or seen.add(name)))
    return found


def _walk(value: object, at: tuple = ()) -> Iterator[tuple[tuple, object]]:
    """(path, value) of every value in a JSON document, itself included."""
    yield at, value
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _walk(item, (*at, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*at, index))


def _lone_surrogate(body: object) -> tuple | None:
    """The path of the first string or property name in `body` that is not valid Unicode."""
    for at, value in _walk(body):
        if isinstance(value, str) and _not_unicode(value):
            return at
        if isinstance(value, dict) and (name := next((name for name in value if _not_unicode(name)), None)):
            return (*at, name)
    return None


def _not_unicode(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


def _invalid(message: str, at: Iterable = ()) -> ApiError:
    """400 ``API_VALIDATION_ERROR`` at `at`; text that is not Unicode is shown escaped (``\\ud800``), never echoed."""
    path, message = (text.encode(errors="backslashreplace").decode() for text in ("/body" + pointer(list(at)), message))
    return ApiError(400, "API_VALIDATION_ERROR", f"request{path} {message}", [{"message": message, "path": path}])


def parse_body(raw: bytes) -> object:
    """The JSON body; 400 if it is not JSON, or not I-JSON (duplicate names, lone surrogates)."""
    try:
        text = raw.decode()
        body = json.loads(text, parse_float=_finite, parse_constant=_no_constant, object_pairs_hook=_object)
        if SURROGATE_ESCAPE.search(text) and (at := _lone_surrogate(body)) is not None:
            raise _invalid("must be valid Unicode (a lone UTF-16 surrogate is not)", at)
    except _Duplicate as duplicate:
        raise _invalid(f"must NOT have duplicate property '{duplicate.name}'") from None
    except (ValueError, RecursionError):
        raise _invalid("must be valid JSON") from None
    return body


def _ajv_message(error: ValidationError) -> str:
    value = error.validator_value
    return {
        "required": lambda: f"must have required property '{_missing(error)}'",
        "type": lambda: f"must be {','.join(value) if isinstance(value, list) else value}",
        "enum": lambda: "must be equal to one of the allowed values",
        "minLength": lambda: f"must NOT have fewer than {value} characters",
        "maxLength": lambda: f"must NOT have more than {value} characters",
        "minimum": lambda: f"must be >= {value}",
        "maximum": lambda: f"must be <= {value}",
        "minItems": lambda: f"must NOT have fewer than {value} items",
        "maxItems": lambda: f"must NOT have more than {value} items",
        "format": lambda: f'must match format "{value}"',
    }.get(error.validator, lambda: error.message)()


def _missing(error: ValidationError) -> str:
    return next((name for name in error.validator_value if f"{name!r} is a required property" == error.message),
                error.message)


def _ajv_path(error: ValidationError, prefix: Iterable[str]) -> tuple[str, str]:
    """(where the instance is, where the problem is): ``/customer`` and ``/customer/type`` for a missing ``type``."""
    at = pointer([*prefix, *error.absolute_path])
    return at, at + pointer([_missing(error)]) if error.validator == "required" else at


def validation_error(found: list[tuple[ValidationError, tuple[str, ...]]]) -> ApiError:
    """400 ``API_VALIDATION_ERROR`` listing each violation (with the path prefix of the schema it broke)."""
    entries, messages = [], []
    for error, prefix in found:
        at, path = _ajv_path(error, prefix)
        message = _ajv_message(error)
        entries.append({"message": message, "path": "/body" + path})
        messages.append(f"request/body{at} {message}")
    return ApiError(400, "API_VALIDATION_ERROR", ", ".join(messages), entries)


def _unsupported(error: ValidationError) -> ApiError | None:
    path = list(error.absolute_path)
    if error.validator != "enum" or len(path) != 1 or path[0] not in UNSUPPORTED or not isinstance(error.instance, str):
        return None
    code, message = UNSUPPORTED[path[0]]
    return bad_request(code, message.format(error.instance))


def check_schema(body: object, max_items: int) -> None:
    """Raise the 400 a body that breaks the create schema (or has more than `max_items` items) gets."""
    if isinstance(body, dict) and isinstance(body.get("items"), list) and len(body["items"]) > max_items:
        raise _invalid(f"must NOT have more than {max_items} items", ["items"])
    found = [(error, ()) for error in schemas().errors(REQUEST_SCHEMA, body)]
    if isinstance(body, dict) and "components_configuration" in body:
        found += [(error, ("components_configuration",))
                  for error in schemas().errors(COMPONENTS_CONFIGURATION, body["components_configuration"])]
    if not found:
        return
    specific = [_unsupported(error) for error, _ in found]
    if all(specific):
        raise specific[0]
    raise validation_error(found)


# --- business rules: each returns the error it finds, or None ------------------------------------------------------

Rule = Callable[[dict], ApiError | None]


def customer_id_prefix(body: dict) -> ApiError | None:
    if "customer_id" in body and not body["customer_id"].startswith("cust-"):
        return bad_request("INVALID_CUSTOMER_ID", 'Customer ID must start with "cust-"')
    return None


def amount_fits_type(body: dict) -> ApiError | None:
    if body["session_type"] == "SAVE" and body["amount"] != 0:
        return bad_request("INVALID_AMOUNT", "Amount must be zero for session type SAVE")
    if body["session_type"] != "SAVE" and body["amount"] <= 0:
        return bad_request("INVALID_AMOUNT", "Amount must be greater than zero")
    return None


def customer_present(body: dict) -> ApiError | None:
    needed = body["session_type"] == "SAVE" or body.get("allow_save_payment_method") in ("FORCED", "OPTIONAL")
    if needed and "customer" not in body and "customer_id" not in body:
        return bad_request("MISSING_CUSTOMER", "Customer object or customer_id is required")
    return None


def capture_method_allowed(body: dict) -> ApiError | None:
    if "capture_method" in body and body["session_type"] in ("SAVE", "SUBSCRIPTION"):
        return bad_request("DISALLOWED_CAPTURE_METHOD",
                           f"Capture method is not supported for session type {body['session_type']}")
    return None


def items_allowed(body: dict) -> ApiError | None:
    if body.get("items") is not None and body["session_type"] != "PAY":
        return bad_request("ITEMS_NOT_SUPPORTED", "Items are allowed for session type PAY only")
    return None


def _is_https(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname)


def https_urls(body: dict) -> ApiError | None:
    urls = [body.get("success_return_url"), body.get("cancel_return_url"),
            (body.get("components_configuration") or {}).get("return_url")]
    if any(url is not None and not _is_https(url) for url in urls):
        return bad_request("INVALID_URL", "Please provide a valid HTTPS URL")
    return None


def _lead_time(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    if rest == 0:
        return f"{minutes:g} minute" + ("" if minutes == 1 else "s")
    return f"{seconds:g} second" + ("" if seconds == 1 else "s")


def expiry_far_enough(now: int, min_expiry: float) -> Rule:
    """The rule that ``expires_at``, if given, is at least `min_expiry` seconds after `now` (milliseconds)."""
    def rule(body: dict) -> ApiError | None:
        if "expires_at" not in body:
            return None
        expires_at = parse_timestamp(body["expires_at"])
        if expires_at is None:
            return bad_request("INVALID_EXPIRY_DATE", "expires_at is not a representable date-time")
        if expires_at < now + min_expiry * 1000:
            return bad_request("INVALID_EXPIRY_DATE",
                               f"expires_at must be at least {_lead_time(min_expiry)} in the future")
        return None
    return rule


def _metadata_problem(metadata: dict | None) -> str | None:
    if metadata is None:
        return None
    if len(metadata) > METADATA_KEYS:
        return f"Metadata must have at most {METADATA_KEYS} keys"
    if any(len(key) > METADATA_KEY_LENGTH for key in metadata):
        return f"Metadata key must have at most {METADATA_KEY_LENGTH} characters"
    if any(not isinstance(value, str) for value in metadata.values()):
        return "Metadata value must be a string"
    if any(len(value) > METADATA_VALUE_LENGTH for value in metadata.values()):
        return f"Metadata value must have at most {METADATA_VALUE_LENGTH} characters"
    return None


def metadata_limits(body: dict) -> ApiError | None:
    if problem := _metadata_problem(body.get("metadata")):
        return bad_request("INVALID_METADATA", problem)
    for item in body.get("items") or ():
        if problem := _metadata_problem(item.get("metadata")):
            return bad_request("INVALID_ITEM_METADATA", problem)
    return None


def _document_strings(name: str) -> set[str]:
    """The strings the create document gives a property called `name`: in examples (``"name": value``) and schema
    examples (``"name": {"example": value}``), lists flattened."""
    found = set()
    for at, value in _walk(schemas().document):
        if at[-1:] == (name,) or at[-2:] == (name, "example"):
            found.update(item for item in (value if isinstance(value, list) else [value]) if isinstance(item, str))
    return found


@cache
def channels() -> frozenset[str]:
    """The payment channels the create document names: in ``allowed_payment_channels`` examples and its schema's
    example (CARDS, BRI_DIRECT_DEBIT, DANA, OVO), and in the INVALID_PRIMARY_PAYMENT_CHANNEL example."""
    schema_example = schemas().document["components"]["schemas"][CHANNELS_SCHEMA].get("example", [])
    return frozenset(_document_strings("allowed_payment_channels") | set(schema_example) | {PRIMARY_CHANNEL_EXAMPLE})


@cache
def seeded_customers() -> frozenset[str]:
    """The customer ids the create document shows (in examples): known to every owner."""
    return frozenset(value for _, value in _walk(schemas().document)
                     if isinstance(value, str) and CUSTOMER_ID.fullmatch(value))


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN_CHANNELS])
    return shown + (f" and {len(names) - SHOWN_CHANNELS} more" if len(names) > SHOWN_CHANNELS else "")


def channels_known(body: dict) -> ApiError | None:
    unknown = list(dict.fromkeys(name for name in body.get("allowed_payment_channels") or ()
                                 if name not in channels()))
    if unknown:
        return bad_request("INVALID_PAYMENT_CHANNEL", f"Channel(s) {_listed(unknown)} are not available. Please "
                           "ensure that you have activated the necessary channels")
    return None


def primary_channels_allowed(body: dict) -> ApiError | None:
    configuration = body.get("payment_link_configuration")
    if configuration is None:
        return None
    primary = configuration.get("primary_payment_channels") if isinstance(configuration, dict) else None
    if not isinstance(configuration, dict):
        return _invalid("must be object", ["payment_link_configuration"])
    if primary is not None and not (isinstance(primary, list) and all(isinstance(name, str) for name in primary)):
        return _invalid("must be array of strings", ["payment_link_configuration", "primary_payment_channels"])
    allowed = body.get("allowed_payment_channels") or channels()
    outside = [name for name in primary or () if name not in allowed]
    if outside:
        return bad_request("INVALID_PRIMARY_PAYMENT_CHANNEL",
                           f"Primary channel {outside[0]} is not included in the requested channels")
    return None


def rules(now: int, min_expiry: float) -> tuple[Rule, ...]:
    """The documented business rules, in the order they are checked."""
    return (customer_id_prefix, amount_fits_type, customer_present, capture_method_allowed, items_allowed,
            https_urls, expiry_far_enough(now, min_expiry), metadata_limits, channels_known,
            primary_channels_allowed)


def customer_of(body: dict, owner: Owner, store: Store) -> str | None:
    """The session's ``customer_id``: the one sent, if the owner may use it (else 404 ``DATA_NOT_FOUND``), or the
    one a ``customer`` object registers (409 ``DUPLICATE_ERROR`` if another owner has its ``reference_id``)."""
    if "customer_id" in body:
        sent = body["customer_id"]
        if sent not in seeded_customers() and not store.has_customer(owner, sent):
            raise ApiError(404, "DATA_NOT_FOUND", "The customer ID provided in the request does not exist")
        return sent
    if "customer" not in body:
        return None
    reference_id = body["customer"]["reference_id"]
    derived = customer_id(owner.key, reference_id)
    if not store.claim_customer(owner, reference_id, derived):
        raise ApiError(409, "DUPLICATE_ERROR", "customer: The reference_id entered has been used before. Please "
                       "enter a unique reference_id")
    return derived


# --- the session ---------------------------------------------------------------------------------------------------

def new_session(raw: bytes, owner: Owner, now: int, config: EmulatorConfig, store: Store) -> Session:
    """The ACTIVE session a create request asks for (its customer registered in `store`); raises the error it gets
    instead."""
    body = parse_body(raw)
    check_schema(body, config.limits.max_items)
    for rule in rules(now, config.min_expiry_seconds):
        if error := rule(body):
            raise error
    fields = {name: value for name, value in body.items() if name in kept_fields()}
    fields["created"] = timestamp(now)
    fields.setdefault("locale", "en")
    if customer := customer_of(body, owner, store):
        fields["customer_id"] = customer
    if body["mode"] == "COMPONENTS":
        fields["components_sdk_key"] = components_sdk_key()
    expires_at = parse_timestamp(body["expires_at"]) if "expires_at" in body else now + DEFAULT_LIFETIME_MS
    return Session(new_session_id(), owner, ACTIVE, now, expires_at, fields, {})
