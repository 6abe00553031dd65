"""``python -m conformance`` and the ``conformance`` command: Ctrl-C at any moment (imports included) ends with
exit 130 and one line, never a traceback."""

import os
import sys

INTERRUPTED = 130  # ExitCode.INTERRUPTED, importing nothing a second Ctrl-C could interrupt (a test holds the two)


def entry() -> None:
    try:
        from conformance.cli import main

        main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr, flush=True)
        _exit_interrupted()
    except SystemExit as done:
        if done.code == INTERRUPTED:  # a command caught it, perhaps while its module was being imported
            _exit_interrupted()
        raise


def _exit_interrupted() -> None:
    """Exit 130 at once: CPython exits by SIGINT itself (status -2) when the interrupt crossed an import's exec(),
    even once it was handled."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(INTERRUPTED)


if __name__ == "__main__":
    entry()
