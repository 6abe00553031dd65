"""Puts the repository on ``sys.path`` (a benchmark runs as ``python benchmarks/NAME.py``), so that benchmarks use
the tests' helpers: the trial runner (``tests.trial``) and the scripted client."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
