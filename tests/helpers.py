"""Helpers shared by every test folder: hftui as a child process, the token-leak scan, waiting for events.

Importable as `helpers` from any test: tests/ is on sys.path because tests/conftest.py lives there
(pytest's default "prepend" import mode), as for keyring_backends.py beside it.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

PIECE = 9  # a leak is any PIECE-character piece of a token's secret part; the last 8 may be shown
# How long a test waits for something that happens within a second when the machine is idle, before it
# calls it a hang: generous, so load on a shared machine (two cores, other suites) never trips it.
HANG_LIMIT = 30.0


def environ(overrides: dict[str, str | None] | None = None) -> dict[str, str]:
    """This process's environment with `overrides` applied; a None value unsets the variable."""
    env = {**os.environ, **(overrides or {})}
    return {name: value for name, value in env.items() if value is not None}


def hftui(*args: str, env: dict[str, str | None] | None = None, timeout: float = 60,
          cwd: str | os.PathLike | None = None) -> subprocess.CompletedProcess:
    """`python -m hftui ARGS` in a child process, its environment this one's plus `env` (see `environ`),
    run in `cwd` (default: this process's)."""
    return subprocess.run([sys.executable, "-m", "hftui", *args], capture_output=True, text=True,
                          env=environ(env), timeout=timeout, cwd=cwd)


def pieces(secret: str) -> list[str]:
    """Every PIECE-character piece of `secret`: any of them in an output is a leak."""
    return [secret[i:i + PIECE] for i in range(len(secret) - PIECE + 1)]


def secret_part(token: str) -> str:
    """The token as the user meant it (cleaned), without its `hf_` prefix."""
    from hftui.core.tokens import clean_token

    return clean_token(token)[3:]


def leaked_pieces(text: str, tokens: Iterable[str | None]) -> list[str]:
    """The pieces of each token's secret part found in `text` (no token, nothing to leak)."""
    found = []
    for token in tokens:
        if token:
            found += [piece for piece in pieces(secret_part(token)) if piece in text]
    return found


def encoded_forms(piece: str) -> set[str]:
    """A piece as a server or a report may spell it: raw, JSON-escaped (\\u…), percent-encoded.
    Compared case-insensitively, so an upper-cased echo counts too."""
    import json
    from urllib.parse import quote

    return {form.lower() for form in (piece, json.dumps(piece)[1:-1], quote(piece, safe=""),
                                      "".join(f"\\u{ord(c):04x}" for c in piece),
                                      "".join(f"%{ord(c):02x}" for c in piece))}


def leaked_forms(text: str, tokens: Iterable[str | None]) -> list[str]:
    """The pieces of each token's secret part found in `text` in any of their encoded_forms."""
    lowered = text.lower()
    found = []
    for token in tokens:
        if token:
            found += [piece for piece in pieces(secret_part(token))
                      if any(form in lowered for form in encoded_forms(piece))]
    return found


def assert_no_leak_in_any_form(text: str, token: str | None, where: str = "") -> None:
    leaked = leaked_forms(text, [token])
    assert not leaked, f"{where}: {len(leaked)} {PIECE}-character pieces of the token leaked"  # never print them


def assert_no_leak(text: str, token: str | None) -> None:
    leaked = leaked_pieces(text, [token])
    assert not leaked, f"{len(leaked)} {PIECE}-character pieces of the token leaked"  # never print the pieces


async def until(pilot, condition: Callable[[], object], what: str = "the app got there",
                limit: float = HANG_LIMIT) -> None:
    """Let the app run until `condition()` holds; fail (saying `what` did not happen) after `limit` seconds."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"after {limit:g} s, still not: {what}"
        await pilot.pause(0.01)


def wait_for(condition: Callable[[], object], what: str, limit: float = HANG_LIMIT) -> None:
    """Block until `condition()` holds (another thread or process makes it so); fail after `limit` seconds."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"after {limit:g} s, still not: {what}"
        time.sleep(0.01)


def returns(call: Callable[[], T], what: str, limit: float = HANG_LIMIT) -> T:
    """call()'s result, run in a daemon thread so a call that never returns fails the test instead of
    hanging the suite (the thread is abandoned). For "it does not block" checks: not a speed bound."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            outcome.append((False, exc))

    thread = threading.Thread(target=run, name="hftui-test-returns", daemon=True)
    thread.start()
    thread.join(limit)
    assert outcome, f"after {limit:g} s, still blocked: {what}"
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


# -- memory, for the tests that retry a step again and again ---------------------------------------

async def retry_selected_step(pilot) -> None:
    """Press r, as a user does, and wait until the retry has finished."""
    await pilot.press("r")
    await pilot.app.workers.wait_for_complete()
    await until(pilot, lambda: not pilot.app.plan_busy, "the retry finished")


def live_objects() -> int:
    """Objects gc tracks, after a collection."""
    gc.collect()
    return len(gc.get_objects())


def detached_widgets(app) -> int:
    """Widgets still alive in memory but no longer in the app's DOM (gc's view, after a collection)."""
    from textual.widget import Widget

    gc.collect()
    attached = {id(node) for node in app.query("*")} | {id(screen) for screen in app.screen_stack}
    return sum(1 for obj in gc.get_objects() if isinstance(obj, Widget) and id(obj) not in attached)


def fake_venv(folder, hub_version: str | None):
    """A real venv (no pip) whose site-packages holds only a huggingface_hub dist-info (METADATA, no code):
    what an app's .venv says about its client, with nothing installed from the network. Its python."""
    import venv
    from pathlib import Path

    folder = Path(folder)
    venv.EnvBuilder(with_pip=False, symlinks=True).create(folder)
    python = folder / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if hub_version:
        info = Path(purelib) / f"huggingface_hub-{hub_version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: huggingface_hub\nVersion: {hub_version}\n")
    return python
