"""Retrying every step, round after round: the app holds no more memory and keeps no old widget.

Each retry takes the plan busy and back (`r` dims in the footer, then comes back). Textual's Footer,
used before, rebuilt every key on each change and kept the old ones alive (Textualize/textual#6666):
16 widgets and ~360 KB a retry. Checked by swapping it back in: this test then fails on both counts.

Measured per round (every step of case-d retried once) after a warm-up: one untraced round fills
Textual's caches, one traced round makes what the retries rebuild traced, then one round is measured.
tracemalloc slows a retry ~2.5x, so it runs for two rounds only.
"""

from __future__ import annotations

import gc
import tracemalloc

from helpers import detached_widgets, retry_selected_step
from uihelpers import SIZE, settle

from hftui.ui.widgets.steps import StepTree

PER_RETRY = 50 * 1024  # bytes a retry may add: cache churn is ~6 KB a retry here; the footer leak was ~360 KB


async def test_retrying_every_step_holds_no_more_memory(sim_app):
    app, sim = sim_app("case-d")  # every step runs, bill-to with two attempts: the busiest tree
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(StepTree)
        tree.focus()
        steps = list(app.plan_run.results)

        async def one_round() -> None:
            for step_id in steps:
                tree.select(step_id)
                assert tree.selected_step_id == step_id
                await retry_selected_step(pilot)

        def held() -> int:
            sim.requests.clear()  # the simulator's own log of requests lives in this process too
            gc.collect()
            return tracemalloc.get_traced_memory()[0]

        await one_round()
        widgets_before = detached_widgets(app)
        tracemalloc.start()
        try:
            await one_round()
            before = held()
            await one_round()
            grown = held() - before
        finally:
            tracemalloc.stop()
        assert detached_widgets(app) <= widgets_before, "widgets left the screen but stay in memory"
        assert {result.run_count for result in app.plan_run.results.values()} == {4}, "every step ran 1 + 3 times"
    assert grown < PER_RETRY * len(steps), f"{grown / 1024:.0f} KB more held after {len(steps)} more retries"
