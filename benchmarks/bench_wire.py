"""What the strict reader costs (issue 21): per exchange, and on the default run.

1. The reader: microseconds for ``Response.json`` on a fresh response as the suite now reads it (the bytes off the
   wire framed by ``read_message``, the body read by ``read_json``), for the emulator's 200 to a cancel and its 404
   to an unknown id, beside ``json.loads`` of the same body (what ``Response.json`` cost before).
2. The tap: microseconds per request to the bundled emulator (a cancel of an unknown id on a kept-alive connection),
   each response's bytes recorded, and not (http.client reading as it always did), in alternating rounds.
3. The default run: ``conformance run`` (bundled emulator, default budget) REPEAT times (bench_run's measure): wall
   time, the run's own seconds, requests; median, and the reader's share estimated from (1).

Usage: python benchmarks/bench_wire.py [REPEAT]
"""

from __future__ import annotations

import base64
import json
import statistics
import sys
import time
import timeit
from contextlib import contextmanager
from unittest import mock

from bench_run import one_run

from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from conformance.target.client import Target
from conformance.target.exchange import Exchange, Intent, Response
from conformance.target.tap import Capture

KEY = next(iter(DEFAULT_KEYS))
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()}
SESSION = {"reference_id": "bench-wire", "session_type": "PAY", "mode": "PAYMENT_LINK", "amount": 10000,
           "currency": "IDR", "country": "ID", "description": "Café"}
UNKNOWN = "/sessions/ps-000000000000000000000000/cancel"
INTENT = Intent("bench", "wire", "")
CALLS, ROUNDS, REQUESTS = 2000, 7, 500


def answers(target: Target) -> dict[str, Exchange]:
    """A 200 to a cancel and a 404 to an unknown id, as the emulator sends them."""
    created = target.send(INTENT, "POST", "/sessions", {**AUTH, "Content-Type": "application/json"},
                          json.dumps(SESSION).encode()).response.json
    return {"200 (cancel)": target.send(INTENT, "POST", f"/sessions/{created['payment_session_id']}/cancel", AUTH),
            "404 (unknown id)": target.send(INTENT, "POST", UNKNOWN, AUTH)}


def microseconds(function) -> float:
    """The median of ROUNDS rounds of CALLS calls, per call."""
    return statistics.median(timeit.repeat(function, number=CALLS, repeat=ROUNDS)) / CALLS * 1e6


def reader(exchange: Exchange) -> tuple[float, float]:
    """(µs for Response.json read strictly from the wire, µs for json.loads of the body)."""
    sent = exchange.response
    strict = microseconds(lambda: Response(sent.status, sent.headers, sent.body, 0.0, wire=sent.wire).json)
    return strict, microseconds(lambda: json.loads(sent.body))


@contextmanager
def untapped(limit: int):
    """A capture no response records into: http.client reads as it did before the tap."""
    yield Capture(limit)


def per_request(target: Target) -> float:
    started = time.perf_counter()
    for _ in range(REQUESTS):
        target.send(INTENT, "POST", UNKNOWN, AUTH)
    return (time.perf_counter() - started) / REQUESTS * 1e6


def tap(target: Target) -> tuple[float, float]:
    """(µs per request with each response's bytes recorded, without), the median of alternating rounds."""
    tapped, plain = [], []
    for _ in range(ROUNDS):
        tapped.append(per_request(target))
        with mock.patch("conformance.target.client.capturing", untapped):
            plain.append(per_request(target))
    return statistics.median(tapped), statistics.median(plain)


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with running(EmulatorConfig(api_keys=DEFAULT_KEYS)) as base_url:
        target = Target(base_url)
        costs = {name: reader(exchange) for name, exchange in answers(target).items()}
        tapped, plain = tap(target)
    print(f"the strict reader, per exchange (median of {ROUNDS} rounds of {CALLS} calls)")
    for name, (strict, before) in costs.items():
        print(f"  {name:<17} Response.json strict {strict:6.1f} µs   json.loads alone {before:5.1f} µs   "
              f"(+{strict - before:.1f} µs)")
    print(f"the tap, per request to the bundled emulator (median of {ROUNDS} rounds of {REQUESTS}): "
          f"{tapped:.0f} µs recorded, {plain:.0f} µs not (+{tapped - plain:.0f} µs)")
    runs = [one_run([]) for _ in range(repeat)]
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    extra = max(strict - before for strict, before in costs.values()) + max(tapped - plain, 0)
    walls = ", ".join(f"{run['wall']:.2f}" for run in runs)
    print(f"conformance run (bundled emulator, default budget), {repeat} runs: wall {walls} s; median wall "
          f"{median['wall']:.2f} s, run {median['run']:.2f} s, {median['requests']:.0f} requests; the reader and "
          f"the tap at most {extra * median['requests'] / 1e6:.2f} s of it")


if __name__ == "__main__":
    main()
