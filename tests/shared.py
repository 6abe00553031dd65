"""Set-ups made once for the whole test session, whatever the number of xdist workers: a worker that runs a test of a
module does not share that module's fixtures with the others, and xdist's ``loadgroup`` is a no-op with pytest 9.2
(its group rides on ``item._nodeid``, which pytest 9.2 no longer reads)."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest


def once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]) -> tuple[Path, object]:
    """(the folder `build` filled, what it returned): `build(folder)` runs once for the session, the first worker to
    ask runs it under a lock and the others read what it left. What it returns must be JSON."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # every worker's base is a folder of the session's
    folder, result = root / name, root / f"{name}.json"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            folder.mkdir(exist_ok=True)
            result.write_text(json.dumps(build(folder)))
    return folder, json.loads(result.read_text())
