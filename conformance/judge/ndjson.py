"""Newline-delimited JSON recordings: one exchange a line, in the shape the README documents, of which the suite's
own ``--transcript`` is one (its keys redacted to placeholders, its bodies cut at 4000 characters).

    {"at": 1733460000.125 | "2024-12-06T03:35:36.125Z", "elapsed_ms": 12.5,
     "request": {"method": "POST", "url": "http://host/sessions/ps-…/cancel", "version": "HTTP/1.1",
                 "headers": {"Authorization": "Basic …"} | [["Authorization", "Basic …"], …],
                 "body": "text" | null, "body_base64": "…"},
     "response": {"status": 200, "headers": {…} | [[…]], "body": "text", "body_base64": "…",
                  "raw_base64": "the response's bytes as received, status line to body"} | null,
     "error": "why no response came" | null}
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from pathlib import Path

from conformance.judge.recorded import Recorded, RecordingError, Skipped, timestamp

LINE_LIMIT = 64 * 1024 * 1024  # bytes: a longer line is skipped, said so, not read into memory whole
CLIPPED = re.compile(r"… \((\d+) bytes in all\)$")  # how the suite's transcript marks a body it cut


def read_ndjson(path: Path) -> Iterator[Recorded | Skipped]:
    """Each line of `path` as a Recorded (or Skipped, with why). RecordingError when no line can be read at all."""
    read = 0
    first_problem: Skipped | None = None
    with path.open("rb") as lines:
        for number, line in enumerate(iter(lambda: lines.readline(LINE_LIMIT), b""), 1):
            where = f"{path.name}: line {number}"
            if len(line) >= LINE_LIMIT and not line.endswith(b"\n"):
                while (rest := lines.readline(LINE_LIMIT)) and not rest.endswith(b"\n"):
                    pass
                yield Skipped(where, f"a line longer than {LINE_LIMIT} bytes")
                continue
            if not line.strip():
                continue
            found = line_record(line, where)
            if isinstance(found, Skipped) and not read and first_problem is None:
                first_problem = found
            read += isinstance(found, Recorded)
            yield found
    if not read and first_problem is not None:
        raise RecordingError(f"{first_problem.where}: {first_problem.reason}: no exchange could be read")


def _headers(value: object) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [(str(name), str(item)) for name, item in value.items()]
    if isinstance(value, list) and all(isinstance(pair, list) and len(pair) == 2 for pair in value):
        return [(str(name), str(item)) for name, item in value]
    raise ValueError("headers are neither an object nor an array of [name, value] pairs")


def _body(message: dict, transcript: bool) -> bytes | None:
    if message.get("body_base64") is not None:
        return base64.b64decode(message["body_base64"], validate=True)
    text = message.get("body")
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError("body is not a string (use body_base64 for bytes)")
    if transcript and CLIPPED.search(text):
        raise ValueError("the transcript cut this body (over 4000 characters): its checks cannot be judged")
    return text.encode("utf-8", "surrogatepass")


def line_record(line: bytes, where: str) -> Recorded | Skipped:
    """One line as a Recorded; Skipped (with the reason and the column of a JSON error) otherwise."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return Skipped(f"{where}, column {error.colno}", f"not JSON: {error.msg}")
    except UnicodeDecodeError as error:
        return Skipped(f"{where}, byte {error.start + 1}", "not UTF-8 (binary content belongs in body_base64)")
    try:
        transcript = "intent" in record  # the suite's own transcript: its keys are placeholders
        request, response = record["request"], record.get("response")
        at = timestamp(record.get("at"))
        if at is None:
            return Skipped(where, f"at {record.get('at')!r}: expected seconds since the epoch or an ISO 8601 "
                                  "date-time with an offset")
        recorded = Recorded(where, str(request["method"]), str(request["url"]), _headers(request.get("headers", {})),
                            _body(request, transcript), at, str(request.get("version") or "HTTP/1.1"),
                            elapsed=float(record.get("elapsed_ms") or (response or {}).get("elapsed_ms") or 0) / 1000,
                            error=record.get("error"), redacted=transcript)
        if response is None:
            recorded.error = recorded.error or "no response recorded"
            return recorded
        recorded.status, recorded.response_headers = int(response["status"]), _headers(response.get("headers", {}))
        recorded.response_body = _body(response, transcript) or b""
        if response.get("raw_base64") is not None:
            recorded.wire = base64.b64decode(response["raw_base64"], validate=True)
        return recorded
    except (KeyError, TypeError, AttributeError) as error:
        return Skipped(where, f"not an exchange of the documented shape: {type(error).__name__} {error}")
    except (ValueError, binascii.Error) as error:
        return Skipped(where, f"unreadable: {error}")


def ndjson_line(recorded: Recorded) -> str:
    """`recorded` as one line of the documented shape (bodies and the response's raw bytes in base64)."""
    def encoded(data: bytes | None) -> str | None:
        return None if data is None else base64.b64encode(data).decode()

    response = None if recorded.status is None else {
        "status": recorded.status, "headers": recorded.response_headers, "body_base64": encoded(recorded.response_body),
        "raw_base64": encoded(recorded.wire)}
    return json.dumps({"at": recorded.at, "elapsed_ms": round(recorded.elapsed * 1000, 3), "error": recorded.error,
                       "request": {"method": recorded.method, "url": recorded.url, "version": recorded.version,
                                   "headers": recorded.headers, "body_base64": encoded(recorded.body)},
                       "response": response}) + "\n"
