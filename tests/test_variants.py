"""The suite's power: every fault of the catalogue is caught by the checks it lists, every conformant variant
passes. Each trial runs ``conformance run`` at the default budget against a real variant server over HTTP (run with
``pytest -n 2``: about 45 trials of 4-10 s)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.checks.catalogue import BY_ID, CATALOGUE, MUST, SHOULD, SPEC
from conformance.emulator.app import Api
from conformance.emulator.variants import CATALOGUE as VARIANTS
from conformance.emulator.variants import FAIL_ON_SHOULD, Variant
from conformance.emulator.variants.trial import Trial, outcomes, trial
from conformance.spec.stage import bundled_path

DOCUMENT_WARNING = "SPEC-EXAMPLES"  # the published document's own example contradicts its schema: always warned
FAULTS = [variant for variant in VARIANTS if variant.is_fault]
CONFORMANT = [variant for variant in VARIANTS if not variant.is_fault]


def test_catalogue_size_and_shape():
    assert len(FAULTS) >= 30
    assert len([v for v in CONFORMANT if v.passes_in == "strict"]) >= 4
    assert any(v.passes_in == "lenient" for v in CONFORMANT)
    assert len({v.name for v in VARIANTS}) == len(VARIANTS)
    for variant in VARIANTS:
        assert issubclass(variant.api, Api) and variant.api is not Api
        assert variant.description == variant.api.__doc__.strip().split("\n\n")[0], variant.name  # one line
        assert variant.catches <= BY_ID.keys(), variant.name
        if variant.passes_in == "strict":  # it conforms: only SHOULD checks may warn against it
            assert all(BY_ID[check_id].level == SHOULD for check_id in variant.catches), variant.name


def test_every_check_of_a_server_is_caught_by_some_fault():
    """The spec-stage checks judge the document, not the server: test_spec_checks_judge_the_document covers them."""
    caught = set().union(*(variant.catches for variant in FAULTS))
    assert caught == {check.id for check in CATALOGUE if check.stage != SPEC}


def test_should_only_faults_run_with_fail_on_should():
    for variant in FAULTS:
        should_only = all(BY_ID[check_id].level == SHOULD for check_id in variant.catches)
        assert (variant.options == FAIL_ON_SHOULD) == should_only, variant.name


def _runs() -> list:
    """(variant, profile) of every trial: each variant in strict; a lenient one in lenient too."""
    runs = [(variant, "strict") for variant in VARIANTS]
    runs += [(variant, variant.passes_in) for variant in CONFORMANT if variant.passes_in != "strict"]
    return [pytest.param(variant, profile, id=f"{variant.name}-{profile}") for variant, profile in runs]


def _report(result: Trial) -> str:
    return f"exit {result.code}; outcomes {result.outcomes}\n{result.output[-3000:]}"


@pytest.mark.parametrize(("variant", "profile"), _runs())
def test_trial(variant: Variant, profile: str):
    result = trial(variant, ("--profile", profile))
    if profile == variant.passes_in:
        assert result.code == 0, _report(result)
        assert not result.with_outcome("failed", "error"), _report(result)
        warned = variant.catches if profile == "strict" else frozenset()  # a strict pass may warn, as listed
        assert result.with_outcome("warned") == {DOCUMENT_WARNING} | warned, _report(result)
        return
    assert result.code == 1, _report(result)
    must = {check_id for check_id in variant.catches if BY_ID[check_id].level == MUST}
    assert result.with_outcome("failed") == must, _report(result)
    assert result.with_outcome("warned") == {DOCUMENT_WARNING} | (variant.catches - must), _report(result)
    if variant.options == FAIL_ON_SHOULD:  # only SHOULD-level: a plain run (no --fail-on-should) would exit 0
        assert not result.with_outcome("failed", "error"), _report(result)


def _published_with(edit) -> dict:
    document = json.loads(bundled_path("cancel").read_text())
    edit(document)
    return document


def _example_fixed(document: dict) -> None:
    responses = document["paths"]["/sessions/{session_id}/cancel"]["post"]["responses"]
    responses["200"]["content"]["application/json"]["examples"]["cancelSessionResponseExample"]["value"]["amount"] = 0
    document["components"]["schemas"]["Payment_Session_Amount"]["example"] = 10000


def _run_spec(tmp_path, document: dict) -> subprocess.CompletedProcess:
    path = tmp_path / "cancel.json"
    path.write_text(json.dumps(document))
    return subprocess.run([sys.executable, "-m", "conformance", "run", "--spec", str(path), "--checks",
                           "SPEC-VALID,SPEC-EXAMPLES", "--junit-xml", str(tmp_path / "junit.xml")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)


def test_spec_checks_judge_the_document(tmp_path):
    """SPEC-EXAMPLES warns on the published document (every trial shows it) and passes once its examples are fixed;
    a document that is not valid OpenAPI after repair (SPEC-VALID) is an unusable --spec: exit 2."""
    done = _run_spec(tmp_path, _published_with(_example_fixed))
    assert done.returncode == 0, done.stdout + done.stderr
    assert outcomes(tmp_path / "junit.xml") == {"SPEC-VALID": "passed", "SPEC-EXAMPLES": "passed"}
    done = _run_spec(tmp_path, _published_with(lambda document: document.pop("paths")))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "not usable after repair" in done.stderr and "'paths' is a required property" in done.stderr


def _emulator_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conformance", "emulator", *args], capture_output=True, text=True,
                          timeout=60)


def test_cli_lists_the_catalogue_and_refuses_unknown_names():
    listed = _emulator_cli("--list-variants")
    assert listed.returncode == 0
    for variant in VARIANTS:
        assert variant.name in listed.stdout and variant.description in listed.stdout
    for args, message in [(["--fault", "optional-fields-omitted"], "no fault is named 'optional-fields-omitted'"),
                          (["--variant", "cancel-not-atomic"], "no conformant variant is named 'cancel-not-atomic'"),
                          (["--fault", "x", "--variant", "y"], "cannot be combined")]:
        done = _emulator_cli(*args)
        assert done.returncode == 2 and message in done.stderr, done.stderr


def test_cli_serves_the_fault(client_of):
    server = subprocess.Popen([sys.executable, "-m", "conformance", "emulator", "--port", "0", "--quiet", "--fault",
                               "checkout-alive-after-cancel"], stdout=subprocess.PIPE, text=True)
    try:
        base_url = server.stdout.readline().split()[-1]
        announced = [server.stdout.readline() for _ in range(4)]
        assert any("FAULT checkout-alive-after-cancel" in line for line in announced), announced
        api = client_of(base_url)
        session = api.new()
        assert api.cancel(session["payment_session_id"]).status_code == 200
        assert api.http.get(session["payment_link_url"]).status_code == 200
    finally:
        server.terminate()
        server.wait(10)


def test_emulator_readme_lists_every_variant():
    readme = (Path(__file__).resolve().parents[1] / "conformance/emulator/README.md").read_text()
    assert [variant.name for variant in VARIANTS if f"`{variant.name}`" not in readme] == []
