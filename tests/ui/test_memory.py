"""Retrying a step again and again: the app's memory stays flat.

Each retry takes the plan busy and back (`r` dims in the footer, then comes back). Textual's Footer,
used before, rebuilt every key on each change and kept the old ones alive (Textualize/textual#6666):
~360 KB a retry. Measured with tracemalloc between retry 20 and retry 50, after Textual's caches have filled.
"""

from __future__ import annotations

import gc
import tracemalloc

from hftui.ui.widgets.steps import StepTree
from uihelpers import SIZE, settle

WARM_UP, TRACED_WARM_UP, MEASURED = 10, 10, 30
BOUND = 1536 * 1024  # ~50 KB a retry; the footer leak alone was ~11 MB over these 30 retries


async def test_fifty_retries_do_not_grow_memory(sim_app):
    app, sim = sim_app("case-d")  # every step runs, bill-to with two attempts: the busiest tree
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(StepTree)
        tree.focus()
        steps = list(app.plan_run.results)
        done = 0

        async def retry(times: int) -> None:
            nonlocal done
            for _ in range(times):
                tree.select(steps[done % len(steps)])
                await pilot.press("r")
                await settle(pilot)
                done += 1

        def held() -> int:
            sim.requests.clear()  # the simulator's own log of requests lives in this process too
            gc.collect()
            return tracemalloc.get_traced_memory()[0]

        await retry(WARM_UP)
        tracemalloc.start()
        try:
            await retry(TRACED_WARM_UP)  # what replaces untraced blocks (the tree, the last render) is counted here
            before = held()
            await retry(MEASURED)
            grown = held() - before
        finally:
            tracemalloc.stop()
        assert app.plan_run.results["whoami"].run_count > 1, "the retries ran"
    assert grown < BOUND, f"{grown / 1024:.0f} KB more held after {MEASURED} more retries"
