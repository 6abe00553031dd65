"""Authentication, ownership and odd requests: 401/404 as the contract says, and the session unchanged afterwards."""

from __future__ import annotations

import base64
import logging
import socket

import pytest
import requests

from conformance.emulator import DEFAULT_KEYS

KEY_A, KEY_B = DEFAULT_KEYS
UNAUTHORIZED = {"error_code": "INVALID_API_KEY", "message": "API key is not authorized for this API"}
NOT_FOUND = {"error_code": "NOT_FOUND", "message": "Session not found"}


def basic(username: str, password: str = "") -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


BAD_AUTHORIZATION = {
    "no header": None,
    "wrong key": basic("xnd_development_not_configured"),
    "production key": basic("xnd_production_whatever"),
    "non-empty password": basic(KEY_A, "secret"),
    "no colon": "Basic " + base64.b64encode(KEY_A.encode()).decode(),
    "bearer scheme": f"Bearer {KEY_A}",
    "not base64": "Basic %%%not-base64%%%",
    "not utf-8": "Basic " + base64.b64encode(b"\xff\xfe:").decode(),
    "empty": "",
    "scheme only": "Basic",
}


@pytest.fixture
def session(api):
    """An ACTIVE session of business A's master account, and a check that it is still exactly as created."""
    owner = api()
    body = owner.new()

    def unchanged() -> None:
        assert owner.get(body["payment_session_id"]).json() == body

    return body["payment_session_id"], unchanged


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION.values(), ids=BAD_AUTHORIZATION.keys())
@pytest.mark.parametrize("operation", ["get", "cancel", "create", "complete", "unknown path"])
def test_bad_credentials_are_401(emulator_url, session, documented, authorization, operation):
    session_id, unchanged = session
    method, path = {
        "get": ("GET", f"/sessions/{session_id}"),
        "cancel": ("POST", f"/sessions/{session_id}/cancel"),
        "create": ("POST", "/sessions"),
        "complete": ("POST", f"/test-control/sessions/{session_id}/complete"),
        "unknown path": ("GET", "/v2/invoices"),
    }[operation]
    headers = {} if authorization is None else {"Authorization": authorization}
    response = requests.request(method, emulator_url + path, headers=headers, json={})
    assert response.status_code == 401 and response.json() == UNAUTHORIZED
    if operation in ("get", "cancel", "create"):
        assert documented(operation, response) == []
    unchanged()


@pytest.mark.parametrize("intruder", [
    {"key": KEY_B},
    {"key": KEY_A, "for_user_id": "5f9a3c2e1b7d4a6c8e0f1a2c"},
    {"key": KEY_B, "for_user_id": "5f9a3c2e1b7d4a6c8e0f1a2b"},
], ids=["other business", "own business, a sub-account", "other business claiming the owner as sub-account"])
def test_other_owners_get_404(api, session, documented, intruder):
    session_id, unchanged = session
    other = api(**intruder)
    for operation, response in (("get", other.get(session_id)), ("cancel", other.cancel(session_id))):
        assert response.status_code == 404 and response.json() == NOT_FOUND
        assert documented(operation, response) == []
    for action in ("complete", "expire"):
        assert other.control(session_id, action).status_code == 404
    unchanged()


def test_sub_account_sessions_belong_to_the_sub_account(api):
    sub = api(KEY_A, "sub-account-7")
    session = sub.new()
    assert session["business_id"] == "sub-account-7"
    assert api(KEY_A).get(session["payment_session_id"]).status_code == 404
    assert api(KEY_A, "").cancel(session["payment_session_id"]).status_code == 404
    assert sub.cancel(session["payment_session_id"]).status_code == 200


def test_empty_for_user_id_means_the_master_account(api, session):
    session_id, _ = session
    assert api(KEY_A, "").get(session_id).status_code == 200


@pytest.mark.parametrize("session_id", [
    "ps-000000000000000000000000",  # well formed, unknown
    "ps-661f87c614802d6c402cd82",  # 26
    "ps-661f87c614802d6c402cd82d0",  # 28
    "PS-661F87C614802D6C402CD82D",
    "pr-661f87c614802d6c402cd82d",
    "x", "-" * 27, "a" * 5000, "ps-%00", "%F0%9F%92%A5" * 9, "ps-'; DROP TABLE sessions; --", "%25", "..%2F..",
    "%2F", "ps-661f87c614802d6c402cd82d%2Fcancel",
])
def test_malformed_and_unknown_ids_are_404(api, documented, session_id):
    client = api()
    for operation, response in (("get", client.get(session_id)), ("cancel", client.cancel(session_id))):
        assert response.status_code == 404 and response.json()["error_code"] == "NOT_FOUND"
        assert documented(operation, response) == []


def test_ids_with_slashes_and_empty_ids_are_404(emulator_url, api):
    client = api()
    for path in ("/sessions//cancel", "/sessions/a/b/cancel", "/sessions/ps-1/", "/sessions/ps-1/cancel/"):
        response = client.http.request("POST" if path.endswith("cancel") else "GET", emulator_url + path)
        assert response.status_code == 404 and response.json() == NOT_FOUND, path


def test_an_encoded_slash_after_a_real_id_is_404_for_every_method(emulator_url, api, session):
    session_id, unchanged = session
    client = api()
    for method in ("POST", "GET", "DELETE"):
        response = client.http.request(method, f"{emulator_url}/sessions/{session_id}%2Fcancel")
        assert response.status_code == 404 and response.json() == NOT_FOUND, method
    unchanged()


def test_a_live_key_is_401_and_logged_without_the_key(emulator_url, session, caplog):
    session_id, unchanged = session
    for key in ("xnd_production_secret_0123456789", "XND_PUBLIC_PRODUCTION_secret_0123456789"):
        with caplog.at_level(logging.WARNING, logger="conformance.emulator"):
            response = requests.post(f"{emulator_url}/sessions/{session_id}/cancel", auth=(key, ""))
        assert response.status_code == 401 and response.json() == UNAUTHORIZED
        assert f"sent a live API key on POST /sessions/{session_id}/cancel" in caplog.text
        assert "secret_0123456789" not in caplog.text
    unchanged()


def test_unknown_paths_and_methods_answer_json(emulator_url, api):
    client = api()
    missing = client.http.get(emulator_url + "/")
    assert missing.status_code == 404 and missing.json()["error_code"] == "NOT_FOUND"
    wrong = client.http.delete(emulator_url + "/sessions/ps-000000000000000000000000/cancel")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"
    assert wrong.headers["content-type"] == "application/json" and wrong.json()["error_code"] == "METHOD_NOT_ALLOWED"


def test_garbage_on_the_wire_never_gets_a_traceback(emulator_url):
    host, port = emulator_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(b"POST /sessions/ps-000000000000000000000000/cancel HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Length: 5\r\nAuthorization: " + basic(KEY_A).encode() + b"\r\n\r\n\x00\x01\x02\x03\x04")
        reply = raw.recv(65536)
    assert reply.startswith(b"HTTP/1.1 404") and b"Traceback" not in reply
