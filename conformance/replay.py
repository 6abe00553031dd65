"""``conformance replay ID``: send the recorded request of a failure again, to the same or another target, and
judge the answer with the same check; or a lifecycle failure's sequence, step by step, on sessions it creates anew,
comparing the failing step's answer with the recorded one. Keys come from the environment, as in the report's curl
lines."""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conformance.checks.findings import CheckContext, Violation
from conformance.checks.stateless import STATELESS_CHECKS
from conformance.exitcodes import ExitCode
from conformance.generation.probe import Credentials
from conformance.report.sequence import created_id, substitute
from conformance.results.records import body_text
from conformance.safety import live_risk
from conformance.spec.schemas import Schemas
from conformance.spec.stage import load_repaired
from conformance.stateful.sessions import Sessions
from conformance.target.client import Target, TargetUnreachable
from conformance.target.endpoints import CHECKOUT
from conformance.target.exchange import Exchange, Intent
from conformance.target.identity import Actor
from conformance.target.redact import MASKED_FIELDS, Redactor

VARIABLES = ("XENDIT_API_KEY", "XENDIT_OTHER_API_KEY")
BASIC = re.compile(r"(basic +)base64\((.*)\)([ \t]*)", re.IGNORECASE)  # as Redactor.header shows Basic credentials
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
SESSION_IN_PATH = re.compile(r"/sessions/([^/?#]+)")
DOT_SEGMENT = re.compile(r"/(?:\.|%2e){1,2}(?=[/?#]|$)", re.IGNORECASE)  # a server may resolve it to another path
MASKED = re.compile(r'"(' + "|".join(MASKED_FIELDS) + r')"(\s*:\s*)"\*\*\*"')  # customer details the report masks
LINK = re.compile(r'"payment_link_url"\s*:\s*("(?:[^"\\]|\\.)*")')  # a create's checkout link, as JSON text
STAND_INS = {"email": "customer@example.com", "given_names": "Nguyen", "surname": "Tran",
             "mobile_number": "+6281234567890", "phone_number": "+6281234567890"}  # sent in their place


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


@dataclass
class ReplayedSequence:
    check_id: str
    recorded: str  # the failing step's answer in the report: status, body status, error_code
    now: str  # and as it answered now

    @property
    def still_fails(self) -> bool:
        return self.now == self.recorded


def _secret(text: str) -> str:
    for name in VARIABLES:
        if f"${name}" in text:
            if not os.environ.get(name):
                raise ReplayError(f"the recorded request uses ${name}: set it in the environment")
            text = text.replace(f"${name}", os.environ[name])
    return text


def _header(value: str) -> str:
    match = BASIC.fullmatch(value)
    if match is None:
        return _secret(value)
    return match.group(1) + base64.b64encode(_secret(match.group(2)).encode()).decode() + match.group(3)


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
    if check["id"] not in STATELESS_CHECKS and not failure.get("steps"):
        raise ReplayError(f"{failure['id']} has no recorded sequence of requests: re-run the suite to see whether "
                          "it still fails")
    return report, check, failure


def _confirm_unknown(target: Target, intent: Intent, method: str) -> None:
    """The run's own safety rule (Sessions.guard): an id the suite did not create is sent a state-changing request
    only after a GET with the configured key answered 404 for it."""
    sessions = Sessions(target, Credentials(os.environ.get("XENDIT_API_KEY", "")), given=[], completed=None,
                        expired=None, test_control=False, known_ids=set())
    withholding = sessions.guard(method, intent.session_id)
    if withholding and withholding.status == "no response":
        raise ReplayError(f"{target.base_url} does not answer ({withholding.reason})", ExitCode.UNREACHABLE)
    if withholding:
        raise ReplayError(f"not replayed: {withholding.reason}")


def _target(request: dict, base_url: str | None, allow_live: bool) -> Target:
    """The target to replay on (`base_url`, or the recorded request's), refused if live, probed."""
    target_url = (base_url or request["url"].removesuffix(request["path"])).rstrip("/")
    risk = live_risk(target_url, [os.environ.get(name) for name in VARIABLES])
    if risk and not allow_live:
        raise ReplayError(f"refusing to replay: {risk} (pass --allow-live)")
    target = Target(target_url)
    try:
        target.probe()
    except TargetUnreachable as error:
        raise ReplayError(str(error), ExitCode.UNREACHABLE) from None
    return target


def replay(report_path: Path, failure_id: str, base_url: str | None, allow_live: bool = False,
           on_step: Callable[[str], None] = print) -> Replayed | ReplayedSequence:
    """Send the recorded request again and judge the answer with the same check, or a failure's sequence (each
    step reported to `on_step` as it is sent). Raises ReplayError."""
    report, check, failure = _load(report_path, failure_id)
    if failure.get("steps"):
        steps = failure["steps"]
        return _replay_sequence(check["id"], steps, _target(steps[0]["exchange"]["request"], base_url, allow_live),
                                on_step)
    recorded = failure["exchange"]
    request, intent = recorded["request"], _intent(recorded["intent"])
    path = request["path"]
    headers: dict[str, str | bytes] = {name: _header(value) for name, value in request["headers"].items()}
    target = _target(request, base_url, allow_live)
    if not (intent.known and base_url is None):
        _confirm_unknown(target, intent, request["method"])
    body = _secret(request["body"]).encode() if request["body"] else None
    exchange = target.send(intent, request["method"], _secret(path), headers, body,
                           version=request.get("version", "HTTP/1.1"))
    spec = report["spec"]["path"] if Path(report["spec"]["path"]).is_file() else "cancel"
    context = CheckContext(report["run"]["profile"], Schemas(load_repaired(spec)),
                           {intent.session_id} if intent.known else set())
    verdict = STATELESS_CHECKS[check["id"]](exchange, context)
    return Replayed(check["id"], exchange, verdict if isinstance(verdict, Violation) else None)


def _intent(record: dict) -> Intent:
    return Intent("replay", record["input"], record["session_id"], Actor(**record["actor"]), record["configured"],
                  record["known"])


def _link(body: str | None) -> str:
    """The checkout link a create answered."""
    found = LINK.search(body or "")
    return json.loads(found.group(1)) if found else ""


def _answer(status: int, body: str | None) -> str:
    """An answer as the verdict compares it: the status code, and the body's ``status`` and ``error_code``."""
    try:
        fields = json.loads(body or "")
    except ValueError:
        fields = None
    fields = fields if isinstance(fields, dict) else {}
    return " ".join([str(status), *(f"{name} {fields[name]}" for name in ("status", "error_code") if name in fields)])


def _withheld(method: str, path: str, created: list[str]) -> str | None:
    """Why a state-changing request is not sent: the session it names was not created by this replay (nor is it a
    variant of one that was)."""
    named = SESSION_IN_PATH.search(path)
    if method not in STATE_CHANGING or not named:
        return None
    if DOT_SEGMENT.search(path):
        return "a dot segment in its path could reach another session"
    if any(session_id[3:] in named.group(1) or session_id[3:].upper() in named.group(1) for session_id in created):
        return None
    return "it names a session this replay did not create"


def _replay_sequence(check_id: str, steps: list[dict], target: Target,
                     on_step: Callable[[str], None]) -> ReplayedSequence:
    """Send every step again in order, each recorded create's id replaced by the id the new create answered."""
    prepared: list[dict[str, str | bytes]] = [  # every key the sequence needs, before anything is sent
        {name: _header(value) for name, value in step["exchange"]["request"]["headers"].items()} for step in steps]
    ids: dict[str, tuple[str, str, str]] = {}
    links: dict[str, str] = {}  # each recorded session's checkout link → the link the new one has
    now = ""
    for number, (step, headers) in enumerate(zip(steps, prepared, strict=True), 1):
        record, request = step["exchange"], step["exchange"]["request"]
        method, path = request["method"], substitute(request["path"], ids)
        if record["skipped"] and record["response"] is None:
            on_step(f"{number:3}. {method} {path}: not sent, as in the run ({record['skipped']})")
            continue
        withheld = _withheld(method, path, [new for new, _, _ in ids.values()])
        if withheld:
            on_step(f"{number:3}. {method} {path}: withheld, {withheld}")
            if number == len(steps):
                raise ReplayError(f"the failing step was withheld: {withheld}")
            continue
        body = MASKED.sub(lambda found: f'"{found[1]}"{found[2]}"{STAND_INS[found[1]]}"', _secret(request["body"]))\
            .encode() if request["body"] else None
        if request["endpoint"] == CHECKOUT:  # a link the target handed out: the new session's own
            path = links.get(request["path"], path)
            exchange = target.fetch(_intent(record["intent"]), path)
        else:
            exchange = target.send(_intent(record["intent"]), method, _secret(path), headers, body,
                                   version=request.get("version", "HTTP/1.1"))
        if exchange.response is None:
            raise ReplayError(f"{target.base_url} does not answer ({exchange.error or exchange.skipped})",
                              ExitCode.UNREACHABLE)
        text = body_text(exchange.response.body, Redactor({}))
        recorded_id = created_id(method, request["path"], (record["response"] or {}).get("body"))
        new_id = created_id(method, path, text)
        if recorded_id and new_id:
            ids[recorded_id] = (new_id, new_id[3:], new_id[3:].upper())
            links[_link((record["response"] or {}).get("body"))] = _link(text)
        if number == len(steps):
            now = _answer(exchange.response.status, text)
        on_step(f"{number:3}. {method} {path} → {exchange.response.status}")
    last = steps[-1]["exchange"]["response"]
    return ReplayedSequence(check_id, _answer(last["status"], last["body"]) if last else "no response", now)
