"""The bundled vendor documents are byte for byte what spec/SOURCES.md records."""

from __future__ import annotations

import hashlib
import re

from conformance.spec.stage import spec_dir


def test_vendor_documents_are_unchanged():
    sources = (spec_dir() / "SOURCES.md").read_text()
    recorded = dict(re.findall(r"\| `([\w.-]+\.json)` \|.*\| `([0-9a-f]{64})` \|", sources))
    assert len(recorded) == 4
    for name, digest in recorded.items():
        assert hashlib.sha256((spec_dir() / name).read_bytes()).hexdigest() == digest, name
