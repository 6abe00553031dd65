"""The target: real HTTP exchanges with the implementation under test."""

from conformance.target.client import Target, TargetUnreachable
from conformance.target.exchange import Exchange, Intent, Request, Response

__all__ = ["Exchange", "Intent", "Request", "Response", "Target", "TargetUnreachable"]
