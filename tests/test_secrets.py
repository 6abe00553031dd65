"""No key in any output: canary keys, searched for in every derived form (as is in any case, percent-encoded, in
any base64 of bytes that contain them) in every file and stream of every command the suite has.

One module-scoped set of runs: two `conformance emulator` processes (a faulty variant that logs each request, a
conformant one with --quiet) holding the canary keys; `run -v` with every report and the evidence bundle against
each (a lifecycle failure's sequences/ files included); `replay` of the "key as password" failure and of that
lifecycle failure's sequence; `compare` of the two; the pytest plugin. Each command writes into
its own directory, its stdout and stderr included, and everything found there is scanned, zip members one by one.
Failures name the file and the count, never the key (PYTEST_DONT_REWRITE: no compared value is printed).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import pytest

from conformance.target.redact import Redactor
from tests.canary import KEY, OTHER, SECRETS, leaked
from tests.cli import PLUGIN_QUICK, QUICK
from tests.shared import once

BUSINESSES = {KEY: "5f9a3c2e1b7d4a6c8e0f1a2b", OTHER: "6a0b4d3f2c8e5b7d9f1a2b3c"}
FAULT = "unauthorized-code"  # unusable credentials answered 401 with a wrong error_code: failures with reproductions
AUTH_CHECKS = ["--checks", "CANCEL-AUTH,CANCEL-ERROR-CODE,LIFE-AUTH-NO-EFFECT"]  # the requests that carry keys
KEY_AS_PASSWORD = "the key as password, empty username"
REPORTS = ["--junit-xml", "junit.xml", "--json-report", "report.json", "--html-report", "report.html",
           "--transcript", "transcript.jsonl", "--evidence", "evidence.zip"]
EXPECTED = {  # what each command must have written: the scan below is not vacuous
    "run": {"stdout", "stderr", "junit.xml", "report.json", "report.html", "transcript.jsonl",
            "evidence.zip!exchanges.jsonl", "evidence.zip!manifest.json", "evidence.zip!reports/report.json",
            "sequences/LIFE-AUTH-NO-EFFECT.sh", "sequences/LIFE-AUTH-NO-EFFECT.txt"},
    "run-passing": {"stdout", "junit.xml", "report.json", "report.html", "evidence.zip!exchanges.jsonl"},
    "replay": {"auth/stdout", "auth/stderr", "lifecycle/stdout", "lifecycle/stderr"},
    "compare": {"stdout", "stderr", "compare.json", "compare.html"},
    "pytest": {"stdout", "stderr", "junit.xml"},
    "emulator": {"stdout", "stderr"},
    "emulator-quiet": {"stdout", "stderr"},
}
EXIT = {"run": 1, "run-passing": 0, "replay/auth": 1, "replay/lifecycle": 1, "compare": 1,
        "pytest": 1}  # by output directory


def _environment() -> dict[str, str]:
    """The inherited environment without any XENDIT_ or CONFORMANCE_ setting."""
    return {name: value for name, value in os.environ.items() if not name.startswith(("XENDIT_", "CONFORMANCE_"))}


def _command(workdir: Path, *args: str, module: str = "conformance") -> int:
    """``python -m module args`` in ``workdir`` with the canary keys in the environment; its stdout and stderr
    are kept there as files. The exit code."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**_environment(), "XENDIT_API_KEY": KEY, "XENDIT_OTHER_API_KEY": OTHER}
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=workdir, env=env, capture_output=True,
                          timeout=120)
    (workdir / "stdout").write_bytes(done.stdout)
    (workdir / "stderr").write_bytes(done.stderr)
    return done.returncode


@contextmanager
def _emulator(workdir: Path, *options: str) -> Iterator[str]:
    """`conformance emulator` as a process holding the canary keys; yields its base URL, then stops it (SIGINT)."""
    workdir.mkdir(parents=True, exist_ok=True)
    keys = [f"--api-key={key}={business}" for key, business in BUSINESSES.items()]
    with (workdir / "stdout").open("wb") as out, (workdir / "stderr").open("wb") as err:
        process = subprocess.Popen([sys.executable, "-m", "conformance", "emulator", "--port", "0", "--min-expiry",
                                    "1", *keys, *options], cwd=workdir, env=_environment(), stdout=out, stderr=err)
    try:
        yield _listening(workdir / "stdout", process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _listening(banner: Path, process: subprocess.Popen) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        found = re.search(r"listening on (http://\S+)", banner.read_text(errors="replace"))
        if found:
            return found.group(1)
        time.sleep(0.05)
    raise AssertionError(f"the emulator did not start (exit {process.poll()})")


def _failure_id(report: Path, check_id: str, description: str) -> str:
    checks = json.loads(report.read_text(encoding="utf-8"))["checks"]
    return next(failure["id"] for check in checks if check["id"] == check_id for failure in check["failures"]
                if failure["exchange"]["intent"]["input"] == description)


@pytest.fixture(scope="module")
def canary_run(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """Every command, once for the session (``shared.once``: about 20 s of CPU): (the directory holding one
    directory per command, {directory: exit code})."""
    root, codes = once(tmp_path_factory, "canary", _every_command)
    return root, cast(dict[str, int], codes)


def _every_command(root: Path) -> dict[str, int]:
    with _emulator(root / "emulator", "--fault", FAULT) as faulty, \
            _emulator(root / "emulator-quiet", "--quiet") as conformant:
        targets = [f"{name}={url},other-key=XENDIT_OTHER_API_KEY,test-control"
                   for name, url in [("faulty", faulty), ("conformant", conformant)]]
        independent = {
            "run": ["run", "--base-url", faulty, "--test-control", "-v", *QUICK, *REPORTS],
            "run-passing": ["run", "--base-url", conformant, "--test-control", "-v", *QUICK, *REPORTS],
            "compare": ["compare", "--target", targets[0], "--target", targets[1], *QUICK, *AUTH_CHECKS,
                        "--json", "compare.json", "--html", "compare.html"],
        }
        with ThreadPoolExecutor(len(independent) + 1) as pool:
            plugin = pool.submit(_command, root / "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider",
                                 "-v", "-m", "auth", "--conformance-base-url", faulty,
                                 *PLUGIN_QUICK, "--junitxml", "junit.xml", module="pytest")
            jobs = {name: pool.submit(_command, root / name, *args) for name, args in independent.items()}
            codes = {"pytest": plugin.result(), **{name: job.result() for name, job in jobs.items()}}
        report = str(root / "run" / "report.json")
        failure = _failure_id(root / "run" / "report.json", "CANCEL-AUTH", KEY_AS_PASSWORD)
        codes["replay/auth"] = _command(root / "replay" / "auth", "replay", failure, "--report", report)
        codes["replay/lifecycle"] = _command(root / "replay" / "lifecycle", "replay", "LIFE-AUTH-NO-EFFECT",
                                             "--report", report)
    return codes


def _artifacts(directory: Path) -> dict[str, str]:
    """Every file under ``directory`` as text, by relative name; a zip's members as ``name.zip!member``."""
    found = {}
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(directory).as_posix()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                found.update({f"{name}!{member}": archive.read(member).decode("utf-8", "replace")
                              for member in archive.namelist()})
        found[name] = path.read_bytes().decode("utf-8", "replace")
    return found


@pytest.mark.parametrize("command", list(EXPECTED))
def test_no_output_carries_a_key_in_any_form(canary_run, command):
    root, codes = canary_run
    artifacts = _artifacts(root / command)
    assert EXPECTED[command] <= set(artifacts), sorted(EXPECTED[command] - set(artifacts))
    assert all(codes[name] == code for name, code in EXIT.items() if name.split("/")[0] == command), codes
    redactor = Redactor(SECRETS)
    brute_force = {name: found for name, text in artifacts.items() if (found := leaked(text))}
    detector = {name: count for name, text in artifacts.items() if (count := redactor.leaks(text))}
    assert brute_force == {} and detector == {}, (brute_force, detector)


def test_reproductions_read_the_key_from_the_environment(canary_run):
    """The runs above went through the paths that used to leak: a key-as-password failure, with its curl line."""
    root, _ = canary_run
    shown = (root / "run" / "stdout").read_text()
    assert f"Input: {KEY_AS_PASSWORD}" in shown, "run -v shows no key-as-password failure"
    curl = """-H "Authorization: Basic $(printf '%s' ":$XENDIT_API_KEY" | base64 | tr -d '\\n')\""""
    assert curl in shown, "run -v has no shell-encoded key-as-password reproduction"
    assert "Reproduce: curl" in (root / "replay" / "auth" / "stdout").read_text(), "replay shows no curl line"
    assert "CONFORMANT" in (root / "run-passing" / "stdout").read_text(), "the passing run did not pass"
    exchanges = _artifacts(root / "run-passing")["evidence.zip!exchanges.jsonl"]
    count = exchanges.count('-u \\"$XENDIT_API_KEY:\\"')
    assert count > 10, f"{count} exchanges of the passing run's evidence reproduce with the valid key"
