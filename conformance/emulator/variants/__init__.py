"""Variants of the emulator, to measure the suite: faults it must catch and conformant servers it must pass.

The catalogue is data: a name, the ``Api`` subclass (which changes exactly one behaviour; its docstring is the
description), and the verdict the suite must reach in a trial (with ``tests.trial.TRIAL_OPTIONS``: the opening sequence,
which judges every lifecycle check, its sweeps, and each family's explicit examples). A fault lists the check IDs that
must fail against it in ``strict`` (SHOULD checks: warn, and fail the run with ``--fail-on-should``, which it then lists
in ``options``), and those that may (``sometimes``: which check a fault trips first depends on the seed or on a race). A
conformant variant names the profile it must pass in and lists the checks that fail or warn against it in ``strict``:
SHOULD checks only for one that passes ``strict``.

Start one with ``running(config, api=VARIANTS[name].api)`` or ``conformance emulator --fault NAME`` /
``--variant NAME``.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.emulator.app import Api
from conformance.emulator.variants import auth, body, clients, crowds, data, errors, expiry, ids, robustness, state
from conformance.emulator.variants import conformant as ok
from conformance.emulator.variants import transport as wire

FAIL_ON_SHOULD = ("--fail-on-should",)
CLIENT_CANCELS = ("LIFE-CANCEL-ACTIVE", "LIFE-OTHER-SUBACCOUNT-404")  # a client variant's fault met by an acting cancel


@dataclass(frozen=True)
class Variant:
    name: str
    api: type[Api]
    catches: frozenset[str]  # check IDs that fail (or, SHOULD level, warn) against it in strict
    sometimes: frozenset[str] = frozenset()  # and those that may, depending on the seed or a race (which check a
    # fault trips first: the sessions a finding involves are set aside)
    passes_in: str | None = None  # the profile it conforms to; None for a fault
    options: tuple[str, ...] = ()  # `conformance run` options its verdict needs

    @property
    def description(self) -> str:
        return (self.api.__doc__ or "").strip().splitlines()[0]

    @property
    def is_fault(self) -> bool:
        return self.passes_in is None


def fault(name: str, api: type[Api], *check_ids: str, sometimes: tuple[str, ...] = (),
          options: tuple[str, ...] = ()) -> Variant:
    return Variant(name, api, frozenset(check_ids), frozenset(sometimes), options=options)


def conformant(name: str, api: type[Api], profile: str = "strict", *fails_in_strict: str,
               sometimes: tuple[str, ...] = (), options: tuple[str, ...] = ()) -> Variant:
    return Variant(name, api, frozenset(fails_in_strict), frozenset(sometimes), passes_in=profile, options=options)


EDGE_CANCEL = ("LIFE-CANCEL-ACTIVE",)  # the watch's cancel just after expires_at, which the model lets act or refuse
# (422): an answer neither allows is charged to the acting branch, the first (if the watch's thread is not late)
BESIDE_CANCEL = ("LIFE-READ",)  # a crowd's read beside its session's cancel, if it arrives after it: the session as
# the faulty cancel left it
CROWD_500 = ("LIFE-CANCEL-ACTIVE", "LIFE-GET-CANCELED", "LIFE-RECANCEL", "LIFE-OTHER-BUSINESS", "LIFE-AUTH-NO-EFFECT",
             "LIFE-OTHER-SUBACCOUNT-404", "LIFE-STATUS-MESSAGE", "LIFE-CONCURRENT-422", "LIFE-READ", "LIFE-EXPIRED",
             "LIFE-FRAME")  # a crowd's 500: charged to the check of the outcome its request was owed (which ones
# find no free connection depends on the order they arrive in)
UNREADABLE_SESSION = ("LIFE-CANCEL-ACTIVE", "LIFE-UPDATED")  # a cancel's 200 whose session no client can read
UNREADABLE_ERROR = ("CANCEL-AUTH", "CANCEL-NOT-FOUND", "CANCEL-OUT-OF-BOUNDS-404", "LIFE-AUTH-NO-EFFECT",
                    "LIFE-COMPLETED", "LIFE-EXPIRED", "LIFE-OTHER-BUSINESS", "LIFE-OTHER-SUBACCOUNT-404",
                    "LIFE-CONCURRENT-422")  # and an error answer whose error_code none can: every check it concerns
UNREADABLE = ("CANCEL-CONTENT-TYPE", *UNREADABLE_SESSION, *UNREADABLE_ERROR)  # every answer to the cancel
STORED_SOMETIMES = ("LIFE-FRAME",)  # a storage fault is met first by the cancel of an edge body (LIFE-CANCEL-ACTIVE),
# or by the frame condition's read of a session the exploration drew with edge data

CATALOGUE = [
    # the 200 body: types, lengths, formats, enums, nullability, the echoed id
    fault("amount-as-string", body.AmountAsString, "CANCEL-200-SCHEMA"),
    fault("reference-id-padded", body.ReferenceIdPadded, "CANCEL-200-SCHEMA"),
    fault("timestamps-not-rfc3339", body.TimestampsNotRfc3339, "CANCEL-200-SCHEMA"),
    fault("status-misspelled", body.StatusMisspelled, "CANCEL-200-CANCELED", "CANCEL-200-SCHEMA",
          "LIFE-CANCEL-ACTIVE", "LIFE-CONCURRENT", sometimes=BESIDE_CANCEL),
    fault("business-id-null", body.BusinessIdNull, "CANCEL-200-SCHEMA"),
    fault("answers-session-before-cancel", body.AnswersSessionBeforeCancel, "CANCEL-200-CANCELED",
          "LIFE-CANCEL-ACTIVE", "LIFE-UPDATED"),
    fault("echoes-internal-id", body.EchoesInternalId, "CANCEL-200-ID", "LIFE-CANCEL-ACTIVE"),
    fault("updated-not-bumped", body.UpdatedNotBumped, "LIFE-UPDATED", options=FAIL_ON_SHOULD),
    # error bodies, statuses, the error-code ↔ status mapping, content types
    fault("error-without-message", errors.ErrorWithoutMessage, "CANCEL-4XX-SCHEMA", "LIFE-STATUS-MESSAGE"),
    fault("errors-as-text-plain", errors.ErrorsAsTextPlain, "CANCEL-CONTENT-TYPE", "CANCEL-OUT-OF-BOUNDS-404"),
    fault("unauthorized-403", errors.Unauthorized403, "CANCEL-AUTH", "CANCEL-ERROR-CODE", "LIFE-AUTH-NO-EFFECT"),
    fault("unauthorized-code", errors.UnauthorizedCode, "CANCEL-4XX-SCHEMA", "CANCEL-AUTH", "CANCEL-ERROR-CODE",
          "LIFE-AUTH-NO-EFFECT"),
    fault("invalid-status-409", errors.InvalidStatus409, "CANCEL-ERROR-CODE", "LIFE-COMPLETED", "LIFE-CONCURRENT-422",
          "LIFE-EXPIRED", "LIFE-RECANCEL", sometimes=EDGE_CANCEL),
    fault("accepted-202", errors.Accepted202, "CANCEL-STATUS", "LIFE-CANCEL-ACTIVE"),
    fault("redirects-upper-case-id", errors.RedirectsUpperCaseId, "CANCEL-NOT-FOUND", "CANCEL-OUT-OF-BOUNDS-404",
          "CANCEL-STATUS"),
    fault("cancel-path-answers-get", errors.CancelPathAnswersGet, "CANCEL-METHOD", options=FAIL_ON_SHOULD),
    # auth and isolation
    fault("missing-key-accepted", auth.MissingKeyAccepted, "CANCEL-AUTH", "LIFE-AUTH-NO-EFFECT"),
    fault("any-test-key-accepted", auth.AnyTestKeyAccepted, "CANCEL-AUTH", "LIFE-AUTH-NO-EFFECT"),
    fault("cancel-ignores-owner", auth.CancelIgnoresOwner, "LIFE-OTHER-BUSINESS", "LIFE-OTHER-SUBACCOUNT",
          sometimes=("LIFE-OTHER-SUBACCOUNT-404",)),
    fault("other-business-sees-status", auth.OtherBusinessSeesStatus, "LIFE-OTHER-BUSINESS"),
    fault("for-user-id-ignored", auth.ForUserIdIgnored, "LIFE-OTHER-SUBACCOUNT",
          sometimes=("LIFE-OTHER-SUBACCOUNT-404",)),
    # the state machine, concurrency, the hosted checkout
    fault("rejected-cancel-cancels", auth.RejectedCancelCancels, "LIFE-AUTH-NO-EFFECT"),
    fault("recancel-succeeds", state.RecancelSucceeds, "LIFE-CONCURRENT", "LIFE-RECANCEL"),
    fault("completed-cancelable", state.CompletedCancelable, "LIFE-COMPLETED"),
    fault("expired-cancelable", state.ExpiredCancelable, "LIFE-EXPIRED", sometimes=("LIFE-GET-CANCELED",)),
    fault("cancel-not-persisted", state.CancelNotPersisted, "LIFE-CHECKOUT", "LIFE-CONCURRENT", "LIFE-GET-CANCELED",
          sometimes=("LIFE-FRAME",)),  # the watch's frame read of its cancelled session, if it comes before the finding
    fault("status-message-generic", errors.StatusMessageGeneric, "LIFE-STATUS-MESSAGE", options=FAIL_ON_SHOULD),
    fault("cancel-not-atomic", state.CancelNotAtomic, "LIFE-CONCURRENT"),
    fault("checkout-alive-after-cancel", state.CheckoutAliveAfterCancel, "LIFE-CHECKOUT"),
    # ids: variants of a real id, ids of no session
    fault("id-case-insensitive", ids.IdCaseInsensitive, "CANCEL-200-ID", "CANCEL-NO-PHANTOM", "CANCEL-NOT-FOUND",
          "LIFE-ID-VARIANT"),
    fault("id-truncated", ids.IdTruncated, "CANCEL-200-ID", "CANCEL-NO-PHANTOM", "CANCEL-OUT-OF-BOUNDS-404",
          "LIFE-ID-VARIANT"),
    fault("unknown-id-canceled", ids.UnknownIdCanceled, "CANCEL-NO-PHANTOM", "CANCEL-NOT-FOUND", "LIFE-ID-VARIANT"),
    *(fault(name, api, "CANCEL-200-ID", "CANCEL-NO-PHANTOM", "CANCEL-OUT-OF-BOUNDS-404", "LIFE-ID-VARIANT")
      for name, api in (("id-trailing-newline-accepted", ids.IdTrailingNewlineAccepted),
                        ("id-cut-at-nul", ids.IdCutAtNul), ("id-trailing-spaces-ignored", ids.IdTrailingSpacesIgnored),
                        ("id-one-short-completed", ids.IdOneShortCompleted))),
    # requests as real clients vary them: the same request in HTTP's eyes, answered differently (which cancel of
    # the lifecycle meets the fault first, an acting one or a refused one, depends on the sequence)
    fault("auth-field-name-exact", clients.AuthFieldNameExact, "CANCEL-NOT-FOUND", "LIFE-CANCEL-ACTIVE",
          "LIFE-OTHER-SUBACCOUNT-404", sometimes=("LIFE-RECANCEL",)),
    fault("auth-scheme-exact", clients.AuthSchemeExact, "CANCEL-NOT-FOUND", "LIFE-RECANCEL",
          sometimes=CLIENT_CANCELS),
    fault("auth-single-space", clients.AuthSingleSpace, "CANCEL-NOT-FOUND", "LIFE-RECANCEL",
          sometimes=CLIENT_CANCELS),
    fault("for-user-id-lower-case-only", clients.ForUserIdLowerCaseOnly, "LIFE-OTHER-SUBACCOUNT",
          "LIFE-OTHER-SUBACCOUNT-404"),
    fault("query-unrouted", clients.QueryUnrouted, "LIFE-RECANCEL", sometimes=CLIENT_CANCELS),
    fault("content-type-without-body-400", clients.ContentTypeWithoutBody400, "CANCEL-NOT-FOUND", "LIFE-RECANCEL",
          sometimes=CLIENT_CANCELS),
    fault("accept-parameters-406", clients.AcceptParameters406, "CANCEL-NOT-FOUND", "LIFE-RECANCEL",
          sometimes=CLIENT_CANCELS),
    fault("http-1.0-refused", clients.Http10Refused, "CANCEL-NOT-FOUND", "LIFE-RECANCEL", sometimes=CLIENT_CANCELS),
    # robustness
    fault("crash-on-long-id", robustness.CrashOnLongId, "CANCEL-NO-5XX", "CANCEL-OUT-OF-BOUNDS-404"),
    fault("crash-on-quote", robustness.CrashOnQuote, "CANCEL-NO-5XX", "CANCEL-OUT-OF-BOUNDS-404"),
    fault("crash-on-non-ascii", robustness.CrashOnNonAscii, "CANCEL-NO-5XX", "CANCEL-OUT-OF-BOUNDS-404"),
    fault("truncated-on-long-id", robustness.TruncatedOnLongId, "CANCEL-HTTP"),
    fault("crash-on-upper-case-id", robustness.CrashOnUpperCaseId, "CANCEL-5XX-SCHEMA", "CANCEL-NO-5XX",
          "CANCEL-NOT-FOUND"),
    fault("crash-on-dot-segment", robustness.CrashOnDotSegment, "ROBUST-NO-5XX"),
    fault("no-allow-on-405", robustness.NoAllowOn405, "CANCEL-METHOD-ALLOW", options=FAIL_ON_SHOULD),
    # conformant
    conformant("optional-fields-omitted", ok.OptionalFieldsOmitted),
    conformant("timestamps-in-seconds", ok.TimestampsInSeconds),
    conformant("extra-session-fields", ok.ExtraSessionFields),
    conformant("extra-error-fields", ok.ExtraErrorFields),
    conformant("checkout-link-with-query", ok.CheckoutLinkWithQuery),
    # correct but different: each takes one allowance of the document; strict passes them (SHOULD warnings listed)
    conformant("out-of-bounds-id-400", ok.OutOfBoundsId400, "strict", "CANCEL-OUT-OF-BOUNDS-404"),
    conformant("path-before-key", ok.PathBeforeKey, "strict", "CANCEL-OUT-OF-BOUNDS-404"),
    conformant("cors-preflight", ok.CorsPreflight),
    conformant("method-405-text-plain", ok.MethodNotAllowedPlain, "strict", "CANCEL-METHOD-ALLOW"),
    conformant("foreign-sub-account-403", ok.ForeignSubAccount403, "strict", "LIFE-OTHER-SUBACCOUNT-404"),
    conformant("master-acts-for-sub-accounts", ok.MasterActsForSubAccounts),
    conformant("race-loser-409", ok.RaceLoser409, "strict", "LIFE-CONCURRENT-422"),
    conformant("checkout-link-nulled-on-cancel", ok.CheckoutLinkNulledOnCancel),
    conformant("key-password-accepted", ok.KeyPasswordAccepted),
    conformant("checkout-links-other-origin", ok.CheckoutLinksOtherOrigin),
    conformant("extra-nested-fields", ok.ExtraNestedFields),
    conformant("numbers-exponent", ok.NumbersExponent),
    conformant("content-refused-400", clients.ContentRefused),
    conformant("query-refused-400", clients.QueryRefused),
    conformant("expectation-refused-417", clients.ExpectationRefused),
    conformant("http-1.0-upgrade-426", clients.Http10Upgrade426),
    # the HTTP of the answers: framing, connections, encodings, media type parameters
    conformant("chunked-responses", ok.ChunkedResponses),
    conformant("connection-close", ok.ConnectionClose),
    conformant("json-charset", ok.JsonCharsetDeclared),
    conformant("gzip-responses", ok.GzipResponses),
    conformant("connection-close-always", ok.ConnectionCloseAlways),
    conformant("http-1.0-responses", ok.Http10Responses),
    conformant("field-names-upper-case", ok.FieldNamesUpperCase),
    # an earlier Xendit specification's answers: lenient passes them
    conformant("malformed-id-400", ok.MalformedId400, "lenient", "CANCEL-NOT-FOUND", "CANCEL-OUT-OF-BOUNDS-404"),
    conformant("session-not-found-code", ok.SessionNotFoundCode, "lenient", "CANCEL-NOT-FOUND", "CANCEL-4XX-SCHEMA",
               "CANCEL-ERROR-CODE", "CANCEL-OUT-OF-BOUNDS-404", "LIFE-OTHER-BUSINESS",
               sometimes=("LIFE-OTHER-SUBACCOUNT-404",)),
    # --- faults that show only in state, each caught by the model-based lifecycle stage (a fixed script of requests
    # misses every one: no single response is wrong)
    # side effects on other sessions
    fault("cancel-touches-siblings", state.CancelTouchesSiblings, "LIFE-FRAME", sometimes=("LIFE-RECANCEL",)),
    fault("cancel-by-reference-id", state.CancelByReferenceId, "LIFE-FRAME"),
    fault("rejected-cancel-bumps-updated", state.RejectedCancelBumpsUpdated, "LIFE-COMPLETED", "LIFE-RECANCEL",
          sometimes=("LIFE-FRAME",)),  # a crowd's refused cancel beside another session's that acted: which of the
    # two moved `updated`, nobody can tell
    # a warning never keeps a MUST check from being judged: the sessions a SHOULD finding involves stay in use
    fault("updated-moves-backwards", state.UpdatedMovesBackwards, "LIFE-UPDATED", "LIFE-TIMESTAMPS",
          options=FAIL_ON_SHOULD),
    # caching
    fault("get-caches-first-read", state.GetCachesFirstRead, "LIFE-COMPLETED", "LIFE-EXPIRED", "LIFE-GET-CANCELED",
          sometimes=(*BESIDE_CANCEL, "LIFE-TIMESTAMPS")),
    fault("cancel-trusts-read-cache", state.CancelTrustsReadCache, "LIFE-COMPLETED", "LIFE-EXPIRED",
          sometimes=EDGE_CANCEL),
    # time
    fault("lazy-expiry", state.LazyExpiry, "LIFE-EXPIRED", sometimes=EDGE_CANCEL),
    fault("cancel-ignores-expiry", state.CancelIgnoresExpiry, "LIFE-EXPIRED", sometimes=EDGE_CANCEL),
    fault("expired-shown-active", state.ExpiredShownActive, "LIFE-READ", options=FAIL_ON_SHOULD),  # its cancels
    # refuse the expired session, as they must: only the GET, which the document under test does not state, is wrong
    # normalisation of a real id
    fault("id-control-chars-dropped", ids.IdControlCharsDropped, "CANCEL-200-ID", "CANCEL-NO-PHANTOM",
          "CANCEL-OUT-OF-BOUNDS-404", "LIFE-ID-VARIANT"),
    fault("id-cut-at-special", ids.IdCutAtSpecial, "CANCEL-200-ID", "CANCEL-NO-PHANTOM", "CANCEL-OUT-OF-BOUNDS-404",
          "LIFE-ID-VARIANT"),
    fault("id-extension-stripped", ids.IdExtensionStripped, "CANCEL-200-ID", "CANCEL-NO-PHANTOM",
          "CANCEL-OUT-OF-BOUNDS-404", "LIFE-ID-VARIANT"),
    fault("id-percent-decoded-twice", ids.IdPercentDecodedTwice, "CANCEL-200-ID", "CANCEL-NO-PHANTOM",
          "CANCEL-OUT-OF-BOUNDS-404", "LIFE-ID-VARIANT"),
    fault("id-nfkc-normalised", ids.IdNfkcNormalised, "CANCEL-200-ID", "CANCEL-NO-PHANTOM",
          "CANCEL-OUT-OF-BOUNDS-404", "LIFE-ID-VARIANT"),
    fault("id-prefix-tolerated", ids.IdPrefixTolerated, "CANCEL-200-ID", "CANCEL-NO-PHANTOM",
          "CANCEL-OUT-OF-BOUNDS-404", "LIFE-ID-VARIANT"),
    fault("id-prefix-case-insensitive", ids.IdPrefixCaseInsensitive, "CANCEL-200-ID", "CANCEL-NO-PHANTOM",
          "CANCEL-NOT-FOUND", "LIFE-ID-VARIANT"),
    # isolation, in every direction
    fault("sub-accounts-share-sessions", auth.SubAccountsShareSessions, "LIFE-OTHER-SUBACCOUNT"),
    fault("for-user-id-crosses-businesses", auth.ForUserIdCrossesBusinesses, "LIFE-OTHER-BUSINESS",
          sometimes=("LIFE-OTHER-SUBACCOUNT",)),
    fault("other-business-reaches-sub-accounts", auth.OtherBusinessReachesSubAccounts, "LIFE-OTHER-BUSINESS"),
    fault("key-case-insensitive", auth.KeyCaseInsensitive, "CANCEL-AUTH", "LIFE-AUTH-NO-EFFECT", "LIFE-READ"),
    fault("key-whitespace-trimmed", auth.KeyWhitespaceTrimmed, "CANCEL-AUTH", "LIFE-AUTH-NO-EFFECT"),
    # fidelity of a richly populated session across a cancel
    *(fault(name, api, "LIFE-CANCEL-ACTIVE", sometimes=BESIDE_CANCEL)
      for name, api in (("cancel-drops-items", body.CancelDropsItems),
                        ("cancel-drops-metadata", body.CancelDropsMetadata),
                        ("cancel-mangles-non-ascii", body.CancelManglesNonAscii),
                        ("cancel-rounds-amount", body.CancelRoundsAmount),
                        ("canceled-drops-sdk-key", body.CanceledDropsSdkKey))),
    # other methods, concurrency
    fault("delete-cancels", state.DeleteCancels, "LIFE-METHOD-NO-EFFECT", options=FAIL_ON_SHOULD),
    fault("cancel-answers-racing-session", state.CancelAnswersRacingSession, "CANCEL-200-ID", "LIFE-CANCEL-ACTIVE",
          sometimes=("CANCEL-200-CANCELED", "LIFE-UPDATED")),  # whether the racing session was already canceled,
    # and whether its `updated` is later than the one the canceled session had
    # --- the bytes on the wire: each rule a compliant client reads by, broken in the answers to the cancel;
    # requests reads every one of them, so only the strict reader sees them. One a client
    # misreads fails CANCEL-CONTENT-TYPE, and every check that needs what that client cannot read (UNREADABLE)
    # the JSON text
    fault("json-bom", wire.JsonWithBom, *UNREADABLE),
    fault("json-utf-16", wire.JsonInUtf16, *UNREADABLE),
    fault("status-named-twice", wire.StatusNamedTwice, "CANCEL-CONTENT-TYPE", *UNREADABLE_SESSION),
    fault("amount-beyond-double", wire.AmountBeyondDouble, "CANCEL-CONTENT-TYPE", *UNREADABLE_SESSION),
    fault("first-name-repeated", wire.FirstNameRepeated, "CANCEL-JSON-NAMES", options=FAIL_ON_SHOULD),
    fault("integer-beyond-double", wire.IntegerBeyondDouble, "CANCEL-JSON-NUMBERS", options=FAIL_ON_SHOULD),
    # field lines and content codings
    fault("gzip-claimed", wire.GzipClaimed, *UNREADABLE),
    fault("raw-deflate", wire.RawDeflate, *UNREADABLE),
    fault("content-type-twice", wire.ContentTypeTwice, *UNREADABLE),
    fault("space-before-colon", wire.SpaceBeforeColon, *UNREADABLE),
    fault("content-type-repeated", wire.ContentTypeRepeated, "CANCEL-FIELDS-ONCE", options=FAIL_ON_SHOULD),
    fault("json-charset-latin-1", wire.JsonCharsetLatin1, "CANCEL-JSON-CHARSET", options=FAIL_ON_SHOULD),
    fault("folded-field", wire.FoldedField, "CANCEL-NO-FOLDING", options=FAIL_ON_SHOULD),
    # framing
    fault("length-beside-chunked", wire.LengthBesideChunked, *UNREADABLE),
    fault("chunk-sizes-python-hex", wire.ChunkSizesPythonHex, *UNREADABLE),
    fault("newline-after-body", wire.NewlineAfterBody, "CANCEL-BODY-LENGTH", options=FAIL_ON_SHOULD),
    # --- time: what a client watching sessions across their expires_at meets (the watch)
    fault("expiry-overwrites-canceled", expiry.ExpiryOverwritesCanceled, "LIFE-GET-CANCELED"),
    fault("expires-early", expiry.ExpiresEarly, "LIFE-READ", options=FAIL_ON_SHOULD,
          sometimes=("LIFE-CANCEL-ACTIVE", "LIFE-EXPIRED", "LIFE-FRAME")),  # when the watch's creates were slow (a
    # loaded machine), its first cancel falls in the second the fault steals: refused, a MUST failure it truly is
    fault("boundary-cancel-lost", expiry.BoundaryCancelLost, "LIFE-GET-CANCELED"),
    fault("expiry-updated-unset", expiry.ExpiryUpdatedUnset, "LIFE-TIMESTAMPS", options=FAIL_ON_SHOULD),
    fault("cancel-updated-local-time", expiry.CancelUpdatedLocalTime, "LIFE-TIMESTAMPS", options=FAIL_ON_SHOULD),
    conformant("expiry-sweep-late", expiry.ExpirySweepLate, options=("--expiry-lag", "2")),  # its sweep's lateness
    conformant("timestamps-with-offset", expiry.TimestampsWithOffset),
    conformant("reads-held-near-expiry", expiry.ReadsHeldNearExpiry),
    # --- many clients at once: what a crowd of reads and cancels of several sessions meets (a burst of one session's
    # cancels misses both)
    fault("pool-exhausted-500", crowds.PoolExhausted500, "CANCEL-NO-5XX", sometimes=CROWD_500),
    fault("reads-miss-during-cancel", crowds.ReadsMissDuringCancel, "LIFE-READ", options=FAIL_ON_SHOULD),
    conformant("pool-exhausted-429", crowds.PoolExhausted429),
    # --- data at its edges: what storage does to the data it keeps, shown only by edge data (the create answers what
    # it received; the cancel's answer and every read show what was stored)
    *(fault(name, api, "LIFE-CANCEL-ACTIVE", sometimes=STORED_SOMETIMES)
      for name, api in (("stored-nfc", data.StoredNfc), ("stored-utf8mb3", data.StoredUtf8mb3),
                        ("stored-varchar-255", data.StoredVarchar255), ("stored-html-escaped", data.StoredHtmlEscaped),
                        ("stored-control-chars-stripped", data.StoredControlCharsStripped),
                        ("stored-amount-float32", data.StoredAmountFloat32),
                        ("stored-item-columns-missing", data.StoredItemColumnsMissing),
                        ("stored-metadata-typed", data.StoredMetadataTyped),
                        ("stored-nested-as-text", data.StoredNestedAsText))),
    # the same JSON written otherwise: strict passes each
    conformant("json-utf-8-unescaped", data.Utf8Unescaped),
    conformant("json-html-safe-escapes", data.HtmlSafeEscapes),
    conformant("json-slash-escaped", data.SlashEscaped),
    conformant("members-reordered", data.MembersReordered),
    conformant("amounts-with-minor-digits", data.AmountsWithMinorDigits),
]

VARIANTS = {variant.name: variant for variant in CATALOGUE}
