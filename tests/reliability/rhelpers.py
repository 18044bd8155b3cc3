"""Helpers for the reliability tests: simulators on loopback, hftui as a child process, a network guard.

Nothing here mocks a transport: every exchange is real HTTP on 127.0.0.1. The guard (netguard/
sitecustomize.py) only answers DNS for `.invalid` names the way a resolver would, and refuses
anything that would leave the machine, in this process and in every child.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import helpers

from hftui.sim import Scenario, sim_token

HERE = Path(__file__).resolve().parent
GUARD_DIR = HERE / "netguard"
TOKEN = sim_token("reliability")
MODEL = "Qwen/Qwen3.5-9B:preferred"
TIMEOUT = 1.0  # --timeout for runs that wait on a fault: small, so the folder stays fast
# Two bounds per run. The plan itself (first probe sent → verdict), read from the run's own JSON
# timestamps: within PLAN_MARGIN of the timeouts it waits out, whatever the machine's load.
# The whole process (start-up, imports, exit included), timed from outside: within MARGIN of them;
# start-up alone is ~0.4 s here when idle, but runs share two cores with each other.
PLAN_MARGIN = 0.3
MARGIN = 2.5

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
    returncode: int
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
    def plan_seconds(self) -> float:
        """From the first probe sent to the verdict, by the run's own clock."""
        starts = [datetime.fromisoformat(s["started_at"]) for s in self.document["steps"] if s["started_at"]]
        if not starts:
            return 0.0
        return (datetime.fromisoformat(self.document["finished_at"]) - min(starts)).total_seconds()


def child_overrides(extra: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """What a child gets on top of this process's environment: the guard, the token, `extra` (None unsets)."""
    return {"PYTHONPATH": str(GUARD_DIR), "HF_TOKEN": TOKEN, "NO_COLOR": "1", **(extra or {})}


def child_env(extra: dict[str, str | None] | None = None) -> dict[str, str]:
    return helpers.environ(child_overrides(extra))


def hftui(*args: str, env: dict[str, str | None] | None = None, timeout: float = 60) -> Run:
    """`python -m hftui ARGS` with the network guard, timed; `timeout` only stops a hang from stalling the suite."""
    started = time.perf_counter()
    result = helpers.hftui(*args, env=child_overrides(env), timeout=timeout)
    return Run(result.returncode, result.stdout, result.stderr, time.perf_counter() - started)


def diagnose(hub: str, router: str, *extra: str, env: dict[str, str] | None = None,
             timeout: float = TIMEOUT, model: str = MODEL) -> Run:
    return hftui("diagnose", "--json", "--hub-url", hub, "--router-url", router, "--model", model,
                 "--timeout", f"{timeout:g}", *extra, env=env)


def assert_calm(run: Run, waits: float = 0.0) -> None:
    """No traceback, a JSON document with a verdict, and both bounds kept (`waits`: seconds of
    timeouts the run is expected to wait out, one after the other)."""
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode in (0, 1), (run.returncode, run.stderr)
    assert run.plan_seconds < waits + PLAN_MARGIN, f"plan took {run.plan_seconds:.2f} s, waits {waits:g} s"
    assert run.seconds < waits + MARGIN, f"process took {run.seconds:.2f} s, waits {waits:g} s"
    verdict = run.verdict
    assert verdict["case"] and verdict["summary"] and verdict["next_steps"]
