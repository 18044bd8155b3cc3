"""The app's resources under use: quitting mid-run frees everything, retrying does not accumulate.

The app runs headless (Textual's run_test + Pilot) against the simulator on loopback. Threads are
counted with threading.enumerate(); the app's sockets are read from /proc/self/fd and matched to
/proc/net/tcp by inode, so only connections *to the simulator's port* (the app's side) count.
Retrying is measured after a warm-up, as growth per retry: widgets off the screen but alive and
gc-tracked objects (both flat once the caches are warm), and bytes with tracemalloc (the benchmark
has the precise figure).
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from helpers import HANG_LIMIT, detached_widgets, live_objects, retry_selected_step, until
from rhelpers import scenario

from hftui.core.session import Session
from hftui.core.plan import StepStatus
from hftui.sim import Fault, SimServer
from hftui.ui.pilot import settle

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir() or sys.platform != "linux",
                                reason="counts sockets through /proc")

SIZE = (160, 48)
PROBE_TIMEOUT = 60  # nothing here waits for a probe to time out; a loaded machine can make a healthy one slow
# Retrying whoami: Textual's caches are warm after ~15 retries (the count of gc-tracked objects stops
# moving), then the measured retries are traced. Cache churn adds 5-10 KiB a retry; a leak of the widgets
# of one footer (Textualize/textual#6666) ~360 KiB.
WARM_UP, MEASURED = 20, 15
PER_RETRY = 50 * 1024


def make_app(sc, url: str, timeout: float = PROBE_TIMEOUT):
    from hftui.ui.app import HftuiApp

    # The running steps' timers held still: on a loaded machine a retry can run for seconds, and each new
    # "N s" drawn would fill Textual's caches with a string an idle machine never draws.
    return HftuiApp(Session.for_simulator(sc, url, timeout=timeout), scenario=sc, frozen=True, clock=lambda: 0.0)


def sockets_to(port: int) -> list[str]:
    """This process's TCP sockets whose far end is 127.0.0.1:port."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            remote, inode = fields[2], fields[9]
            if int(remote.rsplit(":", 1)[1], 16) == port and inode in inodes:
                found.append(f"{fields[1]} -> {remote} (inode {inode})")
    return found


def app_threads(before: set[threading.Thread]) -> list[str]:
    """Threads started since `before` that are not the simulator's own."""
    return sorted(t.name for t in set(threading.enumerate()) - before
                  if t.is_alive() and "process_request_thread" not in t.name and not t.name.startswith("hftui-sim"))


async def test_quitting_while_probes_hang_leaves_no_thread_or_socket_behind():
    hang = scenario(route_faults={"whoami": Fault("hang"), "chat": Fault("hang"), "mapping": Fault("slow_body")})
    with SimServer(hang) as sim:
        before = set(threading.enumerate())
        app = make_app(hang, sim.url)  # the probes are really in flight when the user quits
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: sum(r.path == "/v1/chat/completions" for r in sim.requests) >= 2,
                        "both chat probes reached the simulator")
            assert app.plan_busy and sockets_to(sim.port), "the probes are connected and waiting"
            quit_at = time.monotonic()
            await pilot.press("q")
        quit_seconds = time.monotonic() - quit_at
        # Well under a second when idle. The bound is a third of the probes' timeout: generous, and a quit
        # that waited for the probes to give up would still cross it.
        assert quit_seconds < PROBE_TIMEOUT / 3, f"quitting took {quit_seconds:.2f} s with probes in flight"
        deadline = time.monotonic() + HANG_LIMIT
        while (sockets_to(sim.port) or app_threads(before)) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert sockets_to(sim.port) == [], "the app left connections to the simulator open"
        assert app_threads(before) == [], "the app left threads running"
        running = [s for s in app.plan_run.results.values() if s.status is StepStatus.RUNNING]
        assert running, "the plan was cut short, as it should be"


async def test_retrying_again_and_again_keeps_no_widget_object_or_memory():
    healthy = scenario()
    with SimServer(healthy) as sim:
        app = make_app(healthy, sim.url)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            from hftui.ui.widgets.steps import StepTree

            tree = app.query_one(StepTree)
            tree.focus()
            tree.select("whoami")
            assert tree.selected_step_id == "whoami"

            async def retries(count: int) -> None:
                for _ in range(count):
                    await retry_selected_step(pilot)
                sim.requests.clear()  # the simulator's own log of requests lives in this process too

            widgets_at_start = detached_widgets(app)
            await retries(WARM_UP)
            objects_before = live_objects()
            tracemalloc.start()
            try:
                await retries(1)  # what a retry replaces is traced from here on
                gc.collect()
                traced_before, _ = tracemalloc.get_traced_memory()
                await retries(MEASURED)
                gc.collect()
                traced, _ = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            widgets, objects = detached_widgets(app) - widgets_at_start, live_objects() - objects_before
            whoami = app.plan_run.results["whoami"]
            assert whoami.run_count == 1 + WARM_UP + 1 + MEASURED and whoami.status is StepStatus.OK
        assert widgets <= 0, f"{widgets} widgets left the screen but stay in memory, {whoami.run_count - 1} retries"
        # gc-tracked objects do not change at all from one retry to the next once the caches are warm;
        # a leak of a single result (request, response, headers) is dozens.
        assert objects < 5 * MEASURED, f"{objects} more live objects after {MEASURED + 1} more retries"
        grown = traced - traced_before
        assert grown < PER_RETRY * MEASURED, f"{grown / 1024:.0f} KiB more held after {MEASURED} more retries"
