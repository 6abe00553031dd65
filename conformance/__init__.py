"""Conformance suite for Xendit's Payment Sessions cancel endpoint, with a reference emulator."""

__version__ = "0.1.0"
