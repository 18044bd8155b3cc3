"""The `hftui` command's first code: ctrl+c is handled before anything else is imported.

The console script imports the module it names before calling it; naming `hftui.cli` would let a
ctrl+c during that import (argparse, json…: the first ~50 ms) end in a KeyboardInterrupt traceback.
What comes before this module, the interpreter's own start-up (`site`, `.pth` files), is Python's.
"""

from __future__ import annotations

from hftui.interrupts import ignore_interrupts, interrupted


def main() -> int:
    try:
        from hftui.cli import main as run

        code = run()
    except KeyboardInterrupt:
        return interrupted()
    ignore_interrupts()  # from here the process only exits: a ctrl+c now must not print a traceback
    return code
