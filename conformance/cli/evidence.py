"""``conformance verify-evidence``: check an evidence bundle written by ``conformance run --evidence``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from conformance.evidence.signing import EvidenceError, load_public_key
from conformance.exitcodes import ExitCode


def _describe(manifest: dict) -> list[str]:
    run, spec, suite = manifest["run"], manifest["spec"], manifest["suite"]
    return [f"suite {suite.get('name')} {suite.get('version')} · created {manifest.get('created')}",
            f"verdict {manifest.get('verdict')}{'' if manifest.get('complete') else ' (incomplete run)'} · "
            f"target {run.get('target')}{' (bundled emulator)' if run.get('embedded') else ''} · "
            f"profile {run.get('profile')} · seed {run.get('seed')} · {run.get('requests')} requests",
            f"spec {spec.get('document')}{' (the bundled contract)' if spec.get('bundled') else ''}: "
            f"sha256 {spec.get('published_sha256')} as published, {spec.get('repaired_sha256')} after "
            f"{spec.get('repairs')} repairs",
            f"{len(manifest['files'])} files with SHA-256 in the manifest"]


@click.command("verify-evidence")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", type=click.Path(dir_okay=False, path_type=Path),
              help="Require a signature by this Ed25519 public key (PEM), e.g. the vendor's published one.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def verify_evidence_command(path: Path, public_key: Path | None, as_json: bool) -> None:
    """Verify an evidence bundle written by `conformance run --evidence`: every file against the manifest's SHA-256,
    no file added or missing, the signature (if signed; with --public-key, it must be that key's), the spec stage
    re-run on the enclosed document to confirm its hashes as published and after repair, and the reports
    consistent with the manifest.

    Exit: the verdict of the run the bundle records, once verified — 0 CONFORMANT, 1 NON-CONFORMANT, 4
    INCOMPLETE; 1 when the bundle does not verify; 2 usage error (unreadable --public-key).
    """
    from conformance.evidence.verify import verify_evidence

    try:
        expected = load_public_key(public_key) if public_key else None
    except EvidenceError as error:
        raise click.BadParameter(str(error), param_hint="--public-key") from None
    result = verify_evidence(path, expected)
    if as_json:
        click.echo(json.dumps({"path": str(path), "verified": result.ok, "signer": result.signer,
                               "problems": result.problems, "manifest": result.manifest}, indent=2))
    else:
        click.echo(f"evidence: {path}")
        for line in _describe(result.manifest) if result.manifest else []:
            click.echo(f"  {line}")
        if result.manifest:
            click.echo(f"  signed by the Ed25519 key with fingerprint {result.signer}" if result.signer else
                       "  signature: does not verify" if result.manifest.get("signature") else "  not signed")
        if result.ok:
            manifest = result.manifest or {}  # a verified bundle has one
            click.echo("VERIFIED: every file matches the manifest and the spec stage confirms both hashes")
            verdict = str(manifest.get("verdict", "")).upper()
            click.echo(f"the run it records is {verdict}" + "".join(
                f"\n  - {reason}" for reason in manifest.get("reasons") or []))
        else:
            click.echo(f"FAILED: {len(result.problems)} problem(s)")
            for problem in result.problems:
                click.echo(f"  - {problem}")
    verdicts = {"conformant": ExitCode.OK, "incomplete": ExitCode.INCOMPLETE}
    recorded = (result.manifest or {}).get("verdict")
    sys.exit(verdicts.get(str(recorded), ExitCode.FAILED) if result.ok else ExitCode.FAILED)
