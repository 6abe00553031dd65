"""HAR 1.2 (what browsers, mitmproxy, Charles and most proxies export): read entry by entry with an incremental
parser, so a file of any size is judged in bounded memory; and written by ``conformance proxy --har``.

A HAR keeps each message parsed: header names and values, the body with its content coding already undone (as
``content.text``, or base64 with ``encoding: "base64"``). So the strict reader sees the fields and the body, not the
bytes that came off the wire: framing (Content-Length beside Transfer-Encoding, chunk syntax, a body shorter than
declared, bytes after the end), content codings, folded or malformed field lines and the status line cannot be
judged from a HAR (see README, "Judging recorded traffic").
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, urlsplit

import ijson

from conformance import __version__
from conformance.judge.recorded import Recorded, RecordingError, Skipped, timestamp
from conformance.target.redact import Redactor

BUFFER = 16 * 1024  # bytes the parser reads at a time: a parse error's position is exact to within this


class _Counted:
    """A binary file that counts the bytes read from it, so that a parse error can say where it is."""

    def __init__(self, raw: BinaryIO):
        self.raw, self.position = raw, 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.position += len(data)
        return data


def read_har(path: Path) -> Iterator[Recorded | Skipped]:
    """Each entry of `path` as a Recorded (or Skipped, with why); a file that ends inside an entry yields what came
    before and says where it ends. RecordingError when not one entry can be read."""
    count = 0
    with path.open("rb") as raw:
        counted = _Counted(raw)
        try:
            for count, entry in enumerate(ijson.items(counted, "log.entries.item", use_float=True,
                                                      buf_size=BUFFER), 1):
                yield entry_record(entry, f"{path.name}: entry {count}")
        except ijson.JSONError as error:
            where = f"{path.name}: near byte {counted.position}"
            truncated = isinstance(error, ijson.IncompleteJSONError) and "premature EOF" in str(error)
            problem = "the file ends inside the JSON (truncated)" if truncated else f"not valid JSON ({error})"
            if not count:
                raise RecordingError(f"{where}: {problem}: no HAR entry could be read") from None
            yield Skipped(where, f"{problem}: the {count} entries before it were read, nothing after it")


def _headers(items: object) -> list[tuple[str, str]]:
    if not isinstance(items, list):
        raise ValueError("headers is not an array")
    return [(str(item["name"]), str(item["value"])) for item in items]


def _content(content: object) -> bytes | None:
    """The bytes of a HAR postData or content object (text, or base64 with encoding "base64")."""
    if not isinstance(content, dict) or "text" not in content:
        return None
    text = content["text"]
    if not isinstance(text, str):
        raise ValueError("text is not a string")
    if content.get("encoding") == "base64":
        return base64.b64decode(text, validate=True)
    return text.encode("utf-8", "surrogatepass")


def entry_record(entry: Any, where: str) -> Recorded | Skipped:  # parsed JSON: a wrong shape is caught below
    """One HAR entry as a Recorded; Skipped (with the reason) when it lacks what judging needs."""
    try:
        request, response = entry["request"], entry["response"]
        at = timestamp(entry.get("startedDateTime"))
        if at is None:
            return Skipped(where, f"startedDateTime {entry.get('startedDateTime')!r} is not an ISO 8601 date-time")
        recorded = Recorded(where, str(request["method"]), str(request["url"]), _headers(request.get("headers", [])),
                            _content(request.get("postData")), at, str(request.get("httpVersion") or "HTTP/1.1"),
                            elapsed=float(entry.get("time") or 0) / 1000)
        status = int(response.get("status") or 0)
        if status <= 0:  # HAR's way of saying that no response came
            recorded.error = str(response.get("_error") or "no response recorded (status 0)")
            return recorded
        content = response.get("content") or {}
        body = _content(content)
        if body is None and (content.get("size") or 0) > 0:
            return Skipped(where, "the response body was not recorded (no content.text)")
        recorded.status, recorded.response_headers = status, _headers(response.get("headers", []))
        recorded.response_body = body or b""
        return recorded
    except (KeyError, TypeError, AttributeError) as error:
        return Skipped(where, f"not a HAR 1.2 entry: {type(error).__name__} {error}")
    except (ValueError, binascii.Error) as error:
        return Skipped(where, f"unreadable: {error}")


# --- writing ---------------------------------------------------------------------------------------------------

def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _har_content(data: bytes, mime_type: str) -> dict:
    """Text when the bytes are UTF-8, base64 otherwise (HAR 1.2 ``content.encoding``)."""
    try:
        return {"size": len(data), "mimeType": mime_type, "text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"size": len(data), "mimeType": mime_type, "text": base64.b64encode(data).decode(),
                "encoding": "base64"}


def _pairs(headers: list[tuple[str, str]]) -> list[dict]:
    return [{"name": name, "value": value} for name, value in headers]


def _type(headers: list[tuple[str, str]]) -> str:
    return next((value for name, value in headers if name.lower() == "content-type"), "")


def har_entry(recorded: Recorded, status_text: str = "") -> dict:
    """A Recorded as a HAR 1.2 entry (the response body as the client reads it: framing and codings undone)."""
    request: dict = {"method": recorded.method, "url": recorded.url, "httpVersion": recorded.version,
                     "cookies": [], "headers": _pairs(recorded.headers),
                     "queryString": [{"name": name, "value": value}
                                     for name, value in parse_qsl(urlsplit(recorded.url).query, True)],
                     "headersSize": -1, "bodySize": len(recorded.body or b"")}
    if recorded.body:
        content = _har_content(recorded.body, _type(recorded.headers))
        request["postData"] = {key: content[key] for key in ("mimeType", "text", "encoding") if key in content}
    response = {"status": recorded.status or 0, "statusText": status_text, "httpVersion": recorded.version,
                "cookies": [], "headers": _pairs(recorded.response_headers),
                "content": _har_content(recorded.response_body, _type(recorded.response_headers)),
                "redirectURL": "", "headersSize": -1, "bodySize": len(recorded.wire or recorded.response_body)}
    if recorded.error:
        response["_error"] = recorded.error
    milliseconds = round(recorded.elapsed * 1000, 3)
    return {"startedDateTime": _iso(recorded.at), "time": milliseconds, "request": request, "response": response,
            "cache": {}, "timings": {"send": 0, "wait": milliseconds, "receive": 0}}


class HarWriter:
    """A HAR 1.2 file written entry by entry (nothing kept in memory), closed into valid JSON by ``close``."""

    def __init__(self, path: Path):
        self.file = path.open("w", encoding="utf-8")
        self.file.write(json.dumps({"log": {"version": "1.2", "creator": {
            "name": "xendit-cancel-conformance proxy", "version": __version__}, "entries": []}})[:-3])
        self.count = 0

    def write(self, entry: dict, redactor: Redactor | None = None) -> None:
        """Append `entry`; with `redactor`, every key it knows replaced wherever it appears (in any form)."""
        text = json.dumps(entry, ensure_ascii=False)
        self.file.write(("," if self.count else "") + "\n" + (redactor.scrub(text) if redactor else text))
        self.count += 1

    def close(self) -> None:
        self.file.write("\n]}}\n")
        self.file.close()
