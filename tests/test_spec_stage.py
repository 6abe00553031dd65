"""The spec stage on the vendor documents, as published, and on broken inputs."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import find, settings
from openapi_spec_validator import validate as osv_validate

from conformance.spec.pointer import resolve
from conformance.spec.stage import bundled_path, run_stage
from tests.cli import invoke

CANCEL = "/paths/~1sessions~1{session_id}~1cancel/post"
STRING_KEYWORDS = {"minLength", "maxLength", "minimum", "nullable", "required"}


def _string_keywords(node, path=()):
    """Every schema keyword of the published text whose value is a string (what must be repaired)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"example", "examples", "enum", "default"}:
                continue
            if key in STRING_KEYWORDS and isinstance(value, str):
                yield "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in (*path, key))
            else:
                yield from _string_keywords(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _string_keywords(item, (*path, index))


@pytest.fixture(scope="module")
def seed():
    return run_stage(bundled_path("cancel"))


def test_seed_is_invalid_as_published(seed):
    pointers = {problem.pointer for problem in seed.published_problems}
    assert "/components/schemas/Payment_Session_SessionId/minLength" in pointers
    assert "/components/parameters/Payment_Session_SessionIdPathParam/required" in pointers
    assert "/components/schemas/Payment_Session_Amount/minimum" in pointers
    assert f"{CANCEL.replace('/post', '/post/security/0/Payment_Session_BasicAuth')}" in pointers
    assert len(seed.published_problems) >= 36


def test_seed_repairs_are_exact(seed):
    keyword_repairs = [item for item in seed.repairs if item.rule.startswith("string-")]
    assert len(seed.repairs) == 37
    assert len(keyword_repairs) == 36
    assert sorted(item.pointer for item in keyword_repairs) == sorted(_string_keywords(seed.published))
    for item in keyword_repairs:
        assert resolve(seed.published, "#" + item.pointer) == item.before
        assert resolve(seed.repaired, "#" + item.pointer) == item.after
        assert not isinstance(item.after, str)
    by_pointer = {item.pointer: item for item in seed.repairs}
    assert by_pointer["/components/schemas/Payment_Session_SessionId/maxLength"].after == 27
    assert by_pointer["/components/parameters/Payment_Session_ForUserIdHeaderParam/required"].after is False
    assert by_pointer["/components/schemas/Payment_Session_Amount/minimum"].after == 0


def test_seed_security_scheme_added_from_the_later_export(seed):
    [security] = [item for item in seed.repairs if item.rule == "security-scheme-from-name"]
    assert security.pointer == "/components/securitySchemes/Payment_Session_BasicAuth"
    later = json.loads(bundled_path("cancel-later").read_text())
    assert security.after == later["components"]["securitySchemes"]["Payment_Session_BasicAuth"]
    assert security.after == {"type": "http", "scheme": "basic"}
    assert security.source.startswith("spec/cancel-session.json#/components/securitySchemes/Payment_Session_BasicAuth")
    assert "securitySchemes" not in seed.published["components"]


def test_a_scheme_the_later_export_does_not_define_is_not_invented(tmp_path):
    document = json.loads(bundled_path("cancel").read_text())
    document["paths"]["/sessions/{session_id}/cancel"]["post"]["security"] = [{"OtherBasicAuth": []}]
    path = tmp_path / "cancel.json"
    path.write_text(json.dumps(document))
    result = run_stage(path)
    assert not [item for item in result.repairs if item.rule == "security-scheme-from-name"]
    assert not result.ok and any("OtherBasicAuth" in problem.pointer for problem in result.remaining_problems)


@pytest.mark.parametrize("spelling", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_a_number_json_cannot_write_is_unrepairable(tmp_path, spelling):
    """float() reads these, but NaN and infinities are no JSON number: no repair, an unrepairable error."""
    document = json.loads(bundled_path("cancel").read_text())
    document["components"]["schemas"]["Payment_Session_Amount"]["minimum"] = spelling
    path = tmp_path / "cancel.json"
    path.write_text(json.dumps(document))
    result = run_stage(path)
    at = "/components/schemas/Payment_Session_Amount/minimum"
    assert at not in {item.pointer for item in result.repairs}
    assert not result.ok
    assert [problem.pointer for problem in result.remaining_problems] == [at]
    json.dumps(result.as_dict(), allow_nan=False)  # the report stays JSON


def test_seed_repaired_is_valid(seed):
    assert seed.ok
    osv_validate(seed.repaired)


def test_examples_are_untouched_and_amount_example_reported(seed):
    example = f"{CANCEL}/responses/200/content/application~1json/examples/cancelSessionResponseExample/value"
    assert resolve(seed.repaired, "#" + example)["amount"] == "0"
    assert any(warning.pointer == example + "/amount" for warning in seed.warnings)


def test_later_export_needs_no_security_repair():
    later = run_stage(bundled_path("cancel-later"))
    assert later.ok
    assert not [item for item in later.repairs if item.rule == "security-scheme-from-name"]
    seed = run_stage(bundled_path("cancel"))
    seed_keywords = {item.pointer for item in seed.repairs if item.rule.startswith("string")}
    later_keywords = {item.pointer for item in later.repairs}
    # the later export adds components_configuration.return_url, one more nullable string
    assert later_keywords - seed_keywords == {
        "/components/schemas/Payment_Session_ComponentsConfiguration/properties/return_url/nullable"}
    assert seed_keywords <= later_keywords


@pytest.mark.parametrize("name", ["create", "get"])
def test_create_and_get_documents_repaired_and_valid(name):
    result = run_stage(bundled_path(name))
    assert result.published_problems and result.repairs
    assert result.ok
    osv_validate(result.repaired)


def test_repaired_document_generates_in_schemathesis(seed):
    schema = schemathesis.openapi.from_dict(seed.repaired)
    operation = schema["/sessions/{session_id}/cancel"]["POST"]
    case = find(operation.as_strategy(), lambda case: True, settings=settings(database=None))
    assert len(case.path_parameters["session_id"]) >= 27


def test_raw_document_does_not_generate_in_schemathesis(seed):
    """The reason the stage exists: schemathesis rejects the published text."""
    operation = schemathesis.openapi.from_dict(seed.published)["/sessions/{session_id}/cancel"]["POST"]
    with pytest.raises(Exception, match="maxLength|minLength"):
        find(operation.as_strategy(), lambda case: True, settings=settings(database=None))


def _cli(*args):
    return invoke("spec", "check", *args)


def test_cli_json_output_and_exit_zero():
    done = _cli("--json", str(bundled_path("cancel")), str(bundled_path("create")))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [len(item["repairs"]) for item in report] == [37, 36]
    assert all(item["valid_after_repair"] for item in report)


def test_cli_reads_the_vendor_markdown_page(tmp_path):
    page = tmp_path / "cancel.md"
    page.write_text("# Cancel\n\n````json POST /x\n" + bundled_path("cancel").read_text() + "````\n")
    done = _cli(str(page))
    assert done.returncode == 0, done.stderr
    assert "repairs: 37" in done.stdout


def _document_without(key):
    document = json.loads(bundled_path("cancel").read_text())
    del document[key]
    return json.dumps(document)


BROKEN = [
    # (file name, content or None for a directory, exit code, message fragment)
    ("missing-paths.json", _document_without("paths"), 1, "'paths' is a required property"),
    ("bad.json", '{"openapi": "3.0.0",\n  "paths": }', 2, "bad.json:2:12: invalid JSON"),
    ("bad.yaml", "openapi: 3.0.0\npaths: [unclosed\n", 2, "invalid YAML"),
    ("dangling.json", bundled_path("cancel").read_text().replace(
        '"#/components/schemas/Payment_Session_SessionStatus"', '"#/components/schemas/Nope"'), 1,
     "'#/components/schemas/Nope' does not resolve"),
    ("empty.json", "", 2, "the file is empty"),
    ("list.yaml", "- 1\n- 2\n", 2, "not an object"),
    ("adir", None, 2, "is a directory"),
    ("nofence.md", "# just prose\n", 2, "no fenced"),
]


@pytest.mark.parametrize(("name", "content", "code", "fragment"), BROKEN, ids=[item[0] for item in BROKEN])
def test_broken_inputs_get_clear_errors(tmp_path, name, content, code, fragment):
    target = tmp_path / name
    if content is None:
        target.mkdir()
    else:
        target.write_text(content)
    done = _cli(str(target))
    assert done.returncode == code
    output = done.stdout + done.stderr
    assert fragment in output
    assert "Traceback" not in output


def test_missing_file_is_a_usage_error(tmp_path):
    done = _cli(str(tmp_path / "nothing.json"))
    assert done.returncode == 2 and "cannot read" in done.stderr and "Traceback" not in done.stderr
