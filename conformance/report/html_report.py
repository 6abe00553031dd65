"""``report.html``: one self-contained page (no script, no network) rendered from the JSON report.

It reads top-down as a person triages: the verdict, the counts and what was not run; then the MUST failures, grouped
by check and, within a check, by distinct cause (same status, same schema path or message), each cause showing its
minimal example in full and "N more like this" as one line each; then the SHOULD warnings in their own colour; then
every check, the traceability matrix and the spec stage. A filter by family and outcome works without JavaScript
(radio buttons and CSS).
"""

from __future__ import annotations

import json
from html import escape as _escape
from pathlib import Path

from conformance.checks.registry import FAMILIES, MUST, SHOULD
from conformance.report.sequence import records_text, sequence_files
from conformance.report.traceability import Row
from conformance.results.model import (
    ERROR,
    FAILED,
    INTERRUPTIONS,
    NOT_APPLICABLE,
    NOT_RUN,
    OUTCOMES,
    PASSED,
    WARNED,
    first_line,
)
from conformance.results.records import displayable

LABELS = {FAILED: "failed", ERROR: "errored", WARNED: "warned", NOT_RUN: "not run", NOT_APPLICABLE: "not applicable",
          PASSED: "passed"}
REASONS_SHOWN = 6
GAPS_OPEN = 5  # what was not run (and the run's notes) is listed open up to this many items, folded beyond
MORE_SHOWN = 50  # lines listed under "N more like this"

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222}
main{margin:1em 2em;max-width:1400px}
h1{font-size:18px;margin:0 0 .4em} h2{margin:1.4em 0 .4em;border-bottom:1px solid #ddd;font-size:19px}
h3{margin:.2em 0;font-size:15px} h4{margin:.5em 0 .2em;font-size:13px}
.verdict{display:inline-block;padding:.25em .8em;border-radius:4px;font-weight:bold;color:#fff;font-size:18px}
.conformant{background:#2e7d32}.non-conformant{background:#c62828}.incomplete{background:#ef6c00}
.headline{font-size:16px;margin:.3em 0}
table{border-collapse:collapse;margin:.4em 0}
td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#f5f5f5} code{font-size:12px} .id{white-space:nowrap;font-weight:bold;font-size:13px}
.wrap{overflow-wrap:anywhere}
.passed{color:#2e7d32}.failed{color:#c62828;font-weight:bold}.error{color:#6a1b9a;font-weight:bold}
.warned{color:#a15c00;font-weight:bold}.not_run{color:#0277bd}.not_applicable{color:#777}
.reasons{margin:.2em 0}.reasons li{margin:.1em 0}
pre{background:#f7f7f7;border:1px solid #e0e0e0;padding:.4em .6em;margin:0;white-space:pre-wrap;
overflow-wrap:anywhere;font-size:12px;max-height:22em;overflow:auto}
.check{border-left:5px solid #c62828;padding:.3em 0 .3em 1em;margin:1em 0}
.check.warn{border-left-color:#f9a825;background:#fffbf0}
.cause{margin:.6em 0 .6em .5em}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:.6em}
.tally{color:#555;margin:.1em 0}
.more li{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:1300px}
#checks{width:100%} .basis{font-size:12px;color:#666;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;
max-width:680px}
.filters{margin:.6em 0;padding:.3em .6em;background:#f5f5f5;border-radius:4px}
.filters label{cursor:pointer;padding:0 .4em;border-radius:3px;text-decoration:underline}
body>input{position:absolute;opacity:0;pointer-events:none}
details>summary{cursor:pointer}
"""


def escape(text: object) -> str:
    """HTML-escaped, with control characters and lone surrogates shown as escapes."""
    return _escape(displayable(str(text)))


def _row(*cells: str, cls: str = "", data: str = "") -> str:
    return f"<tr{f' class={cls!r}' if cls else ''}{data}>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def _table(headers: list[str], rows: list[str], table_id: str) -> str:
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _id(check_id: str) -> str:
    return f'<code class="id">{escape(check_id)}</code>'


def _data(check: dict) -> str:
    """The attributes the filter selects on."""
    return f' data-family="{escape(check["family"])}" data-outcome="{escape(check["outcome"])}"'


# --- the filter: radio buttons before <main>, CSS that hides what does not match -----------------------------------

def _filter_inputs(families: list[str]) -> str:
    radios = [("family", "f-all", True)] + [("family", f"f-{family}", False) for family in families]
    radios += [("outcome", "o-all", True)] + [("outcome", f"o-{outcome}", False) for outcome in OUTCOMES]
    return "".join(f'<input type="radio" name="{name}" id="{ident}"{" checked" * on}>' for name, ident, on in radios)


def _filter_style(families: list[str]) -> str:
    rules = [f'#f-{family}:checked~main [data-family]:not([data-family="{family}"])' for family in families]
    rules += [f'#o-{outcome}:checked~main [data-outcome]:not([data-outcome="{outcome}"])' for outcome in OUTCOMES]
    chosen = [f"#{ident}:checked~main label[for={ident}]" for ident in
              ["f-all", "o-all", *(f"f-{family}" for family in families), *(f"o-{outcome}" for outcome in OUTCOMES)]]
    return ",".join(rules) + "{display:none}" + ",".join(chosen) + "{background:#333;color:#fff;text-decoration:none}"


def _filter_bar(families: list[str]) -> str:
    def labels(prefix: str, values: list[str], names: dict) -> str:
        return "".join(f'<label for="{prefix}-{value}">{escape(names.get(value, value))}</label>'
                       for value in ["all", *values])
    return (f'<nav class="filters" id="filters">Family: {labels("f", families, {})} · Outcome: '
            f'{labels("o", list(OUTCOMES), LABELS)}</nav>')


# --- summary ---------------------------------------------------------------------------------------------------------

def _count_line(counts: dict) -> str:
    return " · ".join(f'<span class="{outcome}">{counts[outcome]} {LABELS[outcome]}</span>'
                      for outcome in OUTCOMES if counts.get(outcome))


def _level_table(checks: list[dict]) -> str:
    rows = [_row(level, *(str(sum(c["level"] == level and c["outcome"] == outcome for c in checks))
                          for outcome in OUTCOMES), str(sum(c["level"] == level for c in checks)))
            for level in (MUST, SHOULD)]
    return _table(["level", *(LABELS[outcome] for outcome in OUTCOMES), "checks"], rows, "counts-by-level")


def _reasons(reasons: list[str]) -> str:
    items = [f"<li>{escape(reason)}</li>" for reason in reasons[:REASONS_SHOWN]]
    if len(reasons) > REASONS_SHOWN:
        items.append(f"<li>… and {len(reasons) - REASONS_SHOWN} more (below)</li>")
    return f'<ul class="reasons" id="reasons">{"".join(items)}</ul>'


def _gaps(report: dict) -> list[str]:
    """What the run did not do, and why: each as a line of HTML."""
    run, safety = report["run"], report["safety"]
    gaps = [f"{_id(check['id'])} ({check['level']}) {LABELS[check['outcome']]}"
            f"{' (accepted with --allow-skip)' if check['accepted_skip'] else ''}: "
            f"{escape(first_line(check['reason'] or ''))}"
            for check in report["checks"] if check["outcome"] in (NOT_RUN, NOT_APPLICABLE)]
    gaps += [f"{escape(INTERRUPTIONS[run['signal']])}: the report is partial"] if run["interrupted"] else []
    gaps += [escape(stall["reason"]) for stall in run["stalls"]]
    gaps += [f"sending stopped early: {escape(run['stopped_early'])}"] * bool(run["stopped_early"])
    gaps += [f"{item['count']} {escape(item['family'])} request(s) withheld by the safety rule (the GET for their id "
             f"answered {escape(item['get_status'])})" for item in safety["withheld"]]
    gaps += [escape(safety["note"])] * bool(safety["note"])
    gaps += [f"--session-id {escape(item['id'])} not used: {escape(item['reason'])}"
             for item in safety["dropped_sessions"]]
    return gaps + [escape(note) for note in run["notes"]]


def _not_run(report: dict) -> str:
    gaps = _gaps(report)
    if not gaps:
        return '<p id="not-run">Every selected check ran; nothing was withheld.</p>'
    return (f'<details id="not-run"{" open" * (len(gaps) <= GAPS_OPEN)}><summary>Not run or not applicable, and why: '
            f'{len(gaps)} item(s)</summary>'
            f'<ul>{"".join(f"<li>{gap}</li>" for gap in gaps)}</ul></details>')


def _traffic(traffic: dict) -> str:
    """Requests per endpoint and what rate limits cost them (open when the target answered 429)."""
    total = traffic["total"]
    rows = [_row(escape(scope), str(item["requests"]), str(item["rate_limited"]), f"{item['waited_s']:g}",
                 f"{item['paced_s']:g}") for scope, item in [*traffic["endpoints"].items(), ("all", total)]]
    table = _table(["endpoint", "requests", "answered 429", "s waiting out 429s", "s paced"], rows, "traffic-table")
    return (f'<details id="traffic"{" open" * bool(total["rate_limited"])}><summary>Requests by endpoint: '
            f'{total["requests"]} in all, {total["rate_limited"]} answered 429 (never judged), {total["waited_s"]:g} s '
            f'waiting them out, {total["paced_s"]:g} s paced within the limits</summary>{table}</details>')


def _summary(report: dict) -> str:
    run, verdict = report["run"], report["verdict"]
    return (f'<header id="summary"><h1>POST /sessions/{{session_id}}/cancel — conformance report</h1>'
            f'<p class="headline"><span id="verdict" class="verdict {escape(verdict)}">{escape(verdict.upper())}'
            f'</span> exit {report["exit_code"]} · <span id="counts">{_count_line(report["counts"])}</span> '
            f'of {len(report["checks"])} checks · {run["requests"]} requests in {run["seconds"]} s</p>'
            f'{_reasons(report["reasons"])}{_level_table(report["checks"])}'
            f'<p>Target <code>{escape(run["target"])}</code> · profile {escape(run["profile"])} · seed {run["seed"]}'
            f' · max examples {run["max_examples"]} · suite {escape(report["suite"]["version"])}</p>'
            f"{_traffic(run['traffic'])}{_not_run(report)}</header>")


# --- failures, grouped by check and by cause -------------------------------------------------------------------------

def _status(record: dict) -> str:
    response = record["response"]
    if response is not None:
        return f"HTTP {response['status']}"
    return "no response: " + first_line(record["error"] or record["skipped"] or "").split(":", 1)[0]


def cause_key(failure: dict) -> tuple[str, str]:
    """Failures with the same key have one root cause: the same status and the same schema path (else message)."""
    return _status(failure["exchange"]), failure["schema_path"] or failure["message"]


def causes(failures: list[dict]) -> list[list[dict]]:
    """Exchange failures grouped by cause (first-seen order), each group's minimal example first."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for failure in failures:
        groups.setdefault(cause_key(failure), []).append(failure)
    return [sorted(group, key=lambda item: (not item["minimal"], item["flaky"],
                                            item["exchange"]["intent"]["family"] == "retry"))
            for group in groups.values()]


def _request_text(record: dict) -> str:
    request = record["request"]
    lines = [f"{request['method']} {request['url']}"]
    lines += [f"{name}: {value}" for name, value in request["headers"].items()]
    return "\n".join(lines + (["", request["body"]] if request["body"] else []))


def _response_text(record: dict) -> str:
    response = record["response"]
    if response is None:
        return "(no response) " + (record["error"] or record["skipped"] or "")
    lines = [f"HTTP {response['status']} ({response['elapsed_ms']} ms)",
             *(f"{name}: {value}" for name, value in response["headers"].items())]
    return "\n".join([*lines, "", response["body"] or ""])


def _exchange(record: dict) -> str:
    intent = record["intent"]
    return (f'<p class="tally">Input: {escape(intent["input"])} [{escape(intent["family"])}]</p>'
            f'<div class="pair"><div><h4>Request</h4><pre>{escape(_request_text(record))}</pre></div>'
            f'<div><h4>Response</h4><pre>{escape(_response_text(record))}</pre></div></div>'
            f'<h4>Reproduce (bash; export XENDIT_API_KEY first)</h4><pre class="curl">{escape(record["curl"])}</pre>')


def _same(step: dict, other: dict | None) -> bool:
    return other is not None and (other["expect"], other["exchange"]["curl"]) == (step["expect"],
                                                                                 step["exchange"]["curl"])


def _script_lines(steps: list[dict]) -> list[str]:
    """The curl lines of a sequence; identical consecutive steps with the same expectation are a race's concurrent
    sends, started in the background and waited for."""
    lines: list[str] = []
    for index, step in enumerate(steps):
        before, after = (steps[index - 1] if index else None), (steps[index + 1] if index + 1 < len(steps) else None)
        raced = _same(step, before) or _same(step, after)
        lines.append(step["exchange"]["curl"] + " &" * raced)
        if raced and not _same(step, after):
            lines.append("wait")
    return lines


def _steps(steps: list[dict], check_id: str, folder: Path | None) -> str:
    """The numbered sequence, where its script was written (`folder`), and its curl lines as recorded."""
    script = "\n".join(["#!/usr/bin/env bash", "set -u", *_script_lines(steps)])
    written = (f'<p class="tally">Script that creates its own sessions: <code class="wrap">'
               f'{escape(sequence_files(folder, check_id)[0])}</code></p>') if folder else ""
    return (f'<h4>Steps</h4><pre class="sequence">{escape(records_text(steps))}</pre>{written}'
            f'<h4>Script (bash; export XENDIT_API_KEY first)</h4><pre class="script">{escape(script)}</pre>')


def _request_key(failure: dict) -> tuple[str, str, str]:
    """What makes two failing requests the same request: input, method and path (a retry re-sends it)."""
    record = failure["exchange"]
    return record["intent"]["input"], record["request"]["method"], record["request"]["path"]


def _one_line(key: tuple[str, str, str], families: list[str]) -> str:
    shown = [family for family in dict.fromkeys(families) if family != "retry"] or ["retry"]
    sent = f" · sent {len(families)}×" if len(families) > 1 else ""
    return (f"<li>{escape(', '.join(shown))}: {escape(key[0])} — <code>{escape(key[1])} {escape(key[2])}</code>"
            f"{sent}</li>")


def _more(group: list[dict]) -> str:
    """The group's other requests, one line each (a request sent again, e.g. a retry, is counted, not repeated)."""
    sends: dict[tuple[str, str, str], list[str]] = {}
    for failure in group:
        sends.setdefault(_request_key(failure), []).append(failure["exchange"]["intent"]["family"])
    resent = len(sends.pop(_request_key(group[0]))) - 1
    again = f" (this example was sent {resent + 1}×)" if resent else ""
    if not sends:
        return f'<p class="tally">No other request like this{again}.</p>' if again else ""
    items = [_one_line(key, families) for key, families in list(sends.items())[:MORE_SHOWN]]
    return (f'<details class="more"><summary>{len(sends)} more like this{again}</summary>'
            f'<ul>{"".join(items)}</ul></details>')


def _cause(group: list[dict], folder: Path | None) -> str:
    first = group[0]
    notes = " · minimal input (shrunk)" * first["minimal"] + " · FLAKY: did not reproduce on a retry" * first["flaky"]
    schema = f" · schema path <code>{escape(first['schema_path'])}</code>" if first["schema_path"] else ""
    body = _steps(first["steps"], first["id"].split("#")[0], folder) if first.get("steps") else ""
    return (f'<div class="cause" id="{escape(first["id"])}"><p><b>{escape(_status(first["exchange"]))}</b>{schema}'
            f"{notes}<br><b>Seen:</b> {escape(first['message'])}<br><b>Expected:</b> {escape(first['expected'])}</p>"
            f"{body}{_exchange(first['exchange'])}{_more(group)}</div>")


def _findings(findings: list[dict]) -> str:
    """Findings in the document: where each is and what is wrong; nothing to reproduce over HTTP."""
    rows = [_row(f'<code class="wrap" id="{escape(item["id"])}">{escape(item["pointer"])}</code>',
                 escape(item["message"]), escape(item["expected"])) for item in findings]
    return _table(["in the document at", "seen", "expected"], rows, f"findings-{findings[0]['id'].split('#')[0]}")


def _tally(check: dict, groups: list[list[dict]]) -> str:
    kept = sum(len(group) for group in groups)
    failing = check["responses_failing"]
    judged = f" of {check['judged']} judged" if check["judged"] else ""
    shown = f" · {kept} kept as evidence" if kept < failing else ""
    return (f'<p class="tally">failed on {failing} response(s){judged}{shown} · {len(groups)} distinct '
            f'cause(s)</p>') if groups else ""


def _check_failures(check: dict, folder: Path | None) -> str:
    exchanges = [item for item in check["failures"] if item["kind"] == "exchange"]
    findings = [item for item in check["failures"] if item["kind"] == "spec"]
    groups = causes(exchanges)
    error = (f"<pre>{escape(check['reason'])}</pre>" if check["outcome"] == ERROR and check["reason"] else "")
    warn = " warn" if check["outcome"] == WARNED else ""
    return (f'<section class="check{warn}" id="check-{escape(check["id"])}"{_data(check)}>'
            f'<h3>{_id(check["id"])} <span class="{check["outcome"]}">{check["level"]} · {LABELS[check["outcome"]]}'
            f'</span> · {escape(check["family"])} · {escape(check["description"])}</h3>{_tally(check, groups)}'
            f'{error}{"".join(_cause(group, folder) for group in groups)}{_findings(findings) if findings else ""}'
            "</section>")


def _section(section_id: str, title: str, checks: list[dict], none: str, folder: Path | None) -> str:
    body = "".join(_check_failures(check, folder) for check in checks) or f"<p>{none}</p>"
    return f'<section id="{section_id}"><h2>{title} ({len(checks)})</h2>{body}</section>'


# --- every check, traceability, the spec stage ----------------------------------------------------------------------

def _check_row(check: dict) -> str:
    outcome = LABELS[check["outcome"]] + (" (accepted)" if check["accepted_skip"] else "")
    link = f'<a href="#check-{escape(check["id"])}">{outcome}</a>' if check["failures"] or check["outcome"] == ERROR \
        else escape(outcome)
    basis = check["basis"]
    text = f"{basis['kind']}: {basis['source']}" + (f" — {basis['quote']}" if basis["quote"] else "")
    return _row(_id(check["id"]), check["level"], escape(check["family"]),
                f'<span class="{check["outcome"]}">{link}</span>', str(check["judged"] or ""),
                f'{escape(check["description"])}<div class="basis" title="{escape(text)}">{escape(text)}</div>',
                cls=f"row-{check['outcome']}", data=_data(check))


def _traceability(report: dict, matrix: list[Row]) -> str:
    states = {check["id"]: check["outcome"] for check in report["checks"]}
    rows, violated = [], 0
    for row in matrix:
        enforced = ", ".join(f'<span class="{states.get(check.id, "skipped")} id">{escape(check.id)}</span>'
                             for check in row.checks) or '<span class="warned">no check</span>'
        failed = any(states.get(check.id) in {FAILED, ERROR} for check in row.checks)
        violated += failed
        rows.append(_row(f'<code class="wrap">{escape(row.pointer)}</code>', escape(row.label), enforced,
                         '<span class="failed">violated</span>' if failed else "", cls="failed" if failed else ""))
    uncovered = sum(not row.covered for row in matrix)
    return (f'<details id="traceability-section"><summary><b>Traceability</b>: {len(matrix)} statements of the '
            f"document, {uncovered} enforced by no selected check, {violated} violated</summary>"
            f"<p>Each statement of the published document and the checks that enforce it.</p>"
            f'{_table(["statement (JSON pointer)", "what", "enforced by", ""], rows, "traceability")}</details>')


def _spec_stage(spec: dict) -> str:
    repairs = [_row(escape(item["rule"]), f"<code class='wrap'>{escape(item['pointer'])}</code>",
                    f"<code>{escape(json.dumps(item['before']))}</code>",
                    f"<code>{escape(json.dumps(item['after']))}</code>") for item in spec["repairs"]]
    warnings = "".join(f"<li><code class='wrap'>{escape(w['pointer'])}</code>: {escape(w['message'])}</li>"
                       for w in spec["warnings"])
    return (f"<details id='spec-stage'><summary><b>Spec stage</b>: <code>{escape(spec['path'])}</code>, "
            f"{spec['errors_as_published']} errors as published, {len(spec['repairs'])} repairs, valid after repair"
            f"</summary><p>SHA-256 as published <code>{spec['published_sha256']}</code>, after repairs "
            f"<code>{spec['repaired_sha256']}</code>. Values are JSON.</p>"
            f'{_table(["rule", "pointer", "before", "after"], repairs, "repairs")}'
            f"<h4>Warnings</h4><ul>{warnings or '<li>None.</li>'}</ul></details>")


def render_html(report: dict, matrix: list[Row], extra_sections: str = "", folder: Path | None = None) -> str:
    """The page; `folder`: where the failing sequences' scripts were written (beside the JUnit report)."""
    checks, verdict = report["checks"], report["verdict"]
    families = [family for family in FAMILIES if any(check["family"] == family for check in checks)]
    failing = [check for check in checks if check["outcome"] in (FAILED, ERROR)]
    warned = [check for check in checks if check["outcome"] == WARNED]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Cancel-session conformance: {escape(verdict)}</title>
<style>{STYLE}{_filter_style(families)}</style></head><body>{_filter_inputs(families)}<main>
{_summary(report)}
{_filter_bar(families)}
{_section("failures", "Failures: MUST checks failed or broken", failing, "None.", folder)}
{_section("warnings", "Warnings: SHOULD checks not met", warned, "None.", folder)}
<section id="all-checks"><h2>All checks ({len(checks)})</h2>
{_table(["ID", "level", "family", "result", "judged", "check and its basis"], list(map(_check_row, checks)), "checks")}
</section>
{_traceability(report, matrix)}
{_spec_stage(report["spec"])}
{extra_sections}
</main></body></html>
"""
