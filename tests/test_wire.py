"""Every explicit id probe goes out as its label says: a raw-socket loopback server records the exact request line.

Labels that promise particular bytes (a literal or an encoded dot segment, a bare ``%``, an invalid escape, an encoded
slash…) are held to those bytes; every other probe to its id with each byte outside the unreserved set percent-encoded
(upper-case hex), which the server decodes back to the id.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from conformance.generation.probe import Credentials
from conformance.generation.strategies import id_probes
from conformance.target.client import Target
from conformance.target.exchange import Intent
from tests.fakes import RawServer

ID = "ps-661f87c614802d6c402cd82d"
PROMISED = {  # label → the id segment, byte for byte
    "empty id": "",
    "percent-encoded slash": "%2F",
    "encoded slash and dot-dot": f"{ID}%2F..",
    "dot-dot segment": "..",
    "dot segment": ".",
    "percent-encoded dot-dot": "%2E%2E",
    "NUL byte": "%00",
    "NUL inside a 27-character id": "ps-661f87c614802d6c402cd8%00d",
    "bare percent sign": "%",
    "invalid percent escape": "%zz",
    "single quote": "%27",
    "double quote": "%22",
    "percent-encoded query": f"{ID}%3Fx%3D1",
    "percent-encoded fragment": f"{ID}%23x",
}
UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
PROBES = id_probes(Credentials("xnd_development_wire"))[0]


@pytest.fixture(scope="module")
def received() -> Iterator[dict[str, bytes]]:
    """Description → the request line each explicit probe arrived with (sent under a base URL with a prefix)."""
    recorder = RawServer()
    target = Target(recorder.base_url + "/v2")
    lines = {}
    for probe in PROBES:
        exchange = target.send(Intent("ids", probe.description, probe.session_id), probe.method, probe.path,
                               probe.headers)
        assert exchange.response is not None and exchange.response.status == 404, exchange.error
        lines[probe.description] = recorder.lines[-1]
    recorder.socket.close()
    yield lines


def _segment(line: bytes) -> bytes:
    method, target, version = line.split(b" ")
    assert (method, version) == (b"POST", b"HTTP/1.1")
    prefix, suffix = b"/v2/sessions/", b"/cancel"
    assert target.startswith(prefix) and target.endswith(suffix), target
    return target[len(prefix):-len(suffix)]


def test_every_promise_names_an_explicit_probe():
    assert set(PROMISED) <= {probe.description for probe in PROBES}


@pytest.mark.parametrize("description", sorted(PROMISED))
def test_labelled_bytes_go_out_verbatim(received, description):
    assert _segment(received[description]) == PROMISED[description].encode()


@pytest.mark.parametrize("probe", [probe for probe in PROBES if probe.description not in PROMISED],
                         ids=lambda probe: probe.description)
def test_other_ids_go_out_percent_encoded(received, probe):
    segment = _segment(received[probe.description])
    expected = "".join(chr(byte) if byte in UNRESERVED else f"%{byte:02X}"
                       for byte in probe.session_id.encode("utf-8", "surrogateescape"))
    assert segment == expected.encode()
    assert unquote(segment.decode("ascii"), errors="surrogateescape") == probe.session_id


def test_a_target_no_request_line_can_carry_is_encoded_not_refused():
    """A path the target itself supplied (a checkout link) may hold a space or non-ASCII: those characters are
    percent-encoded, the rest kept as given."""
    recorder = RawServer()
    target = Target(recorder.base_url)
    for path, line in [("/checkout/a b%zz", b"/checkout/a%20b%25zz"), ("/checkout/\u00e9", b"/checkout/%C3%A9")]:
        exchange = target.send(Intent("lifecycle", "checkout", ""), "GET", path)
        assert exchange.response is not None, exchange.error
        assert recorder.lines[-1] == b"GET " + line + b" HTTP/1.1"
    recorder.socket.close()
