"""The state machine against real servers (the bundled emulator and one fault, in-process): every step judged, the
same seed the same sequence, a fault's failing sequence shrunk and replayable as a curl script."""

from __future__ import annotations

import asyncio
import gc
import itertools
import re
import subprocess
from collections import Counter

import pytest

from conformance.checks.catalogue import CATALOGUE, LIFECYCLE
from conformance.emulator import DEFAULT_KEYS, EmulatorConfig, running
from conformance.emulator.app import Api
from conformance.emulator.variants import VARIANTS
from conformance.generation.probe import Credentials
from conformance.report.sequence import sequence_script, sequence_text
from conformance.stateful.bodies import plain_body
from conformance.stateful.crowd import OWNER, READ_OP
from conformance.stateful.exploration import Exploration
from conformance.stateful.ledger import Budget
from conformance.stateful.passes import explore_lifecycle
from conformance.stateful.rules import LifecycleMachine
from conformance.stateful.sessions import Sessions
from conformance.stateful.watch import without_collection_pauses
from conformance.target.client import Target
from conformance.target.redact import Redactor

KEY, OTHER_KEY = list(DEFAULT_KEYS)[:2]
EMULATOR = EmulatorConfig(api_keys=DEFAULT_KEYS, min_expiry_seconds=1)
LIFECYCLE_IDS = {check.id for check in CATALOGUE if check.stage == LIFECYCLE}


def ENDPOINT(exchange) -> str:
    method, path = exchange.request.method, exchange.request.path
    if (method, path) == ("POST", "/sessions"):
        return "create"
    if re.fullmatch(r"/sessions/[^/]*", path):
        return "get" if method == "GET" else "other"
    return "cancel" if method == "POST" and re.fullmatch(r"/sessions/[^/]*/cancel", path) else "other"


def exploration(base_url: str, steps: int, sent: list, selected: set[str] = LIFECYCLE_IDS) -> Exploration:
    """An exploration of `steps` steps of `base_url` judging `selected`; every exchange sent goes to `sent`, in
    order."""
    target = Target(base_url, on_exchange=sent.append)
    credentials = Credentials(KEY, None, OTHER_KEY)
    sessions = Sessions(target, credentials, given=[], completed=None, expired=None, test_control=True,
                        known_ids=set())
    return Exploration(sessions, credentials, OTHER_KEY, "strict", set(selected), Budget(steps, 0.0),
                       test_control=True)


def explored(base_url: str, *, steps: int, seed: int = 1, shrink: float = 0.0,
             selected: set[str] = LIFECYCLE_IDS) -> tuple[Exploration, list]:
    """Explore `steps` steps judging `selected`; the run and every exchange sent, in order."""
    sent: list = []
    run = exploration(base_url, steps, sent, selected)
    explore_lifecycle(run, seed, shrink_seconds=shrink)
    return run, sent


def test_a_crowd_of_reads_alone_is_judged_and_needs_no_frame(emulator):
    """A crowd may draw no cancel at all: its reads are judged (the session as before), nothing is read back."""
    sent: list = []
    machine = type("Sequence", (LifecycleMachine,), {"run": exploration(emulator, 10, sent)})()
    session = machine._open(plain_body("crowd-of-reads"))[0]
    before = len(sent)
    machine._crowd([(session, READ_OP, OWNER)] * 8)
    assert len(sent) - before == 8 and machine.run.ledger.judged["LIFE-READ"] == 8
    assert not machine.run.ledger.failures


def shape(sent: list) -> list[tuple[str, str, str]]:
    """The requests in order: method, what the suite meant by it, and which session (numbered in order of creation;
    ids differ from run to run)."""
    names: dict[str, str] = {}
    for exchange in sent:
        if exchange.request.path == "/sessions" and exchange.response is not None and exchange.intent.family != "watch":
            created = exchange.response.json_or_none() or {}
            names.setdefault(created.get("payment_session_id"), f"S{len(names)}")
    steps = [(exchange.request.method, exchange.intent.description, names.get(exchange.intent.session_id, "-"))
             for exchange in sent if exchange.intent.family not in ("watch", "safety")]  # a safety GET: whether an
    # id variant is of a real id's form depends on the ids the target gave
    concurrent = ("one of ", "GET another session")  # a burst's requests, the frame condition's reads
    watched = sorted({(exchange.request.method, exchange.intent.description, "watch")  # beside the rest, in its thread:
                      for exchange in sent if exchange.intent.family == "watch"})  # timed: how often it polls, or
    # re-creates its cohort on a slow machine, is the clock's
    return [step for together, block in itertools.groupby(steps, key=lambda step: step[1].startswith(concurrent))
            for step in (sorted(block) if together else block)] + watched  # sent side by side: in threads' order


@pytest.fixture(scope="module")
def emulator():
    with running(EMULATOR) as base_url:
        yield base_url


def test_every_step_is_judged_and_a_conformant_server_passes(emulator):
    run, _ = explored(emulator, steps=80)
    assert 72 <= run.budget.steps <= 80 and run.ledger.sequences >= 4  # a step on a set-aside session is none
    assert not run.ledger.failures, {k: f.violation for k, f in run.ledger.failures.items()}
    assert sum(run.ledger.judged.values()) > 80
    assert {"LIFE-CANCEL-ACTIVE", "LIFE-GET-CANCELED", "LIFE-FRAME", "LIFE-READ"} <= set(run.ledger.judged)
    assert len(run.ledger.judged) >= 10


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_opening_judges_every_lifecycle_check_within_a_small_budget(emulator, seed):
    """Random sequences alone left checks unjudged at 40 steps (a correct server then INCOMPLETE); the opening takes
    each kind of step once. The wait for an expiry is the only one left out (budget 0 s): test control expires."""
    run, _ = explored(emulator, steps=25, seed=seed)
    assert set(run.ledger.judged) == LIFECYCLE_IDS and not run.ledger.failures


def test_the_witnesses_judge_every_check_within_xendits_limit_per_endpoint():
    """The opening's witnesses judge every lifecycle check whatever the budget (--max-steps 1 cuts only what comes
    after), within Xendit's test-mode limit of 60 requests a minute to each endpoint, safety GETs included, on a
    server that, like Xendit, refuses an expiry less than ten minutes ahead (so nothing is watched expiring)."""
    with running(EmulatorConfig(api_keys=DEFAULT_KEYS)) as base_url:
        run, sent = explored(base_url, steps=1)
    assert run.watched and not run.expiry_supported
    assert set(run.ledger.judged) == LIFECYCLE_IDS and not run.ledger.failures
    assert run.budget.steps > 15
    per_endpoint = Counter(ENDPOINT(exchange) for exchange in sent if not exchange.skipped)
    assert all(per_endpoint[endpoint] <= 60 for endpoint in ("create", "get", "cancel")), per_endpoint


@pytest.mark.parametrize("checkout", [True, False])
def test_checkout_links_are_fetched_only_for_the_check_they_serve(emulator, checkout):
    """--checks narrows what is sent: a run that does not judge LIFE-CHECKOUT fetches no link."""
    selected = LIFECYCLE_IDS if checkout else LIFECYCLE_IDS - {"LIFE-CHECKOUT"}
    run, sent = explored(emulator, steps=25, selected=selected)
    fetched = [exchange for exchange in sent if exchange.intent.description == "checkout link"]
    assert bool(fetched) == checkout and not run.ledger.failures
    assert set(run.ledger.judged) == selected


def test_a_warning_never_keeps_a_must_check_from_being_judged():
    """`updated` moved backwards on cancel (a SHOULD): its session stays in use, and every check is judged."""
    with running(EMULATOR, api=VARIANTS["updated-moves-backwards"].api) as base_url:
        run, _ = explored(base_url, steps=1)
    assert set(run.ledger.failures) == {"LIFE-UPDATED", "LIFE-TIMESTAMPS"} and set(run.ledger.judged) == LIFECYCLE_IDS


class FirstCancelMisspelled(VARIANTS["status-misspelled"].api):
    """Only the first session canceled comes back misspelled, as long as it lives (a cold cache)."""

    def altered(self, body: dict) -> dict:
        if body["status"] != "CANCELED" or getattr(self, "first", body["payment_session_id"]) != \
                body["payment_session_id"]:
            return body
        self.first = body["payment_session_id"]
        return super().altered(body)


def test_a_witness_whose_session_a_must_finding_set_aside_runs_again_on_a_fresh_one():
    """The first cancel fails (a MUST) and its session is set aside before the read and the second cancel: the
    witness step runs once more, on a fresh session, and judges them."""
    with running(EMULATOR, api=FirstCancelMisspelled) as base_url:
        run, _ = explored(base_url, steps=1)
    assert "LIFE-CANCEL-ACTIVE" in run.ledger.failures
    assert run.ledger.judged["LIFE-RECANCEL"] and run.ledger.judged["LIFE-GET-CANCELED"]
    assert "LIFE-RECANCEL" not in run.ledger.failures


def test_the_same_seed_sends_the_same_sequence(emulator):
    first, second, other = (shape(explored(emulator, steps=45, seed=seed)[1]) for seed in (7, 7, 8))
    assert first == second and len(first) > 30
    assert first != other


def test_a_fault_is_found_and_its_sequence_shrunk_and_replayable(tmp_path):
    with running(EMULATOR, api=VARIANTS["cancel-touches-siblings"].api) as base_url:
        run, _ = explored(base_url, steps=40, shrink=3.0)
        failure = run.ledger.failures["LIFE-FRAME"]
        assert set(run.ledger.failures) - {"LIFE-RECANCEL"} == {"LIFE-FRAME"} and failure.minimal  # in a crowd, a
        # sibling's cancel touches a session whose own recancel was refused at the same moment
        assert run.ledger.lengths["LIFE-FRAME"] == 2  # the start (its sessions) and one cancel
        redactor = Redactor({KEY: "XENDIT_API_KEY", OTHER_KEY: "XENDIT_OTHER_API_KEY"})
        text = sequence_text(failure.steps, redactor)
        assert "<- the failing step" in text and "model:" in text and KEY not in text
        script = sequence_script(failure.steps, redactor)
        assert KEY not in script and OTHER_KEY not in script and "${S1}" in script
        path = tmp_path / "sequence.sh"
        path.write_text(script)
        done = subprocess.run(["bash", str(path)], capture_output=True, text=True, timeout=60,
                              env={"XENDIT_API_KEY": KEY, "XENDIT_OTHER_API_KEY": OTHER_KEY, "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert "created ps-" in done.stdout and "→ 200" in done.stdout


class SlowCreates(Api):
    """Each create takes 0.15 s: five in a row outlast the watch's first slack, and the emulator refuses the last
    ones (their expires_at is closer than its 1 s floor by then)."""

    async def create(self, request):
        await asyncio.sleep(0.15)
        return await super().create(request)


def test_a_cohort_refused_for_a_slow_target_is_created_again_later_and_watched():
    with running(EMULATOR, api=SlowCreates) as base_url:
        run, sent = explored(base_url, steps=1)
    creates = [exchange for exchange in sent if exchange.intent.family == "watch" and exchange.request.method == "POST"
               and exchange.request.path == "/sessions"]
    assert any(exchange.response.status != 200 for exchange in creates)  # the first cohort was refused
    assert not run.watched and run.ledger.judged["LIFE-EXPIRED"] and not run.ledger.failures


@pytest.mark.parametrize("enabled", [True, False])
def test_the_watchs_timed_requests_go_out_without_collection_pauses(enabled):
    """The boundary cancels are timed to an eighth of a second: the collector is off while they go out, and as it was
    after (a full collection in a large test worker once held the cancel before expires_at past it)."""
    (gc.enable if enabled else gc.disable)()
    try:
        with without_collection_pauses():
            assert not gc.isenabled()
        assert gc.isenabled() == enabled
    finally:
        gc.enable()
