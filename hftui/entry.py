"""The `hftui` command's first code: ctrl+c is handled before anything else is imported.

The console script imports the module it names before calling it; naming `hftui.cli` would let a
ctrl+c during that import (argparse, json…: the first ~50 ms) end in a KeyboardInterrupt traceback.
This module imports nothing at its top (`_signal` is built into the interpreter: no file to find).
What comes before it, the interpreter's own start-up (`site`, `.pth` files), is Python's.
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130


def main() -> int:
    try:
        from hftui.cli import main as run

        code = run()
    except KeyboardInterrupt:
        return interrupted()
    ignore_interrupts()  # from here the process only exits: a ctrl+c now must not print a traceback
    return code


def interrupted() -> int:
    """ctrl+c: one line and 130, never a traceback, and no second ctrl+c can cause one on the way out."""
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
