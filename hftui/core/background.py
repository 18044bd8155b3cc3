"""Work hftui cannot cancel, run where it can never hold up the exit: a daemon thread of its own.

A keyring waiting on an unlock prompt, a DNS lookup a dead server never answers: such a call can
only be abandoned. A daemon thread is the only kind that cannot keep the process alive (a
`concurrent.futures` worker is joined at exit, asyncio.run() joins its default executor, and
asyncio.to_thread leaves an idle executor thread behind), so every such job gets one, started here,
and reports through a Future that the caller may wait on, with a timeout, or never.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


def in_background(job: Callable[..., T], *args: Any, name: str,
                  then: Callable[[Future[T]], None] | None = None) -> Future[T]:
    """`job(*args)` in a daemon thread named `name`; its result or error lands in the returned Future.

    `then(future)` runs in that same thread once the future is settled: unlike add_done_callback, it
    never runs in the caller's thread, even when the job is done before the caller looks."""
    future: Future[T] = Future()

    def work() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(job(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever reads the future
            future.set_exception(exc)
        if then is not None:
            then(future)

    threading.Thread(target=work, name=name, daemon=True).start()
    return future


async def awaited_in_background(job: Callable[..., T], *args: Any, name: str) -> T:
    """`await` `job(*args)` run in_background: the event loop stays free meanwhile."""
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[T] = loop.create_future()

    def settle(future: Future[T]) -> None:
        if outcome.done():  # the awaiting side was cancelled meanwhile
            return
        error = future.exception()
        if error is not None:
            outcome.set_exception(error)
        else:
            outcome.set_result(future.result())

    def hand_back(future: Future[T]) -> None:
        try:
            loop.call_soon_threadsafe(settle, future)
        except RuntimeError:  # the loop has closed (the app quit): nobody is waiting
            pass

    in_background(job, *args, name=name, then=hand_back)
    return await outcome


def import_in_background(*modules: str) -> Future[None]:
    """Import `modules` in a daemon thread, so that what needs them later finds them loaded.

    Worth it only while the main thread waits (a headless run whose requests are out): an import is
    CPU work under the GIL, and beside busy code it slows that code down by as much."""
    def load() -> None:
        for module in modules:
            importlib.import_module(module)

    return in_background(load, name="hftui-imports")
