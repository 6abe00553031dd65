"""The lifecycle stage's part of ``--dry-run``: what the state machine may send, and which sessions it creates and
cancels."""

from __future__ import annotations

from conformance.checks.catalogue import LIFECYCLE, Check
from conformance.config import RunConfig
from conformance.generation.clients import VARIANTS as CLIENT_VARIANTS
from conformance.stateful.bodies import edge_bodies
from conformance.stateful.crowd import CROWD
from conformance.stateful.exploration import BURST, STEPS_PER_SEQUENCE
from conformance.stateful.variants import VARIANTS
from conformance.stateful.watch import ROLES

RULES = [
    "start each sequence: two sessions of the main business (a generated body and a plain one), one of a "
    "sub-account, one of the other business (with --other-api-key)",
    "create: a body from the create schema (PAY/SAVE, PAYMENT_LINK/COMPONENTS, customer or customer_id, items, "
    "metadata, non-ASCII descriptions, decimal amounts, expires_at), for the main business, a sub-account or the "
    "other business",
    "cancel by the owner; cancels with no key, an unknown key, the key in upper case or with spaces, with a "
    "password, as Bearer; cancels with for-user-id absent, another sub-account's, the other business's id, and with "
    "the other business's key; GETs with any of these",
    f"cancels as real clients vary them ({len(CLIENT_VARIANTS)} variants: field names and the auth scheme in another "
    "case, whitespace HTTP allows, content, Content-Type alone, Accept with parameters, a query, Expect, "
    "Connection: close, HTTP/1.0), each owed what the plain cancel is owed (or a refusal HTTP leaves open)",
    f"once a sequence, cancels of all {len(VARIANTS)} variants of a real id (case, whitespace and control "
    "characters, special characters, percent-encoding, Unicode compatibility forms, prefixes, extensions; a "
    "character appended, removed, replaced or changed in case at its start, inside and at its end): each only "
    "once a GET shows the variant unknown (or one of the run's own sessions); a cancel with a needlessly "
    "percent-encoded id; once a sequence, every for-user-id and other-business variant on a session of each owner",
    "GET, PUT, PATCH, DELETE on the cancel path of a session of the run",
    f"{BURST} concurrent cancels of one ACTIVE session; concurrent cancels of 2-3 different sessions; once a "
    f"sequence, a crowd of {CROWD[0]}-{CROWD[1]} cancels and reads of 1-4 sessions by their owners and a stranger, "
    "released together (at most half of any rate limit's window)",
    "test control complete/expire (with --test-control), then a cancel without reading first",
    "beside the exploration, the watch: five sessions created to expire a second later; one cancelled at once, two "
    "just before and just after expires_at, one read across it until EXPIRED, one cancelled unread once its expiry "
    "(and --expiry-lag) has passed; all read again at the end",
    "the checkout link (payment_link_url) fetched when it is on the target's origin",
]


def lifecycle_plan(config: RunConfig, checks: list[Check]) -> list[str]:
    sequences = max(1, -(-config.max_steps // STEPS_PER_SEQUENCE))
    lines = ["", f"Lifecycle: {config.max_steps} model-checked steps (--max-steps): an opening sequence whose "
             "witnesses take each kind of step once on sessions with every optional field (they judge every "
             "lifecycle check and are never cut), then sweeps of every credential, id variant and isolation "
             f"direction, then random sequences of up to {STEPS_PER_SEQUENCE} (seed {config.seed}); after each "
             "request on the cancel path the session "
             "and every other session of the sequence are read back (GET). A failing sequence is shrunk for a few "
             "seconds more, on fresh sessions. Rules:"]
    lines += [f"  - {rule}" for rule in RULES]
    lines += ["", "Lifecycle checks:"]
    lines += [f"  {check.id:26} {check.description}" for check in checks if check.stage == LIFECYCLE]
    given = ", ".join(config.session_ids) or "none"
    opening = 1 + len(edge_bodies("")) + len(ROLES) + 1  # the second rich session, the edge bodies, the watch's
    # cohort (and its one retry as the main owner)
    lines += ["", f"Sessions: the given ids ({given}) are used in the first sequence; then up to "
              f"{2 * sequences * 4 + config.max_steps + opening} are created with POST /sessions (reference_id "
              f"conformance-<run tag>-...), four per sequence, at most one per step, and {opening} by the opening "
              "(a second rich session, the edge bodies, the sessions watched across their expiry). The suite cancels "
              "only these sessions "
              "and the ids it was given" + (", completing and expiring some through test control." if
                                            config.test_control or config.embedded else ".") +
              " Every request goes through the endpoints' rate limits and --max-requests: a step the budget refuses is "
              "recorded as not sent, and a check with nothing sent is skipped with why."]
    return lines
