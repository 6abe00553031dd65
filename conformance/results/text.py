"""A failure as text: the request, the response, what was expected, the schema path, and a curl line (pytest's
failure text, the terminal with -v, the JUnit failure bodies)."""

from __future__ import annotations

from conformance.checks.findings import Failure
from conformance.results.records import body_text
from conformance.target.exchange import Exchange
from conformance.target.redact import Redactor


def _body(data: bytes | None, redactor: Redactor) -> str:
    return body_text(data, redactor) or "(empty)"


def render_exchange(exchange: Exchange, redactor: Redactor) -> list[str]:
    request = exchange.request
    lines = [f"Input: {exchange.intent.description} [{exchange.intent.family}]",
             f"Request: {request.method} {redactor.text(request.url)}"
             + (f" {request.version}" if request.version != "HTTP/1.1" else "")]
    lines += [f"  {name}: {redactor.header(name, value)}" for name, value in request.headers.items()]
    if request.body:
        lines.append(f"  body: {_body(request.body, redactor)}")
    response = exchange.response
    if response is None:
        lines.append(f"Response: none ({redactor.text(exchange.error or 'no response')})")
    else:
        lines.append(f"Response: {response.status} ({response.elapsed * 1000:.0f} ms)")
        lines += [f"  {name}: {redactor.text(value)}" for name, value in response.headers.items()
                  if name.lower() in {"content-type", "content-length", "allow", "location", "retry-after"}]
        lines.append(f"  body: {_body(response.body, redactor)}")
    lines.append("Reproduce: " + redactor.curl(request.method, request.url, request.headers, request.body,
                                               request.version))
    return lines


def render_failure(failure: Failure, redactor: Redactor) -> str:
    violation = failure.violation
    notes = " (minimal input, shrunk)" if failure.minimal else ""
    notes += " FLAKY: a retry of the same request did not reproduce it" if failure.flaky else ""
    lines = [f"{failure.check_id}{notes}: {redactor.text(violation.message)}",
             f"Expected: {violation.expected}"]
    if violation.schema_path:
        lines.append(f"Schema path: {violation.schema_path}")
    return "\n".join(lines + render_exchange(failure.exchange, redactor))


def one_line(failure: Failure, redactor: Redactor) -> str:
    request = failure.exchange.request
    return redactor.text(f"{failure.violation.message} ({request.method} {request.path[:60]})")[:200]
