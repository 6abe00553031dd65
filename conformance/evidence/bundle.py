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
from conformance.report.json_report import exchange_record
from conformance.spec.stage import bundled_path
from conformance.suite.context import RunContext

FORMAT = "xendit-cancel-conformance/evidence/1"
MANIFEST, SIGNATURE, PUBLIC_KEY = "manifest.json", "manifest.sig", "signing-key.pub.pem"
EXCHANGES = "exchanges.jsonl"
REPORTS = {"junit": "reports/junit.xml", "json": "reports/report.json", "html": "reports/report.html",
           "transcript": "reports/transcript.jsonl"}  # report kind → its name in the bundle


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _exchanges(context: RunContext) -> bytes:
    """Every exchange of the run (request, response, error), redacted, one JSON object a line."""
    return context.redactor.scrub("".join(json.dumps(exchange_record(exchange, context.redactor), ensure_ascii=False)
                                          + "\n" for exchange in context.recorder.exchanges)).encode()


def _spec(context: RunContext) -> tuple[str, bytes]:
    path = context.stage.path
    try:
        data = path.read_bytes()
    except OSError as error:
        raise EvidenceError(f"cannot read the spec document {path}: {error.strerror or error}") from None
    if sha256(data) != context.stage.published_sha256:
        raise EvidenceError(f"the spec document {path} changed during the run; its evidence would not verify")
    return f"spec/{path.name}", data


def _files(context: RunContext, reports: Mapping[str, Path], public_key: bytes | None) -> dict[str, bytes]:
    files = dict([_spec(context)])
    for kind, report in reports.items():
        try:
            files[REPORTS[kind]] = Path(report).read_bytes()
        except OSError as error:
            raise EvidenceError(f"cannot read the {kind} report {report}: {error.strerror or error}") from None
    files[EXCHANGES] = _exchanges(context)
    if public_key is not None:
        files[PUBLIC_KEY] = public_key
    for name, data in files.items():
        if context.redactor.leaks(data.decode("utf-8", "replace")):
            raise EvidenceError(f"refusing to write the evidence: {name} contains an API key")
    return files


def manifest(context: RunContext, verdict: str, files: dict[str, bytes], created: datetime,
             signer: str | None) -> dict:
    config, stage, traffic = context.config, context.stage, context.target.traffic
    outcomes = context.final_outcomes()
    return {
        "format": FORMAT,
        "suite": {"name": "xendit-cancel-conformance", "version": __version__},
        "created": created.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "verdict": verdict,
        "complete": not traffic.stopped and all(check.id in context.outcomes for check in context.checks),
        "run": {"target": context.redactor.text(context.target.base_url), "embedded": config.embedded,
                "profile": config.profile, "seed": config.seed, "max_examples": config.max_examples,
                "checks": [check.id for check in context.checks], "fail_on_should": config.fail_on_should,
                "requests": traffic.sent, "stopped_early": traffic.stopped},
        "spec": {"document": next(name for name in files if name.startswith("spec/")),
                 "bundled": stage.path.resolve() == bundled_path("cancel").resolve(),
                 "published_sha256": stage.published_sha256, "repaired_sha256": stage.repaired_sha256,
                 "repairs": len(stage.repairs)},
        "outcomes": {outcome.check.id: outcome.state for outcome in outcomes},
        "files": {name: {"sha256": sha256(data), "bytes": len(data)} for name, data in sorted(files.items())},
        "signature": {"algorithm": "Ed25519", "public_key": PUBLIC_KEY, "fingerprint": signer} if signer else None,
    }


def write_evidence(context: RunContext, reports: Mapping[str, Path], path: Path, *, verdict: str,
                   signing_key: Ed25519PrivateKey | None = None) -> Path:
    """Write the bundle of a finished run to `path` (atomically) and return it. `reports`: the files the run wrote,
    by kind (``junit``, ``json``, ``html``, ``transcript``); `verdict`: the run's. Raises EvidenceError."""
    public_key = signing_key.public_key() if signing_key else None
    files = _files(context, reports, public_pem(public_key) if public_key else None)
    created = datetime.now(UTC).replace(microsecond=0)
    document = json.dumps(manifest(context, verdict, files, created, fingerprint(public_key) if public_key
                                   else None), indent=2, ensure_ascii=False).encode() + b"\n"
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
