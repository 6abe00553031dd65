"""The check catalogue: every statement points into the vendor document and quotes what it says there."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.checks.catalogue import (
    CATALOGUE,
    INFERRED,
    LIFECYCLE,
    REGISTRY,
    RFC,
    SHOULD,
    SPEC,
    STATED,
    STATELESS,
    select,
)
from conformance.checks.document import DOCUMENT_CHECKS
from conformance.checks.lifecycle import JUDGEMENTS
from conformance.checks.profiles import ALLOWANCES, allowed
from conformance.checks.registry import Check, inferred, register
from conformance.checks.stateless import STATELESS_CHECKS as IMPLEMENTED
from conformance.cli import main
from conformance.spec.pointer import resolve
from conformance.spec.stage import bundled_path

PUBLISHED = json.loads(bundled_path("cancel").read_text())
FACTS_FILE = Path(__file__).resolve().parents[1] / "docs/xendit-facts.md"
FACTS_CITATION = re.compile(r"(?:facts|xendit-facts\.md)\s+((?:§\d+(?:\.\d+)?(?:,\s*)?)+)")


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[`\-]", " ", text)).strip()


STATED_CHECKS = [check for check in CATALOGUE if check.basis.kind == STATED]


@pytest.mark.parametrize("check", STATED_CHECKS, ids=[check.id for check in STATED_CHECKS])
def test_statement_resolves_and_quote_is_there(check):
    node = resolve(PUBLISHED, "#" + check.statement)
    where = _words(node if isinstance(node, str) else json.dumps(node))
    for fragment in check.quote.split("…"):
        assert _words(fragment) in where, (check.id, fragment)


@pytest.mark.parametrize("check", CATALOGUE, ids=[check.id for check in CATALOGUE])
def test_every_check_has_a_basis_and_only_stated_checks_are_must(check):
    assert check.basis.kind in {STATED, INFERRED, RFC} and check.basis.source and check.basis.quote
    assert check.level == SHOULD or check.basis.kind == STATED
    if check.basis.kind == INFERRED and check.basis.source.startswith("/"):
        resolve(PUBLISHED, "#" + check.basis.source)  # an inference from a place in the document: it exists
    if check.basis.kind == RFC:
        assert re.match(r"(RFC \d+ §[\d.]+|OpenAPI Specification)", check.basis.source)


def test_registering_a_must_check_that_the_document_does_not_state_is_refused():
    with pytest.raises(ValueError, match="only a check stated"):
        register(Check("CANCEL-X", STATELESS, "MUST", "protocol", inferred("x", "y"), "z"))
    with pytest.raises(ValueError, match="declared twice"):
        register(CATALOGUE[0])


def test_ids_are_unique_and_stable_in_shape():
    assert len(REGISTRY) == len(CATALOGUE)
    for check in CATALOGUE:
        assert re.fullmatch(r"(SPEC|CANCEL|LIFE|ROBUST)(-[0-9A-Z]+)+", check.id)
        assert check.level in {"MUST", "SHOULD"} and check.stage in {SPEC, STATELESS, LIFECYCLE}


def test_every_check_has_one_judge_in_its_stage():
    judges = {SPEC: DOCUMENT_CHECKS, STATELESS: IMPLEMENTED, LIFECYCLE: JUDGEMENTS}
    for stage, table in judges.items():
        assert {c.id for c in CATALOGUE if c.stage == stage} == set(table), stage
    assert sum(map(len, judges.values())) == len(CATALOGUE)


def test_allowances_name_real_checks():
    for allowance in ALLOWANCES["lenient"]:
        assert set(allowance.checks) <= REGISTRY.keys()
        assert allowance.source


def test_malformed_id_allowance_covers_the_lifecycle_id_variants():
    """LIFE-ID-VARIANT cancels malformed variants of a real id (26 or 28 characters, upper case): a server that
    answers malformed ids 400 must pass it in lenient, as it passes CANCEL-NOT-FOUND."""
    real = "ps-3db031170d25677b37845770"
    for variant in [real[:-1], real + "0", real.upper(), real + " "]:
        assert allowed("lenient", "LIFE-ID-VARIANT", 400, "API_VALIDATION_ERROR", variant)
        assert not allowed("strict", "LIFE-ID-VARIANT", 400, "API_VALIDATION_ERROR", variant)
    assert not allowed("lenient", "LIFE-ID-VARIANT", 400, "API_VALIDATION_ERROR", real)


def test_select():
    assert [c.id for c in select(["CANCEL-AUTH", "LIFE-UPDATED"])] == ["CANCEL-AUTH", "LIFE-UPDATED"]
    assert all(c.level == "MUST" for c in select(None, should=False))
    with pytest.raises(KeyError):
        select(["NOPE"])


def _facts_sections() -> set[str]:
    """The numbers of the facts file's sections: ``## 3.`` and ``### 7.3``."""
    return set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", FACTS_FILE.read_text(), re.MULTILINE))


def _facts_citations() -> list[tuple[str, str]]:
    """(who, section) of every ``facts §N`` a check's basis or an allowance cites."""
    texts = [(check.id, f"{check.basis.source} {check.basis.quote}") for check in CATALOGUE]
    texts += [(allowance.name, f"{allowance.description} {allowance.source}") for allowance in ALLOWANCES["lenient"]]
    return [(who, number) for who, text in texts for group in FACTS_CITATION.findall(text)
            for number in re.findall(r"§(\d+(?:\.\d+)?)", group)]


def test_every_facts_citation_names_a_section_of_the_facts_file():
    sections, citations = _facts_sections(), _facts_citations()
    assert {"0", "3", "4.4", "7.1", "7.3", "8"} <= sections
    assert len({who for who, _ in citations}) >= 5  # the inferred checks and the allowances cite it
    assert [(who, number) for who, number in citations if number not in sections] == []


def test_conformance_checks_shows_each_checks_basis():
    done = CliRunner().invoke(main, ["checks"])
    assert done.exit_code == 0, done.output
    blocks = done.output.split("\n\nprofile ")[0].split("\n")
    for check in CATALOGUE:
        at = next(index for index, line in enumerate(blocks) if line.startswith(check.id + " "))
        assert blocks[at + 1].split() == [f"{check.basis.kind}:", *check.basis.source.split()], check.id
        assert check.basis.quote in blocks[at + 2], check.id


def test_every_check_id_the_model_names_is_declared():
    """The model names the check each outcome answers to by its ID; a misspelt one would be judged by nothing."""
    import ast

    import conformance.model as model

    named = {node.value for path in Path(model.__file__).parent.glob("*.py")
             for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Constant)
             and isinstance(node.value, str) and re.fullmatch(r"(LIFE|CANCEL)-[A-Z0-9-]+", node.value)}
    assert named and named <= set(REGISTRY), sorted(named - set(REGISTRY))
