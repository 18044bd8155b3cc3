"""The event loop hftui runs on: its default executor never makes anyone wait for it.

asyncio resolves host names with getaddrinfo in the default executor. A probe's timeout cancels
the wait, not the lookup, and asyncio.run() then joins that thread: with a DNS server that does
not answer, a 1 s timeout became a 5-30 s exit. Daemon threads let the run end when its probes do.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools

from hftui.core.background import in_background


class _DaemonExecutor(concurrent.futures.ThreadPoolExecutor):
    """Each job in its own daemon thread; shutdown never waits."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        return in_background(functools.partial(fn, *args, **kwargs), name="hftui-resolve")

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


def bounded_loop() -> asyncio.AbstractEventLoop:
    """A new event loop whose default executor never makes anyone wait for it (e.g. App.run(loop=...))."""
    loop = asyncio.new_event_loop()
    loop.set_default_executor(_DaemonExecutor(max_workers=1))
    return loop


def run_bounded(coro):  # type: ignore[no-untyped-def]
    """asyncio.run(coro) for headless runs, except that a stuck DNS lookup cannot hold up the exit."""
    with asyncio.Runner(loop_factory=bounded_loop) as runner:
        return runner.run(coro)
