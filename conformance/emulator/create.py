"""``POST /sessions``: check the request, then build the new session.

The body is checked against the create schema of the repaired vendor document (``load_repaired("create")``), and
violations are reported the way the docs show Xendit's AJV-style validator does it: 400 ``API_VALIDATION_ERROR``,
``message`` ``request/body must have required property 'session_type'`` and ``errors`` ``[{message, path}]``.
Then the documented business rules run in order; the first one broken is the answer.

Documented choices, where the docs leave a gap:
- A body that is not JSON (or holds NaN/Infinity) → 400 ``API_VALIDATION_ERROR``; the Content-Type is not checked.
- A ``session_type``, ``mode``, ``currency`` or ``country`` outside its enum, in a body that is otherwise valid, gets
  the specific code (``SESSION_TYPE_NOT_SUPPORTED``, ``MODE_NOT_SUPPORTED``, ``INVALID_CURRENCY``,
  ``INVALID_COUNTRY``); together with any other violation it is one more ``API_VALIDATION_ERROR`` entry.
- ``components_configuration`` is missing from the published request schema but used by every COMPONENTS example:
  it is accepted and checked against the document's own ``Payment_Session_ComponentsConfiguration`` schema.
- Metadata limits follow the ``INVALID_METADATA`` text (20 keys, keys ≤ 40 chars, string values ≤ 80 chars), not
  the looser schema description (a documented conflict).
- No maximum ``expires_at`` (the docs mention one without a value). The minimum lead time is configurable.
- ``customer_id`` is accepted as is (no customer registry, so no ``DATA_NOT_FOUND``); a ``customer`` object gets a
  ``customer_id`` derived from the owner and the customer's ``reference_id``; with both, ``customer_id`` wins.
- Not reachable: ``INVALID_PAYMENT_CHANNEL`` (no channel catalogue), ``INVALID_PRIMARY_PAYMENT_CHANNEL`` (its field
  is not in the schema), ``DATA_NOT_FOUND`` and ``DUPLICATE_ERROR`` (no customer registry).
- Fields outside the request schema are ignored, not echoed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from functools import cache
from urllib.parse import urlsplit

from jsonschema.exceptions import ValidationError

from conformance.emulator.errors import ApiError, bad_request
from conformance.emulator.formats import components_sdk_key, customer_id, new_session_id, parse_timestamp, timestamp
from conformance.emulator.store import ACTIVE, Owner, Session
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


def parse_body(raw: bytes) -> object:
    """The JSON body; 400 if it is not JSON."""
    try:
        return json.loads(raw, parse_float=_finite, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise ApiError(400, "API_VALIDATION_ERROR", "request/body must be valid JSON",
                       [{"message": "must be valid JSON", "path": "/body"}]) from None


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


def check_schema(body: object) -> None:
    """Raise the 400 a body that breaks the create schema gets."""
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


def rules(now: int, min_expiry: float) -> tuple[Rule, ...]:
    """The documented business rules, in the order they are checked."""
    return (customer_id_prefix, amount_fits_type, customer_present, capture_method_allowed, items_allowed,
            https_urls, expiry_far_enough(now, min_expiry), metadata_limits)


# --- the session ---------------------------------------------------------------------------------------------------

def new_session(raw: bytes, owner: Owner, now: int, min_expiry: float) -> Session:
    """The ACTIVE session a create request asks for; raises the 400 it gets instead."""
    body = parse_body(raw)
    check_schema(body)
    for rule in rules(now, min_expiry):
        if error := rule(body):
            raise error
    fields = {name: value for name, value in body.items() if name in kept_fields()}
    fields["created"] = timestamp(now)
    fields.setdefault("locale", "en")
    if "customer_id" not in body and "customer" in body:
        fields["customer_id"] = customer_id(owner.key, body["customer"]["reference_id"])
    if body["mode"] == "COMPONENTS":
        fields["components_sdk_key"] = components_sdk_key()
    expires_at = parse_timestamp(body["expires_at"]) if "expires_at" in body else now + DEFAULT_LIFETIME_MS
    return Session(new_session_id(), owner, ACTIVE, now, expires_at, fields, {})
