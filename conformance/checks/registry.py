"""Where every check is declared: its stable ID, stage, level, family, the basis it rests on, and one line of
description. Check modules declare their checks with ``register`` (next to the code that judges them); the catalogue
is this registry, in declaration order.

A check's **basis** says why the suite may hold a target to it:

- ``stated``: a statement of the published document under test (``spec/cancel-session.seed.json``): a JSON pointer
  and the words found there. Only stated checks may be MUST.
- ``inferred``: a reading of the document or of Xendit's other public material that the document does not state;
  the reasoning and its source (``docs/xendit-facts.md``). SHOULD only: reported as a warning.
- ``rfc``: a rule of an RFC, not of Xendit's document (the section and its words). SHOULD only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Concatenate, ParamSpec, TypeAlias, TypeVar

OPERATION = "/paths/~1sessions~1{session_id}~1cancel/post"
ERROR_RESPONSE = "/components/responses/Payment_Session_CancelSessionError"
ERROR_SCHEMA = f"{ERROR_RESPONSE}/content/application~1json/schema"
SERVER_ERROR_RESPONSE = "/components/responses/Payment_Session_Generic5XXResponse"
SERVER_ERROR_SCHEMA = f"{SERVER_ERROR_RESPONSE}/content/application~1json/schema"
SESSION_SCHEMA = f"{OPERATION}/responses/200/content/application~1json/schema"
ERROR_CODES = f"{ERROR_SCHEMA}/properties/error_code/description"
SESSION_COMPONENT = "/components/schemas/Payment_Session_StandardSessionResponsePublicSchema"
SESSION_ID_PARAMETER = "/components/parameters/Payment_Session_SessionIdPathParam"
FACTS = "docs/xendit-facts.md"
FAMILIES = ("document", "protocol", "schema", "errors", "ids", "auth", "isolation", "state", "concurrency",
            "checkout", "robustness")



class Level(StrEnum):
    MUST = "MUST"  # a failure makes the target NON-CONFORMANT
    SHOULD = "SHOULD"  # a failure is a warning (unless --fail-on-should)


class Stage(StrEnum):
    SPEC = "spec"
    STATELESS = "stateless"
    LIFECYCLE = "lifecycle"


class BasisKind(StrEnum):
    STATED = "stated"
    INFERRED = "inferred"
    RFC = "rfc"


MUST, SHOULD = Level
SPEC, STATELESS, LIFECYCLE = Stage
STATED, INFERRED, RFC = BasisKind


@dataclass(frozen=True)
class Basis:
    kind: BasisKind
    source: str  # stated: a JSON pointer into the document; inferred: a section of the facts file; rfc: "RFC 9110 §…"
    quote: str  # stated, rfc: the words there; inferred: the reasoning


def stated(pointer: str, quote: str) -> Basis:
    return Basis(STATED, pointer, quote)


def inferred(source: str, reasoning: str) -> Basis:
    return Basis(INFERRED, source, reasoning)


def rfc(section: str, quote: str) -> Basis:
    return Basis(RFC, section, quote)


# The document's statements several checks rest on, stateless and lifecycle alike: one quote each.
ONLY_ACTIVE = stated(ERROR_CODES, "INVALID_SESSION_STATUS - The session is not in ACTIVE status. Only ACTIVE sessions "
                                  "can be canceled.")
NOT_FOUND = stated(ERROR_CODES, "NOT_FOUND - The session with the given session_id does not exist or does not belong "
                                "to your business.")
INVALID_KEY = stated(ERROR_CODES, "INVALID_API_KEY - The API key provided is invalid or missing.")


@dataclass(frozen=True)
class Check:
    id: str
    stage: Stage
    level: Level
    family: str  # a pytest marker: run a family with ``-m auth``
    basis: Basis
    description: str
    covers: tuple[str, ...] = ()  # further statements it enforces (pointers), for the traceability matrix
    applies_to: str | None = None  # a class of response the target may never give (e.g. "a 5XX"): none seen is
    # "not applicable", not "not run"

    @property
    def statement(self) -> str:
        """The pointer into the document for a stated check; the source otherwise."""
        return self.basis.source

    @property
    def quote(self) -> str:
        return self.basis.quote

    def enforces(self, pointer: str) -> bool:
        """Whether this check enforces the statement at `pointer`: its own statements, and everything inside a
        schema it validates against. Only stated checks enforce the document."""
        if self.basis.kind != STATED:
            return False
        return any(pointer == at or (pointer.startswith(at + "/") and _is_schema(at))
                   for at in (self.statement, *self.covers))


def _is_schema(pointer: str) -> bool:
    return pointer.endswith("/schema") or pointer.startswith(("/components/schemas/", "/components/responses/"))


REGISTRY: dict[str, Check] = {}


def register(check: Check) -> Check:
    """Declare a check; a second declaration of an ID is a programming error."""
    if check.id in REGISTRY:
        raise ValueError(f"check {check.id} is declared twice")
    if check.level == MUST and check.basis.kind != STATED:
        raise ValueError(f"{check.id}: only a check stated by the document may be MUST ({check.basis.kind})")
    REGISTRY[check.id] = check
    return check


Args = ParamSpec("Args")
Said = TypeVar("Said")
Judge: TypeAlias = Callable[Concatenate[Check, Args], Said]  # a stage's judge: its Check, then what the stage hands it


def declaring(table: dict[str, Callable[Args, Said]]) -> Callable[[Check], Callable[[Judge[Args, Said]],
                                                                                    Judge[Args, Said]]]:
    """The decorator of one stage's checks: ``@declaring(TABLE)(Check(...))`` registers the check and files the
    function that judges it in `table` under the check's ID, handed its own Check as first argument: a judge never
    spells its ID (a typo there would make it judge nothing, silently)."""
    def declare(declared: Check) -> Callable[[Judge[Args, Said]], Judge[Args, Said]]:
        register(declared)

        def add(function: Judge[Args, Said]) -> Judge[Args, Said]:
            table[declared.id] = partial(function, declared)
            return function

        return add

    return declare
