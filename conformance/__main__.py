"""``python -m conformance`` and the ``conformance`` command: Ctrl-C at any moment (imports included) ends with
exit 130 and one line, never a traceback."""

import sys


def entry() -> None:
    try:
        from conformance.cli import main

        main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)  # ExitCode.INTERRUPTED, without importing anything that a second Ctrl-C could interrupt


if __name__ == "__main__":
    entry()
