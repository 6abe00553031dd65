"""The Redactor finds a key in every derived form; its curl lines, pasted into bash, send the bytes the suite sent.

PYTEST_DONT_REWRITE: a failing assertion shows its message only, never the (key-bearing) values it compared.
"""

from __future__ import annotations

import base64
import os
import socketserver
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import pytest

from conformance.generation.clients import client_probes
from conformance.generation.probe import Credentials
from conformance.generation.strategies import auth_probes, id_probes, sub_account_probes
from conformance.replay import _header as replayed_header
from conformance.report.files import save
from conformance.target.client import Target
from conformance.target.exchange import Intent
from conformance.target.identity import basic
from conformance.target.redact import Redactor
from tests.canary import KEY, OTHER, SECRETS, leaked, occurrences

REDACTOR = Redactor(SECRETS)
SPECIAL = "k3y/with+special=chars&é"  # percent-encodes differently with quote(safe="") and quote()
COMBOS = ["{}", "{}:", ":{}", "user:{}", "{}:password", "x{}:y", "xx{}", "user:{}:more"]


def _encodings(secret: str) -> dict[str, str]:
    """The key in every base64 form, by a label: each combination, each case, both alphabets, padded and not."""
    forms = {}
    for combo in COMBOS:
        for case_name, case in [("as is", secret), ("lower", secret.lower()), ("upper", secret.upper())]:
            data = combo.format(case).encode()
            for alphabet, encoded in [("std", base64.b64encode(data)), ("url", base64.urlsafe_b64encode(data))]:
                label = f"base64 {alphabet} of {combo.format('KEY')} ({case_name})"
                forms |= {label: encoded.decode(), label + " unpadded": encoded.decode().rstrip("=")}
    return forms


def _plain(secret: str) -> dict[str, str]:
    return {"as is": secret, "lower": secret.lower(), "upper": secret.upper(), "swapped case": secret.swapcase(),
            "quoted": quote(secret, safe=""), "quoted with /": quote(secret),
            "quoted, lower-case hex": quote(secret, safe="").lower()}


FORMS = [pytest.param(secret, form, id=f"{name}: {label}")
         for name, secret in [("canary", KEY), ("special", SPECIAL)]
         for label, form in {**_plain(secret), **_encodings(secret)}.items()]


@pytest.mark.parametrize(("secret", "form"), FORMS)
@pytest.mark.parametrize("context", ["{}", 'Authorization: "Basic {}"', "/sessions/{}/cancel", "a{}b", "{}\n{}"])
def test_every_derived_form_is_found_and_replaced(secret, form, context):
    redactor = Redactor({KEY: "XENDIT_API_KEY", SPECIAL: "XENDIT_OTHER_API_KEY"})
    text = context.format(form, form)
    before = (redactor.leaks(text), occurrences(text, secret))  # the test's own detector must see it too
    assert min(before) >= 1, f"not found (redactor, brute force): {before}"
    scrubbed = redactor.scrub(text)
    after = (redactor.leaks(scrubbed), occurrences(scrubbed, secret), scrubbed.count(form))
    assert after == (0, 0, 0) and "$XENDIT_" in scrubbed, f"left (redactor, brute force, verbatim): {after}"


def test_raw_keys_become_variables_and_base64_runs_are_replaced_whole():
    token = base64.b64encode(f"user:{OTHER}".encode()).decode()
    text = f"key={KEY} other={token}; upper {KEY.upper()}"
    assert REDACTOR.scrub(text) == ("key=$XENDIT_API_KEY other=<base64 containing $XENDIT_OTHER_API_KEY>; "
                                    "upper <$XENDIT_API_KEY in another letter case>"), "other markers"


@pytest.mark.parametrize("before", [0, 1, 2, 700, 2049])
def test_a_long_base64_run_is_replaced_whole(before):
    blob = base64.urlsafe_b64encode(os.urandom(before) + KEY.encode() + os.urandom(1500)).decode()
    assert REDACTOR.scrub(f'"body": "{blob}"') == '"body": "<base64 containing $XENDIT_API_KEY>"', "not whole"


def test_similar_keys_and_ordinary_text_are_left_alone():
    near = KEY[:-1] + "X"
    text = f"{near} {basic(near)} {base64.b64encode(os.urandom(3000)).decode()} ps-661f87c614802d6c402cd82d"
    assert REDACTOR.leaks(text) == 0 and REDACTOR.scrub(text) == text, "redacted what is not a key"


def test_customer_details_are_masked_by_text_not_by_scrub():
    body = '{"email": "jane@example.com", "mobile_number": "+62812", "given_names": "Jane"}'
    assert REDACTOR.text(body) == '{"email": "***", "mobile_number": "***", "given_names": "***"}', "not masked"
    assert REDACTOR.scrub(body) == body, "scrub masked customer details"


def test_clip_leaves_no_prefix_of_a_key_cut_by_the_limit():
    data = ("x" * 90 + KEY + " " + basic("", KEY)).encode()
    for limit in range(90, 90 + len(KEY) + 60):
        shown = REDACTOR.clip(data, limit)
        assert len(shown) <= limit and "CANARY" not in shown and "X0NBTkFSW" not in shown, f"limit {limit}"


def test_saved_reports_are_scrubbed(tmp_path):
    path = save(tmp_path / "sub" / "out.txt", f"{basic(KEY)} {KEY}", REDACTOR)
    assert REDACTOR.leaks(path.read_text()) == 0 and leaked(path.read_text()) == {}, "the file carries the key"


AUTH_VALUES = [pytest.param(probe.headers["Authorization"], id=probe.description)
               for probe in auth_probes(Credentials(KEY))[0] if probe.headers.get("Authorization")]


@pytest.mark.parametrize("value", AUTH_VALUES)
def test_shown_credentials_replay_as_the_same_header(value, monkeypatch):
    monkeypatch.setenv("XENDIT_API_KEY", KEY)
    shown = REDACTOR.header("Authorization", value)
    assert leaked(shown) == {}, "the shown header carries the key"
    assert replayed_header(shown) == value, "replay builds another header from it"


# --- curl lines, run in bash against a server that records the raw request ---

@contextmanager
def recorder() -> Iterator[tuple[str, list[bytes]]]:
    """A loopback server that answers 204 and keeps each raw request (head and body) as bytes."""
    seen: list[bytes] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = self.rfile.readline()
                if not line:
                    return
                head += line
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            seen.append(head + self.rfile.read(length))
            self.wfile.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def _request(raw: bytes, names: set[str]) -> tuple[bytes, dict[bytes, bytes], bytes]:
    """(request line, {header: value} of the headers in ``names`` and Authorization, body) of a raw request."""
    head, _, body = raw.partition(b"\r\n\r\n")
    line, *fields = head.split(b"\r\n")
    wanted = {name.lower().encode() for name in names} | {b"authorization"}
    headers = {}
    for field in fields:
        name, _, value = field.partition(b":")
        if name.lower() in wanted:
            headers[name] = value.lstrip(b" \t")  # whitespace after a value is sent as the request has it
    return line, headers, body


def _probes() -> list[tuple[str, dict, bytes | None, str]]:
    """(path, headers, body, version) of every auth variant, every id, for-user-id and client example, and odd bodies
    and paths."""
    credentials = Credentials(KEY, other_key=OTHER)
    probes = [probe for family in (auth_probes, id_probes, sub_account_probes, client_probes)
              for probe in family(credentials)[0]]
    odd = {"Authorization": basic(KEY), "for-user-id": b"\xff\xfe not UTF-8 \x01\x7f"}
    return [(probe.path, probe.headers, probe.body, probe.version) for probe in probes] + [
        ("/sessions/a'b\"c$d`e!f\\g%00h/cancel", odd, b"{\"a\": \"!x$y`z\\\"\"}\n\x00\xff\x01'", "HTTP/1.1"),
        ("/sessions/ps-1/cancel", {"Authorization": basic(OTHER, "pa$$!`\"'")}, "é ! \t€".encode(), "HTTP/1.1"),
        ("/sessions/ps-1/cancel", {"authorization": "BASIC  " + base64.b64encode(f"{KEY.upper()}:".encode())
                                   .decode(), "Content-Type": "text/plain"}, b"--\r\n" + KEY.lower().encode(),
         "HTTP/1.1"),
    ]


def test_curl_lines_send_the_same_bytes_when_pasted_into_bash(tmp_path):
    probes = _probes()
    with recorder() as (base_url, seen):
        target = Target(base_url)
        intent = Intent("test", "curl reproduction", "")
        sent = [target.send(intent, "POST", path, headers, body, version=version).request
                for path, headers, body, version in probes]
        by_suite = list(seen)
        seen.clear()
        lines = [REDACTOR.curl(request.method, request.url, request.headers, request.body, request.version)
                 for request in sent]
        script = tmp_path / "pasted.sh"
        script.write_text("set -o history -H\n" + "\n".join(lines) + "\n")  # as in an interactive shell
        env = {"PATH": os.environ["PATH"], "XENDIT_API_KEY": KEY, "XENDIT_OTHER_API_KEY": OTHER, "LC_ALL": "C.UTF-8"}
        done = subprocess.run(["bash", str(script)], capture_output=True, env=env, timeout=120)
    assert done.returncode == 0 and done.stderr == b"", REDACTOR.scrub(done.stderr.decode(errors="replace"))[-2000:]
    assert len(by_suite) == len(seen) == len(probes), (len(by_suite), len(seen), len(probes))
    assert all(leaked(line) == {} for line in lines), [i for i, line in enumerate(lines) if leaked(line)]
    for index, (request, suite_raw, curl_raw) in enumerate(zip(sent, by_suite, seen, strict=True)):
        names = set(request.headers)
        _, headers, body = _request(suite_raw, names)
        # the request line as recorded: urllib3 re-encodes some targets on the wire (`%` as `%25`), see the report
        line = f"POST {request.url.removeprefix(base_url)} {request.version}".encode("utf-8", "surrogateescape")
        differs = [part for part, got, wanted in zip(("request line", "headers", "body"), _request(curl_raw, names),
                                                     (line, headers, body), strict=True) if got != wanted]
        assert not differs, f"probe {index} ({probes[index][0][:60]}): curl sent another {differs}"
