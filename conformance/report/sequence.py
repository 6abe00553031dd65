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
from urllib.parse import urlsplit

from conformance.target.exchange import Exchange
from conformance.target.redact import Redactor

Steps = Sequence[tuple[Exchange, str]]
SESSION_ID = re.compile(r"ps-[0-9a-f]{24}")
BODY_LIMIT = 600


def _response(exchange: Exchange, redactor: Redactor) -> str:
    if exchange.skipped and exchange.response is None:
        return f"not sent ({exchange.skipped})"
    if exchange.response is None:
        return f"no response ({redactor.text(exchange.error or '')})"
    text = exchange.response.body[:BODY_LIMIT].decode("utf-8", "backslashreplace")
    more = "…" if len(exchange.response.body) > BODY_LIMIT else ""
    return f"{exchange.response.status} {redactor.text(text)}{more}"


def sequence_text(steps: Steps, redactor: Redactor) -> str:
    """The numbered list: each request, its response, and what the model expected (the failing step last)."""
    lines = []
    for number, (exchange, expected) in enumerate(steps, 1):
        request = exchange.request
        marker = "  <- the failing step" if number == len(steps) else ""
        lines.append(f"{number:3}. {exchange.intent.description}: {request.method} {redactor.text(request.path)}"
                     + marker)
        lines += [f"       {name}: {redactor.header(name, value)}" for name, value in request.headers.items()]
        if request.body:
            lines.append(f"       body: {redactor.text(request.body.decode('utf-8', 'backslashreplace'))}")
        lines.append(f"     → {_response(exchange, redactor)}")
        lines.append(f"     model: {expected}")
    return "\n".join(lines)


def _created_ids(steps: Steps) -> dict[str, str]:
    """Each session id a create answered, in order → its variable name (S1, S2, ...)."""
    found: dict[str, str] = {}
    for exchange, _ in steps:
        if exchange.request.method == "POST" and exchange.request.path == "/sessions" and exchange.response:
            match = SESSION_ID.search(exchange.response.body.decode("utf-8", "replace"))
            if match and match.group() not in found:
                found[match.group()] = f"S{len(found) + 1}"
    return found


def _url(path: str, ids: dict[str, str]) -> str:
    """The request's URL for the script: $BASE_URL and the path, double-quoted, created ids as their variables
    (also their hex part, as written or in upper case)."""
    text = re.sub(r'(["\\`$])', r"\\\1", path)
    for session_id, name in ids.items():
        hex_part = session_id[3:]
        text = text.replace(session_id, f"${{{name}}}")
        hex_name = "H" + name[1:]
        text = text.replace(hex_part, f"${{{hex_name}}}").replace(hex_part.upper(), f"${{{hex_name}^^}}")
    return f'"$BASE_URL{text}"'


def sequence_script(steps: Steps, redactor: Redactor) -> str:
    """A bash script that sends the sequence again, capturing each created session's id."""
    ids = _created_ids(steps)
    origin = ""
    if steps:
        parts = urlsplit(steps[0][0].request.url)
        origin = f"{parts.scheme}://{parts.netloc}"
    lines = ["#!/usr/bin/env bash", "# The failing sequence of a lifecycle check, step by step (the last one fails).",
             "# Keys come from the environment: XENDIT_API_KEY (and XENDIT_OTHER_API_KEY).",
             "set -u", f"BASE_URL=${{BASE_URL:-{shlex.quote(origin)}}}", ""]
    for number, (exchange, expected) in enumerate(steps, 1):
        request = exchange.request
        if exchange.skipped and exchange.response is None:
            lines.append(f"# {number}. not sent by the suite: {exchange.skipped}")
            continue
        curl = redactor.curl(request.method, request.url, request.headers, request.body)
        curl = curl.replace(shlex.quote(request.url), _url(request.path, ids), 1)
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
