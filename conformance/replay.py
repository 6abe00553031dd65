"""``conformance replay ID``: send the recorded request of a failure again, to the same or another target, and
judge the answer with the same check. Keys come from the environment, as in the report's curl lines."""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from conformance.checks.stateless import NA, STATELESS_CHECKS
from conformance.checks.verdict import CheckContext, Violation
from conformance.safety import live_risk, to_confirm
from conformance.spec.schemas import Schemas
from conformance.spec.stage import load_repaired
from conformance.target.client import Target, basic
from conformance.target.exchange import Exchange, Intent

VARIABLES = ("XENDIT_API_KEY", "XENDIT_OTHER_API_KEY")
BASIC = re.compile(r"(basic +)base64\((.*)\)", re.IGNORECASE)  # as Redactor.header shows Basic credentials


class ReplayError(Exception):
    """The failure cannot be replayed (exit 2)."""


@dataclass
class Replayed:
    check_id: str
    exchange: Exchange
    violation: Violation | None
    judged: bool  # False: not a stateless check; the response is shown, not judged


def _secret(text: str) -> str:
    for name in VARIABLES:
        if f"${name}" in text:
            if not os.environ.get(name):
                raise ReplayError(f"the recorded request uses ${name}: set it in the environment")
            text = text.replace(f"${name}", os.environ[name])
    return text


def _header(value: str) -> str:
    match = BASIC.fullmatch(value)
    return match.group(1) + base64.b64encode(_secret(match.group(2)).encode()).decode() if match else _secret(value)


def find_failure(report: dict, failure_id: str) -> tuple[dict, dict]:
    """The check and failure records for ``CHECK-ID#N``, or the first failure of ``CHECK-ID``."""
    check_id = failure_id.split("#")[0]
    for check in report["checks"]:
        if check["id"] == check_id:
            for failure in check["failures"]:
                if failure["id"] == failure_id or "#" not in failure_id:
                    return check, failure
    known = ", ".join(f["id"] for c in report["checks"] for f in c["failures"]) or "none"
    raise ReplayError(f"no failure {failure_id!r} in the report (failures: {known})")


def replay(report_path: Path, failure_id: str, base_url: str | None, allow_live: bool = False) -> Replayed:
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ReplayError(f"{report_path}: cannot read the report ({error})") from None
    check, failure = find_failure(report, failure_id)
    recorded = failure["exchange"]
    request, intent = recorded["request"], _intent(recorded["intent"])
    origin = urlsplit(request["url"])
    target_url = base_url or f"{origin.scheme}://{origin.netloc}"
    headers = {name: _header(value) for name, value in request["headers"].items()}
    risk = live_risk(target_url, [os.environ.get(name) for name in VARIABLES])
    if risk and not allow_live:
        raise ReplayError(f"refusing to replay: {risk} (pass --allow-live)")
    target = Target(target_url)
    same_target = base_url is None or base_url.rstrip("/") == f"{origin.scheme}://{origin.netloc}"
    if not (intent.known and same_target):
        for session_id in to_confirm(request["method"], intent.session_id):
            probe = target.send(intent, "GET", f"/sessions/{session_id}", {"Authorization": headers.get(
                "Authorization", basic(os.environ.get("XENDIT_API_KEY", "")))})
            if probe.response is None or probe.response.status != 404:
                raise ReplayError(f"not replayed: {session_id!r} may be a real session on {target_url}")
    body = _secret(request["body"]).encode() if request["body"] else None
    path = request["url"][len(f"{origin.scheme}://{origin.netloc}"):]
    exchange = target.send(intent, request["method"], path, headers, body)
    if check["id"] not in STATELESS_CHECKS:
        return Replayed(check["id"], exchange, None, judged=False)
    spec = report["spec"]["path"] if Path(report["spec"]["path"]).is_file() else "cancel"
    context = CheckContext(report["run"]["profile"], Schemas(load_repaired(spec)),
                           {intent.session_id} if intent.known else set())
    verdict = STATELESS_CHECKS[check["id"]](exchange, context)
    return Replayed(check["id"], exchange, verdict if isinstance(verdict, Violation) else None,
                    judged=verdict is not NA)


def _intent(record: dict) -> Intent:
    return Intent("replay", record["input"], record["session_id"], record["credentials"], record["sub_account"],
                  record["known"])
