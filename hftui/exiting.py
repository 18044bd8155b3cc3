"""How the `hftui` command ends: its output flushed, its exit functions run, then no interpreter teardown.

After a diagnose has printed its verdict the interpreter's own teardown (every module cleared, the
final garbage collections) took ~110 ms on a quiet 2-core machine, 150-350 ms under load: a tenth of
the whole run, spent on memory the operating system reclaims anyway. Only the real command ends
this way (`console`, the console script and `python -m hftui`); tests that call `cli.main` in-process
keep the ordinary exit.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


_ending = False


def end_after_command() -> None:
    """Say that this process ends when the command returns (the console script's path, not a test's)."""
    global _ending
    _ending = True


def ends_after_command() -> bool:
    """Whether the process ends when the command returns: what would be freed for later work never is."""
    return _ending


def exit_without_teardown(code: int) -> NoReturn:
    """End the process with `code`, as `sys.exit(code)` would, minus the interpreter's teardown.

    What the ordinary exit does that matters still happens: the atexit functions run (coverage saving
    its data, logging flushing its handlers) and stdout/stderr are flushed. When a thread that the
    ordinary exit would wait for is still running, or a flush fails (a closed pipe: the ordinary exit
    reports it and exits 120), the ordinary exit is taken instead.
    """
    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)  # CPython's, what its own exit calls
    if run_exit_functions is None or _threads_to_wait_for():
        sys.exit(code)
    run_exit_functions()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)


def _threads_to_wait_for() -> bool:
    """A live non-daemon thread besides this one: the ordinary exit would wait for it, so must this."""
    current = threading.current_thread()
    return any(thread is not current and not thread.daemon and thread.is_alive() for thread in threading.enumerate())
