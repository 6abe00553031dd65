"""The README is a front door whose commands are the real ones; the tables in docs/ are generated from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.cli.checks import markdown_table, options_table, profiles_table

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
FRONT_DOOR_LINES = 200


def test_ci_runs_the_readme_test_command():
    command = (ROOT / ".ci/run").read_text().strip().splitlines()[-1]
    assert f"```sh\n{command}\n```" in README


def test_the_readme_is_a_front_door_whose_links_lead_somewhere():
    assert len(README.splitlines()) <= FRONT_DOOR_LINES
    for link in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README):
        assert link.startswith("http") or (ROOT / link).exists(), link


@pytest.mark.parametrize(("page", "marker", "table"), [("checks.md", "checks-table", markdown_table),
                                                         ("options.md", "options-table", options_table),
                                                         ("profiles.md", "profiles-table", profiles_table)])
def test_the_tables_in_docs_are_generated_from_the_code(page, marker, table):
    text = (ROOT / "docs" / page).read_text()
    found = re.search(rf"<!-- {marker}.*?-->\n(.*?)\n<!-- /{marker} -->", text, re.DOTALL)
    assert found and found.group(1) == table()


@pytest.mark.parametrize("page", sorted(path.name for path in (ROOT / "docs").glob("*.md")))
def test_the_links_of_docs_lead_somewhere(page):
    text = (ROOT / "docs" / page).read_text()
    for link in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        assert link.startswith("http") or (ROOT / "docs" / link).exists(), link
