"""hftui in a real pseudo-terminal, 80x24, the way a user meets it over SSH: quitting from the text
field it starts in, and the ASCII fallback for a terminal that cannot show ✓ ✗ ▶ … (every byte
written is checked, not a rendering of it)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

import pytest

from helpers import HANG_LIMIT, environ

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
_ESCAPES = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)")


class Terminal:
    """A child process on a pseudo-terminal of a fixed size; everything it writes is kept."""

    def __init__(self, *args: str, env: dict[str, str | None], size: tuple[int, int] = (80, 24)) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        home = tempfile.mkdtemp(prefix="hftui-pty-")
        base = {"TERM": "xterm-256color", "HOME": home, "XDG_CONFIG_HOME": os.path.join(home, ".config"),
                "HF_HOME": os.path.join(home, "hf"), "HF_TOKEN": None, "HUGGING_FACE_HUB_TOKEN": None,
                "HFTUI_NO_KEYRING": "1", "NO_COLOR": None, "HFTUI_ASCII": None, "COLUMNS": None, "LINES": None}
        self.process = subprocess.Popen([sys.executable, "-m", "hftui", *args], stdin=slave, stdout=slave,
                                        stderr=slave, env=environ({**base, **env}), start_new_session=True,
                                        close_fds=True)
        os.close(slave)
        self.output = bytearray()

    def read_until(self, wanted: bytes, what: str) -> None:
        deadline = time.monotonic() + HANG_LIMIT
        while wanted not in self.text():
            assert time.monotonic() < deadline, f"after {HANG_LIMIT:g} s, still not: {what}"
            self._read(0.1)

    def _read(self, wait: float) -> None:
        ready, _, _ = select.select([self.master], [], [], wait)
        if ready:
            try:
                self.output += os.read(self.master, 65536)
            except OSError:  # the child has gone and closed its side
                time.sleep(wait)

    def text(self) -> bytes:
        """What was written, escape sequences removed: the characters drawn, in the order drawn."""
        return _ESCAPES.sub(b"", bytes(self.output))

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait(self) -> int:
        deadline = time.monotonic() + HANG_LIMIT
        while self.process.poll() is None:
            assert time.monotonic() < deadline, f"after {HANG_LIMIT:g} s, hftui has not exited"
            self._read(0.1)
        return self.process.returncode

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        os.close(self.master)


def test_hftui_without_a_model_starts_in_a_field_and_ctrl_q_quits_from_it():
    terminal = Terminal(env={"LANG": "C.UTF-8", "LC_ALL": None})
    try:
        terminal.read_until(b"Enter the model", "the app asks for the model")
        terminal.read_until(b"^q Quit", "the footer says how to leave from the field")
        terminal.type(b"qzq")
        terminal.read_until(b"qzq", "q is typed into the model field (and drawn there), it does not quit")
        assert terminal.process.poll() is None
        terminal.type(b"\x11")  # ctrl+q
        assert terminal.wait() == 0
    finally:
        terminal.close()


@pytest.mark.parametrize("env", [{"HFTUI_ASCII": "1", "LANG": "C.UTF-8", "LC_ALL": None},
                                 {"LC_ALL": "C", "LANG": None}], ids=["forced", "detected-from-locale"])
def test_a_terminal_that_cannot_show_the_marks_gets_ascii_and_pass_and_fail_still_differ(env):
    terminal = Terminal("demo", "case-b", env=env)
    try:
        terminal.read_until(b"case B", "the verdict is drawn")
        terminal.read_until(b"x 401", "a failed step reads x 401")
        terminal.read_until(b"+ 200", "a passed step reads + 200")
        terminal.type(b"q")
        assert terminal.wait() == 0
        drawn = bytes(terminal.output)
        assert drawn.isascii(), "every byte written is ASCII: " + repr(sorted({b for b in drawn if b > 127})[:10])
        assert b"+-" in terminal.text() and b"|" in terminal.text(), "the borders too"
    finally:
        terminal.close()


def test_the_plan_started_before_the_app_is_adopted_not_sent_again():
    """With the model on the command line the first plan starts before Textual loads (the head start):
    the app shows that run's verdict, and every call of it was sent once (the adoption re-sends nothing)."""
    from hftui.core.cases import Case
    from hftui.sim import SimServer, get_scenario

    scenario = get_scenario("case-d")
    with SimServer(scenario, port=0) as sim:
        terminal = Terminal("--model", scenario.model, "--hub-url", sim.url, "--router-url", sim.url,
                            env={"LANG": "C.UTF-8", "LC_ALL": None, "HF_TOKEN": scenario.client_token},
                            size=(160, 48))
        try:
            terminal.read_until(Case(scenario.expected_case).title.encode(), "the head start's verdict is drawn")
            terminal.type(b"q")
            assert terminal.wait() == 0
        finally:
            terminal.close()
        requests = list(sim.requests)
    others = [request.path for request in requests if request.path != "/v1/chat/completions"]
    calls = [(request.body, request.headers.get("x-hf-bill-to")) for request in requests
             if request.path == "/v1/chat/completions"]
    # case-d's plan: whoami, the catalog, the mapping; the call as configured, the known-good one, the
    # pinned one and the configured one billed to the org. Each once: the adoption re-sent nothing.
    assert len(others) == len(set(others)) == 3, others
    assert len(calls) == len(set(calls)) == 4, calls
