"""How long a call took, written to fit a column: at most 6 characters from 1 ms to 999 s.

The app's step rows and the terminal report both use it, so "1.7 s" reads the same in both and a
real chat call (1–10 s) never pushes the step's name out of its column.
"""

from __future__ import annotations

WIDTH = 6  # "999 ms", "9.9 s", "99 s", "999 s"


def short_duration(ms: float) -> str:
    """312 ms → "312 ms"; 1689 ms → "1.7 s"; 12.4 s → "12 s"; past 999 s → "999+ s"."""
    if ms < 999.5:
        return f"{max(ms, 0):.0f} ms"
    seconds = ms / 1000
    if seconds < 9.95:
        return f"{seconds:.1f} s"
    if seconds < 999.5:
        return f"{seconds:.0f} s"
    return "999+ s"


def seconds_left(elapsed_s: float, timeout_s: float) -> str | None:
    """"12 s left" while a call may still answer before its timeout; None once past it."""
    left = timeout_s - elapsed_s
    if left <= 0:
        return None
    return f"{left:.0f} s left" if left >= 1 else "<1 s left"
