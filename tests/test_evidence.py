"""Evidence bundles: what a bundle holds, that it verifies from the zip alone, and that tampering with any part of
it (a file, the manifest, the signature, the spec document) fails verification."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, NoEncryption, PrivateFormat

from conformance import __version__
from conformance.cli import main
from conformance.compare.collect import collect
from conformance.config import RunConfig
from conformance.emulator import DEFAULT_KEYS
from conformance.evidence import EvidenceError, load_signing_key, verify_evidence, write_evidence
from conformance.evidence.signing import PASSPHRASE_VARIABLE, fingerprint, public_pem
from conformance.run import write_reports
from tests.cli import EMULATOR_EXPIRY_LAG, QUICK, conformance, invoke

KEY_A, KEY_B = DEFAULT_KEYS
SPEC = "spec/cancel-session.seed.json"
SIGNER = Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A finished run against the bundled emulator, its reports written as `conformance run` writes them."""
    out = tmp_path_factory.mktemp("run")
    config = RunConfig(seed=3, max_examples=5, max_steps=30, expiry_lag=EMULATOR_EXPIRY_LAG,
                       junit_xml=out / "junit.xml", json_report=out / "report.json", html_report=out / "report.html",
                       transcript=out / "transcript.jsonl")
    result, _ = collect(config)
    write_reports(result, config)
    reports = {"junit": config.junit_xml, "json": config.json_report, "html": config.html_report,
               "transcript": config.transcript}
    return result, reports, result.verdict, out


@pytest.fixture(scope="module")
def signed(run):
    result, reports, _, out = run
    return write_evidence(result, reports, out / "signed.zip", signing_key=SIGNER)


@pytest.fixture(scope="module")
def unsigned(run):
    result, reports, _, out = run
    return write_evidence(result, reports, out / "unsigned.zip")


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def tampered(source: Path, target: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    files = entries(source)
    change(files)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return target


def edit_manifest(files: dict[str, bytes], edit: Callable[[dict], None]) -> None:
    manifest = json.loads(files["manifest.json"])
    edit(manifest)
    files["manifest.json"] = json.dumps(manifest, indent=2).encode()


def test_a_bundle_holds_the_run_and_verifies(run, signed):
    result, _, verdict, _ = run
    files = entries(signed)
    assert set(files) == {"manifest.json", "manifest.sig", "signing-key.pub.pem", SPEC, "exchanges.jsonl",
                          "reports/junit.xml", "reports/report.json", "reports/report.html",
                          "reports/transcript.jsonl"}
    manifest = json.loads(files["manifest.json"])
    assert manifest["suite"]["version"] == __version__ and manifest["verdict"] == verdict == "conformant"
    assert manifest["spec"]["published_sha256"] == result.spec.published_sha256
    assert manifest["spec"]["repaired_sha256"] == result.spec.repaired_sha256 and manifest["spec"]["bundled"]
    assert (manifest["run"]["profile"], manifest["run"]["seed"]) == ("strict", 3)
    assert manifest["run"]["target"] == result.target and manifest["complete"] and manifest["reasons"] == []
    assert set(manifest["files"]) == set(files) - {"manifest.json", "manifest.sig"}
    assert all(hashlib.sha256(files[name]).hexdigest() == item["sha256"] for name, item in manifest["files"].items())
    exchanges = [json.loads(line) for line in files["exchanges.jsonl"].decode().splitlines()]
    assert len(exchanges) == len(result.exchanges)
    assert any(record["response"] and record["response"]["body"] for record in exchanges)
    for data in files.values():
        assert KEY_A.encode() not in data and KEY_B.encode() not in data
    result = verify_evidence(signed, SIGNER.public_key())
    assert result.problems == [] and result.signer == fingerprint(SIGNER.public_key())


def _flip_a_byte(name: str) -> Callable[[dict[str, bytes]], None]:
    def change(files: dict[str, bytes]) -> None:
        data = bytearray(files[name])
        data[len(data) // 2] ^= 0x01
        files[name] = bytes(data)
    return change


def _edit_report(files: dict[str, bytes]) -> None:
    """A change to report.json that keeps it valid JSON and consistent with the manifest (the same bytes wherever
    the checkout lives): only its hash can tell."""
    report = json.loads(files["reports/report.json"])
    report["checks"][0]["description"] += " (edited)"
    files["reports/report.json"] = json.dumps(report, indent=2).encode()


@pytest.mark.parametrize("name", ["reports/junit.xml", "reports/report.html", "exchanges.jsonl", SPEC])
def test_tampering_with_any_file_fails_verification(signed, unsigned, tmp_path, name):
    for bundle in (signed, unsigned):
        problems = verify_evidence(tampered(bundle, tmp_path / bundle.name, _flip_a_byte(name))).problems
        assert f"{name}: SHA-256 differs from the manifest (the file was modified)" in problems


def test_a_modified_spec_document_fails_the_spec_stage_rerun(unsigned, tmp_path):
    def change(files):
        document = json.loads(files[SPEC])
        document["info"]["title"] = "something else"
        files[SPEC] = json.dumps(document).encode()
    problems = verify_evidence(tampered(unsigned, tmp_path / "spec.zip", change)).problems
    assert any(problem.startswith(f"{SPEC}: SHA-256 as published is") for problem in problems)
    assert any(problem.startswith(f"{SPEC}: the spec stage gives repaired SHA-256") for problem in problems)


def test_a_manifest_rewritten_to_match_a_tampered_file_fails_the_signature(signed, unsigned, tmp_path):
    def forge(files):
        files["reports/junit.xml"] += b"<!-- every check passed, honestly -->\n"
        edit_manifest(files, lambda manifest: manifest["files"]["reports/junit.xml"].update(
            sha256=hashlib.sha256(files["reports/junit.xml"]).hexdigest()))
    assert verify_evidence(tampered(signed, tmp_path / "s.zip", forge)).problems == [
        "the signature does not verify: manifest.json was modified after signing"]
    forged_unsigned = tampered(unsigned, tmp_path / "u.zip", forge)
    assert verify_evidence(forged_unsigned).problems == []  # why a verifier should ask for the vendor's key:
    assert verify_evidence(forged_unsigned, SIGNER.public_key()).problems == [
        "the bundle is not signed, and a signature by the expected key was required"]


def test_a_signature_by_another_key_is_refused(signed):
    other = Ed25519PrivateKey.generate().public_key()
    [problem] = verify_evidence(signed, other).problems
    assert problem.startswith("signed by another key") and fingerprint(other) in problem


def test_a_replaced_public_key_fails(signed, tmp_path):
    def change(files):
        files["signing-key.pub.pem"] = public_pem(Ed25519PrivateKey.generate().public_key())
    problems = verify_evidence(tampered(signed, tmp_path / "k.zip", change)).problems
    assert "signing-key.pub.pem: SHA-256 differs from the manifest (the file was modified)" in problems
    assert "the signature does not verify: manifest.json was modified after signing" in problems


def test_added_and_removed_files_fail(unsigned, tmp_path):
    def change(files):
        files["reports/extra.txt"] = b"trust me"
        del files["exchanges.jsonl"]
    problems = verify_evidence(tampered(unsigned, tmp_path / "a.zip", change)).problems
    assert problems == ["exchanges.jsonl: listed in the manifest, missing from the zip",
                        "reports/extra.txt: in the zip but not in the manifest (added)"]


def test_manifest_claims_are_checked_against_the_reports(unsigned, tmp_path):
    def change(files):
        edit_manifest(files, lambda manifest: manifest["run"].update(seed=99))
    problems = verify_evidence(tampered(unsigned, tmp_path / "m.zip", change)).problems
    assert "reports/report.json: seed is 3, the manifest says 99" in problems
    assert "reports/junit.xml: testsuite spec says seed '3', the manifest says '99'" in problems


@pytest.mark.parametrize(("content", "problem"), [
    (b"not a zip", "not a readable zip archive"), (None, "no manifest.json in the zip")])
def test_what_is_not_a_bundle_fails(tmp_path, content, problem):
    path = tmp_path / "e.zip"
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "hello")
    else:
        path.write_bytes(content)
    [found] = verify_evidence(path).problems
    assert problem in found


def test_a_report_with_a_key_in_it_is_never_bundled(run, tmp_path):
    result, reports, _, _ = run
    leaky = tmp_path / "junit.xml"
    leaky.write_text(f"<testsuites><!-- {KEY_A} --></testsuites>")
    with pytest.raises(EvidenceError, match="reports/junit.xml contains an API key"):
        write_evidence(result, {**reports, "junit": leaky}, tmp_path / "e.zip")
    assert not (tmp_path / "e.zip").exists()


def _pem(key, encryption=None) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption or NoEncryption())


def test_signing_keys(tmp_path, monkeypatch):
    monkeypatch.delenv(PASSPHRASE_VARIABLE, raising=False)
    plain, encrypted = tmp_path / "plain.pem", tmp_path / "encrypted.pem"
    plain.write_bytes(_pem(SIGNER))
    encrypted.write_bytes(_pem(SIGNER, BestAvailableEncryption(b"open sesame")))
    assert fingerprint(load_signing_key(plain).public_key()) == fingerprint(SIGNER.public_key())
    with pytest.raises(EvidenceError, match=f"is encrypted: set \\${PASSPHRASE_VARIABLE}"):
        load_signing_key(encrypted)
    monkeypatch.setenv(PASSPHRASE_VARIABLE, "open sesame")
    assert fingerprint(load_signing_key(encrypted).public_key()) == fingerprint(SIGNER.public_key())
    monkeypatch.delenv(PASSPHRASE_VARIABLE)
    rsa_key = tmp_path / "rsa.pem"
    rsa_key.write_bytes(_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    for path, message in [(rsa_key, "must be Ed25519"), (tmp_path / "missing.pem", "cannot read the signing key")]:
        with pytest.raises(EvidenceError, match=message):
            load_signing_key(path)
    (tmp_path / "garbage.pem").write_text("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
    with pytest.raises(EvidenceError, match="not a PEM private key") as raised:
        load_signing_key(tmp_path / "garbage.pem")
    assert "nope" not in str(raised.value)


def test_verify_command(signed, tmp_path):
    public = tmp_path / "vendor.pub.pem"
    public.write_bytes(public_pem(SIGNER.public_key()))
    done = invoke("verify-evidence", str(signed), "--public-key", str(public))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VERIFIED" in done.stdout and fingerprint(SIGNER.public_key()) in done.stdout
    broken = tampered(signed, tmp_path / "broken.zip", _edit_report)
    failed = CliRunner().invoke(main, ["verify-evidence", str(broken)])
    assert failed.exit_code == 1 and "FAILED: 1 problem(s)" in failed.stdout
    assert "reports/report.json: SHA-256 differs" in failed.stdout
    as_json = json.loads(CliRunner().invoke(main, ["verify-evidence", str(broken), "--json"]).stdout)
    assert not as_json["verified"] and as_json["manifest"]["run"]["seed"] == 3
    (tmp_path / "bad.pem").write_text("nope")
    usage = CliRunner().invoke(main, ["verify-evidence", str(signed), "--public-key", str(tmp_path / "bad.pem")])
    assert usage.exit_code == 2 and "not a PEM public key" in usage.stderr


def test_conformance_run_writes_a_signed_bundle_that_verifies(tmp_path):
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(SIGNER.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    public = tmp_path / "signer.pub.pem"
    public.write_bytes(public_pem(SIGNER.public_key()))
    bundle = tmp_path / "evidence.zip"
    done = conformance("run", *QUICK, "--evidence", str(bundle), "--signing-key", str(key_file),
                       "--junit-xml", str(tmp_path / "j.xml"), "--json-report", str(tmp_path / "r.json"),
                       "--html-report", str(tmp_path / "r.html"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"evidence: {bundle}" in done.stdout
    verified = invoke("verify-evidence", str(bundle), "--public-key", str(public))
    assert verified.returncode == 0, verified.stdout + verified.stderr
