"""JSON-Schema validators for schemas inside an OpenAPI 3.0 document (``nullable`` and formats honoured)."""

from __future__ import annotations

from functools import cached_property
from urllib.parse import quote

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from conformance.spec.pointer import pointer

DOCUMENT_URI = "urn:conformance:document"


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
            ref = {"$ref": f"{DOCUMENT_URI}#{quote(at, safe='/~')}"}
            self._validators[at] = OAS30Validator(
                ref, registry=self._registry, format_checker=OAS30Validator.FORMAT_CHECKER
            )
        return self._validators[at]

    def errors(self, at: str, instance: object) -> list[ValidationError]:
        """Every violation of the schema at pointer `at`, most relevant first."""
        found = list(self.validator(at).iter_errors(instance))
        return sorted(found, key=lambda error: (len(error.path), list(map(str, error.path))))


def describe(error: ValidationError) -> str:
    """One line: where in the instance, what, and which schema keyword."""
    return f"{pointer(error.absolute_path) or '(root)'}: {error.message} ({error.validator})"
