"""What every sequence of one exploration of the lifecycle shares: the target, keys, budget and findings; and the
figures the stage is built on (steps per sequence, the margin around an expiry, the size of a crowd)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from conformance.generation.probe import Credentials
from conformance.model.state import Margin
from conformance.stateful.ledger import Budget, Ledger
from conformance.stateful.sessions import Sessions
from conformance.stateful.variants import KEY_KINDS
from conformance.target.identity import MAIN, Owner

STEPS_PER_SEQUENCE = 20
BURST = 4
MARGIN_SECONDS = 0.25  # clock skew (estimated from `created`) and latency around expires_at
EXPIRY_LEAD_SECONDS = 1.0  # how far ahead the expiring session expires (the bundled emulator's floor is 1 s)


def sequences_for(max_steps: int) -> int:
    """How many sequences of up to STEPS_PER_SEQUENCE steps `max_steps` make (at least one)."""
    return max(1, -(-max_steps // STEPS_PER_SEQUENCE))


def expiry_wait(margin: Margin) -> float:
    """What one wait for a session to expire is charged: its lead, and the margin on both sides of its expiry."""
    return EXPIRY_LEAD_SECONDS + 2 * margin.skew + margin.lag


@dataclass
class Exploration:
    """What every sequence of one exploration shares: the target, keys, budget and findings."""

    sessions: Sessions
    credentials: Credentials
    other_key: str | None
    profile: str
    selected: set[str]
    budget: Budget
    test_control: bool
    margin: Margin = field(default_factory=lambda: Margin(MARGIN_SECONDS))
    shrinking: str | None = None  # the check whose failures are raised (and so shrunk) in this pass
    no_real_sessions: bool = False
    sub_accounts: bool = True  # the target lets the run create sessions as an arbitrary sub-account
    ledger: Ledger = field(default_factory=Ledger)
    skew: float | None = None  # the target's clock minus ours, seconds
    expiry_supported: bool = True  # the target accepted an expires_at EXPIRY_LEAD_SECONDS ahead
    watched: str | None = None  # why the sessions watched across their expiry were not (stateful.watch)
    checkout_hosts: tuple[str, ...] = ()  # hosts besides the target's whose checkout links may be fetched
    checkout_origins: set[str] = field(default_factory=set)  # where the checkout links fetched live
    checkout_refused: str | None = None  # why a checkout link was not fetched (safety.link_refusal)
    checkout_served: bool | None = None  # a session's checkout link answered 2XX while it was ACTIVE (None: not
    # tried yet; without it a link that answers nothing proves nothing)
    other_business_id: str | None = None
    create_error: str | None = None  # why the run has no session at all
    reused_ids: int = 0  # creates that answered an id an earlier create had answered (a mock answering its example)
    fixed_corpus: bool = False  # send the same requests whatever the target answers (compare): nothing set aside
    cut_short: str | None = None  # what the exploration's budget left undone (the witnesses are never cut)

    @property
    def main(self) -> Owner:
        return Owner(MAIN, self.credentials.for_user_id or "")

    def now(self) -> float:
        return time.time() + (self.skew or 0.0)

    def key_kinds(self) -> list[str]:
        return [kind for kind in KEY_KINDS if kind != "other-key" or self.other_key]
