"""Verify an evidence bundle from the zip alone: every file against the manifest's SHA-256, nothing added, the
signature (when signed; against an expected public key when one is given), the spec stage re-run on the enclosed
document to confirm both of its hashes, and the reports consistent with the manifest."""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from conformance import __version__
from conformance.evidence.bundle import FORMAT, MANIFEST, PUBLIC_KEY, REPORTS, SIGNATURE, sha256
from conformance.evidence.signing import EvidenceError, fingerprint, parse_public_key, signature_valid
from conformance.spec.load import InputError
from conformance.spec.stage import bundled_path, run_stage

MAX_ENTRY_BYTES = 512 * 1024 * 1024  # a bundle is reports and a transcript; anything larger is not one
SECTIONS = ("suite", "run", "spec", "files")  # the manifest's objects that verification reads


@dataclass
class Verification:
    manifest: dict | None = None
    signer: str | None = None  # fingerprint of the key that signed the manifest, if signed and valid
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _entries(archive: zipfile.ZipFile, problems: list[str]) -> dict[str, bytes]:
    entries: dict[str, bytes] = {}
    for info in archive.infolist():
        if info.filename in entries:
            problems.append(f"{info.filename}: appears twice in the zip")
        elif info.file_size > MAX_ENTRY_BYTES:
            problems.append(f"{info.filename}: {info.file_size} bytes, too large for evidence")
        else:
            try:
                entries[info.filename] = archive.read(info)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
                problems.append(f"{info.filename}: unreadable ({error})")
    return entries


def _manifest(entries: dict[str, bytes]) -> dict | str:
    """The manifest, or why there is none usable."""
    if MANIFEST not in entries:
        return f"no {MANIFEST} in the zip"
    try:
        manifest = json.loads(entries[MANIFEST])
    except ValueError:
        return f"{MANIFEST}: not JSON"
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return f"{MANIFEST}: not an evidence manifest of format {FORMAT}"
    malformed = [name for name in SECTIONS if not isinstance(manifest.get(name), dict)]
    if malformed:
        return f"{MANIFEST}: missing or malformed: {', '.join(malformed)}"
    return manifest


def _files(manifest: dict, entries: dict[str, bytes]) -> list[str]:
    listed = manifest["files"]
    problems = []
    for name, expected in listed.items():
        if name not in entries:
            problems.append(f"{name}: listed in the manifest, missing from the zip")
        elif not isinstance(expected, dict) or sha256(entries[name]) != expected.get("sha256"):
            problems.append(f"{name}: SHA-256 differs from the manifest (the file was modified)")
    problems += [f"{name}: in the zip but not in the manifest (added)"
                 for name in sorted(set(entries) - set(listed) - {MANIFEST, SIGNATURE})]
    return problems


def _signature(manifest: dict, entries: dict[str, bytes], expected: Ed25519PublicKey | None,
               result: Verification) -> None:
    if not manifest.get("signature"):
        if SIGNATURE in entries:
            result.problems.append(f"{SIGNATURE} present but the manifest names no signing key")
        if expected is not None:
            result.problems.append("the bundle is not signed, and a signature by the expected key was required")
        return
    try:
        key = parse_public_key(entries.get(PUBLIC_KEY, b""), f"{PUBLIC_KEY} in the bundle")
        signature = base64.b64decode(entries.get(SIGNATURE, b"").strip(), validate=True)
    except EvidenceError as error:
        result.problems.append(str(error))
        return
    except binascii.Error:
        result.problems.append(f"{SIGNATURE}: not base64")
        return
    if expected is not None and fingerprint(key) != fingerprint(expected):
        result.problems.append(f"signed by another key (fingerprint {fingerprint(key)}), not by the expected "
                               f"one ({fingerprint(expected)})")
    elif not signature_valid(key, signature, entries[MANIFEST]):
        result.problems.append(f"the signature does not verify: {MANIFEST} was modified after signing")
    else:
        result.signer = fingerprint(key)


def _spec(manifest: dict, entries: dict[str, bytes]) -> list[str]:
    """Re-run the spec stage on the enclosed document: both hashes must be the manifest's."""
    spec, made_by = manifest["spec"], manifest["suite"].get("version")
    name = spec.get("document")
    if not isinstance(name, str) or name not in entries:
        return ["the spec document is missing from the bundle"]
    base = PurePosixPath(name).name  # its own name: the loader reads the format from it
    if base in {"", ".", ".."}:
        return [f"{name}: not a file name"]
    with tempfile.TemporaryDirectory() as directory:
        copy = Path(directory) / base
        copy.write_bytes(entries[name])
        try:
            stage = run_stage(copy)
        except InputError as error:
            return [f"{name}: the spec stage cannot read it: {error}"]
    problems = []
    if stage.published_sha256 != spec.get("published_sha256"):
        problems.append(f"{name}: SHA-256 as published is {stage.published_sha256}, the manifest says "
                        f"{spec.get('published_sha256')}")
    if stage.repaired_sha256 != spec.get("repaired_sha256"):
        other = f" (the bundle was made by suite {made_by}, this is {__version__})" if made_by != __version__ else ""
        problems.append(f"{name}: the spec stage gives repaired SHA-256 {stage.repaired_sha256}, the manifest "
                        f"says {spec.get('repaired_sha256')}{other}")
    if spec.get("bundled") and made_by == __version__ \
            and sha256(bundled_path("cancel").read_bytes()) != stage.published_sha256:
        problems.append(f"{name}: said to be the suite's bundled contract, but differs from it")
    return problems


def _report_json(manifest: dict, data: bytes) -> list[str]:
    run = manifest["run"]
    expected = {"target": run.get("target"), "profile": run.get("profile"), "seed": run.get("seed"),
                "verdict": manifest.get("verdict"), "published_sha256": manifest["spec"].get("published_sha256")}
    try:
        report = json.loads(data)
        seen = {"target": report["run"]["target"], "profile": report["run"]["profile"], "seed": report["run"]["seed"],
                "verdict": report["verdict"], "published_sha256": report["spec"]["published_sha256"]}
    except (ValueError, KeyError, TypeError):
        return ["reports/report.json: not a report of this suite"]
    return [f"reports/report.json: {key} is {seen[key]!r}, the manifest says {expected[key]!r}"
            for key in expected if seen[key] != expected[key]]


def _junit(manifest: dict, data: bytes) -> list[str]:
    run = manifest["run"]
    expected = {"target": run.get("target"), "profile": run.get("profile"), "seed": str(run.get("seed"))}
    try:  # expat: no external entity is fetched, whatever the file says
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return ["reports/junit.xml: not XML"]
    problems = []
    for suite in root.iter("testsuite"):
        properties = {prop.get("name"): prop.get("value") for prop in suite.findall("properties/property")}
        problems += [f"reports/junit.xml: testsuite {suite.get('name')} says {key} {properties[key]!r}, the "
                     f"manifest says {expected[key]!r}" for key in expected
                     if key in properties and properties[key] != expected[key]]
    return problems


def verify_evidence(path: Path, expected_key: Ed25519PublicKey | None = None) -> Verification:
    """Check a bundle; ``Verification.problems`` lists everything wrong (empty: verified)."""
    result = Verification()
    try:
        with zipfile.ZipFile(path) as archive:
            entries = _entries(archive, result.problems)
    except (zipfile.BadZipFile, OSError) as error:
        result.problems.append(f"{path}: not a readable zip archive ({error})")
        return result
    manifest = _manifest(entries)
    if isinstance(manifest, str):  # why there is none usable
        result.problems.append(manifest)
        return result
    result.manifest = manifest
    _signature(result.manifest, entries, expected_key, result)
    result.problems += _files(result.manifest, entries) + _spec(result.manifest, entries)
    for name, check in ((REPORTS["json"], _report_json), (REPORTS["junit"], _junit)):
        if name in entries:
            result.problems += check(result.manifest, entries[name])
    return result
