"""Throughput and latency of the emulator's create and cancel, with Stoplight Prism's cancel mock as the yardstick.

    python benchmarks/bench_emulator.py [--requests 5000] [--clients 1,8,32] [--no-prism]

How it measures:
- Every server runs in its own process: the emulator as ``python -m conformance emulator --quiet`` (once with an
  in-memory database, once with a WAL file: the durable set-up), Prism (npm ``@stoplight/prism-cli``, installed on
  first use into ``~/.cache/conformance-bench/prism``) as ``prism mock -v error`` over the repaired cancel document.
  Both log nothing per request.
- The load generator is this process: one asyncio event loop (uvloop when installed) driving C keep-alive HTTP/1.1
  connections, each in a closed loop (send, read the whole response, send the next). Latency is the time from writing
  a request to having read its complete response; throughput is completed requests over the wall time of the phase.
  Each cell runs a warm-up, then ``--requests`` requests.
- Cancel cancels the sessions the create phase just made, each exactly once, so every emulator cancel is a real
  ACTIVE → CANCELED write answered 200. Prism is stateless and answers every cancel with its example. Any response
  other than the expected status is counted in the ``bad`` column.
- The load generator shares the machine with the server; on a small machine it takes a core of its own.
- ``srv us/req`` is the server process's CPU time (user + system, from ``/proc``; blank elsewhere) per request of the
  phase: unlike req/s and latency, it hardly moves when other work shares the machine, so it is the column to
  compare two versions by on a busy host.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from conformance.emulator import DEFAULT_KEYS
from conformance.emulator.formats import new_session_id
from conformance.spec.stage import load_repaired

KEY = next(iter(DEFAULT_KEYS))
AUTH = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
PRISM_CACHE = Path.home() / ".cache" / "conformance-bench" / "prism"
GOAL_RATIO, GOAL_P99_MS, GOAL_CLIENTS = 1.2, 20.0, 8


@dataclass
class Cell:
    target: str
    operation: str
    clients: int
    requests: int
    seconds: float
    latencies: list[float]
    bad: int
    cpu_seconds: float | None = None  # the server's CPU time over the phase

    @property
    def cpu_us(self) -> str:
        return "" if self.cpu_seconds is None else f"{self.cpu_seconds / self.requests * 1e6:.0f}"

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


# --- HTTP/1.1 over asyncio streams --------------------------------------------------------------------------------

def request(method: str, path: str, host: str, body: bytes = b"") -> bytes:
    head = (f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {AUTH}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> tuple[int, bytes]:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        body = b""
        while size := int((await reader.readline()).split(b";")[0], 16):
            body += (await reader.readexactly(size + 2))[:-2]
        await reader.readline()
        return status, body
    start = lower.index(b"content-length:") + 15
    return status, await reader.readexactly(int(lower[start:lower.index(b"\r\n", start)]))


async def drive(host: str, port: int, clients: int, requests: Iterator[bytes],
                expected: int) -> tuple[float, list[float], int, list[bytes]]:
    """Send every request over `clients` connections; (seconds, latencies, unexpected statuses, bodies)."""
    connections = [await asyncio.open_connection(host, port) for _ in range(clients)]
    latencies: list[float] = []
    bodies: list[bytes] = []
    bad = 0

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal bad
        for raw in requests:
            started = time.perf_counter()
            status, body = await exchange(reader, writer, raw)
            latencies.append(time.perf_counter() - started)
            bad += status != expected
            bodies.append(body)

    started = time.perf_counter()
    await asyncio.gather(*(client(reader, writer) for reader, writer in connections))
    seconds = time.perf_counter() - started
    for _, writer in connections:
        writer.close()
    return seconds, latencies, bad, bodies


def run(coroutine):
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


# --- servers -------------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


@contextmanager
def process(command: list[str], port: int) -> Iterator[int]:
    """Run a server; its pid while it answers."""
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_answering(port, server)
        yield server.pid
    finally:
        server.terminate()
        server.wait(10)


def emulator(db_path: str | None) -> Callable[[int], list[str]]:
    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "conformance", "emulator", "--quiet", "--port", str(port),
                *(["--db", db_path] if db_path else [])]
    return command


def prism_binary() -> tuple[Path | None, str]:
    """Prism's executable (installed into the cache on first use), or None and why not."""
    binary = PRISM_CACHE / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary, ""
    npm = shutil.which("npm")
    if not npm:
        return None, "npm is not installed"
    installed = subprocess.run([npm, "install", "--prefix", str(PRISM_CACHE), "@stoplight/prism-cli",
                                "--no-audit", "--no-fund", "--loglevel=error"], capture_output=True, text=True)
    if installed.returncode or not binary.exists():
        return None, f"npm install failed: {installed.stderr.strip()[-300:]}"
    return binary, ""


# --- the benchmark -------------------------------------------------------------------------------------------------

def create_body(index: int) -> bytes:
    return json.dumps({"reference_id": f"bench-{index}", "session_type": "PAY", "mode": "PAYMENT_LINK",
                       "amount": 10000, "currency": "IDR", "country": "ID"}).encode()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process `pid` so far (Linux); None where ``/proc`` does not tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(target: str, port: int, pid: int, clients: int, count: int, stateful: bool) -> list[Cell]:
    """Create (stateful targets only) then cancel `count` sessions over `clients` connections, after a warm-up."""
    host, warm = f"127.0.0.1:{port}", min(count, 500)

    def phase(operation: str, raws: list[bytes], expected: int) -> tuple[Cell, list[bytes]]:
        cpu_before = cpu_seconds(pid)
        seconds, latencies, bad, bodies = run(drive("127.0.0.1", port, clients, iter(raws), expected))
        cpu_after = cpu_seconds(pid)
        cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
        return Cell(target, operation, clients, len(latencies), seconds, latencies, bad, cpu), bodies

    def created(number: int) -> tuple[Cell, list[str]]:
        cell, bodies = phase("create", [request("POST", "/sessions", host, create_body(n)) for n in range(number)], 201)
        return cell, [json.loads(body)["payment_session_id"] for body in bodies]

    def cancels(ids: list[str]) -> list[bytes]:
        return [request("POST", f"/sessions/{session_id}/cancel", host) for session_id in ids]

    cells = []
    if stateful:
        warm_ids = created(warm)[1]
        cell, ids = created(count)
        cells.append(cell)
    else:
        warm_ids, ids = [new_session_id() for _ in range(warm)], [new_session_id() for _ in range(count)]
    phase("cancel", cancels(warm_ids), 200)
    cells.append(phase("cancel", cancels(ids), 200)[0])
    return cells


def bench(target: str, command: Callable[[int], list[str]], clients: list[int], count: int,
          stateful: bool) -> list[Cell]:
    port = free_port()
    with process(command(port), port) as pid:
        return [cell for level in clients for cell in measure(target, port, pid, level, count, stateful)]


def table(cells: list[Cell]) -> str:
    rows = [f"{'target':<22}{'op':<8}{'clients':>8}{'requests':>10}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'bad':>6}"
            f"{'srv us/req':>12}"]
    rows += [f"{c.target:<22}{c.operation:<8}{c.clients:>8}{c.requests:>10}{c.throughput:>10.0f}"
             f"{c.percentile(0.5):>9.2f}{c.percentile(0.99):>9.2f}{c.bad:>6}{c.cpu_us:>12}" for c in cells]
    return "\n".join(rows)


def verdict(cells: list[Cell], clients: list[int]) -> list[str]:
    by = {(c.target, c.operation, c.clients): c for c in cells}
    lines = []
    for target in ("emulator (memory)", "emulator (WAL file)"):
        for level in clients:
            ours, prism = by.get((target, "cancel", level)), by.get(("prism (stateless)", "cancel", level))
            if ours and prism:
                lines.append(f"{target} cancel at {level:>2} clients: {ours.throughput / prism.throughput:.2f}x Prism")
        ours, prism = by.get((target, "cancel", GOAL_CLIENTS)), by.get(("prism (stateless)", "cancel", GOAL_CLIENTS))
        if ours:
            ratio_ok = prism is None or ours.throughput >= GOAL_RATIO * prism.throughput
            p99_ok = ours.percentile(0.99) <= GOAL_P99_MS
            lines.append(f"goal for {target} at {GOAL_CLIENTS} clients (>= {GOAL_RATIO}x Prism, p99 <= "
                         f"{GOAL_P99_MS:g} ms): {'met' if ratio_ok and p99_ok else 'NOT met'}"
                         + ("" if prism else " (p99 only: Prism skipped)"))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="measured requests per cell")
    parser.add_argument("--clients", default="1,8,32", help="concurrency levels, comma-separated")
    parser.add_argument("--no-prism", action="store_true", help="skip the Prism yardstick")
    options = parser.parse_args()
    clients = [int(level) for level in options.clients.split(",")]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {options.requests} requests per cell",
          flush=True)
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        cells = bench("emulator (memory)", emulator(None), clients, options.requests, True)
        cells += bench("emulator (WAL file)", emulator(str(scratch / "bench.db")), clients, options.requests, True)
        binary, why = (None, "--no-prism") if options.no_prism else prism_binary()
        if binary:
            document = scratch / "cancel.json"
            document.write_text(json.dumps(load_repaired("cancel")))
            cells += bench("prism (stateless)", lambda port: [str(binary), "mock", "-h", "127.0.0.1", "-p", str(port),
                                                              "-v", "error", str(document)],
                           clients, options.requests, False)
        print(table(cells))
        if not binary:
            print(f"Prism skipped: {why}")
        print("\n".join(verdict(cells, clients)))


if __name__ == "__main__":
    main()
