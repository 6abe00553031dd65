"""The strict reader's second half: a body read as one JSON text, as a compliant client reads it (RFC 8259:
UTF-8 without a byte order mark, one value; each name once, numbers a double holds, RFC 7493 §2.2). ``json.loads``
on bytes forgives a byte order mark and UTF-16 or UTF-32, keeps the last of two members of one name, and reads 1e400
as infinity; this says so. Pure."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import Decimal

from conformance.target.wire import Finding, Rule

BOM = Rule("RFC 8259 §8.1", "Implementations MUST NOT add a byte order mark (U+FEFF) to the beginning of a "
                            "networked-transmitted JSON text.")
UTF8 = Rule("RFC 8259 §8.1", "JSON text exchanged between systems that are not part of a closed ecosystem MUST be "
                             "encoded using UTF-8")
JSON_TEXT = Rule("RFC 8259 §2", "JSON-text = ws value ws")
UNIQUE_NAMES = Rule("RFC 8259 §4", "The names within an object SHOULD be unique.")
NUMBERS = Rule("RFC 7493 §2.2", "I-JSON messages SHOULD NOT include numbers that express greater magnitude or "
                                "precision than an IEEE 754 double precision number provides")

UTF8_BOM = b"\xef\xbb\xbf"
LARGEST_EXACT_INTEGER = 2**53 - 1
DOUBLE_DIGITS = 15  # decimal significant digits a double always holds exactly


@dataclass(frozen=True)
class Document:
    """A body read as JSON by a strict client: the value (None when it reads none), and the findings on the way."""

    value: object
    findings: tuple[Finding, ...]


# --- the JSON text -----------------------------------------------------------------------------------------------

def read_json(body: bytes) -> Document:
    """`body` read as one JSON text by a strict client: UTF-8 without a byte order mark, one value (RFC 8259), each
    name once, every number one a double holds (RFC 7493 §2.2)."""
    if body.startswith(UTF8_BOM):
        return Document(None, (Finding(BOM, "the body begins with a UTF-8 byte order mark (EF BB BF)"),))
    encoding = json.detect_encoding(body)
    if encoding != "utf-8":
        return Document(None, (Finding(UTF8, f"the body is {encoding.upper()}, not UTF-8"),))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return Document(None, (Finding(UTF8, f"the body is not UTF-8: byte {body[error.start]:#04x} at "
                                             f"{error.start}"),))
    reader = _JsonReader()
    try:
        value = json.loads(text, object_pairs_hook=reader.members, parse_float=reader.number,
                           parse_int=reader.integer, parse_constant=reader.constant)
    except ValueError as error:
        if isinstance(error, json.JSONDecodeError) and error.msg == "Extra data":
            detail = f"bytes after the JSON value, from character {error.pos}"
        else:
            detail = f"not JSON: {error}"
        return Document(None, (*reader.findings, Finding(JSON_TEXT, detail)))
    return Document(value, tuple(reader.findings))


class _JsonReader:
    """json.loads's hooks: each object's members and each number, as a strict client holds them."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def members(self, pairs: list[tuple[str, object]]) -> dict:
        members = dict(pairs)
        if len(members) < len(pairs):
            for name in members:
                values = [json.dumps(value, sort_keys=True) for key, value in pairs if key == name]
                if len(values) > 1:
                    differ = len(set(values)) > 1
                    shown = f" with different values ({', '.join(values)[:80]})" if differ else ""
                    self.findings.append(Finding(UNIQUE_NAMES, f'the name "{name}" appears {len(values)} times in '
                                                               f"an object{shown}", differ))
        return members

    def number(self, text: str) -> float:
        value = float(text)
        if math.isinf(value):
            self.findings.append(Finding(NUMBERS, f"the number {text[:40]} is beyond the range of a double"))
        elif sum(map(str.isdigit, text.split("e")[0].split("E")[0])) > DOUBLE_DIGITS and \
                Decimal(text) != Decimal(repr(value)):
            self.findings.append(Finding(NUMBERS, f"the number {text[:40]} has more precision than a double "
                                                  f"(read as {value!r})", False))
        return value

    def integer(self, text: str) -> int | float:
        if len(text.lstrip("-")) <= DOUBLE_DIGITS:
            return int(text)
        if math.isinf(float(text)):
            self.findings.append(Finding(NUMBERS, f"the integer {text[:40]}… is beyond the range of a double"))
            return float(text)
        value = int(text)
        if abs(value) > LARGEST_EXACT_INTEGER:
            self.findings.append(Finding(NUMBERS, f"the integer {text} is beyond ±(2^53−1): a client that holds "
                                                  f"numbers as doubles reads {float(value):.17g}", False))
        return value

    @staticmethod
    def constant(name: str) -> float:
        raise ValueError(f"{name} is not a JSON value")
