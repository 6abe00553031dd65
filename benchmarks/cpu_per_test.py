"""A pytest plugin for bench_tests: the CPU each test costs, its worker's own and that of the processes it started
and waited for, as JSON lines in a file per worker under $BENCH_CPU_DIR. Wall times count waits; CPU sets the floor
no packing of the tests goes below."""

from __future__ import annotations

import json
import os
import resource
from pathlib import Path

import pytest


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    before = _cpu()
    try:
        return (yield)
    finally:
        with (Path(os.environ["BENCH_CPU_DIR"]) / f"{os.getpid()}.jsonl").open("a") as log:
            log.write(json.dumps({"test": item.nodeid, "cpu": _cpu() - before}) + "\n")
