"""Which reader a recording needs: HAR or newline-delimited JSON, told from its first line (never from its name)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from conformance.judge.har import read_har
from conformance.judge.ndjson import read_ndjson
from conformance.judge.recorded import Recorded, RecordingError, Skipped

SNIFF = 64 * 1024


def recording_format(path: Path) -> str:
    """``ndjson`` when the first line is a JSON object with a request (one exchange a line), else ``har``."""
    try:
        with path.open("rb") as file:
            first = file.readline(SNIFF)
    except OSError as error:
        raise RecordingError(f"{path}: cannot be read: {error.strerror or error}") from None
    if not first.strip():
        raise RecordingError(f"{path}: empty (expected a HAR file or one JSON exchange a line)")
    try:
        record = json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "har"
    return "ndjson" if isinstance(record, dict) and "request" in record else "har"


def read_recording(path: Path) -> Iterator[Recorded | Skipped]:
    """Every exchange of `path`, in order, each a Recorded or a Skipped saying why it is not judged."""
    return read_ndjson(path) if recording_format(path) == "ndjson" else read_har(path)
