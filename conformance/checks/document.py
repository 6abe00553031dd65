"""Checks of the document itself (the spec stage): valid after the logged repairs, examples true to their schemas.
Each judges the spec stage's result and returns its findings, places in the document (none: it passed)."""

from __future__ import annotations

from collections.abc import Callable

from conformance.checks.findings import SpecFinding
from conformance.checks.registry import MUST, SHOULD, SPEC, Check, declaring, rfc, stated
from conformance.spec.stage import StageResult

DocumentCheck = Callable[[StageResult], list[SpecFinding]]
DOCUMENT_CHECKS: dict[str, DocumentCheck] = {}
check = declaring(DOCUMENT_CHECKS)  # @check(Check(...)) declares a check of the document and its judge


@check(Check("SPEC-VALID", SPEC, MUST, "document", stated("/openapi", "3.0.0"),
             "The document, after the logged repairs, is a valid OpenAPI 3.0 document."))
def valid(declared: Check, stage: StageResult) -> list[SpecFinding]:
    return [SpecFinding(declared.id, problem.pointer, problem.message, "a valid OpenAPI 3.0 document")
            for problem in stage.remaining_problems]


@check(Check("SPEC-EXAMPLES", SPEC, SHOULD, "document",
             rfc("OpenAPI Specification 3.0.3, Media Type Object, example",
                 "The example object SHOULD be in the correct format as specified by the media type."),
             "Every example in the document validates against its own schema."))
def examples(declared: Check, stage: StageResult) -> list[SpecFinding]:
    return [SpecFinding(declared.id, warning.pointer, warning.message, "an example valid against its own schema")
            for warning in stage.warnings if "example" in warning.message]
