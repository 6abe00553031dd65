"""The one way tests run the ``conformance`` command, two ways with one answer (a CompletedProcess):
``conformance(...)`` starts it as a subprocess (the real entry point: exit codes, signals, buffering); ``invoke(...)``
calls it in this process with click's CliRunner, half a second of imports cheaper, for usage errors and whatever
needs no process of its own. Both leave out the environment's XENDIT_ and CONFORMANCE_ settings, so a developer's key
or settings never change a test, and add `env`."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

SETTINGS_PREFIXES = ("XENDIT_", "CONFORMANCE_")
EMULATOR_EXPIRY_LAG = 0.2  # --expiry-lag against an emulator, which expires sessions on time: the watch waits a fifth
# of a second past an expiry, not the two a hosted target's expiry job is allowed (a request the machine's load holds
# back is judged over the whole time it took, not by this margin)
QUICK = ("--max-examples", "5", "--max-steps", "30", "--expiry-lag", str(EMULATOR_EXPIRY_LAG))  # the budget of a run
# whose subject is not the budget: every check's witnesses, the opening sequence, a short exploration and five drawn
# inputs a family (the default budget is run once, by test_run's default_run)
PLUGIN_QUICK = tuple(option.replace("--", "--conformance-", 1) for option in QUICK)  # as the pytest plugin's options


def environment(env: dict | None = None) -> dict[str, str]:
    """This process's environment without XENDIT_ and CONFORMANCE_ settings, plus `env`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith(SETTINGS_PREFIXES)}, **(env or {})}


def command(*args: str) -> list[str]:
    """The argument vector of ``conformance ARGS`` run by this interpreter."""
    return [sys.executable, "-m", "conformance", *args]


def conformance(*args: str, env: dict | None = None, cwd: str | Path | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess:
    """``conformance ARGS`` as a subprocess; its output captured as text."""
    return subprocess.run(command(*args), capture_output=True, text=True, timeout=timeout, env=environment(env),
                          cwd=cwd)


def invoke(*args: str, env: dict | None = None, cwd: str | Path | None = None) -> subprocess.CompletedProcess:
    """``conformance ARGS`` in this process (click's CliRunner), in `cwd` if given, with the environment
    ``conformance`` gives. An exception the command lets escape is raised here: where a process would print a
    traceback, the test errs."""
    from conformance.cli import main

    scrubbed = {k: None for k in os.environ if k.startswith(SETTINGS_PREFIXES)}
    with contextlib.chdir(cwd) if cwd else contextlib.nullcontext():
        result = CliRunner().invoke(main, list(args), env={**scrubbed, **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["conformance", *args], result.exit_code, result.stdout, result.stderr)
