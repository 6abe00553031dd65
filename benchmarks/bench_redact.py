"""Cost of the Redactor on the text the suite writes: ``scrub`` over about 1 MB, with two keys.

    python benchmarks/bench_redact.py [--megabytes 1] [--repeat 20]

The text is report-like JSON lines (URLs, Basic headers of other keys, base64 and hex bodies, prose); two texts are
timed: one that carries no key (the common case: a clean report), and the same with a key in each form every 16 KB
(raw, upper case, base64 of ``:key``, URL-safe base64 of ``user:key:password``). Prints the best and median of
``--repeat`` runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import time

from conformance.target.redact import Redactor

KEY, OTHER = "xnd_development_CANARY0a1b2c3d4e5f", "xnd_development_CANARYotherXYZ123"


def clean_text(size: int) -> str:
    lines, total, n = [], 0, 0
    while total < size:
        blob = base64.b64encode(os.urandom(300)).decode()
        line = json.dumps({"url": f"http://127.0.0.1:8080/sessions/ps-{n:024x}/cancel", "headers": {
            "Authorization": "Basic " + base64.b64encode(f"xnd_development_{n}:".encode()).decode()},
            "body": blob, "message": "The session was not found; see the documentation for details.",
            "hex": os.urandom(64).hex()}) + "\n"
        lines.append(line)
        total += len(line)
        n += 1
    return "".join(lines)[:size]


def with_keys(text: str) -> str:
    forms = [KEY, KEY.upper(), base64.b64encode(f":{KEY}".encode()).decode(),
             base64.urlsafe_b64encode(f"user:{OTHER}:password".encode()).decode().rstrip("=")]
    chunks = [text[i:i + 16384] for i in range(0, len(text), 16384)]
    return "".join(chunk + " " + forms[i % len(forms)] + " " for i, chunk in enumerate(chunks))


def timed(redactor: Redactor, text: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        redactor.scrub(text)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    redactor = Redactor({KEY: "XENDIT_API_KEY", OTHER: "XENDIT_OTHER_API_KEY"})
    clean = clean_text(int(args.megabytes * 1024 * 1024))
    for label, text in [("no key", clean), ("a key every 16 KB", with_keys(clean))]:
        times = timed(redactor, text, args.repeat)
        print(f"{label:18} {len(text) / 1e6:.2f} MB  {redactor.leaks(text):4} found  "
              f"best {min(times):6.1f} ms  median {statistics.median(times):6.1f} ms")


if __name__ == "__main__":
    main()
