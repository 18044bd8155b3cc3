"""Fixtures of the reliability tests (helpers: rhelpers.py)."""

from __future__ import annotations

import socket

import pytest
from rhelpers import netguard, scenario

from hftui.sim import Scenario, SimServer


@pytest.fixture(autouse=True)
def _network_guard(monkeypatch):
    """This process stays on loopback too: `.invalid` fails like DNS would, anything else is refused."""
    monkeypatch.setattr(socket, "getaddrinfo", netguard.getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", netguard.connect)
    monkeypatch.setattr(socket.socket, "connect_ex", netguard.connect_ex)


@pytest.fixture
def serve():
    """serve(scenario, **SimServer kwargs) → a started simulator, stopped after the test."""
    started: list[SimServer] = []

    def start(sc: Scenario | None = None, **kwargs) -> SimServer:
        started.append(SimServer(sc or scenario(), **kwargs).start())
        return started[-1]

    yield start
    for sim in reversed(started):
        sim.stop()
