"""Validate a document: openapi-spec-validator, plus what it misses (undefined security schemes, dangling $refs)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from openapi_spec_validator import OpenAPIV30SpecValidator
from openapi_spec_validator.schemas import schema_v30

from conformance.spec.pointer import pointer, resolve


@dataclass(frozen=True)
class Problem:
    pointer: str
    message: str
    source: str

    def as_dict(self) -> dict:
        return {"pointer": self.pointer, "message": self.message, "source": self.source}


def _depth(error: ValidationError) -> int:
    return max([len(error.absolute_path)] + [_depth(sub) for sub in error.context or ()])


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The most specific errors under a oneOf/anyOf: those of the branch that got deepest."""
    if not error.context:
        yield error
        return
    branches: dict[str | int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    best = max(branches, key=lambda key: (max(map(_depth, branches[key])), -len(branches[key])))
    for sub in branches[best]:
        yield from _leaves(sub)


def refs(node: object, path: tuple = ()) -> Iterator[tuple[str, str]]:
    """Every ``$ref`` in the document: (pointer of the $ref, target)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield pointer([*path, key]), value
            else:
                yield from refs(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from refs(item, (*path, index))


def dangling_refs(document: dict) -> list[Problem]:
    found = []
    for at, target in refs(document):
        try:
            resolve(document, target)
        except KeyError:
            found.append(Problem(at, f"$ref {target!r} does not resolve", "conformance"))
    return found


def undefined_security_schemes(document: dict) -> list[Problem]:
    defined = ((document.get("components") or {}).get("securitySchemes") or {}) if isinstance(
        document.get("components"), dict) else {}
    found = []
    places = [(["security"], document.get("security"))]
    for path, item in (document.get("paths") or {}).items():
        for method, operation in (item.items() if isinstance(item, dict) else ()):
            if isinstance(operation, dict):
                places.append((["paths", path, method, "security"], operation.get("security")))
    for at, requirements in places:
        for index, requirement in enumerate(requirements or []):
            for name in requirement if isinstance(requirement, dict) else ():
                if name not in defined:
                    found.append(Problem(pointer([*at, index, name]),
                                         f"security scheme {name!r} is not defined in components.securitySchemes",
                                         "conformance"))
    return found


def _meta_schema(document: dict) -> list[Problem]:
    found: dict[tuple[str, str], Problem] = {}
    for error in Draft4Validator(schema_v30).iter_errors(document):
        for leaf in _leaves(error):
            problem = Problem(pointer(leaf.absolute_path), leaf.message, "openapi-spec-validator")
            found.setdefault((problem.pointer, problem.message), problem)
    return list(found.values())


def _semantic(document: dict) -> list[Problem]:
    return [Problem(pointer(error.absolute_path), error.message, "openapi-spec-validator")
            for error in OpenAPIV30SpecValidator(document).iter_errors()]


def validate(document: dict) -> list[Problem]:
    """Every problem found, each with its JSON pointer; empty when the document is valid."""
    if not str(document.get("openapi", "")).startswith("3.0"):
        return [Problem("/openapi", f"expected an OpenAPI 3.0.x document, got {document.get('openapi')!r}",
                        "conformance")]
    dangling = dangling_refs(document)
    problems = _meta_schema(document) + dangling + undefined_security_schemes(document)
    if not problems:
        problems = _semantic(document)
    return problems
