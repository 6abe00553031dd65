"""``report.html``: one self-contained page (no JavaScript, no network) rendered from the JSON report."""

from __future__ import annotations

from html import escape
from pathlib import Path

from conformance.report.traceability import Row
from conformance.target.redact import Redactor, write_redacted

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;max-width:1400px}
h1{margin:0 0 .3em} h2{margin-top:2em;border-bottom:1px solid #ddd}
.verdict{display:inline-block;padding:.3em .8em;border-radius:4px;font-weight:bold;color:#fff}
.conformant{background:#2e7d32}.non-conformant{background:#c62828}.incomplete{background:#ef6c00}
table{border-collapse:collapse;width:100%;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f5f5f5} code{font-size:12px;word-break:break-all}
.passed{color:#2e7d32}.failed{color:#c62828;font-weight:bold}.error{color:#6a1b9a;font-weight:bold}
.warned{color:#ef6c00}.skipped{color:#0277bd}
pre{background:#f7f7f7;border:1px solid #e0e0e0;padding:.6em;white-space:pre-wrap;word-break:break-all}
.failure{border-left:4px solid #c62828;padding-left:1em;margin:1.5em 0}
"""


def _row(*cells: str, cls: str = "") -> str:
    return f"<tr{f' class={cls!r}' if cls else ''}>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def _table(headers: list[str], rows: list[str], table_id: str) -> str:
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _exchange(record: dict) -> str:
    request, response = record["request"], record["response"]
    lines = [f"Input: {record['intent']['input']} [{record['intent']['family']}]",
             f"{request['method']} {request['url']}"]
    lines += [f"{name}: {value}" for name, value in request["headers"].items()]
    if request["body"]:
        lines += ["", request["body"]]
    answer = ["(no response) " + (record["error"] or record["skipped"] or "")] if response is None else (
        [f"HTTP {response['status']} ({response['elapsed_ms']} ms)"]
        + [f"{name}: {value}" for name, value in response["headers"].items()] + ["", response["body"] or ""])
    return (f"<h4>Request</h4><pre>{escape(chr(10).join(lines))}</pre>"
            f"<h4>Response</h4><pre>{escape(chr(10).join(answer))}</pre>"
            f"<h4>Reproduce</h4><pre>{escape(record['curl'])}</pre>")


def _failures(check: dict) -> str:
    parts = []
    for failure in check["failures"]:
        notes = " · minimal input (shrunk)" * failure["minimal"] + " · FLAKY (did not reproduce on a retry)" * \
            failure["flaky"]
        schema = f"<p>Schema path: <code>{escape(failure['schema_path'])}</code></p>" if failure["schema_path"] else ""
        parts.append(f'<div class="failure" id="{escape(failure["id"])}"><h3>{escape(failure["id"])}{notes}</h3>'
                     f"<p><b>Seen:</b> {escape(failure['message'])}<br><b>Expected:</b> "
                     f"{escape(failure['expected'])}</p>{schema}{_exchange(failure['exchange'])}</div>")
    return "".join(parts)


def render_html(report: dict, matrix: list[Row], extra_sections: str = "") -> str:
    run, spec, verdict = report["run"], report["spec"], report["verdict"]
    states = {check["id"]: check["outcome"] for check in report["checks"]}
    check_rows = []
    for check in report["checks"]:
        link = (f'<a href="#{escape(check["failures"][0]["id"])}">{check["outcome"]}</a>' if check["failures"]
                else escape(check["outcome"]))
        reason = escape((check["detail"] or "").strip().splitlines()[0]) if check["detail"] else ""
        check_rows.append(_row(f"<code>{escape(check['id'])}</code>", check["level"], check["family"],
                               escape(check["description"]),
                               f"<code>{escape(check['statement'])}</code><br><i>{escape(check['quote'])}</i>",
                               f'<span class="{check["outcome"]}">{link}</span> {reason}', cls=check["outcome"]))
    trace_rows = []
    for row in matrix:
        enforced = ", ".join(f'<span class="{states.get(check.id, "skipped")}">{escape(check.id)}</span>'
                             for check in row.checks) or '<span class="warned">no check</span>'
        failed = any(states.get(check.id) in {"failed", "error"} for check in row.checks)
        trace_rows.append(_row(f"<code>{escape(row.pointer)}</code>", escape(row.label), enforced,
                               '<span class="failed">violated</span>' if failed else "",
                               cls="failed" if failed else ""))
    repairs = [_row(escape(item["rule"]), f"<code>{escape(item['pointer'])}</code>", escape(repr(item["before"])),
                    escape(repr(item["after"]))) for item in spec["repairs"]]
    warnings = "".join(f"<li><code>{escape(w['pointer'])}</code>: {escape(w['message'])}</li>"
                       for w in spec["warnings"])
    stopped = f"<p class='warned'>Stopped early: {escape(run['stopped_early'])}</p>" if run["stopped_early"] else ""
    failures = "".join(_failures(check) for check in report["checks"] if check["failures"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Cancel-session conformance: {escape(verdict)}</title>
<style>{STYLE}</style></head><body>
<h1>POST /sessions/{{session_id}}/cancel — conformance report</h1>
<p><span id="verdict" class="verdict {escape(verdict)}">{escape(verdict.upper())}</span></p>
<p>Target <code>{escape(run['target'])}</code> · profile {escape(run['profile'])} · seed {run['seed']} ·
{run['requests']} requests in {run['seconds']} s · suite {escape(report['suite']['version'])}</p>{stopped}
<h2>Checks</h2>{_table(["ID", "level", "family", "check", "statement", "result"], check_rows, "checks")}
<h2>Failures</h2>{failures or "<p>None.</p>"}
<h2>Traceability</h2><p>Each statement of the published document and the checks that enforce it.</p>
{_table(["statement (JSON pointer)", "what", "enforced by", ""], trace_rows, "traceability")}
<h2>Spec stage</h2><p><code>{escape(spec['path'])}</code>: {spec['errors_as_published']} errors as published,
{len(spec['repairs'])} repairs (logged below), valid after repair. SHA-256 as published
<code>{spec['published_sha256']}</code>, after repairs <code>{spec['repaired_sha256']}</code>.</p>
{_table(["rule", "pointer", "before", "after"], repairs, "repairs")}
<h3>Warnings</h3><ul>{warnings or "<li>None.</li>"}</ul>
{extra_sections}
</body></html>
"""


def write_html(text: str, path: Path, redactor: Redactor) -> Path:
    return write_redacted(path, text, redactor)
