"""Spec stage: the document under test, as repaired. Its findings are places in the document, not exchanges."""

from __future__ import annotations

from conformance.checks.catalogue import SPEC, Check
from conformance.checks.document import DOCUMENT_CHECKS
from conformance.checks.findings import ContractViolation
from conformance.suite.check_items import per_check
from conformance.suite.context import RunContext


@per_check(SPEC)
def test_spec(check: Check, conformance: RunContext) -> None:
    findings = DOCUMENT_CHECKS[check.id](conformance.stage)
    if findings:
        raise ContractViolation([], "\n".join(f"{finding.check_id}: {finding.pointer}: {finding.message} (expected "
                                              f"{finding.expected})" for finding in findings), findings)
