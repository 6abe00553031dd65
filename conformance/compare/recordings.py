"""A comparison of recordings: one client's traffic recorded against two or more implementations (any format
``conformance judge`` reads), paired exchange by exchange and compared as ``compare`` compares targets.

Pairing. Each exchange is a case of a kind: its method; its path with every session id (a ``/sessions/{id}``
segment, a create's ``payment_session_id``) written ``{session-N}``, N in the order the id first appears in that
recording; its query; who asked (``main's key``, ``other's key``: the key's role, given with ``key=``/``other-key=``
or learned from the creates it made, as ``judge`` learns keys; else the credentials' scheme); ``for-user-id`` written
``{sub-account-N}`` likewise; Content-Type; and its body's fields with their JSON types. The k-th case of a kind in
one recording pairs with the k-th of that kind in each other. Requests of one kind in a row or overlapping in time
(a race: its requests overlap or not, as the timing goes) are one case, their answers compared as a multiset. A
case only some recordings have is listed apart, not compared.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence

from conformance.compare.comparison import Comparison, TargetRun
from conformance.compare.diff import AllowRule, differences
from conformance.compare.observe import Case, Observation, field_types, json_type, observe
from conformance.compare.targets import RecordingSpec
from conformance.config import RunConfig
from conformance.judge.identities import Identity
from conformance.judge.judgement import judging
from conformance.judge.readers import read_recording
from conformance.results.model import RunResult
from conformance.run import UsageError
from conformance.target.endpoints import CREATE
from conformance.target.exchange import Exchange
from conformance.target.identity import KEY, header

FAMILY = "recorded"


class Pairing:
    """One recording's exchanges as cases of a kind, numbered in order (see the module's docstring)."""

    def __init__(self) -> None:
        self.sessions: dict[str, str] = {}  # an id as the recording shows it → {session-N}
        self.sub_accounts: dict[str, str] = {}
        self.kinds: Counter[tuple] = Counter()
        self.last: dict[tuple, tuple[Case, float, float]] = {}  # a kind → its last case, when it started and ended
        self.previous: tuple | None = None  # the kind of the exchange before
        self.observed: dict[Case, list[Observation]] = {}

    def add(self, exchange: Exchange, identity: Identity) -> None:
        request = exchange.request
        body = exchange.response.json_or_none() if exchange.response is not None else None
        path, _, query = request.path.partition("?")
        parts = path.split("/")
        if len(parts) >= 3 and parts[1] == "sessions":
            parts[2] = _numbered(self.sessions, parts[2], "session")
        if request.endpoint == CREATE and isinstance(body, dict) and isinstance(body.get("payment_session_id"), str):
            _numbered(self.sessions, body["payment_session_id"], "session")  # (the id another answer shows is
            # compared by type: a wrong one must not shift the numbers of the sessions after it)
        sub_account, content_type = (_text(header(request.headers, name)) for name in ("for-user-id", "content-type"))
        headers = tuple((name, value) for name, value in (
            ("content-type", content_type.lower() if content_type is not None else None),
            ("for-user-id", None if sub_account is None else _numbered(self.sub_accounts, sub_account, "sub-account")))
            if value is not None)
        who = _who(identity, request.headers)
        kind = (request.method, "/".join(parts) + (f"?{query}" if query else ""), who, headers, _shape(request.body))
        started = exchange.sent_at
        ended = started + (exchange.response.elapsed if exchange.response is not None else 0.0)
        last = self.last.get(kind)
        if last is not None and (kind == self.previous or started < last[2] and last[1] < ended):  # in a row, or
            # overlapping in time (a race, whose requests may or may not overlap): one case, answers a multiset
            case, started, ended = last[0], min(started, last[1]), max(ended, last[2])
        else:
            self.kinds[kind] += 1
            case = Case(FAMILY, f"#{self.kinds[kind]}, {who}", *kind[:2], headers, kind[4])
        self.last[kind], self.previous = (case, started, ended), kind
        self.observed.setdefault(case, []).append(observe(exchange))


def _numbered(names: dict[str, str], value: str, what: str) -> str:
    """`value`'s name in order of first appearance: ``{what-N}``."""
    if value not in names:
        names[value] = f"{{{what}-{len(names) + 1}}}"
    return names[value]


def _who(identity: Identity, headers: Mapping[str, str | bytes]) -> str:
    """The role of a request's credentials: whose key, or the scheme of credentials of no known key."""
    value = _text(header(headers, "authorization"))
    if value is None:
        return "no Authorization"
    actor = identity.actor
    if identity.decided and identity.known:
        return f"{actor.business}'s key" + ("" if actor.credential == KEY else f" ({actor.credential})")
    scheme = value.split(" ", 1)[0] if " " in value else ""
    return f"{scheme or 'Authorization'} of no known key"


def _text(value: str | bytes | None) -> str | None:
    """A header's value as text (a recording's are; a request built in code may hold bytes)."""
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _shape(body: bytes | None) -> str:
    """A request body by its shape: the JSON type of each field (values differ between two runs of a client)."""
    if not body:
        return ""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return hashlib.sha256(body).hexdigest()
    return hashlib.sha256(repr((json_type(value), field_types(value))).encode()).hexdigest()


def _run(spec: RecordingSpec, result: RunResult, skipped: int, cases: int) -> TargetRun:
    """A recording's line of the comparison: its file, its checks' outcomes, and the entries it could not read."""
    unread = f"{skipped} entr{'y' if skipped == 1 else 'ies'} not read (`conformance judge` says why)"
    return dataclasses.replace(TargetRun.of(spec.name, result, cases), base_url=str(spec.path),
                               stopped=unread if skipped else None)


def compare_recordings(specs: Sequence[RecordingSpec], base: RunConfig, allow: Sequence[AllowRule] = (),
                       environ: Mapping[str, str] = os.environ) -> Comparison:
    """Judge each recording (its checks' outcomes) and pair its exchanges; then compare. Raises UsageError (a key
    not set, a configuration a run refuses) or RecordingError (a recording that cannot be read)."""
    runs, observed = [], {}
    for spec in specs:
        try:
            keys = spec.keys(environ)
        except ValueError as error:
            raise UsageError(str(error)) from None
        judgement = judging(base, f"recording: {spec.path.name}", keys=keys)
        pairing = Pairing()
        for item in read_recording(spec.path):
            judged = judgement.judge(item)
            if judged is not None:
                pairing.add(*judged)
        observed[spec.name] = pairing.observed
        runs.append(_run(spec, judgement.result(), judgement.skip_count, len(pairing.observed)))
    return Comparison(base, runs, differences(observed, allow), subject="recordings")
