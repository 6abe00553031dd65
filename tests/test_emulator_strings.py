"""Strings schemathesis does not generate (lone UTF-16 surrogates, NUL, BOM, line separators, non-characters, astral
code points) in every kind of string field of a create request: never a 5XX, never a response a strict JSON decoder
rejects; a lone surrogate is always refused (400), anything else may be stored and served back, GET and checkout
page included."""

from __future__ import annotations

import json

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ODD = ["\x00", "\x1f", "\x7f", "\u0085", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "\U0010ffff",
       "\U0001f600", "\ud800", "\udbff", "\udc00", "\udfff", '"', "\\", "</script>"]
odd_text = st.lists(st.one_of(st.sampled_from(ODD), st.characters(categories=["Cs"]), st.characters()),
                    min_size=1, max_size=12).map("".join)
FIELDS = {
    "reference_id": lambda text: {"reference_id": text},
    "description": lambda text: {"description": text},
    "customer reference_id": lambda text: {"session_type": "SAVE", "amount": 0, "customer": {
        "type": "INDIVIDUAL", "reference_id": text, "individual_detail": {"given_names": "Ana"}}},
    "given_names": lambda text: {"session_type": "SAVE", "amount": 0, "customer": {
        "type": "INDIVIDUAL", "reference_id": "odd", "individual_detail": {"given_names": text}}},
    "metadata key": lambda text: {"metadata": {text: "v"}},
    "metadata value": lambda text: {"metadata": {"k": text}},
    "item name": lambda text: {"items": [{"reference_id": "i", "type": "FEE", "name": text, "net_unit_amount": 1,
                                          "quantity": 1, "category": "c"}]},
    "channel properties": lambda text: {"channel_properties": {text: [text]}},
    "locale": lambda text: {"locale": text},
}


def has_lone_surrogate(text: str) -> bool:
    return any("\ud800" <= character <= "\udfff" for character in text)


def strictly_decoded(response: requests.Response) -> object:
    """The body as a strict decoder reads it: UTF-8, and no lone surrogate anywhere once decoded."""
    assert response.status_code < 500, response.text
    text = response.content.decode("utf-8")
    assert not has_lone_surrogate(json.dumps(json.loads(text), ensure_ascii=False) if text.startswith("{") else text)
    return json.loads(text) if text.startswith("{") else text


@settings(max_examples=60, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(field=st.sampled_from(sorted(FIELDS)), text=odd_text)
def test_odd_strings_never_break_a_response(api, field, text):
    client = api()
    body = {"reference_id": "odd", "session_type": "PAY", "mode": "PAYMENT_LINK", "amount": 1000,
            "currency": "IDR", "country": "ID", **FIELDS[field](text)}
    created = client.http.post(f"{client.base_url}/sessions", data=json.dumps(body).encode(),
                               headers={"Content-Type": "application/json"})
    answer = strictly_decoded(created)
    if has_lone_surrogate(text):
        assert created.status_code == 400 and answer["error_code"] == "API_VALIDATION_ERROR"
    if created.status_code == 201:
        assert strictly_decoded(client.get(answer["payment_session_id"])) == answer
        page = requests.get(answer["payment_link_url"])
        assert page.status_code == 200 and page.content.decode("utf-8")
