"""Waiting for the app to be idle under Textual's Pilot: shared by the tests and the screenshots script."""

from __future__ import annotations

import asyncio


def messages_waiting(app) -> bool:
    """Whether a message is still queued for the app or anything on its screen. One message often posts
    the next (a key, then an option list's OptionSelected, then a pane's own message to the app), and
    Pilot's idle check reads a process starved of CPU on a loaded machine as idle."""
    return any(node.message_queue_size for node in (app, *app.screen.walk_children(with_self=True)))


async def settle(pilot, timeout: float = 60.0) -> None:
    """Until the plan (or a retry) has finished, the keyring has answered and every message is handled.
    `timeout` only tells a hang from a slow machine: a plan takes well under a second when idle."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet = 0
    while loop.time() < deadline:
        await app.workers.wait_for_complete()
        await pilot.pause()
        if app.plan_busy or app.keystore_status is None or messages_waiting(app):
            quiet = 0
            await asyncio.sleep(0.02)
            continue
        quiet += 1
        if quiet == 2:  # twice in a row: a handler that was still running the first time has finished too
            return
    raise AssertionError("the app did not settle in time; is the simulator answering?")
