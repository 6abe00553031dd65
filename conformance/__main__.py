"""``python -m conformance`` and the ``conformance`` command: Ctrl-C at any moment (imports included) ends with
exit 130 and one line, never a traceback."""

import os
import sys


def entry() -> None:
    try:
        from conformance.cli import main

        main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr, flush=True)
        sys.stdout.flush()
        # ExitCode.INTERRUPTED, importing nothing a second Ctrl-C could interrupt; os._exit, as CPython exits by
        # SIGINT itself (status -2) when the interrupt crossed an import's exec(), even once it was handled
        os._exit(130)


if __name__ == "__main__":
    entry()
