"""Ed25519 keys for signing an evidence manifest (PEM files, as ``openssl genpkey -algorithm ed25519`` writes them).

The passphrase of an encrypted private key is read from ``$CONFORMANCE_SIGNING_KEY_PASSPHRASE``; key material never
appears in a message.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

PASSPHRASE_VARIABLE = "CONFORMANCE_SIGNING_KEY_PASSPHRASE"
GENERATE_HINT = "openssl genpkey -algorithm ed25519 -out signing-key.pem"


class EvidenceError(Exception):
    """An evidence bundle cannot be written, or a key cannot be used; the message says why."""


def _read(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise EvidenceError(f"{path}: cannot read the {what}: {error.strerror or error}") from None


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in a PEM file (encrypted: passphrase from $CONFORMANCE_SIGNING_KEY_PASSPHRASE)."""
    data = _read(path, "signing key")
    passphrase = os.environ.get(PASSPHRASE_VARIABLE) or None
    try:
        key = load_pem_private_key(data, passphrase.encode() if passphrase else None)
    except TypeError:  # encrypted and no passphrase given, or a passphrase for a key that is not encrypted
        state = "encrypted: set" if passphrase is None else "not encrypted: unset"
        raise EvidenceError(f"{path}: the signing key is {state} ${PASSPHRASE_VARIABLE}") from None
    except ValueError:
        raise EvidenceError(f"{path}: not a PEM private key, or a wrong passphrase (create one with: "
                            f"{GENERATE_HINT})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise EvidenceError(f"{path}: the signing key must be Ed25519 (create one with: {GENERATE_HINT})")
    return key


def parse_public_key(data: bytes, origin: str) -> Ed25519PublicKey:
    try:
        key = load_pem_public_key(data)
    except ValueError:
        raise EvidenceError(f"{origin}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise EvidenceError(f"{origin}: not an Ed25519 public key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    return parse_public_key(_read(path, "public key"), str(path))


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, in hex: what a vendor publishes so others can check who signed."""
    return hashlib.sha256(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()


def signature_valid(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
