"""The event loop hftui runs on: its default executor never makes anyone wait for it.

asyncio resolves host names with getaddrinfo in the default executor. A probe's timeout cancels
the wait, not the lookup, and asyncio.run() then joins that thread: with a DNS server that does
not answer, a 1 s timeout became a 5-30 s exit. Daemon threads let the run end when its probes do.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading

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
        return runner.run(_boxed(coro)).value


class _Outcome:
    """A coroutine's result, out of sight of the finished task's repr. Runner.run ends by asking
    signal.getsignal for its ctrl+c handler, which formats that handler, a partial holding the task,
    result included, while converting it to an enum and failing: the whole repr of a diagnosis (every
    body) was built and thrown away, 15-25 ms between the last answer and the output."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:  # type: ignore[no-untyped-def]
        self.value = value


async def _boxed(coro) -> _Outcome:  # type: ignore[no-untyped-def]
    return _Outcome(await coro)


class LoopThread:
    """An event loop of its own (bounded_loop) in a daemon thread, for work another loop awaits.

    The app runs its plan here: on the app's own loop, an answer waited for every screen update
    before it was read, and a full redraw takes tens of milliseconds, so each round of requests
    went out late. Here answers are read and the next requests sent as they come, whatever the
    screen is doing. Anything that touches the plan's client must run on this loop.
    """

    def __init__(self, name: str = "hftui-plan") -> None:
        self.loop = bounded_loop()
        threading.Thread(target=self._serve, name=name, daemon=True).start()

    def _serve(self) -> None:
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()

    def submit(self, coro) -> concurrent.futures.Future:  # type: ignore[no-untyped-def]
        """`coro` started on this loop at once; cancelling the returned future cancels it there."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self) -> None:
        """Stop the loop once what it is running yields; its thread then closes it and ends."""
        self.loop.call_soon_threadsafe(self.loop.stop)
