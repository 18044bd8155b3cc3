"""Fixtures of the hostile-server tests (the server: hostile_server.py; running hftui: hhelpers.py)."""

from __future__ import annotations

import pytest
from hostile_server import HostileServer


@pytest.fixture
def hostile():
    """hostile(routes) → a started HostileServer, stopped after the test."""
    started: list[HostileServer] = []

    def start(routes=None) -> HostileServer:
        started.append(HostileServer(routes).__enter__())
        return started[-1]

    yield start
    for server in reversed(started):
        server.__exit__(None, None, None)
