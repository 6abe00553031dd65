"""The sandbox mode over real HTTP: the rate limit per account and endpoint (headers, 429s, the sliding window),
latency, checkout links on another origin, gzip only when asked, charset=utf-8, the command-line options."""

from __future__ import annotations

import gzip
import json
import math
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from conformance.emulator import DEFAULT_KEYS, ConfigError, EmulatorConfig, Sandbox, running
from conformance.emulator.sandbox import accepts_gzip, other_origin
from conformance.emulator.variants import VARIANTS
from tests.cli import command, environment, invoke

KEY_A, KEY_B = DEFAULT_KEYS
UNKNOWN = "ps-000000000000000000000000"
NO_LATENCY = (0.0, 0.0)
JSON_UTF8 = "application/json; charset=utf-8"
RESET = re.compile(r"\d+\.\d\d")
SLACK = 0.5  # seconds a busy machine may add to an answer


@contextmanager
def sandbox(api=None, **settings) -> Iterator[str]:
    """An emulator in sandbox mode (limit 3 per 2 s, no latency unless `settings` say otherwise); its base URL."""
    config = EmulatorConfig(min_expiry_seconds=1, sandbox=Sandbox(**{
        "rate_limit": 3, "window_seconds": 2.0, "latency": NO_LATENCY, **settings}))
    with running(config, **({"api": api} if api else {})) as base_url:
        yield base_url


def remaining(response: requests.Response) -> int:
    return int(response.headers["Rate-Limit-Remaining"])


def test_the_limit_is_per_endpoint_and_per_account(client_of):
    with sandbox() as base_url:
        a, b = client_of(base_url, KEY_A), client_of(base_url, KEY_B)
        session_id = a.new()["payment_session_id"]  # POST /sessions: 1 of 3
        assert [remaining(a.get(session_id)) for _ in range(3)] == [2, 1, 0]
        assert a.get(session_id).status_code == 429
        assert a.get(UNKNOWN).status_code == 429  # the endpoint, not the session: any id
        # another endpoint of the same account, and the same endpoint of another business: budgets of their own
        assert remaining(a.create()) == 1 and remaining(a.cancel(UNKNOWN)) == 2
        assert remaining(a.control(UNKNOWN, "expire")) == 2 and remaining(a.control(UNKNOWN, "complete")) == 2
        assert b.get(session_id).status_code == 404 and remaining(b.get(session_id)) == 1
        # without a valid key: one budget for the client address, whatever (if any) key it sent
        nobody, wrong = client_of(base_url, None), client_of(base_url, "xnd_development_wrong")
        assert [(r.status_code, remaining(r)) for r in (nobody.get(UNKNOWN), wrong.get(UNKNOWN))] == [(401, 2),
                                                                                                    (401, 1)]
        # everything unrouted is one endpoint of its own
        paths = ["/nowhere", "/sessions/x/y/z", "/sessions"]  # the last: GET, a method the route does not serve
        assert [remaining(a.http.get(base_url + path)) for path in paths] == [2, 1, 0]
        assert a.http.delete(f"{base_url}/sessions/{session_id}").status_code == 429
        # the hosted checkout page is not limited (it lives on another host)
        for _ in range(5):
            page = requests.get(f"{base_url}/checkout/{session_id}")
            assert page.status_code == 200 and "Rate-Limit-Limit" not in page.headers


def test_headers_count_down_and_say_when_the_oldest_leaves(client_of):
    with sandbox(rate_limit=3, window_seconds=10.0) as base_url:
        client = client_of(base_url)
        first = client.get(UNKNOWN)
        time.sleep(0.3)
        answers = [first, client.get(UNKNOWN), client.get(UNKNOWN)]
        for response, left in zip(answers, [2, 1, 0], strict=True):
            assert response.headers["Rate-Limit-Limit"] == "3" and remaining(response) == left
            assert RESET.fullmatch(response.headers["Rate-Limit-Reset"]), response.headers
            assert "Retry-After" not in response.headers
        resets = [float(response.headers["Rate-Limit-Reset"]) for response in answers]
        assert 10.0 - SLACK <= resets[0] <= 10.0  # the first request is the oldest: a whole window to go
        assert 10.0 - 0.3 - SLACK <= resets[2] <= 10.0 - 0.3  # then the first, 0.3 s older, is still the oldest


def test_beyond_the_limit_429_with_retry_after_and_not_counted(client_of):
    with sandbox(rate_limit=2, window_seconds=2.0) as base_url:
        client = client_of(base_url)
        client.get(UNKNOWN)
        client.get(UNKNOWN)
        refusals = [client.get(UNKNOWN) for _ in range(3)]
        for refused in refusals:
            assert refused.status_code == 429 and refused.headers["Content-Type"] == JSON_UTF8
            body = refused.json()
            assert set(body) == {"error_code", "message"} and body["error_code"] == "RATE_LIMIT_EXCEEDED"
            assert refused.headers["Rate-Limit-Limit"] == "2" and remaining(refused) == 0
            reset = float(refused.headers["Rate-Limit-Reset"])
            assert 0 < reset <= 2.0 and refused.headers["Retry-After"] == str(math.ceil(reset))
        time.sleep(float(refusals[-1].headers["Rate-Limit-Reset"]) + 0.1)
        # the two counted requests have left the window; the three 429s, younger, would still be in it if counted
        assert [client.get(UNKNOWN).status_code for _ in range(3)] == [404, 404, 429]


def test_the_window_slides(client_of):
    """Requests leave the window one by one, each `window` seconds after it was counted (a fixed window would let
    the whole budget back at once)."""
    with sandbox(rate_limit=3, window_seconds=2.0) as base_url:
        client = client_of(base_url)
        started = time.monotonic()
        assert client.get(UNKNOWN).status_code == 404
        time.sleep(1.0)
        assert [client.get(UNKNOWN).status_code for _ in range(3)] == [404, 404, 429]
        time.sleep(max(0.0, started + 2.1 - time.monotonic()))  # the first request has left; the next two have not
        assert [client.get(UNKNOWN).status_code for _ in range(2)] == [404, 429]
        assert remaining(client.cancel(UNKNOWN)) == 2  # meanwhile, another endpoint: untouched


def test_every_answer_waits_within_the_latency_bounds_without_holding_up_others(client_of):
    with sandbox(rate_limit=4, latency=(0.2, 0.3)) as base_url:
        client = client_of(base_url)
        for _ in range(5):  # four answers, then a 429: it waits too
            started = time.monotonic()
            status = client.get(UNKNOWN).status_code
            assert 0.2 <= time.monotonic() - started <= 0.3 + SLACK, status
        assert status == 429
        others = [client_of(base_url, key) for key in (KEY_B, None)] + [client_of(base_url) for _ in range(6)]
        paths = [f"/sessions/{UNKNOWN}/cancel"] * 2 + [f"/test-control/sessions/{UNKNOWN}/expire"] * 6
        started = time.monotonic()
        threads = [threading.Thread(target=other.http.post, args=(base_url + path,))
                   for other, path in zip(others, paths, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert time.monotonic() - started < 8 * 0.2  # eight waits of at least 0.2 s overlapped


def test_checkout_links_are_on_another_origin_and_serve_the_page(client_of):
    with sandbox() as base_url:
        port = base_url.rsplit(":", 1)[1]
        session = client_of(base_url).new()
        link = session["payment_link_url"]
        assert link == f"http://localhost:{port}/checkout/{session['payment_session_id']}"
        page = requests.get(link)
        assert page.status_code == 200 and session["payment_session_id"] in page.text
        via_localhost = client_of(f"http://localhost:{port}").get(session["payment_session_id"]).json()
        assert via_localhost["payment_link_url"] == f"http://127.0.0.1:{port}/checkout/{session['payment_session_id']}"
    with sandbox(link_host="pay.localhost") as base_url:
        link = client_of(base_url).new()["payment_link_url"]
        assert link.startswith(f"http://pay.localhost:{base_url.rsplit(':', 1)[1]}/checkout/ps-")
    with running(EmulatorConfig(public_url="https://emulator.example", sandbox=Sandbox())) as base_url:
        assert client_of(base_url).new()["payment_link_url"].startswith("https://emulator.example/checkout/ps-")


@pytest.mark.parametrize(("origin", "link_host", "expected"), [
    ("http://127.0.0.1:8080", None, "http://localhost:8080"),
    ("https://LOCALHOST", None, "https://127.0.0.1"),
    ("http://[::1]:9", None, "http://localhost:9"),
    ("http://emulator.test:1", None, "http://localhost:1"),
    ("http://127.0.0.1:8080", "[::1]", "http://[::1]:8080"),
])
def test_other_origin_keeps_scheme_and_port(origin, link_host, expected):
    assert other_origin(origin, link_host) == expected


def raw_get(base_url: str, path: str, *headers: str) -> tuple[dict[str, str], bytes]:
    """GET `path` over a socket with exactly `headers` and the key; (headers, body as sent)."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    credentials = requests.auth._basic_auth_str(KEY_A, "")
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", f"Authorization: {credentials}", "Connection: close",
             *headers]
    with socket.create_connection((host, int(port))) as client:
        client.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        received = b""
        while chunk := client.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    fields = {name.lower(): value for name, value in (line.decode().split(": ", 1) for line in head.split(b"\r\n")[1:])}
    assert int(fields["content-length"]) == len(body)
    return fields, body


@pytest.mark.parametrize(("accept_encoding", "compressed"), [
    (None, False), ("identity", False), ("gzip", True), ("deflate, gzip;q=0.5", True), ("GZIP", True),
    ("x-gzip", True), ("*", True), ("gzip;q=0", False), ("*, gzip;q=0", False), ("br, deflate", False),
    ("*;q=0", False),
])
def test_json_is_gzip_encoded_only_when_the_client_allows_it(client_of, accept_encoding, compressed):
    assert accepts_gzip((accept_encoding or "").encode()) is compressed
    with sandbox() as base_url:
        session_id = client_of(base_url).new()["payment_session_id"]
        asked = [f"Accept-Encoding: {accept_encoding}"] if accept_encoding else []
        for path in (f"/sessions/{session_id}", f"/sessions/{UNKNOWN}"):  # a 200 and a 404
            headers, body = raw_get(base_url, path, *asked)
            assert (headers.get("content-encoding") == "gzip") is compressed, headers
            assert json.loads(gzip.decompress(body) if compressed else body)["error_code" if UNKNOWN in path else
                                                                              "payment_session_id"]
        page_headers, page = raw_get(base_url, f"/checkout/{session_id}", *asked)  # HTML: never compressed
        assert "content-encoding" not in page_headers and page.startswith(b"<!doctype html>")


def test_429s_are_compressed_too(client_of):
    with sandbox(rate_limit=1) as base_url:
        raw_get(base_url, f"/sessions/{UNKNOWN}")
        headers, body = raw_get(base_url, f"/sessions/{UNKNOWN}", "Accept-Encoding: gzip")
        assert headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
        assert json.loads(gzip.decompress(body))["error_code"] == "RATE_LIMIT_EXCEEDED"


def test_json_is_declared_utf_8(client_of):
    with sandbox(rate_limit=1) as base_url:
        client, nobody = client_of(base_url), client_of(base_url, None)
        answers = [client.create(), client.create(), nobody.get(UNKNOWN), client.http.get(base_url + "/nowhere")]
        assert [response.status_code for response in answers] == [201, 429, 401, 404]
        assert {response.headers["Content-Type"] for response in answers} == {JSON_UTF8}
        session = answers[0].json()
        assert requests.get(session["payment_link_url"]).headers["Content-Type"] == "text/html; charset=utf-8"
    with running() as base_url:  # without the sandbox mode: as before
        assert client_of(base_url).get(UNKNOWN).headers["Content-Type"] == "application/json"


def test_a_variant_served_in_sandbox_mode_keeps_both(client_of):
    for name in ("extra-session-fields", "checkout-alive-after-cancel"):
        with sandbox(api=VARIANTS[name].api) as base_url:
            client = client_of(base_url)
            session = client.new()
            assert session["payment_link_url"].startswith("http://localhost:")
            assert client.cancel(session["payment_session_id"]).headers["Rate-Limit-Remaining"] == "2"
            if name == "extra-session-fields":
                assert session["livemode"] is False
            else:  # the fault: the checkout page of a canceled session still answers
                assert requests.get(session["payment_link_url"]).status_code == 200


def test_sandbox_settings_are_validated():
    for settings, message in [({"rate_limit": 0}, "at least 1"), ({"rate_limit": 2.5}, "whole number"),
                              ({"window_seconds": 0}, "positive"), ({"window_seconds": math.inf}, "positive"),
                              ({"latency": (0.3, 0.2)}, "min <= max"), ({"latency": (-1, 0)}, "min <= max"),
                              ({"latency": (0.1,)}, "min <= max"), ({"link_host": "a b"}, "not a host name"),
                              ({"link_host": "host:80"}, "not a host name")]:
        with pytest.raises(ConfigError, match=message):
            Sandbox(**settings)


def test_cli_serves_the_sandbox_mode_with_its_options(client_of):
    server = subprocess.Popen(command("emulator", "--port", "0", "--quiet", "--sandbox", "--sandbox-rate-limit", "2",
                                      "--sandbox-window", "30", "--sandbox-latency", "100-150", "--sandbox-link-host",
                                      "localhost", "--variant", "extra-error-fields"),
                              stdout=subprocess.PIPE, text=True, env=environment())
    try:
        base_url = server.stdout.readline().split()[-1]
        announced = [server.stdout.readline() for _ in range(5)]
        assert any(line.strip() == "sandbox mode: on; rate limit 2 per 30 s per account and endpoint; latency "
                   "100-150 ms; checkout links on localhost; gzip when asked; JSON charset=utf-8"
                   for line in announced), announced
        assert any("variant extra-error-fields" in line for line in announced), announced
        client = client_of(base_url)
        started = time.monotonic()
        answers = [client.get(UNKNOWN) for _ in range(3)]
        assert time.monotonic() - started >= 3 * 0.1
        assert [response.status_code for response in answers] == [404, 404, 429]
        assert answers[0].headers["Rate-Limit-Limit"] == "2" and float(answers[0].headers["Rate-Limit-Reset"]) > 29
        assert "request_id" in answers[0].json()  # the variant's extra error field
        assert client.new()["payment_link_url"].startswith(f"http://localhost:{base_url.rsplit(':', 1)[1]}/")
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.parametrize(("args", "message"), [
    (["--sandbox-rate-limit", "5"], "need --sandbox"),
    (["--sandbox", "--sandbox-rate-limit", "many"], "--sandbox-rate-limit takes a whole number"),
    (["--sandbox", "--sandbox-rate-limit", "0"], "at least 1"),
    (["--sandbox", "--sandbox-window", "-1"], "positive number of seconds"),
    (["--sandbox", "--sandbox-latency", "400"], "--sandbox-latency takes MIN-MAX milliseconds"),
    (["--sandbox", "--sandbox-latency", "400-150"], "0 <= min <= max"),
    (["--sandbox", "--sandbox-link-host", "a/b"], "not a host name"),
])
def test_cli_refuses_a_bad_sandbox_option_with_one_line_and_exit_2(args, message):
    done = invoke("emulator", "--port", "0", *args)
    assert done.returncode == 2 and done.stderr.startswith("error:") and message in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
