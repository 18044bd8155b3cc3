"""A program in a real pseudo-terminal, timed from its spawn until given text is on its screen.

    seconds, rss_kb = time_until_shown(argv, env, ["[bill_to_fixes]"], quit_keys=["q"])

The child gets a 160x48 pty as its stdin, stdout and stderr (TERM=xterm-256color). What it writes is
read as it comes; escape sequences are dropped (a cursor move between two lines then joins them, but
a line's own text stays whole), and the time is taken when any of `texts` first appears. Then the
quit keys are typed, one a second, until it exits (killed after a bound).
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time

SIZE = (160, 48)
_ESCAPES = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78DEHM])")


class NotShown(RuntimeError):
    """The text never appeared; the message carries the end of what the screen got."""


def time_until_shown(argv: list[str], env: dict[str, str], texts: list[str], quit_keys: list[str],
                     timeout: float = 30) -> float:
    """Seconds from spawning `argv` in a pty until one of `texts` is on its screen."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    wanted = [text.encode() for text in texts]
    seen = b""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env={**env, "TERM": "xterm-256color", "COLUMNS": str(SIZE[0]),
                                       "LINES": str(SIZE[1])},
                            stdin=slave, stdout=slave, stderr=slave, start_new_session=True, close_fds=True)
    os.close(slave)
    try:
        shown = None
        raw = b""
        while shown is None:
            left = timeout - (time.perf_counter() - start)
            if left <= 0 or proc.poll() is not None:
                raise NotShown(f"{argv[0]}: none of {texts} within {timeout:g} s (exit {proc.poll()}); "
                               f"last on screen: {seen[-400:]!r}")
            ready, _, _ = select.select([master], [], [], min(left, 0.5))
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                continue
            now = time.perf_counter()
            raw += chunk
            cut = raw.rfind(b"\x1b")  # an escape sequence may be split between two reads
            complete, raw = (raw[:cut], raw[cut:]) if cut >= 0 and len(raw) - cut < 64 else (raw, b"")
            seen += _ESCAPES.sub(b"", complete)
            if any(text in seen for text in wanted):
                shown = now - start
        _quit(proc, master, quit_keys)
        return shown
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)


def _quit(proc: subprocess.Popen, master: int, keys: list[str], bound: float = 10) -> None:
    """Type the quit keys (the next one each second) while draining the screen, until the child exits."""
    deadline = time.perf_counter() + bound
    pending = list(keys)
    next_key = time.perf_counter()
    while proc.poll() is None and time.perf_counter() < deadline:
        if pending and time.perf_counter() >= next_key:
            os.write(master, pending.pop(0).encode())
            next_key = time.perf_counter() + 1
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                os.read(master, 65536)
            except OSError:
                pass
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
