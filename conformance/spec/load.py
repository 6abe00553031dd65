"""Load an OpenAPI document from JSON, YAML, or a docs page with a fenced JSON block."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

FENCE = re.compile(r"^(`{3,})json\b[^\n]*\n", re.MULTILINE)


class InputError(Exception):
    """The input cannot be read as an OpenAPI document (exit 2)."""


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"{line}:{column}"


def fenced_json(text: str) -> tuple[str, int] | None:
    """The first fenced ```json block of a docs page and its offset, or None."""
    match = FENCE.search(text)
    if not match:
        return None
    start = match.end()
    end = text.find("\n" + match.group(1), start - 1)
    if end < 0:
        return None
    return text[start : end + 1], start


def _parse_json(text: str, offset: int, full: str, path: Path) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = _position(full, offset + error.pos)
        raise InputError(f"{path}:{where}: invalid JSON: {error.msg}") from None


def _parse_yaml(text: str, path: Path) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "?"
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"{path}:{where}: invalid YAML: {problem}") from None


def parse(text: str, path: Path) -> dict:
    """Parse document text; `path` names it in errors and picks the format."""
    if not text.strip():
        raise InputError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    if suffix in {".md", ".markdown"}:
        block = fenced_json(text)
        if block is None:
            raise InputError(f"{path}: no fenced ```json block found in the page")
        document = _parse_json(block[0], block[1], text, path)
    elif suffix == ".json" or text.lstrip().startswith("{"):
        document = _parse_json(text, 0, text, path)
    else:
        document = _parse_yaml(text, path)
    if not isinstance(document, dict):
        raise InputError(f"{path}:1:1: the document is a {type(document).__name__}, not an object")
    return document


def read(path: str | Path) -> bytes:
    """The exact bytes of `path`, once they are known to be UTF-8 text (InputError otherwise)."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a document")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start})") from None
    return raw

