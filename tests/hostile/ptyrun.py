"""hftui in a real pseudo-terminal: every byte it writes to the terminal, raw, as a terminal would get it."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

from helpers import HANG_LIMIT, environ

# What Textual writes when it takes the terminal over and when it gives it back.
ALT_SCREEN_ON, ALT_SCREEN_OFF = b"\x1b[?1049h", b"\x1b[?1049l"
MOUSE_ON, MOUSE_OFF = b"\x1b[?1000h", b"\x1b[?1000l"


class PtyRun:
    """`python -m hftui ARGS` on the slave side of a pty of `size` (columns, rows); the master is read
    into `output` by a thread until the child closes it."""

    def __init__(self, *args: str, env: dict[str, str | None] | None = None, size: tuple[int, int] = (160, 48)):
        master, slave = pty.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hftui", *args], stdin=slave, stdout=slave, stderr=slave, close_fds=True,
            env=environ({"TERM": "xterm-256color", "COLUMNS": None, "LINES": None, **(env or {})}),
            start_new_session=True)
        os.close(slave)
        self.master = master
        self.output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.2)
                if not ready:
                    if self.process.poll() is not None:
                        return
                    continue
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            with self._lock:
                self.output += data

    @property
    def bytes(self) -> bytes:
        with self._lock:
            return bytes(self.output)

    def wait_for(self, needle: bytes, what: str, limit: float = HANG_LIMIT, start: int = 0) -> int:
        """Where `needle` appears in the output (from `start`); fail after `limit` seconds."""
        deadline = time.monotonic() + limit
        while True:
            at = self.bytes.find(needle, start)
            if at >= 0:
                return at
            assert self.process.poll() is None or self._reader.is_alive(), \
                f"exited ({self.process.returncode}) before {what}: {self.bytes[-3000:]!r}"
            assert time.monotonic() < deadline, f"after {limit:g} s, still not: {what}"
            time.sleep(0.02)

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, limit: float = HANG_LIMIT) -> int:
        try:
            code = self.process.wait(limit)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"still running after {limit:g} s: {self.bytes[-3000:]!r}") from None
        self._reader.join(5)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def close(self) -> None:
        self.kill()
        try:
            os.close(self.master)
        except OSError:
            pass
