"""The suite inside a team's own pytest session: `pytest --pyargs conformance.suite --conformance-...`."""

from __future__ import annotations

import os
import subprocess
import sys

from junitparser import Failure, JUnitXml

from conformance.checks.catalogue import CATALOGUE
from tests.cli import PLUGIN_QUICK
from tests.fakes import KEY, fixed, serve


def pytest_run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONFORMANCE_", "XENDIT_"))}
    return subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider",
                           *PLUGIN_QUICK, "--junitxml", str(tmp_path / "junit.xml"), *args],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path, env=clean)


def properties(case) -> dict:
    from junitparser import Properties

    found = case.child(Properties)
    return {prop.name: prop.value for prop in found} if found is not None else {}


def test_the_bundled_emulator_passes_under_plain_pytest(tmp_path):
    done = pytest_run(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    cases = [case for suite in JUnitXml.fromfile(str(tmp_path / "junit.xml")) for case in suite]
    ids = {properties(case)["check_id"] for case in cases}
    assert "LIFE-CONCURRENT" in ids and "CANCEL-NOT-FOUND" in ids and len(ids) == len(CATALOGUE)


def test_markers_select_a_family(tmp_path):
    done = pytest_run(tmp_path, "-m", "auth")
    assert done.returncode == 0, done.stdout + done.stderr
    cases = [case for suite in JUnitXml.fromfile(str(tmp_path / "junit.xml")) for case in suite]
    assert {properties(case)["check_id"] for case in cases} == {"CANCEL-AUTH", "LIFE-AUTH-NO-EFFECT"}


def test_failures_fail_the_pytest_session(tmp_path):
    with serve(fixed(200, {"status": "CANCELED"})) as base_url:
        done = pytest_run(tmp_path, "--conformance-base-url", base_url, "--conformance-api-key", KEY,
                          "-m", "ids")
    assert done.returncode == 1
    failed = {properties(case)["check_id"] for suite in JUnitXml.fromfile(str(tmp_path / "junit.xml"))
              for case in suite if any(isinstance(result, Failure) for result in case.result)}
    assert "CANCEL-NO-PHANTOM" in failed and KEY not in (tmp_path / "junit.xml").read_text()


def test_bad_options_are_usage_errors(tmp_path):
    done = pytest_run(tmp_path, "--conformance-profile", "loose")
    assert done.returncode == 4 and "conformance:" in done.stderr
