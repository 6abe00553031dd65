"""The suite's power: every fault of the catalogue is caught by the checks it lists, every conformant variant
passes. Each trial runs the suite at the default budget against a real variant server over HTTP, in this process
(``run_in_process``); one runs ``conformance run`` as a subprocess, every check, as a CI job would. A fault's trial
runs only the checks it is about (``checks_for``); a conformant variant's, and a SHOULD-only fault's, every check."""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

import pytest

from conformance.checks.catalogue import CATALOGUE, MUST, REGISTRY, SHOULD, SPEC, STATELESS
from conformance.emulator.app import Api
from conformance.emulator.variants import CATALOGUE as VARIANTS
from conformance.emulator.variants import FAIL_ON_SHOULD, Variant
from conformance.spec.stage import bundled_path
from tests.cli import QUICK, command, environment, invoke
from tests.trial import TRIAL_OPTIONS, Trial, outcomes, run_against, run_in_process, trial

DOCUMENT_WARNING = "SPEC-EXAMPLES"  # the published document's own example contradicts its schema: always warned
FAULTS = [variant for variant in VARIANTS if variant.is_fault]
CONFORMANT = [variant for variant in VARIANTS if not variant.is_fault]
# the 200 a stateless check judges comes from cancelling a session the lifecycle stage created
CANCELS_A_SESSION = "LIFE-CANCEL-ACTIVE"


def should_only(variant: Variant) -> bool:
    return all(REGISTRY[check_id].level == SHOULD for check_id in variant.catches)


# the CLI path, every check, once: the first SHOULD-only fault (its verdict needs --fail-on-should and every check)
SUBPROCESS_TRIAL = next(variant for variant in FAULTS if should_only(variant))


def checks_for(variant: Variant) -> set[str] | None:
    """The checks a variant's trial runs; None for every check. A fault that fails some MUST check: the checks it
    lists, the other checks of their families, and the lifecycle cancel whose 200 the stateless checks judge. A
    conformant variant (it must fail no check) or a SHOULD-only fault (no MUST check may fail): every check."""
    if not variant.is_fault or should_only(variant):
        return None
    families = {REGISTRY[check_id].family for check_id in variant.catches}
    chosen = set(variant.catches) | {check.id for check in CATALOGUE if check.family in families}
    if any(REGISTRY[check_id].stage == STATELESS for check_id in variant.catches):
        chosen.add(CANCELS_A_SESSION)
    return chosen


def test_catalogue_size_and_shape():
    assert len(FAULTS) >= 30
    assert len([v for v in CONFORMANT if v.passes_in == "strict"]) >= 4
    assert any(v.passes_in == "lenient" for v in CONFORMANT)
    assert len({v.name for v in VARIANTS}) == len(VARIANTS)
    for variant in VARIANTS:
        assert issubclass(variant.api, Api) and variant.api is not Api
        assert variant.description == variant.api.__doc__.strip().split("\n\n")[0], variant.name  # one line
        assert variant.catches | variant.sometimes <= REGISTRY.keys(), variant.name
        assert not variant.catches & variant.sometimes, variant.name
        if variant.passes_in == "strict":  # it conforms: only SHOULD checks may warn against it
            assert all(REGISTRY[check_id].level == SHOULD for check_id in variant.catches), variant.name


def test_every_check_of_a_server_is_caught_by_some_variant():
    """Every check fails (or, a SHOULD, warns) against some variant: a fault, or a correct-but-different server that
    takes an allowance a SHOULD narrows. The spec-stage checks judge the document, not the server:
    test_spec_checks_judge_the_document covers them."""
    caught = set().union(*(variant.catches for variant in VARIANTS))
    assert caught == {check.id for check in CATALOGUE if check.stage != SPEC}


def test_should_only_faults_run_with_fail_on_should():
    for variant in FAULTS:
        assert (variant.options == FAIL_ON_SHOULD) == should_only(variant), variant.name


def _runs() -> list:
    """(variant, profile) of every in-process trial: each variant in strict; a lenient one in lenient too; the
    subprocess trial's fault left to test_full_trial_as_a_subprocess."""
    runs = [(variant, "strict") for variant in VARIANTS if variant is not SUBPROCESS_TRIAL]
    runs += [(variant, variant.passes_in) for variant in CONFORMANT if variant.passes_in != "strict"]
    return [pytest.param(variant, profile, id=f"{variant.name}-{profile}") for variant, profile in runs]


def _report(result: Trial) -> str:
    return f"exit {result.code}; outcomes {result.outcomes}\n{result.output[-3000:]}"


@pytest.fixture(autouse=True)
def _quiet_variants(caplog):
    """The variants' crashes and protocol warnings are expected: not logged into the test's report."""
    for logger in ("uvicorn", "conformance.emulator"):
        caplog.set_level(logging.CRITICAL, logger)


def _document_warning(result: Trial) -> set[str]:
    """The published document's own warning, in every trial that ran the spec stage's checks."""
    return {DOCUMENT_WARNING} & set(result.outcomes)


def assert_verdict(variant: Variant, profile: str, result: Trial) -> None:
    """A variant in the profile it passes in: exit 0, nothing failed or warned but the document's warning. A fault:
    exit 1, its MUST checks failed, its SHOULD checks warned, and nothing else but what it lists as `sometimes`;
    SHOULD-only, no check failed or erred."""
    if profile == variant.passes_in:
        assert result.code == 0, _report(result)
        assert not result.with_outcome("failed", "error"), _report(result)
        warned = variant.catches if profile == "strict" else frozenset()  # a strict pass may warn, as listed
        assert result.with_outcome("warned") == _document_warning(result) | warned, _report(result)
        return
    assert result.code == 1, _report(result)
    must = {check_id for check_id in variant.catches if REGISTRY[check_id].level == MUST}
    assert must <= result.with_outcome("failed") <= must | variant.sometimes, _report(result)
    should = _document_warning(result) | (variant.catches - must)
    assert should <= result.with_outcome("warned") <= should | variant.sometimes, _report(result)
    if variant.options == FAIL_ON_SHOULD:  # only SHOULD-level: every MUST check judged and passed (but a race it
        # lists), so a plain run (no --fail-on-should) is CONFORMANT: a warning never keeps a MUST check from being
        # judged
        assert not result.with_outcome("failed", "error", "not_run") - variant.sometimes, _report(result)


@pytest.mark.parametrize(("variant", "profile"), _runs())
def test_trial(variant: Variant, profile: str):
    result = trial(variant, ("--profile", profile, *TRIAL_OPTIONS), checks_for(variant), runner=run_in_process)
    assert set(result.outcomes) == (checks_for(variant) or REGISTRY.keys()), _report(result)
    assert_verdict(variant, profile, result)


def test_full_trial_as_a_subprocess():
    """``conformance run`` itself, every check, against one fault: the CLI path a CI job takes (at the budget of a
    run whose subject is not the budget: test_run's default run has the default one)."""
    result = trial(SUBPROCESS_TRIAL, ("--profile", "strict", *QUICK), runner=run_against)
    assert set(result.outcomes) == REGISTRY.keys(), _report(result)
    assert result.requests > 100, _report(result)
    assert_verdict(SUBPROCESS_TRIAL, "strict", result)


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
    return invoke("run", "--spec", str(path), "--checks", "SPEC-VALID,SPEC-EXAMPLES", "--junit-xml",
                  str(tmp_path / "junit.xml"), "--json-report", str(tmp_path / "report.json"), "--html-report",
                  str(tmp_path / "report.html"))


def test_spec_checks_judge_the_document(tmp_path):
    """SPEC-EXAMPLES warns on the published document (every trial shows it) and passes once its examples are fixed;
    a document that is not valid OpenAPI after repair (SPEC-VALID) is an unusable --spec: exit 2."""
    done = _run_spec(tmp_path, _published_with(_example_fixed))
    assert done.returncode == 0, done.stdout + done.stderr
    assert outcomes(tmp_path / "junit.xml") == {"SPEC-VALID": "passed", "SPEC-EXAMPLES": "passed"}
    done = _run_spec(tmp_path, _published_with(lambda document: document.pop("paths")))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "not usable after repair" in done.stderr and "'paths' is a required property" in done.stderr


def test_cli_lists_the_catalogue_and_refuses_unknown_names():
    listed = invoke("emulator", "--list-variants")
    assert listed.returncode == 0, listed.stderr
    for variant in VARIANTS:
        assert variant.name in listed.stdout and variant.description in listed.stdout
    for args, message in [(["--fault", "optional-fields-omitted"], "no fault is named 'optional-fields-omitted'"),
                          (["--variant", "cancel-not-atomic"], "no conformant variant is named 'cancel-not-atomic'"),
                          (["--fault", "x", "--variant", "y"], "cannot be combined")]:
        done = invoke("emulator", *args)
        assert done.returncode == 2 and message in done.stderr, done.stderr


def test_cli_serves_the_fault(client_of):
    server = subprocess.Popen(command("emulator", "--port", "0", "--quiet", "--fault", "checkout-alive-after-cancel"),
                              stdout=subprocess.PIPE, text=True, env=environment())
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
