"""Schemathesis over the emulator: the repaired create, get and cancel documents merged into one, with links (create →
get, create → cancel, cancel → get), so the stateful phase runs real create → cancel → get → cancel workflows.
Checked: no 5XX, no undocumented status or content type, no body that breaks its schema; the only exceptions are
the HTTP layer's documented refusals (``protocol.py``), whose error codes no operation's 4XX enum can list.

In the per-operation phases, generated ``session_id``s of the valid length are swapped for a real session of the
case's owner (``for-user-id`` included), in turn ACTIVE, CANCELED, COMPLETED and EXPIRED, so 200 and 422 bodies are
checked too, not only 404s.
"""

from __future__ import annotations

import copy
import itertools
from urllib.parse import unquote

import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from conformance.emulator import DEFAULT_KEYS
from conformance.emulator.protocol import REFUSALS
from conformance.spec.stage import load_repaired

KEY_A = next(iter(DEFAULT_KEYS))
SEED = 20261126
SESSION_ID = "$response.body#/payment_session_id"
KEPT = {"reference_id", "currency", "country", "description", "locale", "channel_properties"}
VALID = {"session_type": "PAY", "mode": "PAYMENT_LINK", "amount": 1000}


def merged_document() -> dict:
    """The three repaired documents as one (the create document's components win), with links between them."""
    document = copy.deepcopy(load_repaired("create"))
    for name in ("get", "cancel"):
        other = load_repaired(name)
        document["paths"].update(copy.deepcopy(other["paths"]))
        for section, entries in other["components"].items():
            document["components"].setdefault(section, {}).update(
                {key: value for key, value in entries.items() if key not in document["components"][section]})
    paths = document["paths"]
    to = {operation: {"operationId": operation, "parameters": {"session_id": SESSION_ID}}
          for operation in ("getSessionById", "cancelSessionById")}
    paths["/sessions"]["post"]["responses"]["201"]["links"] = {"GetSession": to["getSessionById"],
                                                                "CancelSession": to["cancelSessionById"]}
    paths["/sessions/{session_id}/cancel"]["post"]["responses"]["200"]["links"] = {"GetSession": to["getSessionById"]}
    paths["/sessions/{session_id}"]["get"]["responses"]["200"]["links"] = {"CancelSession": to["cancelSessionById"]}
    return document


def schema_unless_refused(ctx, response, case):
    """The response's body matches its schema, unless it is one of the HTTP layer's documented refusals."""
    if (response.status_code, response.content) not in REFUSALS:
        return response_schema_conformance(ctx, response, case)
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, schema_unless_refused]


def loaded(*phases: str) -> schemathesis.schemas.BaseSchema:
    loaded = schemathesis.openapi.from_dict(merged_document(), config=schemathesis.Config())
    loaded.config.update(basic_auth=(KEY_A, ""))
    loaded.config.generation.update(max_examples=40, database="none")
    loaded.config.phases.update(phases=list(phases))
    if phases == ("stateful",):
        loaded.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE])
    loaded.config.seed = SEED
    return loaded


schema, workflows = loaded("examples", "coverage", "fuzzing"), loaded("stateful")
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


@schema.parametrize()
def test_each_operation_is_robust(case, emulator_url):
    if case.path_parameters:
        real_session(case, emulator_url)
    case.call_and_validate(base_url=emulator_url, checks=CHECKS)


def test_workflows_are_robust(emulator_url):
    class Workflow(workflows.as_state_machine()):
        def before_call(self, case):
            """Most generated create bodies break a business rule; keep their fuzzed strings in one that passes, so
            that links lead to real sessions."""
            if case.path == "/sessions" and isinstance(case.body, dict):
                case.body = {name: value for name, value in case.body.items() if name in KEPT} | VALID

        def get_call_kwargs(self, case):
            return {"base_url": emulator_url}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Workflow.run(settings=settings(max_examples=15, stateful_step_count=5, deadline=None, database=None,
                                   derandomize=True, suppress_health_check=list(HealthCheck)))
