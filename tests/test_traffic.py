"""The traffic the suite sends: each endpoint paced by its own limit (known, or learned from the target's Rate-Limit
headers), 429s waited out and never judged, concurrent sends (burst_many, gather), links fetched on any origin, and
families whose requests stall cut short. Every request goes to a real server on a loopback port."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from junitparser import JUnitXml
from requests.structures import CaseInsensitiveDict

from conformance.checks.catalogue import CATALOGUE
from conformance.checks.findings import CheckContext
from conformance.checks.stateless_judge import StatelessJudge
from conformance.report.sequence import sequence_script
from conformance.results.records import exchange_record
from conformance.safety import endpoint_quota
from conformance.spec.schemas import Schemas
from conformance.spec.stage import load_repaired
from conformance.target.client import Target, TargetUnreachable
from conformance.target.endpoints import CANCEL, CHECKOUT, CREATE, GET, OTHER, endpoint_of
from conformance.target.exchange import BODY_STALLED, NO_STATUS_LINE, Intent, PlannedRequest, Request
from conformance.target.rate_limits import Announced, Quota, announced, retry_after
from conformance.target.redact import Redactor
from conformance.target.traffic import RETRIES_429, STALL, Limits, Stall, Traffic
from tests.cli import QUICK, invoke
from tests.fakes import (
    AUTHORIZED,
    KEY,
    RATE_LIMITED,
    RateLimiter,
    conformant_404,
    every_nth,
    hang,
    mute,
    refuses_first,
    reply,
    serve,
)

HEADERS = {"Authorization": AUTHORIZED}
CANCEL_ROUTE = "POST /sessions/{id}/cancel"


def planned(method: str = "POST", index: int = 0, family: str = "ids") -> PlannedRequest:
    """A cancel (POST), a read (GET) or a create (POST /sessions, index -1) of the index-th unknown id."""
    session = f"/sessions/ps-{index:024x}"
    path = {"POST": f"{session}/cancel", "GET": session}[method] if index >= 0 else "/sessions"
    return PlannedRequest(Intent(family, "a request", f"ps-{index:024x}"), method, path, HEADERS)


def target(base_url: str, timeout: float = 5.0, **limits) -> tuple[Target, list]:
    """A target with the run's limits and the exchanges it records."""
    recorded: list = []
    return Target(base_url, timeout=timeout, traffic=Traffic(Limits(**limits)), on_exchange=recorded.append), recorded


def send(client: Target, item: PlannedRequest):
    return client.send(item.intent, item.method, item.path, item.headers)


def figures(client: Target) -> dict:
    traffic = client.traffic.figures()
    return {item.endpoint: item for item in traffic.endpoints} | {"all": traffic.total}


def arrivals(times: list):
    """A behaviour that answers as conformant_404 and notes when each request arrived."""
    def behaviour(handler) -> None:
        times.append((handler.path, time.monotonic()))
        conformant_404(handler)
    return behaviour


# --- endpoints -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "endpoint"), [
    ("POST", "/sessions", CREATE), ("POST", "/sessions?x=1", CREATE),
    ("GET", "/sessions/ps-1", GET), ("GET", "/sessions/", GET), ("GET", "/sessions/a%2Fb?x", GET),
    ("POST", "/sessions/ps-1/cancel", CANCEL), ("POST", "/sessions//cancel", CANCEL),
    ("POST", "/sessions/..%2F/cancel", CANCEL),
    ("GET", "/sessions/ps-1/cancel", OTHER), ("DELETE", "/sessions/ps-1", OTHER), ("GET", "/sessions", OTHER),
    ("POST", "/sessions/ps-1", OTHER), ("POST", "/sessions/a/b/cancel", OTHER), ("post", "/sessions", OTHER),
    ("POST", "/test-control/sessions/ps-1/expire", OTHER), ("GET", "/checkout/ps-1", OTHER), ("GET", "/", OTHER),
])
def test_each_request_names_its_endpoint(method, path, endpoint):
    assert endpoint_of(method, path) == endpoint
    assert Request(method, "http://127.0.0.1:8080/xendit" + path, path=path).endpoint == endpoint  # not the prefix


# --- what a target announces ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("headers", "said"), [
    ({"Rate-Limit-Limit": "60", "Rate-Limit-Remaining": "59", "Rate-Limit-Reset": "58.37"}, Announced(60, 59, 58.37)),
    ({"rate-limit-limit": "60", "RATE-LIMIT-REMAINING": "0", "Rate-limit-reset": "1"}, Announced(60, 0, 1.0)),
    ({"RateLimit-Limit": "10, 10;w=1", "RateLimit-Remaining": "3", "RateLimit-Reset": "0"}, Announced(10, 3, 0.0)),
    ({"X-RateLimit-Limit": "5000", "X-RateLimit-Reset": "1700000000"}, Announced(5000, None, None)),  # an epoch
    ({"Rate-Limit-Limit": "sixty", "Rate-Limit-Remaining": "-1", "Rate-Limit-Reset": "nan"}, Announced()),
    ({"Rate-Limit-Limit": "0", "Rate-Limit-Remaining": "1.5", "Rate-Limit-Reset": "inf"}, Announced()),
    ({"Rate-Limit-Limit": "", "Rate-Limit-Reset": "soon"}, Announced()),
    ({}, Announced()),
])
def test_rate_limit_headers_are_read_whatever_their_case_and_tolerated_when_malformed(headers, said):
    assert announced(CaseInsensitiveDict(headers)) == said


def test_retry_after_is_seconds_or_an_http_date():
    ahead = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 28 <= retry_after(CaseInsensitiveDict({"Retry-After": ahead})) <= 30
    assert retry_after(CaseInsensitiveDict({"Retry-After": "2.5"})) == 2.5
    assert retry_after(CaseInsensitiveDict({"Retry-After": "tomorrow"})) is None
    assert retry_after(CaseInsensitiveDict({})) is None


def test_xendit_hosts_start_with_its_documented_limit_for_each_endpoint():
    assert endpoint_quota("https://api.xendit.co") == Quota(60, 60.0)
    assert endpoint_quota("http://127.0.0.1:8080") is None


# --- pacing --------------------------------------------------------------------------------------------------------

def test_a_request_slow_to_reach_the_target_holds_the_window_from_its_answer():
    """The first cancel reaches the limiter 0.4 s late (a slow network, a busy machine): the window counts it from then,
    so the third cancel waits for it to leave the target's window, not the client's."""
    limiter, arrivals = RateLimiter(2, 0.5, announce=False), []

    def late_first(handler) -> None:
        arrivals.append(handler.path)
        if len(arrivals) == 1:
            time.sleep(0.4)
        limiter(handler)

    with serve(late_first) as base_url:
        client, _ = target(base_url, quota=Quota(2, 0.5))
        answers = [send(client, planned("POST", number)) for number in range(3)]
    assert [exchange.response.status for exchange in answers] == [404] * 3
    assert not limiter.refused


def test_a_known_limit_paces_each_endpoint_on_its_own():
    """Two cancels fill the cancel endpoint's window: the reads go at once, the third cancel waits for the window."""
    limiter = RateLimiter(2, 0.5, announce=False)
    with serve(limiter) as base_url:
        client, _ = target(base_url, quota=Quota(2, 0.5))
        answers = [send(client, item) for item in [planned("POST", 0), planned("POST", 1), planned("GET", 2),
                                                    planned("GET", 3), planned("POST", 4)]]
    assert [exchange.response.status for exchange in answers] == [404] * 5
    assert not limiter.refused
    seen = figures(client)
    assert seen[CANCEL].paced >= 0.5 and seen[GET].paced == 0
    assert (seen[CANCEL].requests, seen[GET].requests, seen["all"].requests) == (3, 2, 5)


def test_limits_are_learned_from_the_targets_answers():
    """Nothing known at first: the first answer announces 3 a second, and the suite keeps within it (no 429)."""
    limiter = RateLimiter(3, 1.0)
    with serve(limiter) as base_url:
        client, _ = target(base_url)
        answers = [send(client, planned("POST", index)) for index in range(7)]
    assert [exchange.response.status for exchange in answers] == [404] * 7
    assert not limiter.refused
    assert figures(client)[CANCEL].paced >= 1.0


def test_no_request_before_the_reset_once_none_remain():
    times: list = []
    remaining = iter(["0", "5", "5"])

    def announces(handler) -> None:
        times.append(time.monotonic())
        reply(handler, 404, {"error_code": "NOT_FOUND", "message": "no"},
              headers={"Rate-Limit-Limit": "100", "Rate-Limit-Remaining": next(remaining), "Rate-Limit-Reset": "0.4"})

    with serve(announces) as base_url:
        client, _ = target(base_url)
        for index in range(3):
            send(client, planned("POST", index))
    assert times[1] - times[0] >= 0.4
    assert times[2] - times[1] < times[1] - times[0]  # remaining again: no wait beyond the window's


def test_malformed_rate_limit_headers_hold_nothing_back():
    def garbage(handler) -> None:
        reply(handler, 404, {"error_code": "NOT_FOUND", "message": "no"},
              headers={"Rate-Limit-Limit": "lots", "Rate-Limit-Remaining": "0", "Rate-Limit-Reset": "-3"})

    with serve(garbage) as base_url:
        client, _ = target(base_url)
        answers = [send(client, planned("POST", index)) for index in range(4)]
    assert [exchange.response.status for exchange in answers] == [404] * 4
    assert figures(client)["all"].paced == 0


def test_concurrent_sends_learn_the_limit_and_rarely_meet_a_429():
    """Eight workers against 5 a second: only the first wave, sent before any answer, can overrun; each 429 is
    waited out, and every request ends answered, in the order planned."""
    limiter = RateLimiter(5, 1.0)
    items = [planned("POST", index) for index in range(20)]
    with serve(limiter) as base_url:
        client, _ = target(base_url)
        answers = client.gather(items, workers=8)
    assert [exchange.request.path for exchange in answers] == [item.path for item in items]
    assert all(exchange.response.status == 404 and not exchange.skipped for exchange in answers)
    assert limiter.refused[CANCEL_ROUTE] <= 8 - 5
    assert figures(client)[CANCEL].rate_limited == limiter.refused[CANCEL_ROUTE]


def test_a_known_limit_keeps_concurrent_sends_clear_of_429s():
    limiter = RateLimiter(5, 1.0, announce=False)
    with serve(limiter) as base_url:
        client, _ = target(base_url, quota=Quota(5, 1.0))
        answers = client.gather([planned("POST", index) for index in range(15)], workers=8)
    assert all(exchange.response.status == 404 for exchange in answers)
    assert limiter.refused[CANCEL_ROUTE] <= 1  # a request overtaken on the way in, at most
    assert figures(client)[CANCEL].paced >= 2.0  # 15 requests at 5 a second: two windows waited for


# --- 429s ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("headers", "refusals", "wait"), [
    ({"Retry-After": "0.3"}, 2, 0.6),
    ({"Rate-Limit-Limit": "10", "Rate-Limit-Remaining": "0", "Rate-Limit-Reset": "0.3"}, 2, 0.6),
    ({}, 1, 1.0),  # not told how long: one second, doubling
], ids=["retry-after", "rate-limit-reset", "unsaid"])
def test_a_429_is_waited_out_as_asked_and_the_request_sent_again(headers, refusals, wait):
    log: list = []
    with serve(refuses_first(refusals, headers), log=log) as base_url:
        client, recorded = target(base_url)
        exchange = send(client, planned())
    assert exchange.response.status == 404 and not exchange.skipped
    assert recorded == [exchange] and len(log) == refusals + 1
    seen = figures(client)[CANCEL]
    assert (seen.rate_limited, seen.requests) == (refusals, refusals + 1)
    assert wait - 0.01 <= seen.waited <= wait + 0.01


def test_an_answer_that_stays_429_is_never_judged():
    """Resent RETRIES_429 times, then skipped: the stateless checks never see it."""
    log: list = []
    checks = [check for check in CATALOGUE if check.stage == "stateless"]
    stateless = StatelessJudge(checks, CheckContext("strict", Schemas(load_repaired("cancel")), set()))
    with serve(lambda handler: reply(handler, 429, RATE_LIMITED, headers={"Retry-After": "0"}), log=log) as base_url:
        client = Target(base_url, traffic=Traffic(Limits()), on_exchange=stateless.evaluate)
        exchange = send(client, planned())
    assert len(log) == RETRIES_429 + 1
    assert exchange.response.status == 429
    assert exchange.skipped == f"rate limited: {RETRIES_429 + 1} answers 429 in a row to this request (not judged)"
    assert stateless.exchanges == [exchange] and not stateless.applied and not exchange.violations
    assert figures(client)[CANCEL].rate_limited == RETRIES_429 + 1


def test_429s_beyond_the_runs_patience_stop_the_sending():
    log: list = []
    with serve(lambda handler: reply(handler, 429, RATE_LIMITED, headers={"Retry-After": "0.3"}), log=log) as url:
        client, _ = target(url, patience_429=0.5)
        first, second = send(client, planned("POST", 0)), send(client, planned("GET", 1))
    assert len(log) == 2  # the second wait would pass the patience: nothing more is sent
    assert first.skipped.startswith("the target kept answering 429") and client.traffic.stopped == first.skipped
    assert second.skipped == first.skipped and second.response is None


def test_every_way_of_sending_waits_out_429s():
    """Each path's first request is answered 429: send, gather, burst_many and fetch all wait and send again."""
    with serve(refuses_first(1, {"Retry-After": "0.1"})) as base_url:
        client, recorded = target(base_url)
        exchanges = [send(client, planned("POST", 0)), *client.gather([planned("POST", 1), planned("GET", 2)]),
                     *client.burst_many([planned("POST", 3), planned("GET", 4)]),
                     client.fetch(Intent("lifecycle", "checkout link", "ps-1"), base_url + "/checkout/ps-1")]
    assert [exchange.response.status for exchange in exchanges] == [404] * 5 + [401]
    assert not any(exchange.skipped for exchange in exchanges) and len(recorded) == 6
    seen = figures(client)
    assert (seen[CANCEL].rate_limited, seen[GET].rate_limited, seen[CHECKOUT].rate_limited) == (3, 2, 1)


# --- concurrent sends ----------------------------------------------------------------------------------------------

def test_burst_many_releases_different_requests_together_as_one_paced_event():
    """Under a cap of 2 requests a second, a burst of four goes out at once (pacing a race would serialise it);
    gathered, the same four are paced."""
    items = [planned("POST", 0), planned("POST", 1), planned("GET", 2), planned("POST", -1)]
    burst_times: list = []
    gather_times: list = []
    with serve(arrivals(burst_times)) as base_url:
        client, recorded = target(base_url, rate_limit=2.0)
        burst = client.burst_many(items)
    with serve(arrivals(gather_times)) as base_url:
        gathered = target(base_url, rate_limit=2.0)[0].gather(items)
    assert [exchange.request.path for exchange in burst] == [item.path for item in items]
    assert [exchange.request.endpoint for exchange in burst] == [CANCEL, CANCEL, GET, CREATE]
    assert [exchange.response.status for exchange in burst + gathered] == [404] * 8 and len(recorded) == 4
    span = [max(at for _, at in times) - min(at for _, at in times) for times in (burst_times, gather_times)]
    assert span[0] < 1.0 <= 1.4 <= span[1]
    assert client.traffic.sent == 4


def test_a_burst_is_one_admission_for_the_budget():
    log: list = []
    with serve(conformant_404, log=log) as base_url:
        short, recorded = target(base_url, max_requests=3)
        refused = short.burst_many([planned("POST", index) for index in range(4)])
        enough = target(base_url, max_requests=3)[0].burst(planned().intent, "POST", planned().path, HEADERS, 3)
    assert all(exchange.skipped == "the request budget (--max-requests 3) is spent" for exchange in refused)
    assert len(recorded) == 4 and [exchange.response.status for exchange in enough] == [404] * 3
    assert len(log) == 3


def test_gather_returns_the_exchanges_in_the_order_planned():
    def later_ones_faster(handler) -> None:
        time.sleep(0.02 * (12 - int(handler.path.split("/")[2][3:], 16)))
        conformant_404(handler)

    items = [planned("GET", index) for index in range(12)]
    with serve(later_ones_faster) as base_url:
        answers = target(base_url)[0].gather(items, workers=4)
    assert [exchange.request.path for exchange in answers] == [item.path for item in items]
    assert [exchange.response.status for exchange in answers] == [404] * 12


# --- links ---------------------------------------------------------------------------------------------------------

def test_a_link_is_fetched_byte_for_byte_without_credentials_on_its_own_origin():
    api_log: list = []
    link_log: list = []
    link_path = f"/checkout/ps-1?x=%zz&y=a%2fb&q=%E2%82%AC&key={KEY}"
    with serve(conformant_404, log=api_log) as api, serve(conformant_404, log=link_log) as checkout:
        client, recorded = target(api)
        exchange = client.fetch(Intent("lifecycle", "checkout link", "ps-1"), checkout + link_path)
    assert not api_log and [(method, path) for method, path, _ in link_log] == [("GET", link_path)]
    sent = {name.lower() for name in link_log[0][2]}
    assert "authorization" not in sent and "for-user-id" not in sent
    assert exchange.response.status == 401 and recorded == [exchange]
    assert exchange.request.endpoint == CHECKOUT and exchange.raw_id is None
    record = exchange_record(exchange, Redactor({KEY: "XENDIT_API_KEY"}))
    assert record["request"]["endpoint"] == "checkout" and KEY not in json.dumps(record)
    assert record["request"]["url"] == checkout + link_path.replace(KEY, "$XENDIT_API_KEY")


def test_a_link_that_redirects_is_not_followed():
    log: list = []
    with serve(lambda handler: reply(handler, 302, b"", "text/plain", {"Location": "/elsewhere"}), log=log) as url:
        exchange = target(url)[0].fetch(Intent("lifecycle", "checkout link", "ps-1"), url + "/checkout/ps-1")
    assert exchange.response.status == 302 and len(log) == 1


@pytest.mark.parametrize("link", ["ftp://127.0.0.1/checkout", "javascript:alert(1)", "/checkout/ps-1",
                                  "http://[::1/checkout", "http://127.0.0.1:port/x", "mailto:a@example.com"])
def test_a_link_that_is_not_http_is_recorded_not_fetched(link):
    client, recorded = target("http://127.0.0.1:1")
    exchange = client.fetch(Intent("lifecycle", "checkout link", "ps-1"), link)
    assert exchange.skipped.startswith("not fetched: ") and exchange.response is None and exchange.error is None
    assert recorded == [exchange] and client.traffic.sent == 0


def test_links_are_paced_by_their_own_answers_not_the_apis_limit():
    """With the API held to 1 request a minute, links go at once; a link whose answer says none remain waits for its
    reset."""
    links = RateLimiter(1, 0.4)
    with serve(conformant_404) as api, serve(links) as checkout:
        client, _ = target(api, quota=Quota(1, 60.0))
        send(client, planned("POST", 0))
        fetched = [client.fetch(Intent("lifecycle", "checkout link", "ps-1"), checkout + "/checkout/ps-1")
                   for _ in range(2)]
    assert [exchange.response.status for exchange in fetched] == [401, 401] and not links.refused
    assert 0.3 <= figures(client)[CHECKOUT].paced < 30


def test_a_sequence_script_sends_a_link_as_recorded_not_through_the_base_url():
    with serve(conformant_404) as api, serve(conformant_404) as checkout:
        client, _ = target(api + "/xendit")
        steps = [(send(client, planned("GET", 1)), "a read"),
                 (client.fetch(Intent("lifecycle", "checkout link", "ps-1"), checkout + "/c/ps-1?t=%zz"), "a link")]
    script = sequence_script(steps, Redactor({}))
    assert f'"$BASE_URL/sessions/ps-{1:024x}"' in script and f"BASE_URL=${{BASE_URL:-{api}/xendit}}" in script
    assert f'-X "GET" "{checkout}/c/ps-1?t=%zz" -w' in script and "$BASE_URL/c/" not in script


# --- stalls --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("behaviour", "kind"), [(hang, BODY_STALLED), (mute, NO_STATUS_LINE)])
def test_a_family_whose_requests_time_out_is_cut_short_at_that_endpoint(behaviour, kind):
    log: list = []
    with serve(behaviour, log=log) as base_url:
        client, _ = target(base_url, timeout=0.3)
        cut = [send(client, planned("POST", index)) for index in range(STALL + 2)]
        others = [send(client, planned("POST", 9, family="auth")), send(client, planned("GET", 9))]
    reason = f"{STALL} requests of family ids to endpoint cancel timed out: the rest are not sent"
    assert [exchange.timed_out for exchange in cut[:STALL]] == [kind] * STALL
    assert [exchange.skipped for exchange in cut[STALL:]] == [reason, reason] and cut[-1].error is None
    assert all(exchange.timed_out == kind for exchange in others)  # another family, another endpoint: sent
    assert client.traffic.stalls == [Stall("ids", CANCEL)] and Stall("ids", CANCEL).reason == reason
    assert len([entry for entry in log if entry[1] != "/sessions/ps-000000000000000000000000/probe"]) == STALL + 2


def test_a_target_whose_bodies_stall_answers_http_one_that_says_nothing_does_not():
    with serve(hang) as base_url:
        target(base_url, timeout=0.3)[0].probe()
    with serve(mute) as base_url, pytest.raises(TargetUnreachable, match="does not answer HTTP"):
        target(base_url, timeout=0.3)[0].probe()


# --- reports -------------------------------------------------------------------------------------------------------

def test_every_report_counts_429s_per_endpoint_and_none_is_judged(tmp_path):
    """Every 7th request answered 429: the run waits them out, judges the answers that follow (CONFORMANT), and the
    terminal, report.json, report.html and the JUnit properties give the same figures per endpoint."""
    refusals = []

    def refuse(handler) -> None:
        refusals.append(handler.path)
        reply(handler, 429, RATE_LIMITED, headers={"Retry-After": "0.05"})

    with serve(every_nth(7, refuse)) as base_url:
        done = invoke("run", "--base-url", base_url, "--api-key", KEY, *QUICK, "--checks",
                      "CANCEL-NOT-FOUND,CANCEL-AUTH,CANCEL-STATUS", "--junit-xml", str(tmp_path / "j.xml"),
                      "--json-report", str(tmp_path / "r.json"), "--html-report", str(tmp_path / "r.html"))
    assert done.returncode == 0, done.stdout
    traffic = json.loads((tmp_path / "r.json").read_text())["run"]["traffic"]
    assert traffic["total"]["rate_limited"] == len(refusals) > 0
    assert sum(item["rate_limited"] for item in traffic["endpoints"].values()) == len(refusals)
    assert traffic["endpoints"]["cancel"]["rate_limited"] > 0 and traffic["total"]["waited_s"] > 0
    assert f"rate limits: {len(refusals)} answer(s) 429 (never judged)" in done.stdout
    assert f"  cancel: {traffic['endpoints']['cancel']['requests']} requests, " \
           f"{traffic['endpoints']['cancel']['rate_limited']} answered 429" in done.stdout
    properties = {prop.name: prop.value for suite in JUnitXml.fromfile(str(tmp_path / "j.xml"))
                  for prop in suite.properties()}
    assert properties["traffic.total.rate_limited"] == str(len(refusals))
    assert properties["traffic.cancel.rate_limited"] == str(traffic["endpoints"]["cancel"]["rate_limited"])
    html = (tmp_path / "r.html").read_text()
    assert 'id="traffic-table"' in html and f"{len(refusals)} answered 429 (never judged)" in html
