"""The browser the HTML report is tested in: Debian's chromium, installed on first use when it is missing (so the
README's test command needs nothing installed beforehand), once for every test worker."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

LOCK = Path(tempfile.gettempdir()) / "xendit-cancel-conformance-chromium.lock"
APT = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def _found() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@cache
def chromium() -> str:
    """The browser's path; installed with apt-get (as root) if missing. Fails with what to do when it cannot be."""
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait for one install
        if _found() is None:
            if os.geteuid() != 0 or shutil.which("apt-get") is None:
                raise RuntimeError("the HTML report is tested in Debian's chromium: apt-get install chromium")
            for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
                subprocess.run(command, env=APT, check=True, capture_output=True, timeout=900)
    return _found() or ""
