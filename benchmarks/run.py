"""hftui's performance report: `python benchmarks/run.py [--quick] [--strict]` (stdlib + the project).

Every figure is printed with its target and PASS/FAIL; times as median (min–max). It is a report:
exit 0 unless --strict. The machine's load is printed first: figures from a busy machine are not
comparable with a quiet one's (ratios of interleaved runs hold up best).

1. `hftui diagnose` against the simulator (case-d: all seven calls run; 250 ms added to every request)
   versus the same seven requests made with the real `curl` binary: one after another (the plan as a
   person runs it), and in rounds of parallel calls (`&` then `wait`: the network's floor, two rounds
   here). The curl commands are `to_curl` of the requests hftui itself sent in a reference run
   (exactly what `hftui diagnose --curl STEP` prints), written to shell scripts. Rounds are
   interleaved and rotated. Both get the token from HF_TOKEN; hftui runs once with its keyring
   lookup (the default) and once with HFTUI_NO_KEYRING=1, so the keyring's share shows. CPU seconds
   (user + system, the child's own rusage) beside wall time.
2. Start-up: `hftui --version`; the modules `hftui diagnose --help` and a full `hftui diagnose` load
   (from sys.modules at exit: no textual, no huggingface_hub, no httpx CLI); the top-level entries
   of `-X importtime` for a full diagnose; what importing httpx, keyring and huggingface_hub costs.
3. Time to the first frame of the app versus a minimal Textual app (Header + Tree + Footer), both
   started the same way: a fresh interpreter, `App.run` switched to headless 160x48 with an
   auto-pilot whose `call_after_refresh` callback prints the time (benchmarks/app_child.py); the
   figure is that time minus the moment the parent spawned the process.
4. The app's verdict on screen: `hftui` spawned in a real pseudo-terminal (benchmarks/screen.py)
   against the simulator with its latency, timed until the matrix shows the scenario's case; the
   floor is the plan's two rounds plus the minimal Textual app's first frame, timed the same way.
5. Memory: peak RSS of a whole `hftui diagnose`, read by the process itself (VmHWM) as it exits;
   the app's RSS (after gc) after its first run and after N retries (`r` on each step in turn, via Pilot).
6. The provider sweep against its slowest call and against the calls one by one (benchmarks/sweep.py).

Children get HF_HOME and XDG_CONFIG_HOME in a temporary folder (no real token file or config.toml
is read), HF_TOKEN set to the scenario's fake token, and HFTUI_KEYRING_SERVICE=hftui-bench (the
keyring lookup costs the same, no real secret is read). When bytecode writing is off (PYTHONDONTWRITEBYTECODE), children get a
private PYTHONPYCACHEPREFIX, warmed before timing, as an installed package has .pyc files.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import (CHILD, Context, Report, app_available, child_env, curl_plan, diagnose_args, hftui_command,
                     interleave, loaded, median, ms, offenders, parse_importtime, peak_rss_kb, run, runs_line,
                     self_time_by_package, spread)
from sweep import bench_sweep


# -- the sections ---------------------------------------------------------------------------------

def bench_plan(report: Report, args, ctx: Context, workdir: Path) -> None:
    from hftui.sim import SimServer

    report.section(f"1. hftui diagnose vs the manual curl plan ({ctx.scenario.name}, {ctx.latency_ms} ms per request, "
                   f"{args.rounds} interleaved rounds)")
    with SimServer(ctx.scenario, port=0, latency_ms=ctx.latency_ms) as sim:
        script, rounds_script, count, skipped = curl_plan(sim, ctx.scenario, workdir)
        if skipped:
            report.note(f"skipped in {ctx.scenario.name}: {', '.join(skipped)}; pick a scenario where all seven run")
        if args.show_curl:
            print(script.read_text())
            print(rounds_script.read_text())
        diagnose = [*hftui_command(), *diagnose_args(ctx.scenario, sim.url)]
        contenders = {"curl": (["sh", str(script)], ctx.env), "curl-rounds": (["sh", str(rounds_script)], ctx.env),
                      "hftui": (diagnose, ctx.env), "hftui-nokeyring": (diagnose, ctx.env_nokeyring)}
        sent: dict[str, set[int]] = {name: set() for name in contenders}
        cpu: dict[str, list[float]] = {name: [] for name in contenders}

        def measure(name: str) -> float:
            argv, env = contenders[name]
            before = len(sim.requests)
            result = run(argv, env)
            if result.returncode not in (0, 1):  # 1: the diagnosis found a problem, as case-d must
                raise SystemExit(f"{name} failed with exit {result.returncode}: {result.stderr[-600:]}")
            sent[name].add(len(sim.requests) - before)
            cpu[name].append(result.cpu_s)
            return result.wall_s

        times = interleave(list(contenders), args.rounds, measure)
    curl, rounds, hftui, nokr = (median(times[name]) for name in contenders)
    report.figure(f"curl plan: {count} calls, one after another", spread(times["curl"]))
    report.figure("curl plan in rounds of parallel calls (floor)", spread(times["curl-rounds"]))
    report.figure("hftui diagnose (keyring lookup on, the default)", spread(times["hftui"]))
    report.figure("hftui diagnose (HFTUI_NO_KEYRING=1)", spread(times["hftui-nokeyring"]))
    report.figure("ratio hftui / curl, keyring lookup on", f"{hftui / curl:.2f}×", "≤ 0.45×", hftui / curl <= 0.45)
    report.figure("ratio hftui / curl, keyring lookup off", f"{nokr / curl:.2f}×", "≤ 0.45×", nokr / curl <= 0.45)
    report.figure("ratio hftui / curl in rounds (the floor)", f"{hftui / rounds:.2f}×")
    hftui_cpu = median(cpu["hftui"])
    report.figure("CPU per hftui diagnose (user + system, keyring on)", f"{hftui_cpu:.3f} s", "≤ 0.40 s",
                  hftui_cpu <= 0.40)
    report.note("CPU per run, median (min–max): " + ", ".join(
        f"{name} {median(cpu[name]):.3f} s ({min(cpu[name]):.3f}–{max(cpu[name]):.3f})" for name in contenders))
    report.note(f"critical path: {len(_rounds_in(rounds_script))} rounds = "
                f"{len(_rounds_in(rounds_script)) * ctx.latency_ms} ms; requests per run: "
                + ", ".join(f"{name} {sorted(sent[name])}" for name in contenders))
    report.note(f"all runs (ms): {runs_line(times)}")


def _rounds_in(script: Path) -> list[str]:
    return [line for line in script.read_text().splitlines() if line == "wait"]


def bench_startup(report: Report, args, ctx: Context, workdir: Path) -> None:
    from hftui.sim import SimServer

    report.section("2. Start-up and imports")
    bare_env = child_env(workdir, None)
    version = interleave(["version", "python"], args.samples, lambda name: run(
        [*hftui_command(), "--version"] if name == "version" else [sys.executable, "-c", "pass"], bare_env).wall_s)
    report.figure("hftui --version", ms(median(version["version"])), "< 150 ms", median(version["version"]) < 0.150)
    report.note(f"a bare `python -c pass` here: {ms(median(version['python']))}")

    help_modules = loaded(run([sys.executable, str(CHILD), "loaded-modules", "diagnose", "--help"], bare_env).stderr)
    heavy = sorted({m.split(".")[0] for m in help_modules} & {"textual", "httpx", "huggingface_hub", "keyring"})
    report.figure("hftui diagnose --help loads textual/httpx/…", ", ".join(heavy) or "none", "none",
                  bool(help_modules) and not heavy)
    with SimServer(ctx.scenario, port=0, latency_ms=ctx.latency_ms) as sim:
        argv = diagnose_args(ctx.scenario, sim.url)
        full_modules = loaded(run([sys.executable, str(CHILD), "loaded-modules", *argv], ctx.env).stderr)
        profile = run([sys.executable, "-X", "importtime", "-m", "hftui", *argv], ctx.env)
    bad = offenders(full_modules)
    report.figure("hftui diagnose loads textual/hub/httpx CLI", ", ".join(bad) or "none", "none",
                  bool(full_modules) and not bad)
    top = parse_importtime(profile.stderr)
    report.note(f"-X importtime of a full `hftui diagnose` (keyring lookup on): {sum(t for _, t, _ in top):.0f} ms "
                f"in {len(full_modules)} modules; the top-level entries:")
    for name, cumulative, times in top[:args.top]:
        report.note(f"  {cumulative:6.1f} ms  {name}" + (f"  (imported {times}×: not installed, tried again each time)"
                                                          if times > 1 else ""))

    variants = {"import httpx, plain (loads its CLI)": ("httpx",),
                "import httpx the hftui way (no CLI)": ("httpx", "hftui-httpx"),
                "import keyring + detect its backend": ("keyring",),
                "import huggingface_hub.InferenceClient (unused)": ("huggingface_hub", "inference-client")}

    def cost(label: str) -> float:
        result = run([sys.executable, str(CHILD), "import-cost", *variants[label]], bare_env)
        found = re.search(r"IMPORT_MS ([\d.]+)", result.stdout)
        return float(found.group(1)) / 1000 if found else float("nan")

    costs = interleave(list(variants), args.samples, cost)
    for label, values in costs.items():
        report.figure(label, ms(min(values)))
    report.note(f"each the best of {args.samples} fresh interpreters; the httpx pair after hftui.core.probes loaded")


def bench_first_frame(report: Report, args, ctx: Context) -> None:
    from hftui.sim import SimServer

    report.section(f"3. Time to the first frame ({args.rounds} interleaved rounds, headless 160x48)")
    if not app_available():
        report.figure("hftui app", "n/a (no hftui/ui yet)")
        return
    with SimServer(ctx.scenario, port=0, latency_ms=ctx.latency_ms) as sim:
        app_args = ["--model", ctx.scenario.model, "--hub-url", sim.url, "--router-url", sim.url]
        contenders = {"minimal": (["minimal"], ctx.env), "hftui": (["hftui", *app_args], ctx.env),
                      "hftui-nokeyring": (["hftui", *app_args], ctx.env_nokeyring)}
        times = interleave(list(contenders), args.rounds, lambda name: first_frame(*contenders[name]))
        profile = run([sys.executable, "-X", "importtime", str(CHILD), "first-frame", "hftui", *app_args], ctx.env)
    minimal, hftui, nokr = (median(times[name]) for name in contenders)
    report.figure("minimal Textual app (Header + Tree + Footer)", ms(minimal))
    report.figure("hftui app (keyring lookup on, the default)", ms(hftui))
    report.figure("hftui app (HFTUI_NO_KEYRING=1)", ms(nokr))
    report.figure("ratio hftui / minimal, keyring lookup on", f"{hftui / minimal:.2f}×", "≤ 1.30×", hftui / minimal <= 1.3)
    report.figure("ratio hftui / minimal, keyring lookup off", f"{nokr / minimal:.2f}×", "≤ 1.30×", nokr / minimal <= 1.3)
    report.note(f"all runs (ms): {runs_line(times)}")
    own = self_time_by_package(profile.stderr.split("FIRST_FRAME", 1)[0], ("hftui", "textual", "rich"))
    report.note("imported before the first frame (-X importtime, self times): "
                + ", ".join(f"{package} {ms_:.0f} ms" for package, ms_ in own.items()))


def first_frame(child_args: list[str], env: dict[str, str]) -> float:
    spawned = time.time()
    result = run([sys.executable, str(CHILD), "first-frame", *child_args], env, timeout=60)
    found = re.search(r"FIRST_FRAME ([\d.]+)", result.stdout)
    if not found:
        raise SystemExit(f"first-frame child {child_args[0]} failed ({result.returncode}): {result.stderr[-600:]}")
    return float(found.group(1)) - spawned


def bench_screen(report: Report, args, ctx: Context) -> None:
    from hftui.sim import SimServer

    report.section(f"4. The app's verdict on screen ({args.rounds} interleaved rounds, a real pty 160x48, "
                   f"{ctx.latency_ms} ms per request)")
    if not app_available():
        report.figure("hftui app", "n/a (no hftui/ui yet)")
        return
    from screen import NotShown, time_until_shown

    from hftui.core.cases import Case

    case = Case(ctx.scenario.expected_case)
    with SimServer(ctx.scenario, port=0, latency_ms=ctx.latency_ms) as sim:
        app_argv = [*hftui_command(), "--model", ctx.scenario.model, "--hub-url", sim.url, "--router-url", sim.url]
        label = "hftui-bench-first-frame"
        contenders = {
            "minimal": ([sys.executable, str(CHILD), "minimal-app", label], ctx.env, [label], ["\x11"]),
            "hftui": (app_argv, ctx.env, [f"[{case.value}]", case.title], ["q", "\x11"]),
            "hftui-nokeyring": (app_argv, ctx.env_nokeyring, [f"[{case.value}]", case.title], ["q", "\x11"]),
        }

        def measure(name: str) -> float:
            argv, env, texts, quit_keys = contenders[name]
            try:
                return time_until_shown(argv, env, texts, quit_keys)
            except NotShown as exc:
                raise SystemExit(str(exc)) from None

        times = interleave(list(contenders), args.rounds, measure)
    minimal, hftui, nokr = (median(times[name]) for name in contenders)
    rounds = 2  # the plan's critical path: a round of independent calls, then the calls that read them
    floor = rounds * ctx.latency_ms / 1000 + minimal
    report.figure("minimal Textual app: its first frame on screen", spread(times["minimal"]))
    report.figure(f"hftui: the verdict ({case.value}) on screen", spread(times["hftui"]))
    report.figure("hftui: the verdict on screen, HFTUI_NO_KEYRING=1", spread(times["hftui-nokeyring"]))
    report.figure(f"the floor: {rounds} rounds + the minimal first frame", ms(floor))
    report.figure("ratio verdict on screen / floor, keyring on", f"{hftui / floor:.2f}×", "≤ 1.50×", hftui / floor <= 1.5)
    report.figure("ratio verdict on screen / floor, keyring off", f"{nokr / floor:.2f}×", "≤ 1.50×", nokr / floor <= 1.5)
    report.note("from spawn until the text is on the terminal (benchmarks/screen.py), the app quit with its key after")
    report.note(f"all runs (ms): {runs_line(times)}")


def bench_memory(report: Report, args, ctx: Context) -> None:
    from hftui.sim import SimServer

    report.section("5. Memory")
    with SimServer(ctx.scenario, port=0, latency_ms=ctx.latency_ms) as sim:
        argv = diagnose_args(ctx.scenario, sim.url)
        peaks = [peak_rss_kb(argv, ctx.env) for _ in range(3)]
    peak = max(peaks)
    report.figure("peak RSS of a whole hftui diagnose (its VmHWM)", f"{peak / 1024:.1f} MB", "< 45 MB", peak < 45 * 1024)
    report.note(f"read by the process itself as it exits (keyring lookup on), the largest of 3: "
                f"{', '.join(f'{kb / 1024:.1f}' for kb in peaks)} MB; not a child's rusage, which on Linux "
                f"includes its parent's memory at the fork")
    if not app_available():
        report.figure("app RSS after retries", "n/a (no hftui/ui yet)")
        return
    with SimServer(ctx.scenario, port=0) as sim:  # no latency: the retries are about memory, not time
        result = run([sys.executable, str(CHILD), "app-memory", sim.url, ctx.scenario.name, str(args.retries)],
                     ctx.env, timeout=1800)
    found = re.search(r"first_kb=(\d+) half_kb=(\d+) after_kb=(\d+) peak_kb=(\d+) retries_done=(\d+)", result.stdout)
    if not found:
        report.figure(f"app RSS after {args.retries} retries", "ERROR", "≤ +5%", False)
        report.note((result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[-1])
        return
    first, half, after, peak, done = (int(group) for group in found.groups())
    growth = after / first - 1
    report.figure("app RSS after its first run", f"{first / 1024:.1f} MB")
    report.figure(f"app RSS after {done} retries", f"{after / 1024:.1f} MB")
    report.figure("growth over the first run", f"{growth * 100:+.1f}%", "≤ +5%", growth <= 0.05 and done == args.retries)
    second_half = max(done - done // 2, 1)
    report.note(f"per retry: {(half - first) / max(done // 2, 1):.0f} KB in the first half, "
                f"{(after - half) / second_half:.0f} KB in the second (a leak keeps growing, warm-up flattens); "
                f"peak (VmHWM) {peak / 1024:.1f} MB; {result.wall_s:.0f} s for the run")


# -- main -----------------------------------------------------------------------------------------

def header() -> None:
    import hftui

    versions = []
    for module in ("textual", "httpx"):
        try:
            versions.append(f"{module} {__import__(module).__version__}")
        except (ImportError, AttributeError):
            versions.append(f"{module} ?")
    curl = subprocess.run(["curl", "--version"], capture_output=True, text=True).stdout.split()[:2]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"hftui {hftui.__version__} benchmark · {time.strftime('%Y-%m-%d %H:%M')} · Python {platform.python_version()}"
          f" · {os.cpu_count()} CPUs · load {load:.2f} · {' '.join(curl)} · {' · '.join(versions)}")
    if sys.flags.dont_write_bytecode or os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("bytecode writing is off here: children use a private PYTHONPYCACHEPREFIX, warmed before timing")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds, 3 samples, 100 retries")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any figure misses its target")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per comparison (default 5)")
    parser.add_argument("--samples", type=int, help="runs per start-up figure (default 5)")
    parser.add_argument("--retries", type=int, help="retries for the app memory figure (default 1000)")
    parser.add_argument("--scenario", default="case-d", help="simulator scenario; all seven calls must run")
    parser.add_argument("--latency-ms", type=int, default=250, help="latency the simulator adds per request")
    parser.add_argument("--top", type=int, default=10, help="import-time entries to list")
    parser.add_argument("--show-curl", action="store_true", help="print the curl script the plan is compared with")
    parser.add_argument("--only", action="append", choices=["plan", "startup", "frame", "screen", "memory", "sweep"],
                        help="run only this section (repeatable)")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (3 if args.quick else 5)
    args.samples = args.samples or (3 if args.quick else 5)
    args.retries = args.retries if args.retries is not None else (100 if args.quick else 1000)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("curl") is None:
        print("benchmarks/run.py needs the curl binary (e.g. apt-get install -y curl)", file=sys.stderr)
        return 2
    from hftui.sim import get_scenario

    header()
    report, started = Report(), time.perf_counter()
    sections = args.only or ["plan", "startup", "frame", "screen", "memory", "sweep"]
    with tempfile.TemporaryDirectory(prefix="hftui-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "hf-home").mkdir()
        scenario = get_scenario(args.scenario)
        ctx = Context(scenario, child_env(workdir, scenario.client_token), args.latency_ms)
        steps = {"plan": lambda: bench_plan(report, args, ctx, workdir),
                 "startup": lambda: bench_startup(report, args, ctx, workdir),
                 "frame": lambda: bench_first_frame(report, args, ctx),
                 "screen": lambda: bench_screen(report, args, ctx),
                 "memory": lambda: bench_memory(report, args, ctx),
                 "sweep": lambda: bench_sweep(report, args, ctx)}
        took = []
        for name, step in steps.items():
            if name in sections:
                begun = time.perf_counter()
                step()
                took.append(f"{name} {time.perf_counter() - begun:.0f} s")
    passed = sum(1 for row in report.rows if row[3] == "PASS")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n{passed} of {passed + len(report.failed)} targets met · {time.perf_counter() - started:.0f} s "
          f"({', '.join(took)}) · load at the end {load:.2f}"
          + ("\nmissed: " + "; ".join(report.failed) if report.failed else ""))
    return 1 if report.failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
