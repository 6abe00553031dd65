"""What the strict reader costs (issue 21): per exchange, and on the default run.

1. The reader: microseconds for ``Response.json`` on a fresh response as the suite now reads it (the bytes off the
   wire framed by ``read_message``, the body read by ``read_json``), for the emulator's 200 to a cancel and its 404
   to an unknown id, beside ``json.loads`` of the same body (what ``Response.json`` cost before).
2. The tap: microseconds for http.client to read the same answers off a socket, each byte also recorded (and
   what waits after the answer peeked at), and not: the recording's own cost, without a server's scheduling in it.
3. The default run: ``conformance run`` (bundled emulator, default budget) REPEAT times (bench_run's measure): wall
   time, the run's own seconds, requests; median, and the share of (1) and (2) in it.

Usage: python benchmarks/bench_wire.py [REPEAT]
"""

from __future__ import annotations

import base64
import json
import socket
import statistics
import sys
import timeit
from contextlib import nullcontext

from bench_run import one_run

from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from conformance.target.client import MAX_WIRE, Target
from conformance.target.exchange import Exchange, Intent, Response
from conformance.target.tap import TappedResponse, capturing

KEY = next(iter(DEFAULT_KEYS))
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()}
SESSION = {"reference_id": "bench-wire", "session_type": "PAY", "mode": "PAYMENT_LINK", "amount": 10000,
           "currency": "IDR", "country": "ID", "description": "Café"}
UNKNOWN = "/sessions/ps-000000000000000000000000/cancel"
INTENT = Intent("bench", "wire", "")
CALLS, ROUNDS = 2000, 7


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


def tap(exchange: Exchange) -> tuple[float, float]:
    """(µs for http.client to read the answer's bytes off a socket through the tee, µs without it)."""
    data = exchange.response.wire.data
    ours, theirs = socket.socketpair()

    def read(recorded: bool) -> None:
        theirs.sendall(data)
        with capturing(MAX_WIRE) if recorded else nullcontext() as capture:
            response = TappedResponse(ours, method="POST")
            response.begin()
            response.read()
            if capture is not None:
                capture.wire("POST", None)

    try:
        return microseconds(lambda: read(True)), microseconds(lambda: read(False))
    finally:
        ours.close()
        theirs.close()


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with running(EmulatorConfig(api_keys=DEFAULT_KEYS)) as base_url:
        sent = answers(Target(base_url))
    costs = {name: (*reader(exchange), *tap(exchange)) for name, exchange in sent.items()}
    print(f"per exchange, µs (median of {ROUNDS} rounds of {CALLS} calls)")
    for name, (strict, before, tapped, plain) in costs.items():
        print(f"  {name:<17} Response.json strict {strict:5.1f}, json.loads alone {before:4.1f} "
              f"(+{strict - before:.1f}); http.client reading it recorded {tapped:5.1f}, not {plain:5.1f} "
              f"(+{tapped - plain:.1f})")
    runs = [one_run([]) for _ in range(repeat)]
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    extra = max(strict - before + tapped - plain for strict, before, tapped, plain in costs.values())
    walls = ", ".join(f"{run['wall']:.2f}" for run in runs)
    print(f"conformance run (bundled emulator, default budget), {repeat} runs: wall {walls} s; median wall "
          f"{median['wall']:.2f} s, run {median['run']:.2f} s, {median['requests']:.0f} requests; the reader and "
          f"the tap at most {extra * median['requests'] / 1e6:.2f} s of it")


if __name__ == "__main__":
    main()
