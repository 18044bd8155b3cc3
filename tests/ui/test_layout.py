"""What a user sees on the first screen, without scrolling, at the sizes people have: 80x24 (an SSH
session's default), 100x30 and 160x48. The verdict, why, and the first thing to do are always there;
the footer always says how to leave; below the minimum size a message says so."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList

from hftui.core.cases import Case
from hftui.sim import get_scenario
from hftui.ui.screens import MIN_HEIGHT, MIN_WIDTH
from hftui.ui.widgets.steps import StepTree
from uihelpers import make_app, pane_words, screen_text, settle, simulated, widget_text

SIZES = [(80, 24), (100, 30), (160, 48)]
SEEDS = ["case-a", "case-b", "case-c", "case-d"]
OTHERS = ["ok", "no-token", "token-newline", "token-invalid", "token-no-permission", "model-unavailable",
          "rate-limited", "provider-outage", "credits-exhausted", "account-fault"]


def words(text: str) -> str:
    return " ".join(text.split())


async def assert_first_screen(app, pilot) -> None:
    await settle(pilot)
    verdict = app.diagnosis.verdict
    assert verdict.case is Case(get_scenario(app.scenario.name).expected_case)
    seen = pane_words(app, "#diagnosis")  # only what is on screen: the pane has not scrolled
    assert verdict.title in seen, "the verdict's title"
    assert words(verdict.summary)[:60] in seen, "the start of why"
    first = words(app.keys.fill(getattr(verdict.next_steps[0], "app", verdict.next_steps[0])))
    assert f"1. {first}" in seen, "the whole first next step, in the app's words"
    footer = widget_text(app, "KeyFooter")
    for key in ("q Quit", "? Help", "^p palette"):
        assert key in footer, f"the footer keeps {key!r}"
    steps = widget_text(app, "#steps")
    for result in app.plan_run.results.values():
        assert result.step_id in steps, f"every step's line is on screen: {result.step_id}"


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", SEEDS)
async def test_every_seed_case_says_what_and_what_to_do_on_the_first_screen(name, size):
    with simulated(name) as sim:
        app = make_app(sim.scenario, sim.url)
        async with app.run_test(size=size) as pilot:
            await assert_first_screen(app, pilot)


@pytest.mark.parametrize("name", OTHERS)
async def test_every_other_case_fits_an_ssh_terminal_too(name):
    with simulated(name) as sim:
        app = make_app(sim.scenario, sim.url)
        async with app.run_test(size=(80, 24)) as pilot:
            await assert_first_screen(app, pilot)


async def test_the_left_column_grows_with_the_terminal():
    widths = []
    for size in SIZES:
        with simulated("case-b") as sim:
            app = make_app(sim.scenario, sim.url)
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                widths.append(app.query_one("#left").size.width)
                assert app.query_one("#steps").size.width >= 50, "the steps keep room for the status and the id"
    assert widths[0] < widths[1] < widths[2], widths


async def test_below_the_minimum_size_a_message_says_so_and_goes_when_it_is_larger():
    with simulated("case-b") as sim:
        app = make_app(sim.scenario, sim.url)
        async with app.run_test(size=(MIN_WIDTH - 10, MIN_HEIGHT - 4)) as pilot:
            await settle(pilot)
            screen = words(screen_text(app))
            assert f"hftui needs at least {MIN_WIDTH}x{MIN_HEIGHT}" in screen
            assert f"this terminal is {MIN_WIDTH - 10}x{MIN_HEIGHT - 4}" in screen and "q / ^q" in screen
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            assert "needs at least" not in screen_text(app)
            assert app.diagnosis.verdict.title in pane_words(app, "#diagnosis")


async def test_j_and_k_move_in_the_tree_and_the_lists_and_a_list_starts_on_its_choice():
    with simulated("case-b") as sim:
        app = make_app(sim.scenario, sim.url)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            tree = app.query_one(StepTree)
            tree.focus()
            tree.select("whoami")
            await pilot.press("j", "j")
            assert tree.selected_step_id == "mapping"
            await pilot.press("k")
            assert tree.selected_step_id == "catalog"

            routes = app.query_one("#routes", OptionList)
            await pilot.press("2", "tab")  # the model field, then the route list
            assert app.focused is routes
            chosen = routes.get_option_at_index(routes.highlighted)
            assert chosen.id == "route:preferred", "the list shows where it is: the route in use"
            await pilot.press("down")
            assert routes.get_option_at_index(routes.highlighted).id == "route:together", "↓ moves on from it"
            await pilot.press("k")
            assert routes.get_option_at_index(routes.highlighted).id == "route:preferred"


async def test_quitting_from_a_text_field_with_ctrl_q():
    with simulated("case-b") as sim:
        app = make_app(sim.scenario, sim.url)
        app.model = None  # as `hftui` starts without --model: in the model field
        async with app.run_test(size=(80, 24)) as pilot:
            app.query_one("#model", Input).focus()
            await pilot.press("q")
            assert app.is_running and app.query_one("#model", Input).value.endswith("q"), "q types"
            await pilot.press("ctrl+q")
        assert app.return_code == 0


async def test_ctrl_c_copies_a_selection_never_the_token_field_and_quits_without_one(sim_app):
    app, _ = sim_app("case-b")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        token = app.query_one("#token-input", Input)
        token.focus()
        await pilot.press(*"hf_NotARealTokenTypedByHand0000")
        token.select_all()
        await pilot.press("ctrl+c")
        assert app.is_running and "NotARealToken" not in (app.clipboard or ""), "the token field is never copied"
        field = app.query_one("#model", Input)
        field.focus()
        field.select_all()
        await pilot.press("ctrl+c")
        assert app.is_running and app.clipboard == field.value, "with text selected, ctrl+c copies it"
        field.selection = (0, 0)
        await pilot.press("ctrl+c")
    assert app.return_code == 0


async def test_a_maximized_steps_pane_takes_the_screen_and_keeps_the_footer(sim_app):
    app, _ = sim_app("case-b")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = app.query_one(StepTree)
        tree.focus()
        app.screen.maximize(tree)
        await pilot.pause()
        assert tree.region.height >= 22, "not a 40% strip in a hatch"
        assert "q Quit" in widget_text(app, "KeyFooter")
