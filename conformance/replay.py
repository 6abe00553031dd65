"""``conformance replay ID``: send the recorded request of a failure again, to the same or another target, and
judge the answer with the same check. Keys come from the environment, as in the report's curl lines."""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from conformance.checks.stateless import STATELESS_CHECKS
from conformance.checks.verdict import CheckContext, Violation
from conformance.exitcodes import ExitCode
from conformance.generation.probe import Credentials
from conformance.safety import live_risk, to_confirm
from conformance.spec.schemas import Schemas
from conformance.spec.stage import load_repaired
from conformance.stateful.sessions import Sessions
from conformance.target.client import Target, TargetUnreachable
from conformance.target.exchange import Exchange, Intent

VARIABLES = ("XENDIT_API_KEY", "XENDIT_OTHER_API_KEY")
BASIC = re.compile(r"(basic +)base64\((.*)\)", re.IGNORECASE)  # as Redactor.header shows Basic credentials


class ReplayError(Exception):
    """The failure cannot be replayed (exit 2), or the target does not answer (exit 3)."""

    def __init__(self, message: str, code: ExitCode = ExitCode.USAGE):
        super().__init__(message)
        self.code = code


@dataclass
class Replayed:
    check_id: str
    exchange: Exchange
    violation: Violation | None  # None: it passes now (or the check no longer applies to the answer)


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


def _load(report_path: Path, failure_id: str) -> tuple[dict, dict, dict]:
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ReplayError(f"{report_path}: cannot read the report ({error})") from None
    check, failure = find_failure(report, failure_id)
    if failure.get("kind") == "spec":
        raise ReplayError(f"{failure['id']} is a finding in the document ({failure['pointer']}), not an exchange: "
                          "there is nothing to send")
    if check["id"] not in STATELESS_CHECKS:
        raise ReplayError(f"{check['id']} judges a sequence of requests on a session's state, not one answer: "
                          "re-run the suite (or its sequence's script) to see whether it still fails")
    return report, check, failure


def _confirm_unknown(target: Target, intent: Intent, method: str) -> None:
    """The run's own safety rule (Sessions.unsafe): an id the suite did not create is sent a state-changing request
    only after a GET with the configured key answered 404 for it."""
    sessions = Sessions(target, Credentials(os.environ.get("XENDIT_API_KEY", "")), given=[], completed=None,
                        expired=None, test_control=False, known_ids=set())
    for session_id in sorted(to_confirm(method, intent.session_id)):
        withholding = sessions.unsafe(session_id)
        if withholding and withholding.status == "no response":
            raise ReplayError(f"{target.base_url} does not answer ({withholding.reason})", ExitCode.UNREACHABLE)
        if withholding:
            raise ReplayError(f"not replayed: {withholding.reason}")


def replay(report_path: Path, failure_id: str, base_url: str | None, allow_live: bool = False) -> Replayed:
    """Send the recorded request again and judge the answer with the same check. Raises ReplayError."""
    report, check, failure = _load(report_path, failure_id)
    recorded = failure["exchange"]
    request, intent = recorded["request"], _intent(recorded["intent"])
    path = request["path"]
    target_url = (base_url or request["url"].removesuffix(path)).rstrip("/")
    risk = live_risk(target_url, [os.environ.get(name) for name in VARIABLES])
    if risk and not allow_live:
        raise ReplayError(f"refusing to replay: {risk} (pass --allow-live)")
    headers = {name: _header(value) for name, value in request["headers"].items()}
    target = Target(target_url)
    try:
        target.probe()
    except TargetUnreachable as error:
        raise ReplayError(str(error), ExitCode.UNREACHABLE) from None
    if not (intent.known and base_url is None):
        _confirm_unknown(target, intent, request["method"])
    body = _secret(request["body"]).encode() if request["body"] else None
    exchange = target.send(intent, request["method"], _secret(path), headers, body)
    spec = report["spec"]["path"] if Path(report["spec"]["path"]).is_file() else "cancel"
    context = CheckContext(report["run"]["profile"], Schemas(load_repaired(spec)),
                           {intent.session_id} if intent.known else set())
    verdict = STATELESS_CHECKS[check["id"]](exchange, context)
    return Replayed(check["id"], exchange, verdict if isinstance(verdict, Violation) else None)


def _intent(record: dict) -> Intent:
    return Intent("replay", record["input"], record["session_id"], record["credentials"], record["sub_account"],
                  record["known"])
