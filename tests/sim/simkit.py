"""What the simulator tests share: a test scenario, its auth header, and the serve/client fixtures."""

from __future__ import annotations

import httpx
import pytest

from hftui.sim import Scenario, SimServer, sim_token

TOKEN = sim_token("tests")


def scenario(**changes) -> Scenario:
    fields = {"name": "test", "title": "test", "description": "test", "expected_case": "ok", "client_token": TOKEN}
    return Scenario(**{**fields, **changes})


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def serve():
    """Start a simulator for a scenario; every one started is stopped after the test."""
    started: list[SimServer] = []

    def start(sc: Scenario | None = None, **kwargs) -> SimServer:
        sim = SimServer(sc or scenario(), **kwargs).start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def client():
    with httpx.Client(timeout=5) as c:
        yield c
