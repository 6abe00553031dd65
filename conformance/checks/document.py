"""Checks of the document itself (the spec stage): valid after the logged repairs, examples true to their schemas."""

from __future__ import annotations

from conformance.checks.registry import MUST, SHOULD, SPEC, Check, register, rfc, stated

register(Check("SPEC-VALID", SPEC, MUST, "document", stated("/openapi", "3.0.0"),
               "The document, after the logged repairs, is a valid OpenAPI 3.0 document."))
register(Check("SPEC-EXAMPLES", SPEC, SHOULD, "document",
               rfc("OpenAPI Specification 3.0.3, Media Type Object, example",
                   "The example object SHOULD be in the correct format as specified by the media type."),
               "Every example in the document validates against its own schema."))
