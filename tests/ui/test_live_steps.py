"""A running step counts up while it waits and says how long it may still wait, and a step row holds
every duration from 1 ms to 99 s in its column: time comes from a clock the test holds and moves."""

from __future__ import annotations

import dataclasses

import pytest

from hftui.core.plan import StepResult
from hftui.core.session import Session
from hftui.core.status import StepStatus
from hftui.core.timing import seconds_left
from hftui.sim import Fault, get_scenario
from hftui.ui.app import HftuiApp
from hftui.ui.format import PREFIX_WIDTH, Formatter
from hftui.ui.widgets.steps import StepTree
from helpers import until
from uihelpers import simulated, widget_text


class HeldClock:
    """A clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def step_row(app, step_id: str) -> str:
    tree = app.query_one(StepTree)
    node = tree.step_node(step_id)
    return widget_text(app, "#steps").splitlines()[node.line - tree.scroll_offset.y + 1]


async def test_a_running_step_counts_up_and_says_how_long_it_may_still_wait():
    hanging = dataclasses.replace(get_scenario("case-b"), route_faults={"whoami": Fault("hang")})
    clock = HeldClock()
    with simulated(hanging) as sim:
        # A timeout far beyond the test: whoami is still running whatever the machine's load.
        app = HftuiApp(Session.for_simulator(hanging, sim.url, timeout=600), scenario=hanging, frozen=True,
                       clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.plan_run is not None and sim.requests, "whoami was sent")
            await until(pilot, lambda: "… run" in step_row(app, "whoami"), "whoami is drawn running")
            assert "… run    0 s" in step_row(app, "whoami") and "600 s left" in step_row(app, "whoami")
            clock.now += 3.2
            await until(pilot, lambda: "… run    3 s" in step_row(app, "whoami"), "the timer redraws the running row")
            row = step_row(app, "whoami")
            assert "597 s left" in row and row.index("whoami") < 30, "the id stays in its column"
            clock.now += 61
            await until(pilot, lambda: "… run   64 s" in step_row(app, "whoami"), "it keeps counting")
            done = [r.step_id for r in app.plan_run.results.values() if r.status.done]
            assert done, "the other steps finished meanwhile"
            for step_id in done:
                assert "run" not in step_row(app, step_id).split(step_id)[0], "finished rows do not tick"


def test_past_the_timeout_there_is_no_countdown():
    assert seconds_left(3.2, 15) == "12 s left"
    assert seconds_left(14.6, 15) == "<1 s left"
    assert seconds_left(15.1, 15) is None


@pytest.mark.parametrize("ms", [1, 312, 999, 1689, 9_949, 12_400, 99_000])
def test_a_step_row_holds_1_ms_to_99_s_in_its_column(ms):
    from hftui.core.probes import CapturedRequest, CapturedResponse, Exchange
    from datetime import datetime, timezone

    exchange = Exchange(CapturedRequest("GET", "https://huggingface.co/api/whoami-v2", (), None),
                        datetime.now(timezone.utc), ms,
                        CapturedResponse(401, "Unauthorized", "HTTP/1.1", (), "{}"))
    result = StepResult("whoami", "whoami on the runtime token", StepStatus.FAILED, exchange)
    label = Formatter().step_label(result).plain
    assert label[PREFIX_WIDTH:].startswith("whoami "), f"{label!r}: the status column never runs into the id"
    assert label[:PREFIX_WIDTH].rstrip().endswith(("ms", "s"))
