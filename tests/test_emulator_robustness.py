"""Schemathesis over the emulator's three operations, with the repaired documents: no 5XX, no undocumented status or
content type, no body that breaks its schema.

Generated ``session_id``s of the valid length are swapped for a real session of the case's owner (``for-user-id``
included), in turn ACTIVE, CANCELED, COMPLETED and EXPIRED, so 200 and 422 bodies are checked too, not only 404s.
"""

from __future__ import annotations

import itertools
from urllib.parse import unquote

import requests
import schemathesis
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from conformance.emulator import DEFAULT_KEYS
from conformance.spec.stage import load_repaired

KEY_A = next(iter(DEFAULT_KEYS))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SEED = 20261126


def loaded(name: str) -> schemathesis.schemas.BaseSchema:
    schema = schemathesis.openapi.from_dict(load_repaired(name), config=schemathesis.Config())
    schema.config.update(basic_auth=(KEY_A, ""))
    schema.config.generation.update(max_examples=40, database="none")
    schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
    schema.config.seed = SEED
    return schema


create_schema, get_schema, cancel_schema = loaded("create"), loaded("get"), loaded("cancel")
states = itertools.cycle([None, "cancel", "complete", "expire"])


def real_session(case, base_url: str) -> None:
    """Swap a generated id of the valid length for a real session of the case's owner, in the next state."""
    if len(unquote(case.path_parameters["session_id"])) != 27:
        return
    http = requests.Session()
    http.auth = (KEY_A, "")
    if "for-user-id" in (case.headers or {}):
        http.headers["for-user-id"] = case.headers["for-user-id"]
    session_id = http.post(f"{base_url}/sessions", json={
        "reference_id": "fuzz", "session_type": "PAY", "mode": "PAYMENT_LINK", "amount": 1, "currency": "IDR",
        "country": "ID"}).json()["payment_session_id"]
    state = next(states)
    if state == "cancel":
        http.post(f"{base_url}/sessions/{session_id}/cancel")
    elif state:
        http.post(f"{base_url}/test-control/sessions/{session_id}/{state}")
    case.path_parameters["session_id"] = session_id


@create_schema.parametrize()
def test_create_is_robust(case, emulator_url):
    case.call_and_validate(base_url=emulator_url, checks=CHECKS)


@get_schema.parametrize()
def test_get_is_robust(case, emulator_url):
    real_session(case, emulator_url)
    case.call_and_validate(base_url=emulator_url, checks=CHECKS)


@cancel_schema.parametrize()
def test_cancel_is_robust(case, emulator_url):
    real_session(case, emulator_url)
    case.call_and_validate(base_url=emulator_url, checks=CHECKS)
