"""Child processes for benchmarks/run.py: each measures one thing in a fresh interpreter and prints it.

    python benchmarks/app_child.py first-frame minimal
    python benchmarks/app_child.py first-frame hftui ARGS...   # ARGS as for the `hftui` command
    python benchmarks/app_child.py minimal-app LABEL          # the minimal app as is, for a real terminal
    python benchmarks/app_child.py app-memory URL SCENARIO RETRIES
    python benchmarks/app_child.py import-cost MODULE [hftui-httpx | inference-client]
    python benchmarks/app_child.py loaded-modules ARGS...      # `hftui ARGS`, then sys.modules on stderr
    python benchmarks/app_child.py peak-rss ARGS...            # `hftui ARGS`, then its own VmHWM on stderr

First frame: both apps run through `App.run`, switched to headless mode at 160x48 with an auto-pilot
that asks `call_after_refresh` for a callback: it fires once the first screen has been composed and
rendered after mount, and prints `FIRST_FRAME <epoch seconds>` (the parent subtracts its spawn time,
so interpreter start-up and every import count). The hook is installed when `textual.app` is first
imported, so each app starts in its own order (hftui's CLI runs first and imports Textual itself).
Headless mode skips only writing the escape codes to a terminal, the same for both apps. The app
then exits. Checked against the same hook in a real pseudo-terminal (script(1), 160x48, not
headless, the time written to a file): 292 vs 358 ms, 1.23x, as headless gives (1.22-1.23x).
"""

from __future__ import annotations

import asyncio
import gc
import importlib.abc
import importlib.util
import sys
import time

SIZE = (160, 48)


def rss_kb() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process in KB."""
    values = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values["VmRSS"], values["VmHWM"]


def first_frame(which: str, args: list[str]) -> int:
    def report_first_frame_on(app_class) -> None:
        original_run = app_class.run

        async def report_first_frame(pilot) -> None:
            painted = asyncio.Event()
            pilot.app.call_after_refresh(painted.set)
            await painted.wait()
            print(f"FIRST_FRAME {time.time():.6f}", flush=True)
            print("FIRST_FRAME", file=sys.stderr, flush=True)  # where -X importtime's lines reach the frame
            pilot.app.exit()

        def run(self, *a, **k):  # the same hook for both apps
            k.update(headless=True, size=SIZE, auto_pilot=report_first_frame)
            return original_run(self, *a, **k)

        app_class.run = run

    # Hooked when textual.app is first imported, so each app imports (and starts) in its own order.
    sys.meta_path.insert(0, PatchOnImport("textual.app", lambda module: report_first_frame_on(module.App)))
    if which == "minimal":
        return minimal_app()
    from hftui.cli import main

    return main(args)


def minimal_app(label: str = "plan") -> int:
    """The yardstick: a minimal Textual app (Header + Tree + Footer), run as any app is."""
    from textual.app import App
    from textual.widgets import Footer, Header, Tree

    class Minimal(App):
        def compose(self):
            yield Header()
            yield Tree(label)
            yield Footer()

    Minimal().run()
    return 0


class PatchOnImport(importlib.abc.MetaPathFinder):
    """Calls `patch(module)` right after the module `name` is first executed; then steps aside."""

    def __init__(self, name: str, patch) -> None:
        self.name, self.patch = name, patch

    def find_spec(self, name, path, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        execute = spec.loader.exec_module

        def exec_module(module) -> None:
            execute(module)
            self.patch(module)

        spec.loader.exec_module = exec_module
        return spec


async def app_memory(url: str, scenario_name: str, retries: int) -> int:
    """The app on the simulator: RSS after the first full run, halfway, and after `retries` presses of `r`."""
    from hftui.core.session import Session
    from hftui.sim import get_scenario
    from hftui.ui.app import HftuiApp
    from hftui.ui.pilot import settle  # until the plan, the retries and the keyring check are done

    scenario = get_scenario(scenario_name)
    app = HftuiApp(Session.for_simulator(scenario, url), scenario=scenario)

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        steps = list(app.plan_run.results)
        gc.collect()
        first = rss_kb()[0]
        tree = app.query_one("#steps")
        tree.focus()
        half = first
        for index in range(retries):
            tree.select(steps[index % len(steps)])  # `r` retries the step under the cursor
            await pilot.press("r")
            await settle(pilot)
            if index + 1 == retries // 2:
                gc.collect()
                half = rss_kb()[0]
        runs = sum(result.run_count for result in app.plan_run.results.values()) - len(steps)
        gc.collect()
        after, peak = rss_kb()
    print(f"APP_MEMORY first_kb={first} half_kb={half} after_kb={after} peak_kb={peak} retries_done={runs}",
          flush=True)
    return 0


def import_cost(module: str, how: str) -> int:
    if module == "httpx":
        from hftui.core.probes import import_httpx  # loaded first in both variants: only httpx is timed
    start = time.perf_counter()
    if how == "hftui-httpx":
        import_httpx()
    elif module == "keyring":
        import keyring

        keyring.get_keyring()  # what a token lookup pays: the import and the backend detection
    elif how == "inference-client":
        import huggingface_hub

        huggingface_hub.InferenceClient  # noqa: B018 - the package loads it lazily, on first access
    else:
        __import__(module)
    print(f"IMPORT_MS {(time.perf_counter() - start) * 1000:.1f}", flush=True)
    return 0


def peak_rss(args: list[str]) -> int:
    """`hftui ARGS` as the command runs it (hftui.cli.console), printing its own VmHWM as it exits."""
    import atexit

    atexit.register(lambda: print(f"PEAK_KB {rss_kb()[1]}", file=sys.stderr, flush=True))  # console runs atexit
    sys.argv = ["hftui", *args]
    from hftui.cli import console

    console()
    return 0


def loaded_modules(args: list[str]) -> int:
    from hftui.cli import main

    try:
        return main(args)
    except SystemExit as exc:  # --help exits through argparse
        return exc.code if isinstance(exc.code, int) else 0
    finally:
        print("LOADED " + " ".join(sorted(sys.modules)), file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    command, rest = argv[0], argv[1:]
    if command == "loaded-modules":
        return loaded_modules(rest)
    if command == "peak-rss":
        return peak_rss(rest)
    if command == "first-frame":
        return first_frame(rest[0], rest[1:])
    if command == "minimal-app":  # in a terminal: its first frame shows `rest[0]` (benchmarks/screen.py)
        return minimal_app(rest[0])
    if command == "app-memory":
        return asyncio.run(app_memory(rest[0], rest[1], int(rest[2])))
    if command == "import-cost":
        return import_cost(rest[0], rest[1] if len(rest) > 1 else "plain")
    print(f"unknown command {command!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
