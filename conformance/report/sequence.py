"""A lifecycle failure's (minimal) sequence: as a numbered list of requests and responses with the model's
expectation at each step, and as a runnable bash script of curl commands that reads the keys from the environment
(``$XENDIT_API_KEY``, ``$XENDIT_OTHER_API_KEY``) and never contains one.

The script creates its own sessions: each id a create answered is captured into ``$S1``, ``$S2``, ... and every later
occurrence of it in a path (and of its hex part ``$H1``, as written or in upper case) is replaced by the variable, so
the sequence runs again on any target: ``BASE_URL=https://... bash sequence.sh``. A variant the hex part does not
show (a Unicode compatibility form) keeps the recorded id.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from conformance.identifiers import SESSION_ID
from conformance.report.files import ReportError, save
from conformance.results.model import RunResult
from conformance.results.records import exchange_record
from conformance.target.endpoints import CHECKOUT
from conformance.target.exchange import Exchange
from conformance.target.redact import Redactor

Steps = Sequence[tuple[Exchange, str]]
BODY_LIMIT = 600
FOLDER = "sequences"  # beside the JUnit report
FILE_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\.(?:sh|txt)")  # a check ID's script or list


def step_records(steps: Steps, redactor: Redactor) -> list[dict]:
    """A sequence as the JSON report records it: ``{"expect", "exchange"}`` per step."""
    return [{"expect": expected, "exchange": exchange_record(exchange, redactor)} for exchange, expected in steps]


def _response(record: dict) -> str:
    response = record["response"]
    if record["skipped"] and response is None:
        return f"not sent ({record['skipped']})"
    if response is None:
        return f"no response ({record['error'] or ''})"
    body = response["body"] or ""
    more = "…" if len(body) > BODY_LIMIT else ""
    return f"{response['status']} {body[:BODY_LIMIT]}{more}"


def records_text(records: Sequence[dict], first: int = 0) -> str:
    """The numbered list from step records (redacted already), from step `first` (0: all) to the failing one."""
    lines = []
    for number, step in enumerate(records[first:], first + 1):
        record, request = step["exchange"], step["exchange"]["request"]
        marker = "  <- the failing step" if number == len(records) else ""
        lines.append(f"{number:3}. {record['intent']['input']}: {request['method']} {request['path']}{marker}")
        lines += [f"       {name}: {value}" for name, value in request["headers"].items()]
        if request["body"]:
            lines.append(f"       body: {request['body']}")
        lines.append(f"     → {_response(record)}")
        lines.append(f"     model: {step['expect']}")
    return "\n".join(lines)


def sequence_text(steps: Steps, redactor: Redactor) -> str:
    """The numbered list: each request, its response, and what the model expected (the failing step last)."""
    return records_text(step_records(steps, redactor))


def created_id(method: str, path: str, body: str | None) -> str | None:
    """The session id a create's answer names, if the request was a create."""
    match = SESSION_ID.search(body or "") if (method, path) == ("POST", "/sessions") else None
    return match.group() if match else None


def substitute(text: str, ids: dict[str, tuple[str, str, str]]) -> str:
    """`text` with each created id, then its hex part as written and in upper case, replaced by the given three."""
    for session_id, (whole, hex_part, upper) in ids.items():
        text = text.replace(session_id, whole).replace(session_id[3:], hex_part).replace(session_id[3:].upper(), upper)
    return text


def _created_ids(steps: Steps) -> dict[str, str]:
    """Each session id a create answered, in order → its variable name (S1, S2, ...)."""
    found: dict[str, str] = {}
    for exchange, _ in steps:
        request, response = exchange.request, exchange.response
        session_id = created_id(request.method, request.path, response.body.decode("utf-8", "replace")
                                if response else None)
        if session_id and session_id not in found:
            found[session_id] = f"S{len(found) + 1}"
    return found


def _url(path: str, ids: dict[str, str]) -> str:
    """The request's URL for the script: $BASE_URL and the path, double-quoted, created ids as their variables
    (also their hex part, as written or in upper case)."""
    text = re.sub(r'(["\\`$])', r"\\\1", path)
    return '"$BASE_URL' + substitute(text, {session_id: (f"${{{name}}}", f"${{H{name[1:]}}}", f"${{H{name[1:]}^^}}")
                                            for session_id, name in ids.items()}) + '"'


def sequence_script(steps: Steps, redactor: Redactor) -> str:
    """A bash script that sends the sequence again, capturing each created session's id."""
    ids = _created_ids(steps)
    origin = ""
    if steps:  # the base URL: the first request's URL without its API path (a path prefix kept)
        first = steps[0][0].request
        parts = urlsplit(first.url)
        at = first.url.rfind(first.path) if first.path else -1
        origin = first.url[:at] if at > 0 else f"{parts.scheme}://{parts.netloc}"
    lines = ["#!/usr/bin/env bash", "# The failing sequence of a lifecycle check, step by step (the last one fails).",
             "# Keys come from the environment: XENDIT_API_KEY (and XENDIT_OTHER_API_KEY).",
             "set -u", f"BASE_URL=${{BASE_URL:-{shlex.quote(origin)}}}", ""]
    for number, (exchange, expected) in enumerate(steps, 1):
        request = exchange.request
        if exchange.skipped and exchange.response is None:
            lines.append(f"# {number}. not sent by the suite: {exchange.skipped}")
            continue
        if request.endpoint == CHECKOUT:  # a link the target handed out, on its own origin: as recorded
            curl = redactor.curl(request.method, request.url, request.headers, request.body, request.version)
        else:
            curl = redactor.curl(request.method, "SEQUENCE_URL", request.headers, request.body, request.version)
            curl = curl.replace('"SEQUENCE_URL"', _url(request.path, ids), 1)
        lines.append(f"# {number}. {exchange.intent.description}; the model expects: {expected}")
        created = next((name for session_id, name in ids.items()
                        if exchange.response and session_id in exchange.response.body.decode("utf-8", "replace")
                        and request.path == "/sessions"), None)
        if created:
            lines.append(f"{created}=$({curl} | grep -o '\"payment_session_id\":\"[^\"]*\"' | cut -d'\"' -f4)")
            lines.append(f'H{created[1:]}=${{{created}#ps-}}; echo "{number}. created ${created}"')
        else:
            lines.append(f"{curl} -w ' → %{{http_code}}\\n'")
        lines.append("")
    return "\n".join(lines)


def sequence_files(folder: Path, check_id: str) -> tuple[Path, Path]:
    """Where a check's script and numbered list go: ``FOLDER/ID.sh`` and ``FOLDER/ID.txt`` under `folder`."""
    return folder / FOLDER / f"{check_id}.sh", folder / FOLDER / f"{check_id}.txt"


def write_sequences(run: RunResult, folder: Path) -> list[Path]:
    """The script and numbered list of each check whose first failure has steps, through ``save``; the files of
    checks without one this run are removed, so that none of a previous run is taken for this one's."""
    written = []
    for result in run.checks:
        if result.failures and result.failures[0].steps:
            script, text = sequence_files(folder, result.check.id)
            steps = result.failures[0].steps
            written += [save(script, sequence_script(steps, run.redactor), run.redactor, mode=0o755),
                        save(text, sequence_text(steps, run.redactor) + "\n", run.redactor)]
    stale = folder / FOLDER
    try:
        for path in stale.iterdir() if stale.is_dir() else ():
            if FILE_NAME.fullmatch(path.name) and path not in written and path.is_file():
                path.unlink()
    except OSError as error:
        raise ReportError(f"cannot remove an earlier run's sequences in {stale}: {error.strerror or error}") from None
    return written
