"""report.html in a real browser (Debian's chromium, headless): the verdict and the failure rows are in the DOM,
every failure links to its details, and nothing is fetched from the network."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from tests.fakes import KEY

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]


def chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    assert CHROMIUM, "Debian's chromium is needed (.ci/run installs it: apt-get install chromium)"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def failing_report(failing_run):
    """The folder of the shared failing run's reports (conftest)."""
    return failing_run.folder


def test_report_renders_with_verdict_and_failure_rows(failing_report, tmp_path):
    page = failing_report / "report.html"
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert re.search(r'<span id="verdict" class="verdict non-conformant">NON-CONFORMANT</span>', dom)
    report = json.loads((failing_report / "report.json").read_text())
    failed = [check for check in report["checks"] if check["outcome"] == "failed"]
    assert failed
    for check in failed:
        assert f'<tr class="failed"><td><code>{check["id"]}</code>' in dom
        anchor = check["failures"][0]["id"]
        assert f'href="#{anchor}"' in dom and f'id="{anchor}"' in dom
    assert 'id="traceability"' in dom and "violated" in dom
    assert "curl" in dom and KEY not in dom


def test_report_is_self_contained(failing_report):
    html = (failing_report / "report.html").read_text()
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_screenshot(failing_report, tmp_path):
    shot = failing_report / "report.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", (failing_report / "report.html").as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20000
