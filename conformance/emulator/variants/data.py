"""Variants of what a server does to the data it stores and writes: faults that show only on data at the
edges, and conformant ways of writing the same JSON.

A storage fault answers the create with what it received (the answer built before the row was written: the classic
bug) and stores what its storage makes of it, so only later answers (the cancel's, every read) show it; the data the
suite created before edge bodies (short text in the BMP, already NFC, amounts a float32 holds, items without their
optional fields) passed through each unchanged.
"""

from __future__ import annotations

import html
import json
import math
import re
import struct
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import Response

from conformance.emulator.app import Api
from conformance.emulator.create import new_session
from conformance.emulator.formats import now_ms
from conformance.emulator.store import Session

BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")
CONTROL = re.compile("[\x00-\x1f\x7f]")
VARCHAR = 255
ITEM_COLUMNS_MISSING = ("url", "image_url", "subcategory")
MINOR_DIGITS = {"IDR": 0, "VND": 0}  # every other currency: two (facts §1.3)


def _strings(value: object, change: Callable[[str], str]) -> object:
    """`value` with every string in it, member names included, changed by `change`."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {change(name): _strings(item, change) for name, item in value.items()}
    if isinstance(value, list):
        return [_strings(item, change) for item in value]
    return value


def _with_items(fields: dict, change: Callable[[dict], dict]) -> dict:
    """`fields` with each of its items (if any) changed by `change`."""
    return {**fields, "items": [change(item) for item in fields["items"]]} if fields.get("items") else fields


# --- faults in storage -----------------------------------------------------------------------------------------------

class StorageFault(Api):
    """Base: the session is stored as `stored` makes its fields; the create answers what it received."""

    async def create(self, request: Request) -> Response:
        session = new_session(await request.body(), self.owner(request), now_ms(), self.config, self.store)
        self.store.add(replace(session, fields=self.stored(session.fields)))
        return self.present(request, session, 201)

    def stored(self, fields: dict) -> dict:
        raise NotImplementedError


class TextStorageFault(StorageFault):
    """Base: every string of the session goes through `text` on its way into storage."""

    def stored(self, fields: dict) -> dict:
        return _strings(fields, self.text)  # type: ignore[return-value]

    def text(self, value: str) -> str:
        raise NotImplementedError


class StoredNfc(TextStorageFault):
    """Text is NFC-normalised when stored: a decomposed "é" (e + U+0301) comes back composed."""

    def text(self, value: str) -> str:
        return unicodedata.normalize("NFC", value)


class StoredUtf8mb3(TextStorageFault):
    """Characters beyond the BMP (emoji, 𠮷) are stored as '?' (a MySQL utf8mb3 column)."""

    def text(self, value: str) -> str:
        return BEYOND_BMP.sub("?", value)


class StoredVarchar255(TextStorageFault):
    """Text is cut to 255 characters when stored (a VARCHAR(255) column; description may have 1000)."""

    def text(self, value: str) -> str:
        return value[:VARCHAR]


class StoredHtmlEscaped(TextStorageFault):
    """Text is HTML-escaped when stored (an input sanitiser): '<' comes back as '&lt;', '"' as '&quot;'."""

    def text(self, value: str) -> str:
        return html.escape(value)


class StoredControlCharsStripped(TextStorageFault):
    """Control characters (tab, newline, U+0001…U+001F, DEL) are stripped from text when stored."""

    def text(self, value: str) -> str:
        return CONTROL.sub("", value)


def float32(value: int | float) -> int | float:
    """`value` as a float32 column holds it, read back as the shortest decimal that float32 is (as MySQL shows a
    FLOAT): exact for every amount with up to six significant digits."""
    held = struct.pack("<f", value)
    shortest = next(candidate for digits in range(1, 10)
                    if struct.pack("<f", candidate := float(f"{struct.unpack('<f', held)[0]:.{digits}g}")) == held)
    return int(shortest) if isinstance(value, int) and shortest.is_integer() else shortest


class StoredAmountFloat32(StorageFault):
    """Amounts (the session's, each item's net_unit_amount) are stored as float32: 16777217 comes back 16777216."""

    def stored(self, fields: dict) -> dict:
        return _with_items({**fields, "amount": float32(fields["amount"])},
                           lambda item: {**item, "net_unit_amount": float32(item["net_unit_amount"])})


class StoredItemColumnsMissing(StorageFault):
    """Items lose url, image_url and subcategory when stored (an items table without those columns)."""

    def stored(self, fields: dict) -> dict:
        return _with_items(fields, lambda item: {name: value for name, value in item.items()
                                                 if name not in ITEM_COLUMNS_MISSING})


def _typed(metadata: dict | None) -> dict | None:
    """Metadata as a store that decodes each value as JSON holds it: "123" → 123, "true" → true, "null" → null."""
    def value(text: str) -> object:
        try:
            decoded = json.loads(text, parse_constant=str)
        except ValueError:
            return text
        scalar = decoded is None or isinstance(decoded, bool | int) or isinstance(decoded, float) and \
            math.isfinite(decoded)
        return decoded if scalar else text

    return {name: value(text) for name, text in metadata.items()} if metadata else metadata


class StoredMetadataTyped(StorageFault):
    """Metadata values that read as JSON scalars are stored typed: "123" comes back 123, "null" as null."""

    def stored(self, fields: dict) -> dict:
        return _with_items({**fields, "metadata": _typed(fields.get("metadata"))} if "metadata" in fields else fields,
                           lambda item: {**item, "metadata": _typed(item["metadata"])} if "metadata" in item else item)


class StoredNestedAsText(StorageFault):
    """channel_properties is stored one column per key: a nested object or array comes back as its JSON text."""

    def stored(self, fields: dict) -> dict:
        def column(value: object) -> object:
            if not isinstance(value, dict):
                return value
            return {key: json.dumps(item) if isinstance(item, dict | list) else item for key, item in value.items()}

        properties = fields.get("channel_properties")
        if not isinstance(properties, dict):
            return fields
        return {**fields, "channel_properties": {name: column(value) for name, value in properties.items()}}


# --- conformant: the same JSON, written otherwise -------------------------------------------------------------------

class WrittenOtherwise(Api):
    """Base: session bodies are written as `written` spells them."""

    def present(self, request: Request, session: Session, status: int = 200) -> Response:
        return Response(self.written(self.body(request, session)), status, media_type="application/json")

    def written(self, body: dict) -> str:
        raise NotImplementedError


class Utf8Unescaped(WrittenOtherwise):
    """Non-ASCII text is written as UTF-8, not \\uXXXX escapes (U+2028 and emoji raw, control characters escaped)."""

    def written(self, body: dict) -> str:
        return json.dumps(body, ensure_ascii=False)


class HtmlSafeEscapes(WrittenOtherwise):
    """'<', '>', '&', U+2028 and U+2029 are written as \\u003c-style escapes, as Go's encoding/json writes them."""

    def written(self, body: dict) -> str:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        return text.translate({ord(char): f"\\u{ord(char):04x}" for char in "<>&\u2028\u2029"})


class SlashEscaped(WrittenOtherwise):
    """'/' is written as '\\/' (PHP's json_encode): "<\\/script>", "https:\\/\\/…"."""

    def written(self, body: dict) -> str:
        return json.dumps(body).replace("/", "\\/")  # '/' is only ever inside a string of a JSON text


def _reordered(value: object) -> object:
    if isinstance(value, dict):
        return {name: _reordered(value[name]) for name in reversed(value)}
    if isinstance(value, list):
        return [_reordered(item) for item in value]
    return value


class MembersReordered(WrittenOtherwise):
    """The members of every object, nested ones included, are written in reverse order."""

    def written(self, body: dict) -> str:
        return json.dumps(_reordered(body))


class AmountsWithMinorDigits(WrittenOtherwise):
    """Amounts are written with every minor digit the currency has: 1234.5 as 1234.50, 10000 in PHP as 10000.00."""

    def written(self, body: dict) -> str:
        digits = MINOR_DIGITS.get(body.get("currency"), 2)
        marks: dict[str, str] = {}

        def marked(value: int | float) -> str:
            mark, number = f"@{uuid.uuid4().hex}@", Decimal(repr(value))
            marks[f'"{mark}"'] = f"{number:.{max(digits, -int(number.as_tuple().exponent))}f}"  # never fewer digits
            return mark

        shown = {**body, "amount": marked(body["amount"])}
        if body.get("items"):
            shown["items"] = [{**item, "net_unit_amount": marked(item["net_unit_amount"])} for item in body["items"]]
        text = json.dumps(shown)
        for mark, number in marks.items():
            text = text.replace(mark, number)
        return text
