"""LoopThread: work another loop awaits runs on a loop of its own, and cancelling it there works."""

from __future__ import annotations

import asyncio
import threading

from hftui.core.loop import LoopThread


async def test_work_runs_on_the_loop_thread_and_its_result_comes_back():
    plan_loop = LoopThread()

    async def where() -> str:
        await asyncio.sleep(0)
        return threading.current_thread().name

    assert await asyncio.wrap_future(plan_loop.submit(where())) == "hftui-plan"
    plan_loop.stop()


async def test_cancelling_the_awaiting_side_cancels_the_work_on_its_loop():
    plan_loop = LoopThread()
    started, cancelled = threading.Event(), threading.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    awaiting = asyncio.ensure_future(asyncio.wrap_future(plan_loop.submit(forever())))
    await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
    awaiting.cancel()
    assert await asyncio.get_running_loop().run_in_executor(None, cancelled.wait, 10)
    plan_loop.stop()


def test_stop_ends_the_thread_and_closes_the_loop():
    plan_loop = LoopThread(name="hftui-plan-stop-test")
    thread = next(t for t in threading.enumerate() if t.name == "hftui-plan-stop-test")
    assert thread.daemon  # it can never keep the process alive
    plan_loop.stop()
    thread.join(10)
    assert not thread.is_alive() and plan_loop.loop.is_closed()
