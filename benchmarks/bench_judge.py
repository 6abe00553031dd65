"""What judging traffic costs (issue 20).

1. Stateless judgement: exchanges a second through ``conformance judge`` (reader, classification, every stateless
   check and the lifecycle replay) on a HAR of EXCHANGES entries made from the emulator's answers to a scripted
   client (goal: ≥ 5,000 a second for the stateless checks), and a second of its CPU time (the figure to compare two
   versions by on a busy machine).
2. Memory: peak resident memory of ``conformance judge`` on a HAR of GIGABYTES (entries padded with a HAR comment
   to reach the size; the file is written in a temporary directory and deleted).
3. The proxy: median latency of a GET through ``conformance proxy`` and straight to the emulator, at 200 requests
   a second, and the difference (goal: ≤ 2 ms).

Usage: python benchmarks/bench_judge.py [EXCHANGES] [GIGABYTES]
"""

from __future__ import annotations

import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _repository  # noqa: F401 - the repository on sys.path, for the tests' helpers
import requests

from conformance.checks.catalogue import CATALOGUE, STATELESS
from conformance.emulator import running
from conformance.judge.har import har_entry
from conformance.judge.proxy import serving
from conformance.target.identity import basic
from tests.scripted_client import drive
from tests.trial import EMULATOR, KEY, OTHER_KEY

RATE = 200.0  # requests a second
STARTUPS = 3  # start-up runs whose median is subtracted (one alone moves the rate by a fifth)
STATELESS_ONLY = ("--checks", ",".join(check.id for check in CATALOGUE if check.stage == STATELESS))
LATENCY_REQUESTS = 600


def entries() -> list[dict]:
    recorded = []
    with running(EMULATOR) as base_url, serving(base_url, recorded.append) as proxy_url:
        drive(proxy_url, expiry=False)
    from conformance.target.wire import Wire, read_message

    for item in recorded:
        message = read_message(Wire(item.wire, True, item.method))
        item.response_headers, item.response_body = list(message.fields), message.body or b""
    return [har_entry(item) for item in recorded]


def write_har(path: Path, base: list[dict], count: int | None = None, size: int | None = None,
              padding: int = 0) -> int:
    written = 0
    with path.open("w") as file:
        file.write('{"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"}, "entries": [')
        while (count is not None and written < count) or (size is not None and file.tell() < size):
            entry = dict(base[written % len(base)], comment="x" * padding)
            file.write(("," if written else "") + "\n" + json.dumps(entry))
            written += 1
        file.write("]}}\n")
    return written


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def judge(path: Path, folder: Path, *options: str) -> tuple[float, float, int]:
    """Seconds `conformance judge` took on `path`, the CPU seconds it used (which hardly move when other work shares
    the machine), and its peak resident memory (KiB)."""
    started, cpu = time.perf_counter(), _cpu()
    environment = {**os.environ, "XENDIT_API_KEY": KEY, "XENDIT_OTHER_API_KEY": OTHER_KEY}
    subprocess.run([sys.executable, "-m", "conformance", "judge", str(path), "-q", "--json-report",
                    str(folder / "r.json"), "--junit-xml", str(folder / "j.xml"), "--html-report",
                    str(folder / "r.html"), *options], env=environment, cwd=folder, capture_output=True, check=False)
    return time.perf_counter() - started, _cpu() - cpu, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def latencies(url: str, session_id: str) -> list[float]:
    http = requests.Session()
    headers = {"Authorization": basic(KEY)}
    found, next_at = [], time.perf_counter()
    for _ in range(LATENCY_REQUESTS):
        next_at += 1 / RATE
        started = time.perf_counter()
        http.get(f"{url}/sessions/{session_id}", headers=headers, timeout=10)
        found.append(time.perf_counter() - started)
        time.sleep(max(0.0, next_at - time.perf_counter()))
    return found


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    gigabytes = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    base = entries()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_har(folder / "many.har", base, count=count)
        write_har(folder / "one.har", base, count=1)
        judge(folder / "one.har", folder)  # the first warms the caches (bytecode, the OS's): not the start-up cost
        for label, options in (("stateless+lifecycle", ()), ("stateless alone", STATELESS_ONLY)):
            startup, startup_cpu = (statistics.median(values) for values in zip(
                *(judge(folder / "one.har", folder, *options)[:2] for _ in range(STARTUPS)), strict=True))
            seconds, cpu, _ = judge(folder / "many.har", folder, *options)
            report = json.loads((folder / "r.json").read_text())
            print(f"{label}: {count} exchanges in {seconds:.1f} s ({seconds - startup:.1f} s after "
                  f"{startup:.1f} s of start-up, the median of {STARTUPS}): {count / (seconds - startup):,.0f} "
                  f"exchanges/s; {count / (cpu - startup_cpu):,.0f} a CPU second; verdict {report['verdict']}")
        (folder / "many.har").unlink()
        written = write_har(folder / "big.har", base, size=int(gigabytes * 2**30), padding=16_000)
        size = (folder / "big.har").stat().st_size
        seconds, _, peak = judge(folder / "big.har", folder)
        print(f"memory: {size / 2**30:.2f} GiB HAR, {written} entries, judged in {seconds:.0f} s, peak RSS "
              f"{peak / 1024:.0f} MiB")
    with running(EMULATOR) as base_url:
        session = requests.post(base_url + "/sessions", headers={"Authorization": basic(KEY)}, json={
            "reference_id": "bench", "session_type": "PAY", "mode": "PAYMENT_LINK", "amount": 1000,
            "currency": "IDR", "country": "ID"}, timeout=10).json()["payment_session_id"]
        process = subprocess.Popen([sys.executable, "-m", "conformance", "proxy", "--upstream", base_url, "--listen",
                                    "127.0.0.1:0", "-q"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                   text=True, cwd=tempfile.gettempdir(),
                                   env={**os.environ, "XENDIT_API_KEY": KEY})
        proxy_url = process.stderr.readline().split()[3]
        direct = statistics.median(latencies(base_url, session))
        proxied = statistics.median(latencies(proxy_url, session))
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    print(f"proxy at {RATE:.0f} req/s: median {direct * 1000:.2f} ms direct, {proxied * 1000:.2f} ms through the "
          f"proxy: {(proxied - direct) * 1000:.2f} ms added")


if __name__ == "__main__":
    main()
