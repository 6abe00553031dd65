"""Traceability at the level of statements: every normative statement of the cancel document, and who covers it."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections import Counter

import pytest

from conformance.checks.catalogue import CATALOGUE, OPERATION, STATED
from conformance.report.traceability import statement_rows
from conformance.spec.pointer import resolve
from conformance.spec.stage import bundled_path, load_repaired, run_stage

SEED = load_repaired("cancel")
ROWS = statement_rows(SEED, CATALOGUE)
AMOUNT = "/components/schemas/Payment_Session_Amount"


def _row(pointer: str, words: str):
    [row] = [row for row in ROWS if row.pointer == pointer and words in row.label]
    return row


def test_the_seed_yields_a_stable_set_of_statements():
    assert len(ROWS) == 169
    assert Counter(row.kind for row in ROWS) == {
        "constraint": 127, "prose": 22, "status": 4, "error code": 4, "media type": 3, "schema": 3, "parameter": 2,
        "response": 2, "document": 1, "security": 1}


def test_every_statement_points_into_the_document():
    for row in ROWS:
        resolve(SEED, "#" + row.pointer)


def test_every_stated_check_has_its_own_statement_among_the_rows_and_covers_something():
    for check in CATALOGUE:
        if check.basis.kind == STATED:
            assert check.statement in {row.pointer for row in ROWS}, check.id
            assert any(check in row.checks for row in ROWS), check.id


def test_only_stated_checks_cover_statements():
    assert {check.basis.kind for row in ROWS for check in row.checks} == {STATED}


@pytest.mark.parametrize(("pointer", "words"), [
    (f"{AMOUNT}/description", "For SAVE session_type, the amount must be 0"),
    ("/components/schemas/Payment_Session_GenericReturnUrl/description", "Must be HTTPS."),
    ("/components/schemas/Payment_Session_MerchantMetadata/description", "up to 50 keys"),
    ("/components/parameters/Payment_Session_SessionIdPathParam/schema/maxLength", "maxLength 27"),
])
def test_a_statement_nobody_enforces_is_uncovered(pointer, words):
    """Prose inside a schema CANCEL-200-SCHEMA validates is not enforced by validating it."""
    assert _row(pointer, words).checks == ()


def test_each_error_code_is_a_statement_covered_by_the_checks_that_quote_it():
    codes = {row.label.split(" - ")[0]: {check.id for check in row.checks} for row in ROWS if row.kind == "error code"}
    assert set(codes) == {"401 error codes: INVALID_API_KEY", "404 error codes: NOT_FOUND",
                          "422 error codes: INVALID_SESSION_STATUS", "SERVER_ERROR"}
    assert {"CANCEL-AUTH", "CANCEL-ERROR-CODE"} <= codes["401 error codes: INVALID_API_KEY"]
    assert {"CANCEL-NOT-FOUND", "LIFE-OTHER-BUSINESS"} <= codes["404 error codes: NOT_FOUND"]
    assert {"LIFE-RECANCEL", "LIFE-COMPLETED"} <= codes["422 error codes: INVALID_SESSION_STATUS"]
    assert codes["SERVER_ERROR"] == {"CANCEL-NO-5XX", "ROBUST-NO-5XX"}


def test_the_operation_description_is_two_statements_each_with_its_own_checks():
    assert {check.id for check in _row(f"{OPERATION}/description", "Cancels an ACTIVE Session").checks} == {
        "LIFE-CANCEL-ACTIVE", "LIFE-GET-CANCELED", "LIFE-FRAME"}
    assert {check.id for check in _row(f"{OPERATION}/description", "Hosted Checkout URL will be invalid").checks} == {
        "LIFE-CHECKOUT"}


def test_constraints_of_referenced_schemas_are_covered_by_the_check_that_validates_them():
    assert {check.id for check in _row(f"{AMOUNT}/minimum", "minimum 0").checks} == {"CANCEL-200-SCHEMA"}
    assert [check.id for check in _row(f"{AMOUNT}/type", "type number").checks] == ["CANCEL-200-SCHEMA"]


def test_a_statement_uncovered_once_its_check_is_gone():
    without = [check for check in CATALOGUE if check.id != "LIFE-CHECKOUT"]
    row = _row(f"{OPERATION}/description", "Hosted Checkout URL will be invalid")
    assert [r for r in statement_rows(SEED, without) if r.label == row.label][0].checks == ()


def test_a_new_prose_rule_shows_up_uncovered():
    document = copy.deepcopy(SEED)
    document["components"]["schemas"]["Payment_Session_Locale"]["description"] += "\nMust be lower case."
    [row] = [row for row in statement_rows(document, CATALOGUE) if row.label == "Must be lower case."]
    assert (row.kind, row.checks) == ("prose", ())


def test_the_published_text_yields_the_same_rows():
    published = statement_rows(run_stage(bundled_path("cancel")).published, CATALOGUE)
    assert [(row.pointer, row.kind, row.checks) for row in published] == [
        (row.pointer, row.kind, row.checks) for row in ROWS]


def test_checks_matrix_lists_the_uncovered_statements():
    done = subprocess.run([sys.executable, "-m", "conformance", "checks", "--matrix"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    missing = sum(not row.covered for row in ROWS)
    summary, uncovered = done.stdout.split(f"{len(ROWS)} statements, {len(ROWS) - missing} covered, {missing} "
                                           "uncovered:\n")
    assert len(uncovered.splitlines()) == 2 * missing
    assert "For SAVE session_type, the amount must be 0." in uncovered and "Must be HTTPS." in uncovered
    assert "Cancels an ACTIVE Session." not in uncovered
    assert "LIFE-CANCEL-ACTIVE, LIFE-GET-CANCELED" in summary
