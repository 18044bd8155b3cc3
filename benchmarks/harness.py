"""The plumbing of benchmarks/run.py: running children, interleaving them, the report, the setup."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = HERE / "app_child.py"
PLAN_STEPS = ("whoami", "catalog", "mapping", "as-configured", "known-good", "pinned", "bill-to")
NOT_ON_HOT_PATH = ("textual", "huggingface_hub", "httpx2", "httpx._main", "click", "pygments")


@dataclass
class Run:
    wall_s: float
    cpu_s: float  # user + system of the child and of the children it waited for
    returncode: int
    maxrss_kb: int
    stdout: str
    stderr: str


@dataclass
class Report:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)  # label, value, target, status

    @staticmethod
    def section(title: str) -> None:
        print(f"\n{title}", flush=True)

    def figure(self, label: str, value: str, target: str = "", passed: bool | None = None) -> None:
        status = "" if passed is None else ("PASS" if passed else "FAIL")
        self.rows.append((label, value, target, status))
        line = f"  {label:<48} {value:>12}"
        if target:
            line += f"   target {target:<9} {status}"
        print(line.rstrip(), flush=True)

    @staticmethod
    def note(text: str) -> None:
        print(f"    {text}", flush=True)

    @property
    def failed(self) -> list[str]:
        return [label for label, _, _, status in self.rows if status == "FAIL"]


def run(argv: list[str], env: dict[str, str], timeout: float = 120) -> Run:
    """Run one child: wall time from spawn to exit, and that child's own rusage (os.wait4)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        return Run(wall, usage.ru_utime + usage.ru_stime, proc.returncode, usage.ru_maxrss, out.read(), err.read())


def peak_rss_kb(argv: list[str], env: dict[str, str]) -> int:
    """Peak RSS (VmHWM) of `hftui ARGS` as the process itself reads it just before it exits.

    Not the rusage of a child: on Linux a child's ru_maxrss includes its parent's memory at the fork
    (exec keeps that high-water mark), so a child of this process, which holds the simulator,
    "peaks" at this process's size. The child is a fresh interpreter running `hftui.cli.console`."""
    result = run([sys.executable, str(CHILD), "peak-rss", *argv], env)
    found = re.search(r"^PEAK_KB (\d+)$", result.stderr, re.MULTILINE)
    if not found:
        raise SystemExit(f"peak-rss child failed ({result.returncode}): {result.stderr[-600:]}")
    return int(found.group(1))


def interleave(names: list[str], rounds: int, measure: Callable[[str], float]) -> dict[str, list[float]]:
    """One warm-up each, then `rounds` rounds, each in a rotated order so no contender always goes first."""
    for name in names:
        measure(name)
    results: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        for name in names[index % len(names):] + names[:index % len(names)]:
            results[name].append(measure(name))
    return results


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def runs_line(results: dict[str, list[float]]) -> str:
    return "; ".join(f"{name} " + " ".join(f"{t * 1000:.0f}" for t in values) for name, values in results.items())


def spread(values: list[float], scale: float = 1000, unit: str = " ms") -> str:
    """median (min–max), e.g. '812 ms (790–905)'."""
    if not values:
        return "n/a"
    return f"{median(values) * scale:.0f}{unit} ({min(values) * scale:.0f}–{max(values) * scale:.0f})"


# -- setup ----------------------------------------------------------------------------------------

@dataclass
class Context:
    scenario: object
    env: dict[str, str]  # HF_TOKEN set, keyring lookup on (the default)
    latency_ms: int

    @property
    def env_nokeyring(self) -> dict[str, str]:
        return {**self.env, "HFTUI_NO_KEYRING": "1"}


def child_env(workdir: Path, token: str | None) -> dict[str, str]:
    drop = ("http_proxy", "https_proxy", "all_proxy")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HF_", "HUGGING_FACE_", "HFTUI_")) and k.lower() not in drop}
    env.update(HF_HOME=str(workdir / "hf-home"), XDG_CONFIG_HOME=str(workdir / "config"),  # no config.toml
               HFTUI_KEYRING_SERVICE="hftui-bench", NO_COLOR="1",
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    if token is not None:
        env["HF_TOKEN"] = token
    if sys.flags.dont_write_bytecode or os.environ.get("PYTHONDONTWRITEBYTECODE"):
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "hftui-bench-pycache")
    return env


def hftui_command() -> list[str]:
    script = Path(sys.executable).parent / "hftui"  # the console script a user runs
    return [str(script)] if script.exists() else [sys.executable, "-m", "hftui"]


def diagnose_args(scenario, url: str) -> list[str]:
    args = ["diagnose", "--hub-url", url, "--router-url", url, "--model", scenario.model, "--timeout", "15"]
    return args + (["--bill-to", scenario.bill_to] if scenario.bill_to else [])


def curl_plan(sim, scenario, workdir: Path) -> tuple[Path, Path, int, list[str]]:
    """The requests hftui sends, as `hftui diagnose --curl STEP` prints them, in two shell scripts: one
    after another, as a person runs them; and in rounds, each round's calls at once (`&`, then `wait`),
    a round being the steps whose inputs the previous rounds gave: the network's floor, by curl."""
    import asyncio

    from hftui.core.curl import to_curl
    from hftui.core.diagnosis import run_diagnosis
    from hftui.core.hub import DEFAULT_BASELINE, ModelRef
    from hftui.core.plan import PlanInputs, StepStatus
    from hftui.core.steps import step_specs
    from hftui.core.tokens import TokenLocations, discover_tokens

    tokens = discover_tokens(TokenLocations(env={"HF_TOKEN": scenario.client_token}))
    inputs = PlanInputs(model=ModelRef.parse(scenario.model), token=tokens.active,
                        baseline=ModelRef.parse(DEFAULT_BASELINE), bill_to=scenario.bill_to,
                        router_url=sim.url, hub_url=sim.url, timeout=15)
    diagnosis = asyncio.run(run_diagnosis(inputs, tokens))
    needs = {spec.step_id: [need for need in spec.needs] for spec in step_specs(inputs)}
    depth: dict[str, int] = {}
    for step_id in needs:  # declaration order: a step's needs come before it
        depth[step_id] = 1 + max((depth[need] for need in needs[step_id] if need in depth), default=0)
    lines = ["#!/bin/sh", f"# hftui's plan for {scenario.name}, one curl after another, as a person runs it"]
    rounds: dict[int, list[str]] = {}
    count, skipped = 0, []
    for step_id in PLAN_STEPS:
        step = diagnosis.step(step_id)
        if step is None or step.status is StepStatus.SKIPPED or step.exchange is None:
            skipped.append(step_id)
            continue
        for request in [exchange.request for _, exchange in step.attempts] or [step.exchange.request]:
            lines += [f"# {step_id}", to_curl(request) + " > /dev/null"]
            rounds.setdefault(depth[step_id], []).append(f"# {step_id}\n{to_curl(request)} > /dev/null &")
            count += 1
    script = workdir / "curl_plan.sh"
    script.write_text("\n".join(lines) + "\n")
    parallel = ["#!/bin/sh", f"# hftui's plan for {scenario.name} in {len(rounds)} rounds of parallel curls"]
    for number in sorted(rounds):
        parallel += [*rounds[number], "wait"]
    rounds_script = workdir / "curl_rounds.sh"
    rounds_script.write_text("\n".join(parallel) + "\n")
    return script, rounds_script, count, skipped


def app_available() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("hftui.ui.app") is not None
    except ImportError:
        return False


def parse_importtime(stderr: str) -> list[tuple[str, float, int]]:
    """Top-level imports as (name, cumulative ms, times), from `-X importtime` output, largest first.

    A module listed more than once is an import that failed and was tried again (each try scans sys.path).
    """
    totals: dict[str, list[float]] = {}
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S+)", line)  # one space: top level
        if match:
            totals.setdefault(match.group(2), []).append(int(match.group(1)) / 1000)
    return sorted(((name, sum(t), len(t)) for name, t in totals.items()), key=lambda entry: -entry[1])


def self_time_by_package(stderr: str, packages: tuple[str, ...]) -> dict[str, float]:
    """Milliseconds each package's own modules took to import (their self time, not what they imported)."""
    totals = dict.fromkeys(packages, 0.0)
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            package = match.group(2).split(".", 1)[0]
            if package in totals:
                totals[package] += int(match.group(1)) / 1000
    return totals


def loaded(stderr: str) -> set[str]:
    found = re.search(r"^LOADED (.*)$", stderr, re.MULTILINE)
    return set(found.group(1).split()) if found else set()


def offenders(modules: set[str]) -> list[str]:
    return [name for name in NOT_ON_HOT_PATH if any(m == name or m.startswith(name + ".") for m in modules)]
