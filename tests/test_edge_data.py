"""Data at its edges (issue 23): the edge bodies are valid and accepted, reach every edge they claim to, and show
each storage fault that the bodies the suite drew before pass through unchanged; the data variants' verdicts hold
under another seed (the opening's edge bodies meet each fault whatever the exploration draws)."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings

from conformance.emulator import running
from conformance.emulator.create import REQUEST_SCHEMA, check_schema, parse_body, rules
from conformance.emulator.variants import CATALOGUE, Variant, data
from conformance.model.state import changed_fields
from conformance.spec.schemas import Schemas
from conformance.spec.stage import load_repaired
from conformance.stateful.bodies import (
    EDGE_DECIMALS,
    EDGE_INTEGERS,
    EDGE_TEXT,
    EXACT,
    INT32,
    NFD,
    UINT32,
    create_bodies,
    edge_bodies,
    rich_body,
)
from tests.test_variants import _report, assert_verdict, checks_for
from tests.trial import EMULATOR, TRIAL_OPTIONS, run_in_process, trial

TAG = "conformance-0123456789ab"
EDGES = dict(edge_bodies(TAG))
DATA_VARIANTS = [variant for variant in CATALOGUE if variant.api.__module__ == data.__name__]
STORAGE_FAULTS = [variant for variant in DATA_VARIANTS if variant.is_fault]


@pytest.fixture(scope="module")
def create_schema() -> Schemas:
    return Schemas(load_repaired("create"))


def _accepted_by_the_rules(body: dict) -> None:
    """The emulator's schema check and every documented business rule pass `body` (as JSON text, as sent)."""
    parsed = parse_body(json.dumps(body).encode())
    assert parsed == body
    check_schema(parsed, max_items=100)
    assert [error.body() for rule in rules(0, 1) if (error := rule(parsed))] == []


@pytest.mark.parametrize("name", EDGES)
def test_edge_body_is_valid_accepted_and_read_back_unchanged(name, create_schema, api):
    body = EDGES[name]
    assert [error.message for error in create_schema.errors(REQUEST_SCHEMA, body)] == []
    _accepted_by_the_rules(body)
    client = api()
    created = client.http.post(f"{client.base_url}/sessions", json=body)
    assert created.status_code == 201, created.text
    echoed = created.json()
    assert changed_fields({name: body[name] for name in echoed.keys() & body.keys()}, echoed, echoed.keys() -
                          body.keys()) == []  # every field sent that the session has comes back as sent
    cancelled = client.cancel(echoed["payment_session_id"])
    assert cancelled.status_code == 200, cancelled.text
    read = client.get(echoed["payment_session_id"]).json()
    ignore = frozenset({"status", "updated"})
    assert changed_fields(echoed, cancelled.json(), ignore) == changed_fields(echoed, read, ignore) == []


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(text for item in value.values() for text in _strings(item))]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def _numbers(value: object) -> list[int | float]:
    if isinstance(value, dict | list):
        return [number for item in (value.values() if isinstance(value, dict) else value) for number in _numbers(item)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


def test_edge_bodies_reach_every_edge():
    text = "".join(_strings(list(EDGES.values())))
    assert {"numbers", "metadata", "text", "every optional field", "maxima"} == set(EDGES)
    assert all(TAG not in value[len(TAG):] for value in _strings(list(EDGES.values())))  # the tag once, whole: a
    # comparison of two runs reads it as the run's
    numbers = set(_numbers(list(EDGES.values())))
    assert {INT32, INT32 + 1, UINT32, UINT32 + 1, 2**24 + 1, EXACT, *EDGE_DECIMALS} <= numbers
    assert max(abs(number) for number in numbers) == EXACT  # nothing beyond what a double holds exactly
    for body in EDGES.values():
        minor = 0 if body["currency"] in ("IDR", "VND") else 2
        amounts = [body["amount"], *(item["net_unit_amount"] for item in body.get("items") or ())]
        assert all(round(amount, minor) == amount for amount in amounts), body["reference_id"]
    composed = unicodedata.normalize("NFC", NFD)
    assert composed != NFD and EDGE_TEXT["nfc and nfd"].split(" | ") == [composed, NFD]  # one text, both forms
    assert any(ord(char) > 0xFFFF for char in text) and "\u200d" in text  # beyond the BMP, ZWJ sequences
    assert any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)
    assert all(char in text for char in '"\\\t\n\r\b\f\x01\x1f\x7f\u2028\u2029') and "</script>" in text
    maxima = EDGES["maxima"]
    assert (len(maxima["reference_id"]), len(maxima["description"]), len(maxima["metadata"])) == (64, 1000, 20)
    assert {len(key) for key in maxima["metadata"]} == {40} and {len(value) for value in maxima["metadata"].values()} \
        == {80}
    assert {len(maxima["items"][0][name]) for name in ("reference_id", "name", "category", "subcategory",
                                                        "description")} == {255}
    everything = EDGES["every optional field"]
    assert set(everything["items"][0]) == set(load_repaired("create")["components"]["schemas"][
        "Payment_Session_XenditStandardItem"]["properties"])
    assert set(everything["customer"]["individual_detail"]) == {"given_names", "surname", "nationality",
                                                                 "place_of_birth", "date_of_birth", "gender"}
    types = {type(value) for value in everything["channel_properties"]["conformance"].values()}
    assert types == {str, int, float, bool, type(None), list, dict}


@settings(max_examples=150, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(create_bodies(TAG))
def test_drawn_bodies_stay_valid(body):
    _accepted_by_the_rules(body)


@pytest.mark.parametrize(("what", "condition"), [
    ("an edge amount", lambda body: body["amount"] in EDGE_INTEGERS + EDGE_DECIMALS),
    ("edge text", lambda body: set(EDGE_TEXT.values()) & set(_strings(body))),
    ("every JSON type", lambda body: "channel_properties" in body),
    ("an item with every optional field", lambda body: any({"url", "image_url", "subcategory"} <= set(item)
                                                          for item in body.get("items") or ())),
])
def test_drawn_bodies_reach_the_edges_some_of_the_time(what, condition):
    # the first body found will do: shrinking it (Hypothesis's default) took seconds and proves nothing more; find's
    # own budget, not the default profile's 100 draws (an item with every optional field took up to 273 in 60 seeds:
    # one run in ten found none)
    found = find(create_bodies(TAG), condition,
                 settings=settings(database=None, phases=[Phase.generate], max_examples=2000))
    assert condition(found), what


@pytest.mark.parametrize("variant", STORAGE_FAULTS, ids=[variant.name for variant in STORAGE_FAULTS])
def test_storage_fault_shows_on_edge_data_only(variant: Variant, client_of):
    """The session the suite cancelled before (rich_body) comes back from storage as created: why the fault went
    unseen; some edge body does not."""
    def changed(body: dict) -> list[str]:
        created = client.http.post(f"{base_url}/sessions", json=body)
        assert created.status_code == 201, created.text
        cancelled = client.cancel(created.json()["payment_session_id"])
        return changed_fields(created.json(), cancelled.json(), frozenset({"status", "updated"}))

    with running(EMULATOR, api=variant.api) as base_url:
        client = client_of(base_url)
        assert changed(rich_body(TAG, "PAYMENT_LINK")) == changed(rich_body(TAG, "COMPONENTS")) == []
        assert any(changed(body) for body in EDGES.values())


@pytest.mark.parametrize("variant", DATA_VARIANTS, ids=[variant.name for variant in DATA_VARIANTS])
def test_data_variant_verdict_under_another_seed(variant: Variant):
    """test_variants tries each with seed 1; the edge bodies are the opening's, so seed 2 reaches the same verdict."""
    result = trial(variant, ("--profile", "strict", *TRIAL_OPTIONS, "--seed", "2"), checks_for(variant),
                   runner=run_in_process)
    assert set(result.outcomes) == set(checks_for(variant) or result.outcomes), _report(result)
    assert_verdict(variant, "strict", result)
