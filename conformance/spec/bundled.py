"""The vendor documents bundled with the suite (``spec/``, or ``_spec`` inside an installed wheel)."""

from __future__ import annotations

from pathlib import Path

BUNDLED = {
    "cancel": "cancel-session.seed.json",
    "cancel-later": "cancel-session.json",
    "create": "create-session.json",
    "get": "get-session.json",
}


def spec_dir() -> Path:
    """The bundled vendor documents: inside an installed wheel, or the repository's ``spec/``."""
    packaged = Path(__file__).resolve().parent.parent / "_spec"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "spec"


def bundled_path(name: str) -> Path:
    """Path of a bundled document by short name (``cancel``, ``create``, ``get``, ``cancel-later``)."""
    return spec_dir() / BUNDLED[name]
