"""Evidence bundles: a zip a vendor can hand over as proof of a run, and its verification.

``bundle`` writes it (the run's reports, the full redacted transcript, the spec document as published, a manifest
of SHA-256 hashes, optionally signed); ``verify`` checks it from the zip alone; ``signing`` holds the Ed25519 keys.
"""

from conformance.evidence.bundle import write_evidence
from conformance.evidence.signing import EvidenceError, load_public_key, load_signing_key
from conformance.evidence.verify import Verification, verify_evidence

__all__ = ["EvidenceError", "Verification", "load_public_key", "load_signing_key", "verify_evidence",
           "write_evidence"]
