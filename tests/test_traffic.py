"""The traffic the suite sends: each request named by its endpoint."""

from __future__ import annotations

import pytest

from conformance.target.endpoints import CANCEL, CREATE, GET, OTHER, endpoint_of
from conformance.target.exchange import Request

# --- endpoints -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "endpoint"), [
    ("POST", "/sessions", CREATE), ("POST", "/sessions?x=1", CREATE),
    ("GET", "/sessions/ps-1", GET), ("GET", "/sessions/", GET), ("GET", "/sessions/a%2Fb?x", GET),
    ("POST", "/sessions/ps-1/cancel", CANCEL), ("POST", "/sessions//cancel", CANCEL),
    ("POST", "/sessions/..%2F/cancel", CANCEL),
    ("GET", "/sessions/ps-1/cancel", OTHER), ("DELETE", "/sessions/ps-1", OTHER), ("GET", "/sessions", OTHER),
    ("POST", "/sessions/ps-1", OTHER), ("POST", "/sessions/a/b/cancel", OTHER), ("post", "/sessions", OTHER),
    ("POST", "/test-control/sessions/ps-1/expire", OTHER), ("GET", "/checkout/ps-1", OTHER), ("GET", "/", OTHER),
])
def test_each_request_names_its_endpoint(method, path, endpoint):
    assert endpoint_of(method, path) == endpoint
    assert Request(method, "http://127.0.0.1:8080/xendit" + path, path=path).endpoint == endpoint  # not the prefix
