"""The app against a real simulator on 127.0.0.1, the way `hftui demo` wires it, but in-process."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator

import pytest
import textual.app
import textual.pilot
from uihelpers import make_app, simulated

from hftui.sim import SimServer
from hftui.ui.app import HftuiApp


@pytest.fixture(autouse=True)
def _ui_environment(monkeypatch):
    monkeypatch.delenv("HFTUI_FROZEN", raising=False)
    monkeypatch.delenv("HFTUI_KEYRING_SERVICE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(autouse=True)
def _starved_idle_check(monkeypatch):
    """HFTUI_TEST_STARVED=1: Pilot's idle check says "idle" at once, as it does for a process starved of
    CPU on a loaded machine (it compares CPU time with wall time). The UI tests must pass either way:
    run them so to find a test that relies on the machine being quiet."""
    if os.environ.get("HFTUI_TEST_STARVED") != "1":
        return

    async def idle_at_once(min_sleep: float = 0, max_sleep: float = 1) -> None:
        await asyncio.sleep(0)

    for module in (textual.app, textual.pilot):
        monkeypatch.setattr(module, "wait_for_idle", idle_at_once)


@pytest.fixture
def sim_app() -> Iterator[Callable[..., tuple[HftuiApp, SimServer]]]:
    """sim_app("case-b") → (app, sim): the app wired to a fresh simulator for that scenario."""
    with_stack: list = []

    def start(name_or_scenario, **kwargs) -> tuple[HftuiApp, SimServer]:
        manager = simulated(name_or_scenario)
        sim = manager.__enter__()
        with_stack.append(manager)
        return make_app(sim.scenario, sim.url, **kwargs), sim

    yield start
    for manager in reversed(with_stack):
        manager.__exit__(None, None, None)


