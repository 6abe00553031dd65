"""Spec stage: the document under test, as repaired."""

from __future__ import annotations

import pytest

from conformance.checks.recorder import Failure
from conformance.checks.verdict import Violation
from conformance.target.exchange import Exchange, Intent, Request


def _document_failure(check_id: str, pointer: str, message: str, path: str) -> Failure:
    """A spec-stage finding in the shape of a failure (the 'request' is the document itself)."""
    exchange = Exchange(Intent("spec", f"document {path}", ""), Request("READ", f"file://{path}#{pointer}"))
    exchange.error = "not an HTTP exchange: a finding in the document"
    return Failure(check_id, Violation(f"{pointer}: {message}", "a valid document"), exchange)


@pytest.mark.check("SPEC-VALID")
def test_spec_valid(conformance):
    stage = conformance.stage
    if stage.remaining_problems:
        raise conformance.violation([_document_failure("SPEC-VALID", problem.pointer, problem.message,
                                                       str(stage.path)) for problem in stage.remaining_problems])


@pytest.mark.check("SPEC-EXAMPLES")
def test_spec_examples(conformance):
    stage = conformance.stage
    findings = [warning for warning in stage.warnings if "example" in warning.message]
    if findings:
        raise conformance.violation([_document_failure("SPEC-EXAMPLES", warning.pointer, warning.message,
                                                       str(stage.path)) for warning in findings])
