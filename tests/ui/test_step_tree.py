"""The step tree's lines are typed references (step, part, org): what a key does on a line is decided
by which line it is, never by how its label or id starts."""

from __future__ import annotations

import dataclasses

from hftui.sim import ChatRule, get_scenario
from hftui.ui.widgets.steps import StepTree
from uihelpers import SIZE, make_app, settle, simulated

# Two orgs where one name starts with the other: a prefix match picks the wrong one.
TWO_ORGS = dataclasses.replace(
    get_scenario("case-d"), name="case-d-two-orgs", orgs=("acme", "acme-research"),
    chat_rules=(ChatRule("*", bill_to="acme-research", status=200),
                ChatRule("*", status=401, body={"error": "Invalid username or password."})))


async def move_to_line(pilot, tree: StepTree, starts: str) -> None:
    """Press down, as a user does, until the highlighted line starts with `starts`."""
    for _ in range(60):
        node = tree.cursor_node
        if node is not None and node.label.plain.lstrip("✓✗ ").startswith(starts):
            return
        await pilot.press("down")
    raise AssertionError(f"no line starting with {starts!r} below the cursor")


async def test_copy_as_curl_on_an_attempt_copies_that_attempts_request():
    with simulated(TWO_ORGS) as sim:
        app = make_app(TWO_ORGS, sim.url)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            attempts = app.plan_run.results["bill-to"].attempts
            assert [org for org, _ in attempts] == ["acme", "acme-research"], "both orgs were tried"
            tree = app.query_one(StepTree)
            tree.focus()
            tree.select("bill-to")
            await pilot.press("space")  # expand the step: its attempts show
            await move_to_line(pilot, tree, "attempt with X-HF-Bill-To: acme-research")
            await pilot.press("space")  # expand that attempt
            await move_to_line(pilot, tree, "request ")
            await pilot.press("c")
            assert "X-HF-Bill-To: acme-research" in app.clipboard
            await move_to_line(pilot, tree, "response ")
            await pilot.press("c")
            assert "X-HF-Bill-To: acme-research" in app.clipboard, "the response line copies its own attempt too"


async def test_select_moves_the_cursor_to_a_step_and_keeps_it_across_a_run(sim_app):
    app, _ = sim_app("case-b")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(StepTree)
        tree.select("known-good")
        await pilot.pause()
        assert tree.selected_step_id == "known-good"
        await pilot.press("R")
        await settle(pilot)
        assert tree.selected_step_id == "known-good", "a new run keeps the cursor on the same step"


async def test_every_line_of_a_step_refers_to_that_step(sim_app):
    app, _ = sim_app(TWO_ORGS)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(StepTree)

        def walk(node):
            for child in node.children:
                yield child
                yield from walk(child)

        for step in tree.root.children:
            for line in walk(step):
                assert line.data.step_id == step.data.step_id, line.label.plain
        orgs = {line.data.org for step in tree.root.children for line in walk(step) if line.data.org}
        assert orgs == {"acme", "acme-research"}, "each bill-to attempt's lines name its org"


def test_no_test_or_script_reaches_into_the_tree():
    """Tests, scripts and benchmarks go through StepTree.select / step_node, never its private table."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    private = "_step" + "_nodes"
    users = [str(path.relative_to(root)) for folder in ("tests", "scripts", "benchmarks")
             for path in (root / folder).rglob("*.py") if private in path.read_text(encoding="utf-8")]
    assert users == []
