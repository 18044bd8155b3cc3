"""ctrl+c at the very end: one line, exit 130, and no second ctrl+c can print a traceback on the way out.

Imports nothing at its top (`_signal` is built into the interpreter: no file to find), so the command's
first module (`entry`) can use it before anything else is loaded.
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130


def interrupted() -> int:
    ignore_interrupts()
    try:
        print("hftui: interrupted", file=sys.stderr)
    except (OSError, ValueError):
        pass
    return EXIT_INTERRUPTED


def ignore_interrupts() -> None:
    import _signal

    try:
        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
    except ValueError:  # not the main thread (a test calling cli.main from one): nothing to protect
        pass
