"""Cancel is atomic: of N racing cancels of one ACTIVE session exactly one wins, over HTTP and in the store."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from conformance.emulator.formats import new_session_id, now_ms
from conformance.emulator.store import ACTIVE, CANCELED, Owner, Session, Store

THREADS, SESSIONS = 50, 20


def race(calls: int, call) -> list:
    """Run `call(index)` from `calls` threads released at the same moment; the results in index order."""
    barrier = threading.Barrier(calls)

    def released(index: int):
        barrier.wait()
        return call(index)

    with ThreadPoolExecutor(calls) as pool:
        return list(pool.map(released, range(calls)))


def test_fifty_concurrent_cancels_one_winner_twenty_times(api):
    owner = api()
    clients = [api() for _ in range(THREADS)]  # one connection per thread, opened before the race
    for client in clients:
        client.get("ps-000000000000000000000000")
    for _ in range(SESSIONS):
        session_id = owner.new()["payment_session_id"]
        responses = race(THREADS, lambda index, session_id=session_id: clients[index].cancel(session_id))
        assert Counter(response.status_code for response in responses) == {200: 1, 422: THREADS - 1}
        assert all(response.json()["message"] == "Session status is CANCELED, expecting ACTIVE"
                   for response in responses if response.status_code == 422)
        winner = next(response.json() for response in responses if response.status_code == 200)
        assert owner.get(session_id).json() == winner


def test_two_connections_to_one_file_race_to_one_winner(tmp_path):
    path = str(tmp_path / "sessions.db")
    stores = [Store(path) for _ in range(4)]
    owner = Owner("5f9a3c2e1b7d4a6c8e0f1a2b")
    try:
        for _ in range(SESSIONS):
            now = now_ms()
            session = Session(new_session_id(), owner, ACTIVE, now, now + 60_000, {"mode": "PAYMENT_LINK"}, {})
            stores[0].add(session)
            outcomes = race(THREADS, lambda index, sid=session.id: stores[index % 4].cancel(owner, sid, now_ms()))
            assert sum(changed for _, changed in outcomes) == 1
            assert {found.status for found, _ in outcomes} == {CANCELED}
            assert stores[3].find(session.id, now_ms()).status == CANCELED
    finally:
        for store in stores:
            store.close()
