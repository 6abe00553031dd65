"""Stateless checks of what a client survives: rules of HTTP and JSON a response breaks that a compliant client
recovers from (the RFC tells it how, and it then reads what the server meant). Each is a rule of an RFC, so SHOULD.

What makes a compliant client misread a response is CANCEL-CONTENT-TYPE's (MUST); both read the strict reader's
findings (``target/wire.py``), judged on every response to the cancel operation, generated and lifecycle alike.
"""

from __future__ import annotations

from conformance.checks.findings import NA, CheckContext, Violation
from conformance.checks.registry import SHOULD, STATELESS, Basis, Check, rfc
from conformance.checks.stateless import Verdict, check, operation_response
from conformance.target.exchange import Exchange
from conformance.target.json_text import NUMBERS, UNIQUE_NAMES
from conformance.target.wire import AFTER_END, CHARSET, FIELD_ONCE, OBS_FOLD, Rule


def _recovered(exchange: Exchange, rule: Rule, expected: str) -> Verdict:
    """A violation for the first finding of `rule` a client recovers from; NA off the cancel operation."""
    response = operation_response(exchange)
    if response is None:
        return NA
    found = next((finding for finding in response.findings if finding.rule == rule and not finding.misread),
                 None)
    return None if found is None else Violation(found.detail, expected)


def _basis(rule: Rule) -> Basis:
    return rfc(rule.section, rule.words)


@check(Check("CANCEL-FIELDS-ONCE", STATELESS, SHOULD, "protocol", _basis(FIELD_ONCE),
             "A response to the cancel carries Content-Type and Content-Length once each (twice with one value: a "
             "client recovers; with two values it misreads, CANCEL-CONTENT-TYPE's)."))
def fields_once(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    return _recovered(exchange, FIELD_ONCE, "each of Content-Type and Content-Length sent once")


@check(Check("CANCEL-NO-FOLDING", STATELESS, SHOULD, "protocol", _basis(OBS_FOLD),
             "A response to the cancel folds no field value onto a second line (obs-fold)."))
def no_folding(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    return _recovered(exchange, OBS_FOLD, "each field on one line")


@check(Check("CANCEL-BODY-LENGTH", STATELESS, SHOULD, "protocol", _basis(AFTER_END),
             "Nothing follows a response to the cancel beyond the end its framing declares (Content-Length, or the "
             "last chunk)."))
def body_length(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    return _recovered(exchange, AFTER_END, "a body exactly as long as its framing declares")


@check(Check("CANCEL-JSON-NAMES", STATELESS, SHOULD, "protocol", _basis(UNIQUE_NAMES),
             "No object of a JSON body names a member twice (with the same value: a client recovers; with different "
             "values it misreads, CANCEL-CONTENT-TYPE's)."))
def json_names(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    return _recovered(exchange, UNIQUE_NAMES, "each name once in each object")


@check(Check("CANCEL-JSON-NUMBERS", STATELESS, SHOULD, "protocol", _basis(NUMBERS),
             "Every number of a JSON body is one a double holds exactly: no integer beyond ±(2^53−1), no more "
             "precision than a double (beyond a double's range: CANCEL-CONTENT-TYPE's)."))
def json_numbers(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    return _recovered(exchange, NUMBERS, "numbers a double holds (larger ones as strings, RFC 7493 §2.2)")


@check(Check("CANCEL-JSON-CHARSET", STATELESS, SHOULD, "protocol", _basis(CHARSET),
             "A JSON response declares no charset but utf-8 (application/json has no charset parameter; a client "
             "that honours one decodes the body wrongly)."))
def json_charset(declared: Check, exchange: Exchange, ctx: CheckContext) -> Verdict:
    return _recovered(exchange, CHARSET, "application/json, or application/json; charset=utf-8")
