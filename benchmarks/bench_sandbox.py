"""Time to a verdict against a target that behaves like Xendit's hosted sandbox, beside one that is only slow and
the bundled emulator: the README's main command (`conformance run`, default budget) against each.

Targets, each a `conformance emulator` process on a free loopback port:
- sandbox: `--sandbox` as Xendit documents its test mode: 60 requests a minute per endpoint and account (sliding
  window, Rate-Limit headers, 429 beyond), 150-400 ms per answer, checkout links on another origin, gzip;
- latency: 250-700 ms per answer and no limit to speak of;
- emulator: the bundled emulator, in-process (`conformance run` with no --base-url).
Prints per target: exit code and verdict, wall time, lifecycle steps, requests and 429s per endpoint, seconds
waiting out 429s and paced, and which checks were not judged. Goals (issue 19): sandbox CONFORMANT within 5
minutes, latency within 3, the emulator within 10 s with at least 200 model-checked steps.

Usage: python benchmarks/bench_sandbox.py [TARGET ...]   (TARGET: sandbox, latency, emulator; default all)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from conformance.emulator import DEFAULT_KEYS

KEY, OTHER_KEY = list(DEFAULT_KEYS)[:2]
EMULATORS = {
    "sandbox": ["--sandbox"],
    "latency": ["--sandbox", "--sandbox-rate-limit", "1000000", "--sandbox-latency", "250-700"],
}


@contextmanager
def emulator(options: list[str]):
    """A `conformance emulator` process with `options`; its base URL."""
    process = subprocess.Popen([sys.executable, "-m", "conformance", "emulator", "--port", "0", "--quiet",
                                "--min-expiry", "1", *options], stdout=subprocess.PIPE, text=True)
    try:
        yield process.stdout.readline().split()[-1]
    finally:
        process.terminate()
        process.wait(10)


def run(base_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        target = ["--base-url", base_url, "--api-key", KEY, "--other-api-key", OTHER_KEY,
                  "--test-control"] if base_url else []
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "conformance", "run", *target, "--no-progress", "-q",
                               "--junit-xml", f"{tmp}/junit.xml", "--json-report", f"{tmp}/report.json",
                               "--html-report", f"{tmp}/report.html"], capture_output=True, text=True, cwd=tmp)
        wall = time.perf_counter() - started
        report = json.loads(Path(tmp, "report.json").read_text())
    steps = re.search(r"stopped after (\d+) of", " ".join(report["run"]["notes"]))
    return {"code": done.returncode, "verdict": report["verdict"], "wall": wall, "report": report,
            "steps": int(steps.group(1)) if steps else None}


def show(name: str, result: dict) -> None:
    report = result["report"]
    traffic = report["run"]["traffic"]
    total = traffic["total"]
    print(f"\n{name}: {result['verdict'].upper()} (exit {result['code']}) in {result['wall']:.1f} s wall; "
          f"{total['requests']} requests, {total['rate_limited']} answered 429 (never judged), "
          f"{total['waited_s']} s waiting them out, {total['paced_s']} s paced; lifecycle steps: "
          f"{result['steps'] or 'every step of --max-steps'}")
    print(f"  {'endpoint':10} {'requests':>9} {'429s':>6} {'waited s':>9} {'paced s':>8}")
    for endpoint, figures in traffic["endpoints"].items():
        print(f"  {endpoint:10} {figures['requests']:>9} {figures['rate_limited']:>6} {figures['waited_s']:>9} "
              f"{figures['paced_s']:>8}")
    unjudged = [check["id"] for check in report["checks"] if check["outcome"] == "not_run"]
    print(f"  not judged: {', '.join(unjudged) or 'none'}")
    for note in report["run"]["notes"]:
        print(f"  note: {note}")


def main() -> None:
    chosen = sys.argv[1:] or ["sandbox", "latency", "emulator"]
    for name in chosen:
        if name == "emulator":
            show(name, run(None))
            continue
        with emulator(EMULATORS[name]) as base_url:
            show(name, run(base_url))


if __name__ == "__main__":
    main()
