"""The architecture, enforced: spec → target/model → checks → generation/stateful → results → suite →
report/evidence → run → compare/replay → the command line, with the emulator beside them. A module may import its
own layer and the ones before it, never one after (imports inside functions included). Generation comes after the
checks because it explores by sending and shrinking on what the checks find."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "conformance"
LAYERS = [
    {"conformance", "conformance.exitcodes", "conformance.identifiers"},
    {"conformance.spec"},
    {"conformance.target", "conformance.model"},
    {"conformance.checks", "conformance.config", "conformance.safety"},
    {"conformance.generation", "conformance.stateful"},
    {"conformance.results"},
    {"conformance.suite"},
    {"conformance.report", "conformance.evidence"},
    {"conformance.dry_run", "conformance.run", "conformance.judge"},
    {"conformance.compare", "conformance.replay"},
    {"conformance.cli", "conformance.__main__", "conformance.suite.pytest_plugin"},
]
EMULATOR = "conformance.emulator"  # beside the pipeline: it may use the spec stage, and only run/cli start it
EMULATOR_MAY_USE = {"conformance", "conformance.exitcodes", "conformance.identifiers", "conformance.spec",
                    "conformance.emulator"}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int | None:
    """The layer of a module: the most specific entry that names it or a package above it."""
    best = None
    for index, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and (best is None or len(name) > len(best[1])):
                best = (index, name)
    return best[0] if best else None


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "conformance" or name.startswith("conformance.")}


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=[_module(path) for path in SOURCES])
def test_no_module_reaches_back_a_layer(path):
    module = _module(path)
    if module.startswith(EMULATOR):
        stray = {name for name in imports(path) if not any(
            name == allowed or name.startswith(allowed + ".") for allowed in EMULATOR_MAY_USE)}
        assert not stray, f"the emulator uses {stray}"
        return
    own = layer(module)
    assert own is not None, f"{module} has no layer: add it to LAYERS"
    for name in imports(path):
        if name.startswith(EMULATOR):
            assert own >= layer("conformance.run"), f"{module} starts the emulator"
            continue
        assert layer(name) is not None and layer(name) <= own, f"{module} (layer {own}) imports {name}"


def test_the_rule_can_fail():
    assert layer("conformance.report.junit") > layer("conformance.results.model") > layer(
        "conformance.checks.stateless")
    assert layer("conformance.suite.pytest_plugin") == len(LAYERS) - 1
