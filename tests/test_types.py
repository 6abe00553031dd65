"""The type checker, as part of the tests: mypy with the project's configuration (``[tool.mypy]`` in
``pyproject.toml``: strict on ``model``, ``checks`` and ``results``, default settings elsewhere) finds no error.
Its incremental cache (``.mypy_cache``) makes a run after the first take about a second."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_type_error():
    done = subprocess.run([sys.executable, "-m", "mypy", "--config-file", "pyproject.toml"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"mypy exited {done.returncode}:\n{done.stdout}{done.stderr}"
