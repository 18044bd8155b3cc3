"""The app against a real simulator on 127.0.0.1, the way `hftui demo` wires it, but in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from uihelpers import make_app, simulated

from hftui.sim import SimServer
from hftui.ui.app import HftuiApp


@pytest.fixture(autouse=True)
def _ui_environment(monkeypatch):
    monkeypatch.delenv("HFTUI_FROZEN", raising=False)
    monkeypatch.delenv("HFTUI_KEYRING_SERVICE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


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


