"""Writing a report file: the directory made, the text scrubbed of every secret, written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from conformance.target.redact import Redactor

SCRUBBED_MIN = 8  # secrets shorter than this are redacted field by field only: as text they would match anywhere


class ReportError(Exception):
    """A report could not be written (the message says which and why)."""


def save(path: Path, text: str, redactor: Redactor, mode: int = 0o644) -> Path:
    """Write `text` (through the redactor, a last line of defence) to `path` atomically, with permissions `mode`."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace") as out:
            out.write(scrub(text, redactor))
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        raise ReportError(f"cannot write {path}: {error.strerror or error}") from None
    return path


def writable(path: Path) -> str | None:
    """Why `path` cannot be written, or None: checked before a run so that it does not fail at the end."""
    path = Path(path)
    if path.is_dir():
        return f"{path} is a directory"
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return f"{path}: cannot create files in {parent}"
    if path.exists() and not os.access(path, os.W_OK):
        return f"{path} is not writable"
    return None


def scrub(text: str, redactor: Redactor) -> str:
    """The whole text through the redactor once more, for every secret long enough to be told from ordinary text."""
    return Redactor({secret: name for secret, name in redactor.secrets.items() if len(secret) >= SCRUBBED_MIN}).scrub(
        text)
