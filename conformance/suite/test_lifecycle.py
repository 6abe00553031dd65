"""Lifecycle checks, on sessions the suite creates (or was given): each state change and what must not change."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import pytest

from conformance.checks.profiles import allowed
from conformance.generation.probe import segment
from conformance.suite.sessions import Unavailable
from conformance.target.client import basic
from conformance.target.exchange import Exchange

VOLATILE = {"status", "updated", "payment_link_url"}  # what a cancel may change: "The Xendit Hosted Checkout URL
# will be invalid" lets payment_link_url change or go null
PLAN = {  # what each check sends (shown by --dry-run); the scenario session is shared by the first six
    "LIFE-CANCEL-ACTIVE": "1 ACTIVE session (the scenario): a GET on its cancel path (for CANCEL-METHOD), cancel "
                          "it, GET it, cancel it again, its checkout link fetched before and after",
    "LIFE-GET-CANCELED": "the scenario session",
    "LIFE-UPDATED": "the scenario session",
    "LIFE-RECANCEL": "the scenario session",
    "LIFE-STATUS-MESSAGE": "the scenario session",
    "LIFE-CHECKOUT": "the scenario session",
    "LIFE-COMPLETED": "1 session completed through test control (or --completed-session-id): cancel, GET",
    "LIFE-EXPIRED": "1 session expired through test control (or --expired-session-id): cancel, GET",
    "LIFE-CONCURRENT": "1 ACTIVE session: 8 concurrent cancels (one paced burst), GET",
    "LIFE-CONCURRENT-422": "the LIFE-CONCURRENT session",
    "LIFE-AUTH-NO-EFFECT": "1 ACTIVE session: 2 cancels with bad credentials, 2 GETs, 1 cancel",
    "LIFE-OTHER-BUSINESS": "1 ACTIVE session: 1 cancel with --other-api-key, 1 GET, 1 cancel",
    "LIFE-OTHER-SUBACCOUNT": "1 ACTIVE session: 1 cancel as another for-user-id, 1 GET, 1 cancel",
    "LIFE-OTHER-SUBACCOUNT-404": "the LIFE-OTHER-SUBACCOUNT session",
    "LIFE-ID-VARIANT": "1 ACTIVE session: 4 cancels of variants of its id, 4 GETs, 1 cancel",
}
CONCURRENT_CANCELS = 8
OTHER_SUB_ACCOUNT = "5f0c0nf0rmance0ther000000"


def _body(exchange: Exchange) -> dict:
    body = exchange.response.json_or_none() if exchange.response is not None else None
    return body if isinstance(body, dict) else {}


def _seen(exchange: Exchange) -> str:
    if exchange.response is None:
        return f"no response ({exchange.error})"
    body = _body(exchange)
    return (f"status {exchange.response.status}, body status {body.get('status')!r}, "
            f"error_code {body.get('error_code')!r}")


def _status(exchange: Exchange) -> int | None:
    return exchange.response.status if exchange.response is not None else None


def _session(supplier):
    try:
        return supplier()
    except Unavailable as reason:
        pytest.skip(str(reason))


@dataclass
class Scenario:
    """One ACTIVE session taken through cancel, GET, cancel again, with its checkout link fetched around it."""

    before: dict
    cancel: Exchange
    get_after: Exchange
    recancel: Exchange
    checkout_before: Exchange | None
    checkout_after: Exchange | None
    checkout_skip: str | None


def _checkout_path(conformance, link: object) -> tuple[str | None, str | None]:
    if not isinstance(link, str) or not link:
        return None, "the session has no payment_link_url"
    path = conformance.target.path_of(link)
    if path is None:
        return None, f"the checkout link {link} is not under the target's base URL; the suite only sends requests " \
                     "to the target"
    return path, None


@pytest.fixture(scope="session")
def scenario(conformance) -> Scenario:
    sessions = conformance.sessions
    before = _session(sessions.active)
    session_id = before["payment_session_id"]
    path, skip = _checkout_path(conformance, before.get("payment_link_url"))
    checkout_before = sessions.send("checkout link while ACTIVE", "GET", path, session_id, {}) if path else None
    if checkout_before is not None and _status(checkout_before) != 200:
        skip = f"the checkout link does not serve the session even while it is ACTIVE ({_seen(checkout_before)})"
    sessions.send("GET on the cancel path of an ACTIVE session", "GET", f"/sessions/{segment(session_id)}/cancel",
                  session_id)  # judged by CANCEL-METHOD, like every response of the path
    if _whole_seconds(before.get("updated")):
        time.sleep(1)  # else a cancel within the creation's second could not show `updated` moving forward
    cancel = sessions.cancel(session_id, "cancel an ACTIVE session")
    get_after = sessions.get(session_id)
    recancel = sessions.cancel(session_id, "cancel the CANCELED session again")
    checkout_after = sessions.send("checkout link after cancel", "GET", path, session_id, {}) if path else None
    return Scenario(before, cancel, get_after, recancel, checkout_before, checkout_after, skip)


@pytest.mark.check("LIFE-CANCEL-ACTIVE")
def test_cancel_active(conformance, scenario):
    body = _body(scenario.cancel)
    conformance.expect("LIFE-CANCEL-ACTIVE", _status(scenario.cancel) == 200 and body.get("status") == "CANCELED",
                       scenario.cancel, _seen(scenario.cancel), "200 with status CANCELED")
    changed = sorted(key for key in (scenario.before.keys() | body.keys()) - VOLATILE
                     if not same_value(scenario.before.get(key), body.get(key)))
    conformance.expect("LIFE-CANCEL-ACTIVE", not changed, scenario.cancel, f"fields changed by the cancel: {changed}",
                       "every field but status and updated as the session had it before the cancel")


@pytest.mark.check("LIFE-GET-CANCELED")
def test_get_after_cancel(conformance, scenario):
    conformance.expect("LIFE-GET-CANCELED",
                       _status(scenario.get_after) == 200 and _body(scenario.get_after).get("status") == "CANCELED",
                       scenario.get_after, _seen(scenario.get_after), "GET: 200 with status CANCELED")


def same_value(before: object, after: object) -> bool:
    """Equal by meaning: date-times as instants (any offset or precision), numbers as numbers, nested alike."""
    if isinstance(before, dict) and isinstance(after, dict):
        return before.keys() == after.keys() and all(same_value(before[k], after[k]) for k in before)
    if isinstance(before, list) and isinstance(after, list):
        return len(before) == len(after) and all(map(same_value, before, after))
    if isinstance(before, bool) or isinstance(after, bool):
        return before is after
    if isinstance(before, int | float) and isinstance(after, int | float):
        return before == after
    instants = _timestamp(before), _timestamp(after)
    if isinstance(before, str) and isinstance(after, str) and None not in instants:
        return instants[0] == instants[1]
    return before == after


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str) or "T" not in value.upper():
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _whole_seconds(value: object) -> bool:
    """A date-time without a fraction of a second ("2024-12-06T03:35:36Z")."""
    return _timestamp(value) is not None and "." not in str(value)


@pytest.mark.check("LIFE-UPDATED")
def test_updated_moves_forward(conformance, scenario):
    before, after = _timestamp(scenario.before.get("updated")), _timestamp(_body(scenario.cancel).get("updated"))
    conformance.expect("LIFE-UPDATED", before is not None and after is not None and after > before, scenario.cancel,
                       f"updated {scenario.before.get('updated')!r} → {_body(scenario.cancel).get('updated')!r}",
                       "an `updated` later than before the cancel")


def _expect_422(conformance, check_id: str, exchange: Exchange) -> None:
    conformance.expect(check_id, _status(exchange) == 422 and _body(exchange).get("error_code") ==
                       "INVALID_SESSION_STATUS", exchange, _seen(exchange), "422 INVALID_SESSION_STATUS")


@pytest.mark.check("LIFE-RECANCEL")
def test_recancel(conformance, scenario):
    _expect_422(conformance, "LIFE-RECANCEL", scenario.recancel)


@pytest.mark.check("LIFE-STATUS-MESSAGE")
def test_status_message(conformance, scenario):
    message = _body(scenario.recancel).get("message")
    conformance.expect("LIFE-STATUS-MESSAGE", isinstance(message, str) and names_status(message, "CANCELED"),
                       scenario.recancel,
                       f"message {message!r}", "a message naming the status: Session status is CANCELED, expecting "
                       "ACTIVE")


@pytest.mark.check("LIFE-CHECKOUT")
def test_checkout_link_invalid(conformance, scenario):
    if scenario.checkout_skip:
        pytest.skip(scenario.checkout_skip)
    status = _status(scenario.checkout_after)
    conformance.expect("LIFE-CHECKOUT", status is not None and not 200 <= status <= 299, scenario.checkout_after,
                       f"the link still answers {status}", "a 4XX: the hosted checkout URL is invalid after a cancel")


def names_status(message: str, status: str) -> bool:
    """Whether `message` names `status` in any case, with either spelling of CANCELED."""
    spellings = {status, "CANCELLED"} if status == "CANCELED" else {status}
    return any(spelling in message.upper() for spelling in spellings)


def _terminal(conformance, check_id: str, supplier, status: str) -> None:
    session_id = _session(supplier)["payment_session_id"]
    exchange = conformance.sessions.cancel(session_id, f"cancel a {status} session")
    _expect_422(conformance, check_id, exchange)
    after = conformance.sessions.get(session_id)
    conformance.expect(check_id, _body(after).get("status") == status, after, _seen(after),
                       f"the session still {status}")


@pytest.mark.check("LIFE-COMPLETED")
def test_completed(conformance):
    _terminal(conformance, "LIFE-COMPLETED", conformance.sessions.completed, "COMPLETED")


@pytest.mark.check("LIFE-EXPIRED")
def test_expired(conformance):
    _terminal(conformance, "LIFE-EXPIRED", conformance.sessions.expired, "EXPIRED")


@pytest.fixture(scope="session")
def race(conformance) -> tuple[list[Exchange], Exchange]:
    """Concurrent cancels of one ACTIVE session (one paced burst) and a GET after them."""
    sessions = conformance.sessions
    session_id = _session(sessions.active)["payment_session_id"]
    results = sessions.burst(session_id, CONCURRENT_CANCELS, "one of 8 concurrent cancels")
    return results, sessions.get(session_id)


@pytest.mark.check("LIFE-CONCURRENT")
def test_concurrent_cancels(conformance, race):
    results, after = race
    statuses = sorted(_status(exchange) or 0 for exchange in results)
    winners = [exchange for exchange in results if _status(exchange) == 200]
    shown = winners[-1] if winners else results[0]
    conformance.expect("LIFE-CONCURRENT", len(winners) <= 1, shown, f"statuses {statuses}",
                       "at most one 200: one session is canceled once")
    if not winners:
        conformance.expect("LIFE-CONCURRENT", _body(after).get("status") != "CANCELED", after,
                           f"statuses {statuses} and then {_seen(after)}", "a CANCELED session only after a 200")
        pytest.skip(f"no cancel of the burst succeeded (statuses {statuses}): atomicity not judged")
    conformance.expect("LIFE-CONCURRENT", _body(after).get("status") == "CANCELED", after, _seen(after),
                       "the session CANCELED after the cancel that got 200")


@pytest.mark.check("LIFE-CONCURRENT-422")
def test_concurrent_losers_get_422(conformance, race):
    results, _ = race
    losers = [exchange for exchange in results if _status(exchange) != 200]
    if len(losers) == len(results):
        pytest.skip("no cancel of the burst succeeded: no loser to judge")
    for exchange in losers:
        _expect_422(conformance, "LIFE-CONCURRENT-422", exchange)


@dataclass
class Rejected:
    """Cancels that must be rejected, each with a GET after it, and a valid cancel at the end."""

    attempts: list[tuple[Exchange, Exchange]]  # (the attempt, a GET right after it)
    final: Exchange


def _rejected(conformance, attempts) -> Rejected:
    sessions = conformance.sessions
    session_id = _session(sessions.active)["payment_session_id"]
    sent = []
    for description, path_id, headers in attempts(session_id):
        exchange = sessions.send(description, "POST", f"/sessions/{segment(path_id)}/cancel", path_id, headers)
        sent.append((exchange, sessions.get(session_id)))
    return Rejected(sent, sessions.cancel(session_id, "cancel with valid credentials after the rejected attempts"))


def _answered(conformance, check_id: str, exchange: Exchange, status: int, code: str) -> bool:
    got_status, got_code = _status(exchange), _body(exchange).get("error_code")
    return (got_status, got_code) == (status, code) or (got_status is not None and bool(allowed(
        conformance.config.profile, check_id, got_status, got_code, exchange.requested_id)))


def _no_effect(conformance, check_id: str, rejected: Rejected, status: int | None, code: str | None) -> None:
    """Each attempt got `status`/`code` (None: any answer but a 2XX); afterwards the session was still ACTIVE and
    cancellable."""
    for exchange, after in rejected.attempts:
        if status is None:
            got = _status(exchange)
            conformance.expect(check_id, got is not None and not 200 <= got <= 299, exchange, _seen(exchange),
                               "no 2XX")
        else:
            conformance.expect(check_id, _answered(conformance, check_id, exchange, status, code), exchange,
                               _seen(exchange), f"{status} {code}")
        conformance.expect(check_id, _body(after).get("status") == "ACTIVE", after,
                           f"after a rejected cancel ({exchange.intent.description}): {_seen(after)}",
                           "the session still ACTIVE")
    conformance.expect(check_id, _status(rejected.final) == 200, rejected.final, _seen(rejected.final),
                       "200: the session is still cancellable")


@pytest.mark.check("LIFE-AUTH-NO-EFFECT")
def test_rejected_credentials(conformance):
    def attempts(session_id):
        headers = conformance.sessions.credentials.headers()
        headers.pop("Authorization")
        yield "no Authorization header", session_id, headers
        yield "an unknown key", session_id, {**headers, "Authorization": basic("xnd_development_not_a_real_key")}

    _no_effect(conformance, "LIFE-AUTH-NO-EFFECT", _rejected(conformance, attempts), 401, "INVALID_API_KEY")


@pytest.mark.check("LIFE-OTHER-BUSINESS")
def test_other_business(conformance):
    if not conformance.other_key:
        pytest.skip("needs the key of another business: pass --other-api-key")

    def attempts(session_id):
        yield "another business's key", session_id, {"Authorization": basic(conformance.other_key)}

    _no_effect(conformance, "LIFE-OTHER-BUSINESS", _rejected(conformance, attempts), 404, "NOT_FOUND")


@pytest.fixture(scope="session")
def other_sub_account(conformance) -> Rejected:
    def attempts(session_id):
        headers = {**conformance.sessions.credentials.headers(), "for-user-id": OTHER_SUB_ACCOUNT}
        yield "another sub-account (for-user-id)", session_id, headers

    return _rejected(conformance, attempts)


@pytest.mark.check("LIFE-OTHER-SUBACCOUNT")
def test_other_sub_account(conformance, other_sub_account):
    _no_effect(conformance, "LIFE-OTHER-SUBACCOUNT", other_sub_account, None, None)


@pytest.mark.check("LIFE-OTHER-SUBACCOUNT-404")
def test_other_sub_account_not_found(conformance, other_sub_account):
    for exchange, _ in other_sub_account.attempts:
        conformance.expect("LIFE-OTHER-SUBACCOUNT-404", _answered(conformance, "LIFE-OTHER-SUBACCOUNT-404", exchange,
                                                                  404, "NOT_FOUND"), exchange, _seen(exchange),
                           "404 NOT_FOUND")


@pytest.mark.check("LIFE-ID-VARIANT")
def test_id_variants(conformance):
    def attempts(session_id):
        headers = conformance.sessions.credentials.headers()
        yield "the id without its last character", session_id[:-1], headers
        yield "the id with one more character", session_id + "0", headers
        yield "the id in upper case", session_id.upper(), headers
        yield "the id with a trailing space", session_id + " ", headers

    _no_effect(conformance, "LIFE-ID-VARIANT", _rejected(conformance, attempts), None, None)
