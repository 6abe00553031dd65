"""report.html in a real browser (Debian's chromium, headless) on a failing target: the first screen shows the verdict,
the counts and the first failure; the page stays short; failures are grouped by cause, warnings apart; check IDs never
break; the filter works without JavaScript; the reproduction runs as pasted in bash; nothing is fetched."""

from __future__ import annotations

import base64
import html
import io
import json
import re
import subprocess
from types import SimpleNamespace

import pytest
from rich.console import Console

from conformance.checks.findings import Failure, Violation
from conformance.config import RunConfig
from conformance.emulator import running
from conformance.emulator.variants import VARIANTS
from conformance.report.html_report import cause_key, render_html
from conformance.results.records import failure_record
from conformance.run import run
from conformance.target.exchange import Exchange, Intent, Request
from conformance.target.redact import Redactor
from tests import browser
from tests.cli import EMULATOR_EXPIRY_LAG
from tests.fakes import fixed, serve
from tests.trial import EMULATOR, KEY, OTHER_KEY

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]
SCREEN = (1280, 800)
MAX_HEIGHT = 8000
REDACTOR = Redactor({KEY: "XENDIT_API_KEY"})
# Injected into a copy of the page (the report itself has no script): the layout as the browser computed it, then
# the same after choosing "warned" in the outcome filter.
MEASURE = """<script>
addEventListener("load", () => {
  const box = el => { const r = el.getBoundingClientRect(); return [Math.round(r.top), Math.round(r.bottom)]; };
  const shown = () => [...document.querySelectorAll("section.check")].filter(el => el.offsetParent).map(el => el.id);
  const out = {height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth, boxes: {},
               ids: [...document.querySelectorAll(".id")].map(el => [el.textContent, el.getClientRects().length]),
               firstCause: box(document.querySelector("#failures .cause p")), shown: shown()};
  for (const el of document.querySelectorAll("[id]")) out.boxes[el.id] = box(el);
  document.getElementById("o-warned").checked = true;
  out.shownWhenWarned = shown();
  const pre = document.createElement("pre"); pre.id = "measured"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    window = f"--window-size={SCREEN[0]},{SCREEN[1]}"
    return subprocess.run([browser.chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", window, *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    """A run against a variant whose 401s carry the wrong error_code, its reports, and the variant still running."""
    out = tmp_path_factory.mktemp("html")
    with running(EMULATOR, api=VARIANTS["unauthorized-code"].api) as base_url:
        config = RunConfig(max_steps=40, base_url=base_url, api_key=KEY, other_api_key=OTHER_KEY, test_control=True,
                           max_examples=5, expiry_lag=EMULATOR_EXPIRY_LAG, progress=False, junit_xml=out / "junit.xml",
                           json_report=out / "report.json", html_report=out / "report.html")
        code = run(config, Console(file=io.StringIO()))
        assert code == 1
        yield SimpleNamespace(out=out, page=(out / "report.html").read_text(),
                              report=json.loads((out / "report.json").read_text()))


@pytest.fixture(scope="module")
def layout(failing, tmp_path_factory):
    """The page's layout in a 1280×800 window."""
    tmp = tmp_path_factory.mktemp("layout")
    measured = tmp / "measured.html"
    measured.write_text(failing.page.replace("</body>", MEASURE + "</body>"))
    dom = chromium(tmp, "--dump-dom", measured.as_uri()).stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom)
    assert found, dom[-2000:]
    return json.loads(html.unescape(found.group(1)))


def failed(report: dict, outcome: str = "failed") -> list[dict]:
    return [check for check in report["checks"] if check["outcome"] == outcome]


def test_the_first_screen_shows_the_verdict_the_counts_and_the_first_failure(failing, layout):
    assert re.search(r'<span id="verdict" class="verdict non-conformant">NON-CONFORMANT</span>', failing.page)
    first = failed(failing.report)[0]["id"]
    for element in ("verdict", "counts", "reasons", "counts-by-level", f"check-{first}"):
        assert layout["boxes"][element][0] < SCREEN[1], element
    assert layout["firstCause"][1] <= SCREEN[1]  # the first failure's status, Seen and Expected
    assert layout["boxes"]["failures"][0] < layout["boxes"]["warnings"][0] < layout["boxes"]["all-checks"][0]


def test_the_page_is_short_and_fits_the_width(layout):
    assert layout["height"] < MAX_HEIGHT
    assert layout["width"] <= SCREEN[0]


def test_check_ids_never_break(layout):
    assert layout["ids"] and all(lines == 1 for _, lines in layout["ids"]), [i for i in layout["ids"] if i[1] > 1]


def test_the_filter_works_without_javascript(failing, layout):
    assert "<script" not in failing.page  # the filter is radio buttons and CSS
    assert {f"check-{check['id']}" for check in failed(failing.report)} <= set(layout["shown"])
    assert layout["shownWhenWarned"] == [f"check-{check['id']}" for check in failed(failing.report, "warned")]


def test_failures_are_grouped_by_check_then_cause_warnings_apart(failing):
    failures, warnings = failing.page.split('<section id="warnings">')[0], failing.page.split('id="warnings"')[1]
    for check in failed(failing.report):
        exchanges = [item for item in check["failures"] if item["kind"] == "exchange"]
        causes = {cause_key(item) for item in exchanges}
        section = failures.split(f'id="check-{check["id"]}"')[1].split("</section>")[0]
        assert section.count('<div class="cause"') == len(causes)
        assert section.count('<pre class="curl">') == len(causes)
        lists = re.findall(r'<summary>(\d+) more like this[^<]*</summary><ul>(.*?)</ul>', section, re.S)
        assert lists or len(exchanges) == len(causes)
        for count, items in lists:
            lines = re.findall(r"<li>.*?</li>", items)
            assert len(lines) == int(count) and len({re.sub(r"^<li>[^:]*: ", "", line) for line in lines}) == len(lines)
    [warned] = failed(failing.report, "warned")
    assert f'id="check-{warned["id"]}"' in warnings and f'id="check-{warned["id"]}"' not in failures
    assert 'class="check warn"' in warnings


def test_the_reproduction_runs_as_pasted_in_bash(failing):
    """The first failure's curl line, pasted into bash with the key in the environment, sends the same request (its
    Basic credentials encoded by the shell) to a server that records it."""
    first = failed(failing.report)[0]["failures"][0]["exchange"]
    shown = failing.page.split('<pre class="curl">')[1].split("</pre>")[0]
    command = html.unescape(shown)
    assert command == first["curl"] and KEY not in command and '"$XENDIT_API_KEY:' in command
    seen: list = []
    with serve(fixed(401, {"error_code": "INVALID_API_KEY", "message": "m"}), log=seen) as echo:
        base = re.match(r"https?://[^/]+", first["request"]["url"]).group()
        done = subprocess.run(["bash", "-c", command.replace(base, echo)], capture_output=True, text=True,
                              timeout=30, env={"XENDIT_API_KEY": KEY, "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    [(method, path, headers)] = seen
    password = re.fullmatch(r"Basic base64\(\$XENDIT_API_KEY:(.*)\)", first["request"]["headers"]["Authorization"])
    assert (method, path) == (first["request"]["method"], first["request"]["path"])
    assert headers["Authorization"] == "Basic " + base64.b64encode(f"{KEY}:{password.group(1)}".encode()).decode()


def test_a_sequence_shows_its_steps_and_a_script(failing):
    report = json.loads(json.dumps(failing.report))
    check = next(item for item in report["checks"] if item["id"] == "CANCEL-AUTH")
    exchange = check["failures"][0]["exchange"]
    steps = [{"expect": "create a session", "exchange": exchange}] + [
        {"expect": "one of 2 concurrent cancels", "exchange": exchange}] * 2
    check["failures"] = [{**check["failures"][0], "steps": steps}]
    page = render_html(report, [], folder=failing.out)
    section = page.split('id="check-CANCEL-AUTH"')[1].split("</section>")[0]
    numbered = html.unescape(section.split('<pre class="sequence">')[1].split("</pre>")[0])
    assert [line[:5] for line in numbered.splitlines() if line[3:5] == ". "] == ["  1. ", "  2. ", "  3. "]
    assert "create a session" in numbered and numbered.count("<- the failing step") == 1
    assert html.escape(str(failing.out / "sequences" / "CANCEL-AUTH.sh")) in section
    script = html.unescape(section.split('<pre class="script">')[1].split("</pre>")[0]).splitlines()
    assert script[0] == "#!/usr/bin/env bash" and script[-1] == "wait"
    assert script[2] == exchange["curl"] and script[3] == script[4] == exchange["curl"] + " &"


def test_a_broken_check_is_a_failure_and_what_was_not_run_is_in_the_summary(failing):
    report = json.loads(json.dumps(failing.report))
    checks = {check["id"]: check for check in report["checks"]}
    checks["CANCEL-STATUS"].update(outcome="error", reason="Traceback …\nRuntimeError: boom")
    checks["LIFE-EXPIRED"].update(outcome="not_run", reason="no EXPIRED session: pass --expired-session-id")
    page = render_html(report, [])
    summary = page.split('id="filters"')[0]
    assert '<details id="not-run" open>' in summary
    assert "LIFE-EXPIRED" in summary and "pass --expired-session-id" in summary
    failures = page.split('<section id="warnings">')[0].split('<section id="failures">')[1]
    assert 'id="check-CANCEL-STATUS"' in failures and "RuntimeError: boom" in failures


def _exchange(method: str, path: str) -> Exchange:
    return Exchange(Intent("lifecycle", path, "ps-1"), Request(method, f"http://127.0.0.1:1{path}", path=path,
                                                               headers={"Authorization": f"Bearer {KEY}"}))


def test_a_failure_record_carries_its_steps():
    failure = Failure("LIFE-RECANCEL", Violation("m", "e"), _exchange("POST", "/sessions/ps-1/cancel"))
    assert failure_record(1, failure, REDACTOR)["steps"] == []
    failure.steps = ((_exchange("POST", "/sessions"), "create"), (_exchange("POST", "/sessions/ps-1/cancel"), "cancel"))
    record = failure_record(1, failure, REDACTOR)
    assert [step["expect"] for step in record["steps"]] == ["create", "cancel"]
    assert [step["exchange"]["request"]["path"] for step in record["steps"]] == ["/sessions", "/sessions/ps-1/cancel"]
    assert KEY not in json.dumps(record) and 'Bearer $XENDIT_API_KEY"' in record["steps"][0]["exchange"]["curl"]


def test_report_is_self_contained(failing):
    assert not re.search(r'(src|href)="(https?:)?//', failing.page)
    assert KEY not in failing.page and OTHER_KEY not in failing.page


def test_screenshot(failing, tmp_path):
    shot = failing.out / "report.png"
    chromium(tmp_path, f"--screenshot={shot}", (failing.out / "report.html").as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20000
