"""The run's exchanges as JSON lines, redacted: what was sent, what came back, which checks it failed."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.suite.context import RunContext


def write_transcript(context: RunContext, path: Path) -> Path:
    redactor = context.redactor
    path.parent.mkdir(parents=True, exist_ok=True)
    exchanges = context.recorder.exchanges
    start = exchanges[0].sent_at if exchanges else 0.0
    with path.open("w", encoding="utf-8") as out:
        for exchange in exchanges:
            request, response = exchange.request, exchange.response
            record = {
                "at_s": round(exchange.sent_at - start, 4),
                "family": exchange.intent.family,
                "input": exchange.intent.description,
                "method": request.method,
                "url": redactor.text(request.url),
                "headers": {name: redactor.header(name, value) for name, value in request.headers.items()},
                "status": response.status if response is not None else None,
                "elapsed_ms": round(response.elapsed * 1000, 3) if response is not None else None,
                "error": redactor.text(exchange.error) if exchange.error else None,
                "failed_checks": sorted(exchange.violations),
            }
            out.write(redactor.scrub(json.dumps(record, ensure_ascii=False) + "\n"))
    return path
