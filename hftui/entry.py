"""The `hftui` command's first code: ctrl+c is handled before anything else is imported.

The console script imports the module it names before calling it; naming `hftui.cli` would let a
ctrl+c during that import (argparse, json…: the first ~50 ms) end in a KeyboardInterrupt traceback.
"""

from __future__ import annotations

import signal
import sys
import threading

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
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
