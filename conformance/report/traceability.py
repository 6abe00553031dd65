"""Traceability at the level of statements: every normative statement of the cancel document, and the checks that
enforce each.

The statements are those the cancel operation makes, directly or through what it references: the document's version,
the operation's description (sentence by sentence), its security, its parameters, each response (status, media type,
body schema, description), each error code of the ``error_code`` descriptions, each schema constraint (``type``,
``enum``, ``format``, lengths, bounds, ``nullable``, ``required`` …) and each normative sentence of a description
("must", "will", "up to", "unique" …). Examples are not statements.

A stated check covers a structural statement (a status, a media type, a constraint …) when it enforces its pointer or
the statement lies inside a schema it validates (following ``$ref``); it covers a sentence (prose, an error code) only
when it states it: its own pointer is the sentence's or an ancestor, and its quote and the sentence overlap. A schema
validator checks keywords, not prose: "For SAVE session_type, the amount must be 0" inside a validated schema is not
enforced by validating it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.checks.registry import OPERATION, STATED, Check
from conformance.spec.pointer import pointer, resolve

DOCUMENT, STATUS, RESPONSE, MEDIA_TYPE, SCHEMA, SECURITY, PARAMETER, ERROR_CODE, CONSTRAINT, PROSE = (
    "document", "status", "response", "media type", "schema", "security", "parameter", "error code", "constraint",
    "prose")
SENTENCES = (PROSE, ERROR_CODE)  # judged by what a check quotes, not by where it validates
CONSTRAINTS = ("type", "enum", "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
               "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties",
               "maxProperties", "nullable", "required")
SUBSCHEMAS = ("items", "additionalProperties", "not")
STRUCTURE = {"components", "schemas", "parameters", "responses", "properties", "content", "schema", "items"}
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
NORMATIVE = re.compile(r"\b(must|will|only|cannot|never|always|up to|at most|at least|max|maximum|minimum|"
                       r"by default|unique|uniquely|invalid)\b", re.IGNORECASE)
ADVICE = re.compile(r"\brecommend", re.IGNORECASE)  # advice to the caller, not a rule of the server
CODE_HEADING = re.compile(r"^(\w+) error codes:\s*$")
CODE_LINE = re.compile(r"^- `(\w+)` - (.+)$")


@dataclass(frozen=True)
class Row:
    pointer: str
    label: str
    kind: str
    checks: tuple[Check, ...]

    @property
    def covered(self) -> bool:
        return bool(self.checks)


@dataclass(frozen=True)
class Statement:
    pointer: str
    label: str
    kind: str


def _ref(node: object) -> str | None:
    return node.get("$ref") if isinstance(node, dict) and isinstance(node.get("$ref"), str) else None


def _sentences(text: str) -> list[str]:
    """The sentences of a description, one per line or per full stop."""
    return [sentence.strip() for line in text.splitlines()
            for sentence in re.split(r"(?<=\.)\s+(?=[A-Z])", line) if sentence.strip()]


def _name(at: str) -> str:
    """A short name for a schema pointer: its component and property path (``Payment_Session_Amount``)."""
    parts = [part.replace("~1", "/").replace("~0", "~") for part in at.split("/")[1:]]
    named = [part for part in parts if part not in STRUCTURE and "/" not in part]
    return ".".join(named[-3:]) or at


class _Walker:
    """Collects the statements reachable from the operation, visiting each referenced node once."""

    def __init__(self, document: dict):
        self.document = document
        self.seen: set[str] = set()
        self.found: list[Statement] = []

    def add(self, at: str, label: str, kind: str) -> None:
        self.found.append(Statement(at, label, kind))

    def follow(self, at: str, node: object) -> tuple[str, Any]:
        """The node a ``$ref`` points at (and its pointer), or the node itself: as the (valid) document holds it."""
        ref = _ref(node)
        return (ref[1:], resolve(self.document, ref)) if ref else (at, node)

    def description(self, at: str, text: object, every_sentence: bool = False) -> None:
        if not isinstance(text, str):
            return
        heading = ""
        for line in text.splitlines():
            heading = match.group(1) if (match := CODE_HEADING.match(line.strip())) else heading
            if code := CODE_LINE.match(line.strip()):
                self.add(at, f"{heading + ' error codes: ' if heading else ''}{code.group(1)} - {code.group(2)}",
                         ERROR_CODE)
        if any(CODE_LINE.match(line.strip()) for line in text.splitlines()):
            return
        for sentence in _sentences(text):
            if every_sentence or (NORMATIVE.search(sentence) and not ADVICE.search(sentence)
                                  and not sentence.startswith("<")):
                self.add(at, sentence, PROSE)

    def schema(self, at: str, node: object) -> None:
        at, node = self.follow(at, node)
        if at in self.seen or not isinstance(node, dict):
            return
        self.seen.add(at)
        for keyword in CONSTRAINTS:
            if keyword in node and not (keyword == "required" and not isinstance(node[keyword], list)):
                self.add(f"{at}/{keyword}", f"{_name(at)}: {keyword} {_value(node[keyword])}", CONSTRAINT)
        self.description(f"{at}/description", node.get("description"))
        for name, sub in (node.get("properties") or {}).items():
            self.schema(f"{at}/properties/{pointer([name])[1:]}", sub)
        for keyword in SUBSCHEMAS:
            if isinstance(node.get(keyword), dict):
                self.schema(f"{at}/{keyword}", node[keyword])
        for keyword in SCHEMA_LISTS:
            for index, sub in enumerate(node.get(keyword) or []):
                self.schema(f"{at}/{keyword}/{index}", sub)

    def parameter(self, at: str, node: Any) -> None:
        at, node = self.follow(at, node)
        self.add(at, f"{node.get('in')} parameter {node.get('name')}"
                     + (f": {node['description']}" if node.get("description") else ""), PARAMETER)
        if "required" in node:
            self.add(f"{at}/required", f"{node.get('name')}: required {_value(node['required'])}", CONSTRAINT)
        self.schema(f"{at}/schema", node.get("schema"))

    def response(self, status: str, at: str, node: Any) -> None:
        target, node = self.follow(at, node)
        self.add(at, f"status {status}: {node.get('description', '')}", STATUS)
        if target != at:
            self.add(target, f"{status} response: {node.get('description', '')}", RESPONSE)
        self.description(f"{target}/description", node.get("description"), every_sentence=True)
        content = node.get("content") or {}
        if content:
            self.add(f"{target}/content", f"{status} body: {', '.join(content)}", MEDIA_TYPE)
        for media_type, body in content.items():
            schema_at = f"{target}/content/{pointer([media_type])[1:]}/schema"
            self.add(schema_at, f"{status} body schema: {_name(self.follow(schema_at, body.get('schema'))[0])}",
                     SCHEMA)
            self.schema(schema_at, body.get("schema"))

    def operation(self) -> list[Statement]:
        node: Any = resolve(self.document, "#" + OPERATION)  # as the (valid) document holds it
        self.add("/openapi", f"OpenAPI {self.document.get('openapi')}", DOCUMENT)
        self.description(f"{OPERATION}/description", node.get("description"), every_sentence=True)
        if node.get("security"):
            schemes = ", ".join(name for requirement in node["security"] for name in requirement)
            self.add(f"{OPERATION}/security", f"security: {schemes}", SECURITY)
        for index, parameter in enumerate(node.get("parameters") or []):
            self.parameter(f"{OPERATION}/parameters/{index}", parameter)
        responses = node.get("responses") or {}
        self.add(f"{OPERATION}/responses", f"responses: {', '.join(responses)}", STATUS)
        for status, response in responses.items():
            self.response(status, f"{OPERATION}/responses/{status}", response)
        return self.found


def _value(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def statements(document: dict) -> list[Statement]:
    """Every normative statement of the cancel operation, in document order."""
    return _Walker(document).operation()


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[`\-]", " ", text)).strip().lower()


def _validated(document: dict, check: Check) -> set[str]:
    """The schemas a stated check validates: those among its pointers (``enforces`` reaches inside them) and every
    component they reference, transitively."""
    found: set[str] = set()
    pending = [at for at in (check.statement, *check.covers) if check.enforces(at + "/")]
    while pending:
        at = pending.pop()
        if at in found:
            continue
        found.add(at)
        try:
            pending += [ref[1:] for ref in _refs(resolve(document, "#" + at))]
        except KeyError:
            continue
    return found


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if ref := _ref(node):
            yield ref
        for key, value in node.items():
            if key not in {"example", "examples"}:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _states(check: Check, statement: Statement) -> bool:
    """Whether a stated check states this sentence: a pointer of its at or above it, and overlapping words."""
    under = any(statement.pointer == at or statement.pointer.startswith(at + "/")
                for at in (check.statement, *check.covers))
    sentence = _words(statement.label)
    return under and any(fragment and (fragment in sentence or sentence in fragment)
                         for fragment in map(_words, check.quote.split("…")))


def _covers(check: Check, statement: Statement, validated: set[str]) -> bool:
    if check.basis.kind != STATED:
        return False
    if statement.kind in SENTENCES:
        return _states(check, statement)
    return check.enforces(statement.pointer) or any(
        statement.pointer == at or statement.pointer.startswith(at + "/") for at in validated)


def statement_rows(document: dict, checks: list[Check]) -> list[Row]:
    """Each statement of the cancel document with the checks that cover it (none: uncovered)."""
    validated = {check.id: _validated(document, check) for check in checks}
    return [Row(statement.pointer, statement.label, statement.kind,
                tuple(check for check in checks if _covers(check, statement, validated[check.id])))
            for statement in statements(document)]


matrix = statement_rows  # the name run.py knows it by
