"""Waiting for the app to be idle under Textual's Pilot: shared by the tests and the screenshots script."""

from __future__ import annotations

import asyncio


async def settle(pilot, timeout: float = 20.0) -> None:
    """Until the plan (or a retry) has finished, the keyring has answered and every message is handled."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.plan_busy and app.keystore_status is not None:
            await pilot.pause()
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the app did not settle in time; is the simulator answering?")
