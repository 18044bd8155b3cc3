"""Helpers for the UI tests: the app wired to a simulator, waiting for it to settle, reading the screen."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

from helpers import until
from rich.console import Console
from textual.widgets import Input

from hftui.core.session import Session
from hftui.sim import SimServer, get_scenario
from hftui.ui.app import HftuiApp
from hftui.ui.pilot import settle  # noqa: F401 - re-exported for the tests

SIZE = (160, 48)
# --timeout of the app's probes: no UI test waits for one to time out, and on a loaded machine the app's
# event loop, busy drawing, can take seconds to read an answer the simulator sent at once.
PROBE_TIMEOUT = 60.0


def make_app(scenario, url: str, frozen: bool = True, **kwargs) -> HftuiApp:
    return HftuiApp(Session.for_simulator(scenario, url, timeout=PROBE_TIMEOUT), scenario=scenario, frozen=frozen, **kwargs)


@contextmanager
def simulated(name_or_scenario, port: int = 0) -> Iterator[SimServer]:
    scenario = get_scenario(name_or_scenario) if isinstance(name_or_scenario, str) else name_or_scenario
    with SimServer(scenario, port=port) as sim:
        yield sim


def screen_text(app) -> str:
    """What the terminal shows right now, as plain text (the same render the SVG export uses)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


def plain(renderable, width: int = 100) -> str:
    """What a Rich renderable (a widget's `content`: Text, a Group, a grid) reads as at `width` columns."""
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None, legacy_windows=False)
    console.print(renderable)
    return console.export_text()


def pane_words(app, selector: str) -> str:
    """A pane's text with its borders dropped and its lines joined by single spaces: a phrase the pane
    wraps over two lines reads whole (for asserting on sentences at any width)."""
    lines = widget_text(app, selector).splitlines()[1:-1]
    return " ".join(" ".join(line.strip("│ ▁▂▃▄▅▆▇█").split()) for line in lines)


def widget_text(app, selector: str) -> str:
    """The lines of one widget's region of the screen."""
    from textual.css.query import NoMatches

    try:
        region = app.screen.query_one(selector).region  # the screen on top (the evidence viewer, help)
    except NoMatches:
        region = app.query_one(selector).region
    lines = screen_text(app).splitlines()
    return "\n".join(line[region.x:region.right] for line in lines[region.y:region.bottom])


def footer_dimmed(app) -> set[str]:
    """The footer keys drawn dimmed, by description: read from the footer's rendered line."""
    footer = app.query_one("KeyFooter")
    cells: list[tuple[str, bool]] = []
    for segment in footer.render_line(0):
        dim = bool(segment.style and segment.style.dim)
        cells.extend((char, dim) for char in segment.text)
    dimmed = set()
    for entry in footer.entries:
        drawn = cells[entry.start:entry.end]
        if all(dim for char, dim in drawn if char.strip()):
            dimmed.add("".join(char for char, _ in drawn).strip(" ▏").split(" ", 1)[1])
    return dimmed


async def type_and_leave(pilot, selector: str, text: str) -> None:
    """Type into a field as a user does, then leave it with escape, so that letters are keys again.
    Each step is waited for: Pilot's idle check can read a CPU-starved process as idle, and a key
    pressed before the field is left would be typed into it."""
    field = pilot.app.query_one(selector, Input)
    field.focus()
    await pilot.press(*text)
    await until(pilot, lambda: field.value == text, f"{selector} holds what was typed")
    await pilot.press("escape")
    await until(pilot, lambda: pilot.app.focused is not field, f"{selector} was left")


async def choose(pilot, selector: str, option_id: str) -> None:
    """Pick an option of a list as a user does: focus it, highlight the option, enter; then let the app settle."""
    options = pilot.app.query_one(selector)
    options.focus()
    options.highlighted = options.get_option_index(option_id)
    await pilot.press("enter")
    await settle(pilot)
