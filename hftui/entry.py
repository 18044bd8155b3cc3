"""The `hftui` command's first code: ctrl+c is handled before anything else is imported, and the
command ends without the interpreter's teardown.

The console script imports the module it names before calling it; naming `hftui.cli` would let a
ctrl+c during that import (argparse, json…: the first ~50 ms) end in a KeyboardInterrupt traceback.
What comes before this module, the interpreter's own start-up (`site`, `.pth` files), is Python's.
Tests that call `cli.main` in-process keep the ordinary exit (hftui.exiting says why this one differs).
"""

from __future__ import annotations

from hftui.interrupts import ignore_interrupts, interrupted


def main() -> int:
    try:
        from hftui.exiting import end_after_command

        end_after_command()
        from hftui.cli import main as run

        try:
            code = run()
        except SystemExit as exc:  # argparse: --help, --version, a usage error
            if exc.code is not None and not isinstance(exc.code, int):
                raise
            code = exc.code or 0
    except KeyboardInterrupt:
        return interrupted()
    ignore_interrupts()  # from here the process only exits: a ctrl+c now must not print a traceback
    from hftui.exiting import exit_without_teardown

    exit_without_teardown(code)
