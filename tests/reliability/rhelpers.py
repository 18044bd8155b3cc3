"""Helpers for the reliability tests: simulators on loopback, hftui as a child process, a network guard.

Nothing here mocks a transport: every exchange is real HTTP on 127.0.0.1. The guard (netguard/
sitecustomize.py) only answers DNS for `.invalid` names the way a resolver would, and refuses
anything that would leave the machine, in this process and in every child.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import helpers

from hftui.sim import Scenario, sim_token

HERE = Path(__file__).resolve().parent
GUARD_DIR = HERE / "netguard"
TOKEN = sim_token("reliability")
MODEL = "Qwen/Qwen3.5-9B:preferred"
# --timeout for runs that wait on a fault: small, so the folder stays fast, yet 20x what a healthy probe
# takes when idle, so the probes that must answer still do on a loaded machine.
TIMEOUT = 2.0
PATIENT = 20.0  # --timeout for runs where nothing may time out: only a hang comes near it
# Runs are judged by what happened (which steps waited out --timeout, that the process exited), never
# by how long they took: on a loaded machine everything is slower. This bound only keeps a hung child
# from stalling the suite; a run takes 1-2 s when idle, so only a hang comes near it.
HANG_SECONDS = 60

_spec = importlib.util.spec_from_file_location("hftui_test_netguard", GUARD_DIR / "sitecustomize.py")
netguard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(netguard)


def scenario(**changes) -> Scenario:
    """A healthy account (no orgs, so bill-to stays skipped) with the changes a test makes."""
    fields = {"name": "reliability", "title": "reliability", "description": "reliability", "expected_case": "ok",
              "client_token": TOKEN, "model": MODEL}
    return Scenario(**{**fields, **changes})


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Run:
    returncode: int | None  # None: still running after HANG_SECONDS, so it was killed
    stdout: str
    stderr: str
    seconds: float

    @property
    def document(self) -> dict:
        return json.loads(self.stdout)

    @property
    def steps(self) -> dict[str, dict]:
        return {step["id"]: step for step in self.document["steps"]}

    @property
    def verdict(self) -> dict:
        return self.document["verdict"]

    @property
    def timed_out(self) -> dict[str, dict]:
        """The steps that waited out --timeout (their error says so), by id."""
        return {sid: step for sid, step in self.steps.items() if (step["error"] or "").startswith("timed out:")}

    def assert_timeouts_overlapped(self) -> None:
        """Every step that waited out --timeout was already under way when the first of them gave up, by
        the run's own timestamps: the run waits out one timeout, not one after another."""
        spans = []
        for step in self.timed_out.values():
            started = datetime.fromisoformat(step["started_at"])
            spans.append((started, started + timedelta(milliseconds=step["elapsed_ms"])))
        assert spans, "no step waited out the timeout"
        assert max(start for start, _ in spans) < min(end for _, end in spans), self.timed_out


def child_overrides(extra: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """What a child gets on top of this process's environment: the guard, the token, `extra` (None unsets)."""
    return {"PYTHONPATH": str(GUARD_DIR), "HF_TOKEN": TOKEN, "NO_COLOR": "1", **(extra or {})}


def child_env(extra: dict[str, str | None] | None = None) -> dict[str, str]:
    return helpers.environ(child_overrides(extra))


def hftui(*args: str, env: dict[str, str | None] | None = None) -> Run:
    """`python -m hftui ARGS` with the network guard, timed; killed (returncode None) after HANG_SECONDS."""
    started = time.perf_counter()
    try:
        result = helpers.hftui(*args, env=child_overrides(env), timeout=HANG_SECONDS)
    except subprocess.TimeoutExpired as hung:
        output = [text.decode(errors="replace") if isinstance(text, bytes) else text or ""
                  for text in (hung.stdout, hung.stderr)]
        return Run(None, output[0], output[1], time.perf_counter() - started)
    return Run(result.returncode, result.stdout, result.stderr, time.perf_counter() - started)


def diagnose(hub: str, router: str, *extra: str, env: dict[str, str] | None = None,
             timeout: float = TIMEOUT, model: str = MODEL) -> Run:
    return hftui("diagnose", "--json", "--hub-url", hub, "--router-url", router, "--model", model,
                 "--timeout", f"{timeout:g}", *extra, env=env)


def assert_calm(run: Run) -> None:
    """The process exited by itself, without a traceback, with a JSON document and a verdict."""
    assert run.returncode is not None, f"still running after {HANG_SECONDS} s, killed; stderr: {run.stderr[-2000:]}"
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode in (0, 1), (run.returncode, run.stderr)
    verdict = run.verdict
    assert verdict["case"] and verdict["summary"] and verdict["next_steps"]
