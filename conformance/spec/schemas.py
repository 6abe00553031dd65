"""JSON-Schema validators for schemas inside an OpenAPI 3.0 document (``nullable`` and formats honoured).

Each validator is made once per schema, over the schema with its local ``$ref``s replaced by what they point at (an
OpenAPI 3.0 ``$ref`` stands for its target whole, siblings ignored, and adds nothing to an error's schema path), so
that validating an instance resolves no reference; a reference that does not resolve, or that cycles, is left to the
registry as before.
"""

from __future__ import annotations

from functools import cached_property
from urllib.parse import quote, unquote

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from conformance.spec.pointer import pointer, resolve

DOCUMENT_URI = "urn:conformance:document"
SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions"})  # keywords whose values are named schemas
SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})  # keywords whose values are lists of schemas
SUBSCHEMAS = frozenset({"items", "additionalItems", "additionalProperties", "not"})  # a schema (or, items: a list)


class Schemas:
    """Validate instances against any schema of one document, by JSON pointer."""

    def __init__(self, document: dict):
        self.document = document
        self._validators: dict[str, OAS30Validator] = {}

    @cached_property
    def _registry(self) -> Registry:
        resource = Resource.from_contents(self.document, default_specification=DRAFT4)
        return Registry().with_resource(DOCUMENT_URI, resource)

    def validator(self, at: str) -> OAS30Validator:
        if at not in self._validators:
            try:
                schema = self._inlined(resolve(self.document, f"#{at}"), ())
            except KeyError:
                schema = {"$ref": f"{DOCUMENT_URI}#{quote(at, safe='/~')}"}
            self._validators[at] = OAS30Validator(
                schema, registry=self._registry, format_checker=OAS30Validator.FORMAT_CHECKER
            )
        return self._validators[at]

    def _inlined(self, schema: object, refs: tuple[str, ...]) -> object:
        """`schema` with each local ``$ref`` in it replaced by its target (`refs`: those being replaced, to stop a
        cycle); one that does not resolve or cycles becomes a reference into the registry."""
        if not isinstance(schema, dict):
            return schema
        ref = schema.get("$ref")
        if isinstance(ref, str):
            try:
                if ref not in refs:
                    return self._inlined(resolve(self.document, unquote(ref)), (*refs, ref))
            except KeyError:
                pass
            return {"$ref": DOCUMENT_URI + ref if ref.startswith("#") else ref}
        inlined = {}
        for keyword, value in schema.items():
            if keyword in SCHEMA_MAPS and isinstance(value, dict):
                value = {name: self._inlined(item, refs) for name, item in value.items()}
            elif (keyword in SCHEMA_LISTS or keyword == "items") and isinstance(value, list):
                value = [self._inlined(item, refs) for item in value]
            elif keyword in SUBSCHEMAS:
                value = self._inlined(value, refs)
            inlined[keyword] = value
        return inlined

    def errors(self, at: str, instance: object) -> list[ValidationError]:
        """Every violation of the schema at pointer `at`, most relevant first."""
        found = list(self.validator(at).iter_errors(instance))
        return sorted(found, key=lambda error: (len(error.path), list(map(str, error.path))))


def describe(error: ValidationError) -> str:
    """One line: where in the instance, what, and which schema keyword."""
    return f"{pointer(error.absolute_path) or '(root)'}: {error.message} ({error.validator})"
