"""Every exit code of every ``conformance`` command, in one place."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # run: CONFORMANT · spec check: valid after repair · replay: passes now · compare: no difference ·
    # verify-evidence: verified
    FAILED = 1  # run: NON-CONFORMANT · spec check: unrepairable · replay: still fails · compare: differences ·
    # verify-evidence: verification failed
    USAGE = 2  # a usage or configuration error, caught before the first request (or: not replayable)
    UNREACHABLE = 3  # the target does not answer HTTP, or stopped answering during the run
    INCOMPLETE = 4  # run: INCOMPLETE: a selected MUST check was not judged (see the reasons in every report)
    INTERRUPTED = 130  # Ctrl-C: the reports written are partial
    TERMINATED = 143  # SIGTERM (128 + 15: a CI job's timeout, a container stopping): the reports written are partial
