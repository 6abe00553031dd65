"""Running the emulator: in-process start/stop, persistence across restarts, the CLI, logs, internal failures."""

from __future__ import annotations

import logging
import os
import resource
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from conformance.emulator import DEFAULT_KEYS, ConfigError, EmulatorConfig, running
from conformance.emulator.app import Api
from conformance.emulator.config import Limits, masked, parse_api_key
from conformance.emulator.server import ensure_descriptors

KEY_A, KEY_B = DEFAULT_KEYS
UVICORN_LINES = ("Started server process", "Uvicorn running", "Shutting down", "Finished server process")


def emulator_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name == "conformance-emulator"}


def test_running_starts_fast_stops_clean_and_repeats(client_of):
    before, others = threading.active_count(), emulator_threads()  # others: the session-wide emulator, if started
    for _ in range(3):
        started = time.perf_counter()
        with running() as base_url:
            assert time.perf_counter() - started < 1.0
            assert base_url.startswith("http://127.0.0.1:")
            assert client_of(base_url).create().status_code == 201
        assert emulator_threads() == others
    assert threading.active_count() == before


def test_two_emulators_side_by_side_share_nothing(client_of):
    with running() as first, running() as second:
        assert first != second
        session_id = client_of(first).new()["payment_session_id"]
        assert client_of(second).get(session_id).status_code == 404


def test_sessions_survive_a_restart_on_the_same_db(tmp_path, client_of):
    config = EmulatorConfig(db_path=str(tmp_path / "sessions.db"))
    with running(config) as base_url:
        client = client_of(base_url)
        canceled = client.cancel(client.new()["payment_session_id"]).json()
        active = client.new()
    with running(config) as base_url:
        client = client_of(base_url)
        assert client.get(canceled["payment_session_id"]).json()["status"] == "CANCELED"
        assert client.cancel(canceled["payment_session_id"]).status_code == 422
        reloaded = client.get(active["payment_session_id"]).json()
        assert reloaded["status"] == "ACTIVE"
        assert reloaded["payment_link_url"] == f"{base_url}/checkout/{active['payment_session_id']}"
        assert client.cancel(active["payment_session_id"]).status_code == 200


@pytest.mark.parametrize("key", ["xnd_production_abc", "XND_PRODUCTION_abc", "Xnd_Production_abc",
                                 "xnd_public_production_abc", "XND_PUBLIC_PRODUCTION_abc"])
def test_config_refuses_live_keys_in_any_case(key):
    with pytest.raises(ConfigError, match="test mode only") as refused:
        EmulatorConfig(api_keys={key: "5f9a3c2e1b7d4a6c8e0f1a2b"})
    assert key not in str(refused.value)


def test_keys_are_masked_to_prefix_and_last_four():
    assert masked("xnd_development_conformance_business_a") == "xnd_development_…ss_a"
    assert masked("xnd_public_development_0123456789ab") == "xnd_public_development_…89ab"
    assert masked("xnd_development_short") == "xnd_development_…"
    assert masked("no-prefix-but-long-enough") == "…ough"


def test_config_refuses_what_it_cannot_serve():
    with pytest.raises(ConfigError, match="24 lowercase hex"):
        EmulatorConfig(api_keys={"xnd_development_x": "not-hex"})
    with pytest.raises(ConfigError, match="Basic username"):
        EmulatorConfig(api_keys={"a:b": "5f9a3c2e1b7d4a6c8e0f1a2b"})
    with pytest.raises(ConfigError, match="at least 1"):
        EmulatorConfig(min_expiry_seconds=0.5)
    with pytest.raises(ConfigError, match="max-body-bytes must be positive"):
        Limits(max_body_bytes=0)
    for url in ("ftp://x.example", "http://x.example?q=1", 'http://x.example/"><script>', "http://evil\"host"):
        with pytest.raises(ConfigError, match="public URL"):
            EmulatorConfig(public_url=url)


def test_open_file_limit_must_fit_the_connection_cap():
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    ensure_descriptors(100)
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == soft  # enough already: left alone
    with pytest.raises(ConfigError, match="needs 1000000064 open files"):
        ensure_descriptors(10**9)


def test_api_key_option_parsing():
    assert parse_api_key("k=5f9a3c2e1b7d4a6c8e0f1a2b") == ("k", "5f9a3c2e1b7d4a6c8e0f1a2b")
    key, business = parse_api_key("xnd_development_mine")
    assert key == "xnd_development_mine" and business == parse_api_key("xnd_development_mine")[1]
    assert len(business) == 24 and int(business, 16) >= 0


def test_one_log_line_per_request_without_the_key(caplog, client_of):
    with caplog.at_level(logging.INFO, logger="conformance.emulator"), running(
            EmulatorConfig(log_requests=True)) as base_url:
        client = client_of(base_url)
        session_id = client.new()["payment_session_id"]
        client.cancel(session_id)
        client_of(base_url, key="xnd_development_wrong").get(session_id)
    lines = [record.getMessage() for record in caplog.records if record.name == "conformance.emulator"]
    assert len(lines) == 3
    assert lines[1].startswith(f"127.0.0.1 POST /sessions/{session_id}/cancel 200 ") and lines[1].endswith("ms")
    assert lines[2].startswith(f"127.0.0.1 GET /sessions/{session_id} 401 ")
    assert not any(key in line for line in lines for key in (KEY_A, "xnd_development_wrong"))


class Crashing(Api):
    async def get(self, request):
        raise RuntimeError("boom")


def test_internal_failure_is_the_documented_500(caplog, client_of, documented):
    with caplog.at_level(logging.ERROR, logger="conformance.emulator"), running(api=Crashing) as base_url:
        client = client_of(base_url)
        response = client.get("ps-000000000000000000000000")
        assert response.status_code == 500 and documented("get", response) == []
        assert response.json() == {"error_code": "SERVER_ERROR", "message": "Something unexpected happened. "
                                   "We are investigating this issue. Please try again later."}
        assert client.create().status_code == 201  # same keep-alive connection still serves
    assert "boom" in caplog.text


# --- the command line ----------------------------------------------------------------------------------------------

def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "conformance", "emulator", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})


def started(process: subprocess.Popen) -> tuple[str, list[str]]:
    """(base URL, the other announcement lines) of a CLI emulator that has started."""
    first = process.stdout.readline()
    assert first.startswith("Emulator listening on "), first + process.stderr.read()
    lines = [process.stdout.readline()]
    while not lines[-1].lstrip().startswith("storage:"):
        lines.append(process.stdout.readline())
    return first.split()[-1], lines


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    return stderr


def test_cli_serves_persists_and_logs(tmp_path, client_of):
    db = str(tmp_path / "cli.db")
    process = cli("--port", "0", "--db", db, "--api-key", "xnd_development_cli", "--min-expiry", "1")
    base_url, lines = started(process)
    assert "  API key xnd_development_… -> business " in lines[0]
    client = client_of(base_url, "xnd_development_cli")
    session_id = client.new()["payment_session_id"]
    assert client.cancel(session_id).status_code == 200
    stderr = stop(process)
    assert f"POST /sessions/{session_id}/cancel 200" in stderr and "xnd_development_cli" not in stderr
    assert not any(line in stderr for line in UVICORN_LINES)

    process = cli("--port", "0", "--db", db, "--api-key", "xnd_development_cli", "--quiet")
    base_url, _ = started(process)
    assert client_of(base_url, "xnd_development_cli").get(session_id).json()["status"] == "CANCELED"
    assert "/sessions/" not in stop(process)


def test_cli_keys_from_environment_and_file_never_printed(tmp_path, client_of):
    from_file, from_env = "xnd_development_from_file_0123456789", "xnd_development_from_env_abcdefghij"
    keys_file = tmp_path / "keys"
    keys_file.write_text(f"# test keys\n\n{from_file}=5f9a3c2e1b7d4a6c8e0f1a2b\n")
    process = cli("--port", "0", "--quiet", "--keys-file", str(keys_file),
                  env={"CONFORMANCE_EMULATOR_API_KEYS": from_env})
    base_url, lines = started(process)
    assert [line.split(" -> ")[0].strip() for line in lines[:-1]] == [
        "API key xnd_development_…ghij", "API key xnd_development_…6789"]
    for key in (from_file, from_env):
        assert client_of(base_url, key).create().status_code == 201
    stderr = stop(process)
    assert from_file not in "".join(lines) + stderr and from_env not in "".join(lines) + stderr
    assert not any(line in stderr for line in UVICORN_LINES)


@pytest.mark.parametrize(("args", "message"), [
    (["--api-key", "xnd_production_live"], "test mode only"),
    (["--api-key", "k=xyz"], "24 lowercase hex"),
    (["--min-expiry", "0"], "at least 1"),
    (["--db", "/nonexistent-dir/x.db", "--port", "0"], "cannot use the database"),
])
def test_cli_refuses_with_one_line_and_exit_2(args, message):
    process = cli(*args)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 2 and stderr.strip().startswith("error:") and message in stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1


def test_cli_port_in_use_is_one_line_and_exit_2():
    with running() as base_url:
        process = cli("--port", base_url.rsplit(":", 1)[1])
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 2 and "cannot listen on" in stderr and "Traceback" not in stderr


def test_cli_without_test_control_hides_the_extension(client_of):
    process = cli("--port", "0", "--no-test-control", "--quiet")
    base_url, _ = started(process)
    client = client_of(base_url)
    session_id = client.new()["payment_session_id"]
    assert client.control(session_id, "complete").status_code == 404
    assert requests.get(f"{base_url}/checkout/{session_id}").status_code == 200
    stop(process)
