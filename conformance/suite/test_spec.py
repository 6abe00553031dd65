"""Spec stage: the document under test, as repaired. Its findings are places in the document, not exchanges."""

from __future__ import annotations

import pytest

from conformance.checks.verdict import ContractViolation
from conformance.results.model import SpecFinding


def _violation(findings: list[SpecFinding]) -> ContractViolation:
    text = "\n".join(f"{finding.check_id}: {finding.pointer}: {finding.message} (expected {finding.expected})"
                     for finding in findings)
    return ContractViolation([], text, findings)


@pytest.mark.check("SPEC-VALID")
def test_spec_valid(conformance):
    problems = conformance.stage.remaining_problems
    if problems:
        raise _violation([SpecFinding("SPEC-VALID", problem.pointer, problem.message, "a valid OpenAPI 3.0 document")
                          for problem in problems])


@pytest.mark.check("SPEC-EXAMPLES")
def test_spec_examples(conformance):
    findings = [warning for warning in conformance.stage.warnings if "example" in warning.message]
    if findings:
        raise _violation([SpecFinding("SPEC-EXAMPLES", warning.pointer, warning.message,
                                      "an example valid against its own schema") for warning in findings])
