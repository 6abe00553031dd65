"""Each stateless check, on crafted responses: it must catch the bad ones and pass the good ones."""

from __future__ import annotations

import json
import re

import pytest
from requests.structures import CaseInsensitiveDict

from conformance.checks.catalogue import CATALOGUE, STATELESS
from conformance.checks.findings import NA, CheckContext
from conformance.checks.stateless import STATELESS_CHECKS as IMPLEMENTED
from conformance.generation.probe import segment
from conformance.spec.schemas import Schemas
from conformance.spec.stage import load_repaired
from conformance.target.exchange import Exchange, Intent, Request, Response
from conformance.target.identity import MAIN, Actor
from conformance.target.wire import Wire
from tests.stateless_cases import CASES, NOT_FOUND, SID

SCHEMAS = Schemas(load_repaired("cancel"))
MAIN_KEY = Actor(MAIN)


def exchange(method="POST", sid=SID, status=404, content_type="application/json", body=NOT_FOUND, headers=None,
             error=None, actor=MAIN_KEY, configured=True, known=False, profile="strict", wire=None,
             refusable=frozenset(), received=None):
    intent = Intent("test", "crafted", sid, actor, configured, known, refusable)
    request = Request(method, f"http://127.0.0.1:1/sessions/{segment(sid) if wire is None else wire}/cancel")
    if error:
        return Exchange(intent, request, error=error), profile
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response_headers = CaseInsensitiveDict(headers or {})
    if content_type:
        response_headers["Content-Type"] = content_type
    received = None if received is None else Wire(received, accept_encoding="gzip, deflate")
    return Exchange(intent, request, Response(status, response_headers, raw, 0.001, wire=received)), profile


@pytest.mark.parametrize(("check_id", "description", "spec", "conforms"), CASES,
                         ids=[f"{case[0]}: {case[1]}" for case in CASES])
def test_check_on_crafted_response(check_id, description, spec, conforms):
    crafted, profile = exchange(**spec)
    known = {SID} if spec.get("known") else set()
    verdict = IMPLEMENTED[check_id](crafted, CheckContext(profile, SCHEMAS, known))
    assert (verdict is None or verdict == NA) == conforms, verdict
    cited = re.search(r"\((RFC \d+ §[\d.]+)\)$", description)  # a failure the case says a rule explains names it
    assert conforms or cited is None or f"({cited.group(1)}: " in verdict.message, verdict


def test_every_stateless_check_is_implemented_and_has_good_and_bad_cases():
    stateless = {check.id for check in CATALOGUE if check.stage == STATELESS}
    assert stateless == set(IMPLEMENTED)
    for check_id in stateless:
        verdicts = {conforms for case_id, _, _, conforms in CASES if case_id == check_id}
        assert verdicts == {True, False}, check_id
