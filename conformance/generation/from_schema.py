"""What schemathesis's own phases (examples, coverage, fuzzing; positive and negative) generate from the
repaired document, as Probes the suite sends through its own target."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode

from conformance.generation.probe import Credentials, Probe

OPERATION = ("/sessions/{session_id}/cancel", "POST")
PLACEHOLDER_AUTH = "Basic Og=="  # the empty ":" credentials schemathesis's coverage phase fills in


def _operation(document: dict, credentials: Credentials, seed: int):
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(basic_auth=(credentials.api_key, ""))
    schema.config.generation.update(database="none")
    schema.config.seed = seed
    return schema, schema[OPERATION[0]][OPERATION[1]]


def _description(case) -> str:
    data = case.meta.phase.data if case.meta else None
    text = getattr(data, "description", None) or "generated"
    return f"schemathesis {case.meta.phase.name.value} ({case.meta.generation.mode.value}): {text}"


def to_probe(case, credentials: Credentials, family: str) -> Probe:
    """Send the case as schemathesis built it; the coverage phase's placeholder credentials are replaced with
    the configured key, except where the scenario is the Authorization header itself."""
    kwargs = case.as_transport_kwargs(base_url="http://target")
    headers = {name: value for name, value in (kwargs.get("headers") or {}).items()
               if name.lower() not in {"user-agent", "x-schemathesis-testcaseid"}}
    description = _description(case)
    if headers.get("Authorization") == PLACEHOLDER_AUTH and "Authorization" not in description:
        headers["Authorization"] = credentials.headers()["Authorization"]
    path = urlsplit(kwargs["url"]).path
    wire = path.removeprefix("/sessions/").removesuffix("/cancel")
    body = kwargs.get("data") if isinstance(kwargs.get("data"), bytes) else None
    return Probe(family, description, unquote(wire), wire, headers, case.method.upper(), body)


def coverage_probes(document: dict, credentials: Credentials, seed: int) -> list[Probe]:
    """The deterministic coverage phase: boundaries (26/27/28), wrong types, other methods, header cases."""
    schema, operation = _operation(document, credentials, seed)
    config = schema.config.generation_for(operation=operation, phase="coverage")
    cases = schema.iter_coverage_cases(operation, generation_modes=list(GenerationMode), generation_config=config)
    return [to_probe(case, credentials, "schemathesis") for case in cases]


def fuzz_probes(document: dict, credentials: Credentials, seed: int) -> tuple[list[Probe], st.SearchStrategy[Probe]]:
    """The coverage phase as explicit examples, then fuzzing: positive (27-character ids) and negative (any other
    length, broken credentials)."""
    _, operation = _operation(document, credentials, seed)
    cases = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                      operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    return coverage_probes(document, credentials, seed), cases.map(lambda case: to_probe(case, credentials,
                                                                                         "schemathesis"))
