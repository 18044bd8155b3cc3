"""The main screen, pixel for pixel, in the seed's four cases: deterministic (frozen mode, fixed size).

Regenerate after an intended change with `pytest tests/ui/test_snapshots.py --snapshot-update`
and look at the SVGs in tests/ui/__snapshots__/ before committing them.
"""

from __future__ import annotations

import pytest
from uihelpers import make_app, settle, simulated


@pytest.mark.parametrize("name", ["case-a", "case-b", "case-c", "case-d"])
def test_main_screen(snap_compare, name):
    with simulated(name) as sim:
        app = make_app(sim.scenario, sim.url, frozen=True)
        assert snap_compare(app, terminal_size=(160, 48), run_before=settle)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
def test_main_screen_small_terminal(snap_compare, size):
    with simulated("case-b") as sim:
        app = make_app(sim.scenario, sim.url, frozen=True)
        assert snap_compare(app, terminal_size=size, run_before=settle)


def test_the_evidence_viewer(snap_compare):
    async def open_viewer(pilot) -> None:
        await settle(pilot)
        tree = pilot.app.query_one("#steps")
        tree.focus()
        tree.select("as-configured")
        await pilot.pause()
        await pilot.press("enter")

    with simulated("case-b") as sim:
        app = make_app(sim.scenario, sim.url, frozen=True)
        assert snap_compare(app, terminal_size=(100, 30), run_before=open_viewer)
