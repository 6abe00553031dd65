"""The CI recipes in docs/ci parse as YAML and call the real command line: their `conformance` commands are run
here, the emulator for real and the suite against it."""

from __future__ import annotations

import shlex
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.cli import QUICK, command, conformance, environment
from tests.fakes import free_port

RECIPES = Path(__file__).resolve().parents[1] / "docs" / "ci"


def commands(recipe: Path) -> tuple[dict, list[str]]:
    data = yaml.safe_load(recipe.read_text())
    if "jobs" in data:
        job = data["jobs"]["conformance"]
        env, lines = job["env"], [line for step in job["steps"] for line in step.get("run", "").splitlines()]
    else:
        job = data["cancel-conformance"]
        env, lines = job["variables"], job["script"]
    return env, [line.strip() for line in lines if line.strip().startswith("conformance ")]


@pytest.mark.parametrize("recipe", sorted(RECIPES.glob("*.yml")), ids=lambda path: path.name)
def test_recipe_runs_the_real_commands(recipe, tmp_path):
    env, lines = commands(recipe)
    emulator, run = (shlex.split(line.rstrip("&").strip()) for line in lines)
    assert emulator[:2] == ["conformance", "emulator"] and run[:2] == ["conformance", "run"]
    port = str(free_port())
    swap = {"8080": port, "http://127.0.0.1:8080": f"http://127.0.0.1:{port}"}
    server = subprocess.Popen(command(*[swap.get(a, a) for a in emulator[1:]]), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=environment(env))
    try:
        for _ in range(50):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", int(port))) == 0:
                    break
            time.sleep(0.1)
        done = conformance(*[swap.get(a, a) for a in run[1:]], *QUICK, cwd=tmp_path, env=env)
    finally:
        server.terminate()
        server.wait(10)
    assert done.returncode == 0, done.stdout + done.stderr
    for report in ("junit.xml", "report.html", "report.json"):
        assert (tmp_path / "reports" / report).is_file()
