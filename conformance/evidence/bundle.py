"""Write an evidence bundle: a zip with the run's reports, every exchange redacted (request and response), the spec
document as published, and ``manifest.json`` (suite version, spec hashes as published and after repair, profile,
target, seed, verdict, outcomes, and the SHA-256 of every other file), signed with Ed25519 when a key is given."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conformance import __version__
from conformance.evidence.signing import EvidenceError, fingerprint, public_pem
from conformance.report.files import scrub
from conformance.results.model import INCOMPLETE, RunResult
from conformance.results.records import exchange_record
from conformance.spec.stage import bundled_path

FORMAT = "xendit-cancel-conformance/evidence/1"
MANIFEST, SIGNATURE, PUBLIC_KEY = "manifest.json", "manifest.sig", "signing-key.pub.pem"
EXCHANGES = "exchanges.jsonl"
REPORTS = {"junit": "reports/junit.xml", "json": "reports/report.json", "html": "reports/report.html",
           "transcript": "reports/transcript.jsonl"}  # report kind → its name in the bundle


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _exchanges(run: RunResult) -> bytes:
    """Every exchange of the run (request, response, error), redacted, one JSON object a line."""
    return scrub("".join(json.dumps(exchange_record(exchange, run.redactor)) + "\n" for exchange in run.exchanges),
                 run.redactor).encode()


def _spec(run: RunResult) -> tuple[str, bytes]:
    path = run.spec.path
    try:
        data = path.read_bytes()
    except OSError as error:
        raise EvidenceError(f"cannot read the spec document {path}: {error.strerror or error}") from None
    if sha256(data) != run.spec.published_sha256:
        raise EvidenceError(f"the spec document {path} changed during the run; its evidence would not verify")
    return f"spec/{path.name}", data


def _files(run: RunResult, reports: Mapping[str, Path], public_key: bytes | None) -> dict[str, bytes]:
    files = dict([_spec(run)])
    for kind, report in reports.items():
        try:
            files[REPORTS[kind]] = Path(report).read_bytes()
        except OSError as error:
            raise EvidenceError(f"cannot read the {kind} report {report}: {error.strerror or error}") from None
    files[EXCHANGES] = _exchanges(run)
    if public_key is not None:
        files[PUBLIC_KEY] = public_key
    for name, data in files.items():
        if run.redactor.leaks(data.decode("utf-8", "replace")):
            raise EvidenceError(f"refusing to write the evidence: {name} contains an API key")
    return files


def manifest(run: RunResult, files: dict[str, bytes], created: datetime, signer: str | None) -> dict:
    stage = run.spec
    return {
        "format": FORMAT,
        "suite": {"name": "xendit-cancel-conformance", "version": __version__},
        "created": created.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "verdict": run.verdict,
        "reasons": [run.redactor.text(reason) for reason in run.reasons],
        "complete": run.verdict != INCOMPLETE,
        "run": {"target": run.target, "embedded": run.embedded, "profile": run.profile, "seed": run.seed,
                "max_examples": run.max_examples, "checks": [result.check.id for result in run.checks],
                "fail_on_should": run.fail_on_should, "requests": run.requests, "stopped_early": run.stopped,
                "interrupted": bool(run.interrupted), "signal": run.interrupted},
        "spec": {"document": next(name for name in files if name.startswith("spec/")),
                 "bundled": stage.path.resolve() == bundled_path("cancel").resolve(),
                 "published_sha256": stage.published_sha256, "repaired_sha256": stage.repaired_sha256,
                 "repairs": len(stage.repairs)},
        "outcomes": {result.check.id: result.outcome for result in run.checks},
        "files": {name: {"sha256": sha256(data), "bytes": len(data)} for name, data in sorted(files.items())},
        "signature": {"algorithm": "Ed25519", "public_key": PUBLIC_KEY, "fingerprint": signer} if signer else None,
    }


def write_evidence(run: RunResult, reports: Mapping[str, Path], path: Path, *,
                   signing_key: Ed25519PrivateKey | None = None) -> Path:
    """Write the bundle of a finished run to `path` (atomically) and return it. `reports`: the files the run wrote,
    by kind (``junit``, ``json``, ``html``, ``transcript``). Raises EvidenceError."""
    public_key = signing_key.public_key() if signing_key else None
    files = _files(run, reports, public_pem(public_key) if public_key else None)
    created = datetime.now(UTC).replace(microsecond=0)
    document = json.dumps(manifest(run, files, created, fingerprint(public_key) if public_key else None),
                          indent=2, ensure_ascii=False).encode() + b"\n"
    entries = {MANIFEST: document, **files}
    if signing_key:
        entries[SIGNATURE] = base64.b64encode(signing_key.sign(document)) + b"\n"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in entries.items():
                info = zipfile.ZipInfo(name, created.timetuple()[:6])
                info.external_attr = 0o644 << 16  # rw-r--r-- when unzipped
                archive.writestr(info, data, zipfile.ZIP_DEFLATED)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
