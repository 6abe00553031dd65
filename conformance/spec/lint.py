"""Lint what validation does not catch: examples that contradict their schemas, dangling $refs."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.spec.pointer import pointer
from conformance.spec.schemas import Schemas, describe
from conformance.spec.validate import Problem, dangling_refs

SCHEMA_HINTS = {"type", "properties", "items", "format", "allOf", "oneOf", "anyOf", "enum"}


def _examples(node: object, path: tuple = ()) -> Iterator[tuple[str, str, object]]:
    """(schema pointer, example pointer, example value) for every example bound to a schema."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _examples(item, (*path, index))
        return
    if not isinstance(node, dict):
        return
    if "schema" in node and isinstance(node["schema"], dict):
        schema_at = pointer([*path, "schema"])
        if "example" in node:
            yield schema_at, pointer([*path, "example"]), node["example"]
        for name, example in (node.get("examples") or {}).items():
            if isinstance(example, dict) and "value" in example:
                yield schema_at, pointer([*path, "examples", name, "value"]), example["value"]
    elif "example" in node and SCHEMA_HINTS & node.keys():
        yield pointer(path), pointer([*path, "example"]), node["example"]
    for key, value in node.items():
        if key not in {"example", "examples"}:
            yield from _examples(value, (*path, key))


def lint(document: dict) -> list[Problem]:
    """Warnings, each with the pointer of the offending example or $ref."""
    warnings = dangling_refs(document)
    if warnings:
        return warnings
    schemas = Schemas(document)
    for schema_at, example_at, value in _examples(document):
        for error in schemas.errors(schema_at, value):
            warnings.append(Problem(example_at + pointer(error.absolute_path),
                                    f"example does not match its schema: {describe(error)}", "lint"))
    return warnings
