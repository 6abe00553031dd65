"""The conformant variants that differ from the reference emulator in credentials, links, bodies and the HTTP of
their answers: each does, over real HTTP, what its description says, and as the bytes on the wire show."""

from __future__ import annotations

import gzip
import json
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, Sandbox, running
from conformance.emulator.variants import VARIANTS

KEY_A, KEY_B = DEFAULT_KEYS
UNKNOWN = "ps-000000000000000000000000"
ITEM = {"reference_id": "i1", "type": "PHYSICAL_PRODUCT", "name": "Shirt", "net_unit_amount": 5000, "quantity": 2,
        "category": "CLOTHES", "metadata": {"size": "M"}}
SUBSCRIPTION = {"schedule": {"interval": "MONTH", "interval_count": 1, "anchor_date": "2026-05-01T00:00:00Z"}}


@contextmanager
def variant(name: str, config: EmulatorConfig | None = None) -> Iterator[str]:
    with running(config or EmulatorConfig(min_expiry_seconds=1), api=VARIANTS[name].api) as base_url:
        yield base_url


def port_of(base_url: str) -> int:
    return int(base_url.rsplit(":", 1)[1])


def request(method: str, path: str, port: int, *headers: str, body: bytes = b"", key: str = KEY_A) -> bytes:
    credentials = requests.auth._basic_auth_str(key, "")
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Authorization: {credentials}",
             f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def read_response(client: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One response of Content-Length framing from `client`: (status, headers in lower case, body)."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += client.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {name.lower(): value for name, value in (line.split(": ", 1) for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        body += client.recv(65536)
    return int(lines[0].split()[1]), headers, body


def closed_by_server(client: socket.socket) -> bool:
    client.settimeout(2)
    return client.recv(1) == b""


def test_key_password_accepted_as_that_key_for_every_business(client_of):
    with variant("key-password-accepted") as base_url:
        a, b = client_of(base_url), client_of(base_url, KEY_B)
        a.http.auth, b.http.auth = (KEY_A, "secret"), (KEY_B, "any:thing")
        session = a.new()
        assert a.get(session["payment_session_id"]).status_code == 200
        assert b.get(session["payment_session_id"]).status_code == 404  # B's key, with a password: B's business
        assert b.new()["business_id"] != session["business_id"]
        assert requests.get(f"{base_url}/sessions/{UNKNOWN}", auth=("xnd_development_unknown", "y")).status_code == 401
    with running() as base_url:  # the reference emulator refuses a password
        assert requests.post(f"{base_url}/sessions/{UNKNOWN}/cancel", auth=(KEY_A, "secret")).status_code == 401


def test_checkout_links_on_another_origin_still_serve_the_page(client_of):
    with variant("checkout-links-other-origin") as base_url:
        session = client_of(base_url).new()
        assert session["payment_link_url"] == f"http://localhost:{port_of(base_url)}/checkout/" \
                                              f"{session['payment_session_id']}"
        page = requests.get(session["payment_link_url"])
        assert page.status_code == 200 and session["payment_session_id"] in page.text
        assert "Rate-Limit-Limit" not in page.headers  # the link's origin only: no sandbox mode


def test_extra_nested_fields_inside_items_and_subscription_only(client_of, documented):
    with variant("extra-nested-fields") as base_url:
        client = client_of(base_url)
        created = client.create(items=[ITEM, ITEM], metadata={"order": "1"}, channel_properties={"cards": {}})
        assert created.status_code == 201 and documented("create", created) == []
        canceled = client.cancel(created.json()["payment_session_id"])
        assert documented("cancel", canceled) == []
        for body in (created.json(), canceled.json()):
            assert [item.pop("x_trace") for item in body["items"]] == ["nested-extra"] * 2
            assert body["items"] == [ITEM, ITEM]  # the rest of each item as sent, its metadata untouched
            assert "x_trace" not in body and body["metadata"] == {"order": "1"}
            assert body["channel_properties"] == {"cards": {}}
        subscribed = client.new(session_type="SUBSCRIPTION", amount=50000, subscription=SUBSCRIPTION)
        assert subscribed["subscription"].pop("x_trace") == "nested-extra"
        assert subscribed["subscription"]["schedule"].pop("x_trace") == "nested-extra"
        assert subscribed["subscription"] == SUBSCRIPTION
        origins = {"origins": ["https://shop.example"]}
        components = client.new(mode="COMPONENTS", components_configuration=origins)
        assert components["components_configuration"] == {**origins, "x_trace": "nested-extra"}


def test_numbers_of_number_fields_carry_an_exponent_or_a_fraction_on_the_wire(client_of, documented):
    with variant("numbers-exponent") as base_url:
        client = client_of(base_url)
        created = client.create(items=[ITEM])
        text = created.text
        assert '"amount":1E+4' in text and '"net_unit_amount":5000.0' in text and '"quantity":2' in text
        assert not re.search(r'"(?:amount|net_unit_amount)":\d+[,}]', text)
        assert documented("create", created) == [] and created.json()["amount"] == 10000
        session_id = created.json()["payment_session_id"]
        for response in (client.get(session_id), client.cancel(session_id)):
            assert '"amount":1E+4' in response.text and response.json()["status"] in ("ACTIVE", "CANCELED")
        fractional = client.create(amount=10.5, currency="PHP", country="PH")
        assert '"amount":1.05E+1' in fractional.text and fractional.json()["amount"] == 10.5


def test_chunked_responses_in_several_chunks_without_content_length():
    with variant("chunked-responses") as base_url, socket.create_connection(("127.0.0.1", port_of(base_url))) as sock:
        sock.sendall(request("GET", f"/sessions/{UNKNOWN}", port_of(base_url), "Connection: close"))
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        head, _, rest = received.partition(b"\r\n\r\n")
        assert b"transfer-encoding: chunked" in head.lower() and b"content-length" not in head.lower()
        chunks = []
        while (size := int(rest.split(b"\r\n", 1)[0], 16)) > 0:
            rest = rest.split(b"\r\n", 1)[1]
            chunks.append(rest[:size])
            rest = rest[size + 2:]
        assert len(chunks) >= 3
        assert json.loads(b"".join(chunks))["error_code"] == "NOT_FOUND"
        assert requests.get(f"{base_url}/sessions/{UNKNOWN}", auth=(KEY_A, "")).json()["error_code"] == "NOT_FOUND"


def test_connection_closed_after_every_third_response_and_every_error():
    with variant("connection-close") as base_url:
        port = port_of(base_url)
        create = request("POST", "/sessions", port, "Content-Type: application/json", body=json.dumps({
            "reference_id": "o", "session_type": "PAY", "mode": "PAYMENT_LINK", "amount": 10000, "currency": "IDR",
            "country": "ID"}).encode())
        with socket.create_connection(("127.0.0.1", port)) as sock:
            answers = []
            for _ in range(3):
                sock.sendall(create)
                answers.append(read_response(sock))
            assert [status for status, _, _ in answers] == [201, 201, 201]
            assert [headers.get("connection") for _, headers, _ in answers] == [None, None, "close"]
            assert closed_by_server(sock)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(request("GET", f"/sessions/{UNKNOWN}", port))
            status, headers, _ = read_response(sock)
            assert status == 404 and headers["connection"] == "close" and closed_by_server(sock)


def test_a_closing_answer_waits_for_the_whole_request():
    """A server that answers and closes while the request's body is still arriving resets the connection under its
    answer (RFC 9112 §9.6): a body read to the close then ends in an error. The closing variants read the request to
    its end first."""
    with variant("http-1.0-responses") as base_url:
        port = port_of(base_url)
        whole = request("POST", f"/sessions/{UNKNOWN}/cancel", port, "Content-Type: application/json", body=b"{}")
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(whole[:-2])  # everything but the body
            sock.settimeout(0.5)
            try:
                early = sock.recv(1)
            except TimeoutError:
                early = b""
            assert early == b"", "answered before the request's body arrived"
            sock.settimeout(5)
            sock.sendall(whole[-2:])
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
    assert received.startswith(b"HTTP/1.0 404") and received.endswith(b"}")


def test_json_charset_declared_on_every_json_answer(client_of):
    with variant("json-charset") as base_url:
        client = client_of(base_url)
        answers = [client.create(), client.get(UNKNOWN), client_of(base_url, None).get(UNKNOWN)]
        assert [response.status_code for response in answers] == [201, 404, 401]
        assert {response.headers["Content-Type"] for response in answers} == {"application/json; charset=utf-8"}
        assert "Rate-Limit-Limit" not in answers[0].headers


def test_gzip_responses_only_when_asked():
    with variant("gzip-responses") as base_url:
        port = port_of(base_url)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(request("GET", f"/sessions/{UNKNOWN}", port, "Accept-Encoding: gzip, deflate"))
            _, headers, body = read_response(sock)
            assert headers["content-encoding"] == "gzip" and headers["content-type"] == "application/json"
            assert json.loads(gzip.decompress(body))["error_code"] == "NOT_FOUND"
            sock.sendall(request("GET", f"/sessions/{UNKNOWN}", port, "Accept-Encoding: identity"))
            _, headers, body = read_response(sock)
            assert "content-encoding" not in headers and json.loads(body)["error_code"] == "NOT_FOUND"


def test_the_http_variants_combine_with_the_sandbox_mode():
    config = EmulatorConfig(min_expiry_seconds=1, sandbox=Sandbox(rate_limit=5, latency=(0.0, 0.0)))
    with variant("chunked-responses", config) as base_url:
        response = requests.get(f"{base_url}/sessions/{UNKNOWN}", auth=(KEY_A, ""),
                                headers={"Accept-Encoding": "gzip"}, stream=True)
        assert response.headers["Transfer-Encoding"] == "chunked" and "Content-Length" not in response.headers
        assert response.headers["Content-Encoding"] == "gzip" and response.headers["Rate-Limit-Remaining"] == "4"
        assert json.loads(gzip.decompress(response.raw.read(decode_content=False)))["error_code"] == "NOT_FOUND"
    with variant("json-charset", config) as base_url:  # the variant's charset layer and the sandbox's: one charset
        response = requests.get(f"{base_url}/sessions/{UNKNOWN}", auth=(KEY_A, ""))
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
