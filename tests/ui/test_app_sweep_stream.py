"""The sweep and the streamed call in the app, driven with Pilot as a user does: the table in the Provider
pane at both sizes, the confirmation before billed calls, sorting, and the streamed call turned on."""

from __future__ import annotations

import dataclasses
import re

import pytest
from uihelpers import SIZE, screen_text, settle, widget_text

from hftui.sim import get_scenario
from hftui.ui.widgets.steps import StepTree
from hftui.ui.widgets.sweep import SweepConfirm, SweepTable


def visible_in_provider_pane(app) -> str:
    """The Provider pane as the screen shows it (what scrolled out of it is not there)."""
    return widget_text(app, "#provider")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_sweep_table_shows_every_provider_marked_in_the_provider_pane(sim_app, size):
    app, _ = sim_app("sweep-five-providers")  # the scenario asks for the sweep, as --sweep does
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.pause()
        pane = visible_in_provider_pane(app)
        assert "Sweep: all providers" in pane
        rows = {match[3]: match.group(1, 2) for match in re.finditer(r"│ ([✓✗–])([» ][$ ])(\S+) ", pane)}
        assert {provider: mark for provider, (mark, _) in rows.items()} == {
            "cerebras": "✓", "together": "✓", "novita": "✓", "groq": "✗", "nscale": "✗", "sambanova": "–"}, pane
        routes = app.diagnosis.sweep
        fastest = min((r for r in routes if r.works), key=lambda r: r.speed_ms).provider
        assert rows[fastest][1].startswith("»") and rows["novita"][1].endswith("$"), "novita: the cheapest working"
        assert sum("»" in tags for _, tags in rows.values()) == 1 == sum("$" in tags for _, tags in rows.values())
        assert app.diagnosis.verdict.seed_case == "B"


async def test_p_asks_how_many_billed_calls_first_and_n_sends_none(sim_app):
    app, sim = sim_app("case-b")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.query(SweepTable), "no table before a sweep"
        before = len(sim.requests)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, SweepConfirm)
        question = app.screen._body.plain  # the words the box wraps
        assert "y: send them" in screen_text(app) and "Sweep every provider?" in screen_text(app)
        assert "The sweep sends 3 real chat calls, each billed to your account (8 tokens)" in question
        assert "Qwen/Qwen3.5-9B pinned to together, featherless-ai, novita" in question
        await pilot.press("n")
        await settle(pilot)
        assert len(sim.requests) == before and not app.query(SweepTable)


async def test_y_sweeps_once_and_o_sorts_the_table(sim_app):
    app, sim = sim_app("case-b")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first_plan = len(sim.requests)
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        pinned = [r.body for r in sim.requests[first_plan:] if '"Qwen/Qwen3.5-9B:' in r.body and ":preferred" not in r.body]
        assert len(pinned) == 4, "three sweep calls and the plan's own pinned call"
        table = app.query_one(SweepTable)
        assert table.display and "sorted by speed (o)" in visible_in_provider_pane(app)
        await pilot.press("o")
        await pilot.pause()
        assert table.sort_by == "price"
        lines = [line for line in visible_in_provider_pane(app).splitlines() if " 200 " in line]
        order = [re.search(r"[✓✗–][» ][$ ](\S+)", line)[1] for line in lines]
        assert order == ["featherless-ai", "novita", "together"], lines  # output $0.10, $0.12, $0.18
        # A later re-plan does not sweep again unasked: its calls are billed.
        sent = len(sim.requests)
        await pilot.press("R")
        await settle(pilot)
        assert not any('"Qwen/Qwen3.5-9B:novita"' in r.body for r in sim.requests[sent:])


async def test_t_turns_the_streamed_call_on_and_a_stream_only_failure_is_diagnosed(sim_app):
    app, sim = sim_app(dataclasses.replace(get_scenario("stream-cut"), stream=False))  # the app starts without it
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.diagnosis.verdict.case.value == "ok" and "stream" not in app.plan_run.results
        await pilot.press("t")
        await settle(pilot)
        assert any('"stream": true' in r.body for r in sim.requests)
        assert app.diagnosis.verdict.case.value == "stream_fails"
        tree = app.query_one(StepTree)
        line = widget_text(app, "#steps").splitlines()[tree.step_node("stream").line - tree.scroll_offset.y + 1]
        assert "✗ 200" in line and "streamed: fails mid-stream" in line
        assert "Streamed calls fail where plain ones work" in screen_text(app)
