"""Requests varied as real clients vary them: each is the same request in HTTP's eyes (the classifier, which every
judge reads, says so), and each goes out on the wire as its description says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.generation.clients import CLIENT_VARIANTS, Varied, client_probes
from conformance.generation.probe import Credentials
from conformance.model.expect import expect_cancel
from conformance.model.state import ACTIVE, Session
from conformance.target.client import Target
from conformance.target.identity import MAIN, Actor, Owner, basic, classify
from tests.fakes import RawServer

KEY = "xnd_development_clients"
HEADERS = {"Authorization": basic(KEY), "for-user-id": "sub-1"}
ON_THE_WIRE = {  # variant → bytes its request carries (head and content)
    "names-lower": [b"\r\nauthorization: Basic ", b"\r\nfor-user-id: sub-1"],
    "names-upper": [b"\r\nAUTHORIZATION: Basic ", b"\r\nFOR-USER-ID: sub-1"],
    "names-mixed": [b"\r\nAuthorization: Basic ", b"\r\nFor-User-Id: sub-1"],
    "scheme-lower": [b"\r\nAuthorization: basic eG5k"],
    "scheme-upper": [b"\r\nAuthorization: BASIC eG5k"],
    "scheme-spaces": [b"\r\nAuthorization: Basic  eG5k"],
    "values-padded": [b"\r\nfor-user-id: sub-1 \t\r\n"],
    "empty-json": [b"\r\nContent-Type: application/json", b"\r\nContent-Length: 2\r\n", b"\r\n\r\n{}"],
    "content-type-only": [b"\r\nContent-Type: application/json", b"\r\nContent-Length: 0\r\n"],
    "accept-q": [b"\r\nAccept: application/json;q=0.9, */*;q=0.1\r\n"],
    "accept-charset": [b"\r\nAccept: application/json; charset=utf-8\r\n"],
    "query": [b"/cancel?source=conformance HTTP/1.1\r\n"],
    "expect-continue": [b"\r\nExpect: 100-continue\r\n", b"\r\n\r\n{}"],
    "connection-close": [b"\r\nConnection: close\r\n"],
    "http-1.0": [b"/cancel HTTP/1.0\r\nHost: 127.0.0.1:"],
}


@pytest.mark.parametrize("variant", CLIENT_VARIANTS, ids=lambda variant: variant.name)
def test_a_variant_claims_what_the_plain_request_claims(variant):
    """One classification for every judge: a variant of a request is the same actor as the request."""
    keys = {MAIN: KEY}
    assert classify(variant.vary(HEADERS).headers, keys) == classify(HEADERS, keys) == Actor(MAIN, "sub-1")
    assert variant.vary(HEADERS) != Varied(HEADERS)


def test_every_variant_says_what_it_sends():
    assert set(ON_THE_WIRE) == {variant.name for variant in CLIENT_VARIANTS}
    for variant in CLIENT_VARIANTS:  # a refusal HTTP leaves open is said where the request is described
        assert all(str(status) in variant.description for status in variant.refusable), variant.name


@pytest.fixture(scope="module")
def sent() -> Iterator[dict[str, bytes]]:
    """Description → the request each client probe arrived as."""
    recorder = RawServer()
    target = Target(recorder.base_url)
    credentials = Credentials(KEY, "sub-1")
    received = {}
    for probe in client_probes(credentials)[0]:
        exchange = target.send(credentials.probe_intent(probe), probe.method, probe.path, probe.headers, probe.body,
                               version=probe.version)
        assert exchange.response is not None and exchange.response.status == 404, exchange.error
        received[probe.description] = recorder.requests[-1]
    recorder.socket.close()
    yield received


@pytest.mark.parametrize("variant", CLIENT_VARIANTS, ids=lambda variant: variant.name)
def test_a_variant_goes_out_as_described(sent, variant):
    request = sent[variant.description]
    assert all(part in request for part in ON_THE_WIRE[variant.name]), request


def test_a_refusal_http_leaves_open_is_a_branch_that_leaves_the_session_as_it_was():
    session = Session("ps-661f87c614802d6c402cd82d", Owner(MAIN), ACTIVE, {}, None)
    plain = expect_cancel(session, Actor(MAIN), 0.0, 0.5)
    varied = expect_cancel(session, Actor(MAIN), 0.0, 0.5, refusable=frozenset({400, 415}))
    refusals = varied.outcomes[len(plain.outcomes):]
    assert varied.outcomes[:len(plain.outcomes)] == plain.outcomes
    assert [(outcome.status, outcome.accepted, outcome.after) for outcome in refusals] == [(400, False, ACTIVE),
                                                                                          (415, False, ACTIVE)]
    assert {outcome.check_id for outcome in refusals} == {"LIFE-CANCEL-ACTIVE"}
