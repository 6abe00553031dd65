"""The README's commands and check table are the real ones."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.cli import markdown_table, options_table

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_ci_runs_the_readme_test_command():
    command = (ROOT / ".ci/run").read_text().strip().splitlines()[-1]
    assert f"```sh\n{command}\n```" in README


def test_readme_check_table_is_generated_from_the_catalogue():
    table = re.search(r"<!-- checks-table.*?-->\n(.*?)\n<!-- /checks-table -->", README, re.DOTALL).group(1)
    assert table == markdown_table()


def test_readme_option_table_is_generated_from_the_command_line():
    table = re.search(r"<!-- options-table.*?-->\n(.*?)\n<!-- /options-table -->", README, re.DOTALL).group(1)
    assert table == options_table()
