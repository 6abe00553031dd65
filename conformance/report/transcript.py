"""The run's exchanges as JSON lines, redacted: what was sent, what came back, which checks it failed, when."""

from __future__ import annotations

import json

from conformance.results.model import RunResult
from conformance.results.records import exchange_record


def render_transcript(run: RunResult) -> str:
    start = run.exchanges[0].sent_at if run.exchanges else 0.0
    lines = []
    for exchange in run.exchanges:
        record = {"at_s": round(exchange.sent_at - start, 4), **exchange_record(exchange, run.redactor)}
        lines.append(json.dumps(record) + "\n")  # ASCII: no line separator (U+2028, U+0085) inside a line
    return "".join(lines)
