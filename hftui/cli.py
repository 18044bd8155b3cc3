"""The command line: `hftui` (the app), `hftui diagnose` (headless), `hftui demo`, `hftui sim`.

Nothing here imports Textual at module level: `diagnose` and `--help` must stay light.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from hftui import __version__
from hftui.core.printable import printable
from hftui.interrupts import interrupted

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: one clear line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + traceback-looking noise
        self.exit(EXIT_USAGE, f"{self.prog}: error: {printable(message)} (see {self.prog} --help)\n")


def _common_flags(default: object = None) -> argparse.ArgumentParser:
    flags = argparse.ArgumentParser(add_help=False, argument_default=default)
    flags.add_argument("--model", help="the model string exactly as the app uses it, e.g. Qwen/Qwen3.5-9B:preferred")
    flags.add_argument("--baseline", help="known-good model (default openai/gpt-oss-120b:fastest)")
    flags.add_argument("--bill-to", metavar="ORG", help="organization to bill with X-HF-Bill-To (default: every org from whoami, those that can pay first)")
    flags.add_argument("--hub-url", help="Hub URL (default $HF_ENDPOINT or https://huggingface.co)")
    flags.add_argument("--router-url", help="router URL, or its OpenAI base_url form …/v1 (default $HFTUI_ROUTER_URL or https://router.huggingface.co)")
    flags.add_argument("--timeout", type=_positive_float, help="per-probe timeout in seconds (default 15)")
    flags.add_argument("--token-env", metavar="NAME", help="read the token raw from this environment variable first")
    flags.add_argument("--token-source", metavar="NAME", help="test the token of this listed source, e.g. "
                       ".streamlit/secrets.toml:HF_TOKEN or env:HUGGINGFACEHUB_API_TOKEN")
    flags.add_argument("--app-url", metavar="URL", help="the URL or base_url your app posts chat to: hftui sends "
                       "the same call there, the way that client does (step app-route)")
    flags.add_argument("--app-python", metavar="PATH", help="your app's Python: its client libraries' versions are "
                       "read (default ./.venv/bin/python or ./venv/bin/python when present)")
    flags.add_argument("--sweep", action="store_true", default=default,
                       help="also try the model on every provider that serves it (one real, billed 8-token call each)")
    flags.add_argument("--stream", action="store_true", default=default,
                       help="also send the configured call with stream: true and read the stream to its end")
    return flags


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError(f"must be between 0 and 600 seconds, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = _common_flags()
    # The same flags after a command: one not given there must not erase its value given before the command.
    again = _common_flags(default=argparse.SUPPRESS)
    parser = _Parser(
        prog="hftui",
        description="Why does my Hugging Face Inference Providers call fail? Probes, a verdict, and the evidence.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"hftui {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    diagnose = commands.add_parser("diagnose", parents=[again], help="run the plan headless and print the verdict",
                                   description="Run the staged plan without the app: for scripts, CI and quick checks.")
    diagnose.add_argument("--json", action="store_true", help="print one JSON document (schema 1)")
    diagnose.add_argument("--sim", metavar="SCENARIO", help="run against the built-in simulator in this scenario")
    diagnose.add_argument("--report", metavar="FILE", help="also write the support bundle (.md or .json), mode 0600")
    diagnose.add_argument("--force", action="store_true", help="let --report replace an existing file")
    diagnose.add_argument("--curl", metavar="STEP", help="print the step's request as a curl command ($HF_TOKEN) instead")

    demo = commands.add_parser("demo", parents=[again], help="open the app on the built-in simulator",
                               description="Open the app against the built-in router simulator: no token, no network.")
    demo.add_argument("scenario", nargs="?", default="case-a", help="scenario name (default case-a)")
    demo.add_argument("--list", action="store_true", help="list the scenarios and exit")

    sim = commands.add_parser("sim", help="run the router + Hub simulator standalone",
                              description="Serve the simulated router and Hub on 127.0.0.1 so you can curl them.")
    sim.add_argument("--scenario", default="case-a", help="scenario name (default case-a)")
    sim.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000, 0 = any free port)")
    sim.add_argument("--latency-ms", type=int, default=None, help="added latency per request")
    sim.add_argument("--list", action="store_true", help="list the scenarios and exit")
    return parser


FLAGS = ("model", "baseline", "bill_to", "hub_url", "router_url", "timeout", "token_env", "sweep", "stream",
         "token_source", "app_url", "app_python")


def settings_from(args: argparse.Namespace, simulator_at: tuple | None = None):
    """The Settings the flags ask for; `simulator_at` (scenario, url): what the user did not give aims at it."""
    from hftui.core.session import Settings

    given = {name: getattr(args, name, None) for name in FLAGS}
    if simulator_at is not None:
        scenario, url = simulator_at
        aimed = {"hub_url": url, "router_url": url, "model": scenario.model, "bill_to": scenario.bill_to,
                 "sweep": scenario.sweep, "stream": scenario.stream,
                 "app_url": url + scenario.app_path if getattr(scenario, "app_path", None) else None}
        given.update({name: value for name, value in aimed.items() if not given[name]})
    return Settings.resolve(**given)


def scenario_named(name: str):
    from hftui.sim import get_scenario

    try:
        return get_scenario(name)
    except KeyError as exc:
        raise UsageError(str(exc.args[0]) if exc.args else f"unknown scenario {name!r}") from None


@contextlib.contextmanager
def simulator(scenario_name: str) -> Iterator[tuple]:
    """(scenario, url): the scenario served on loopback while the block runs."""
    from hftui.sim import SimServer

    scenario = scenario_named(scenario_name)
    with SimServer(scenario, port=0) as server:
        yield scenario, server.url


def open_session(args: argparse.Namespace, simulator_at: tuple | None = None, defer_keyring: bool = False):
    """The session the flags ask for: against the simulator (the scenario's token only) when `simulator_at`."""
    from hftui.core.session import Session

    settings = settings_from(args, simulator_at)
    if simulator_at is not None:
        return Session.simulated_at(settings, simulator_at[0])
    return Session.open(settings, defer_keyring=defer_keyring)


def _warn(settings) -> None:
    for warning in settings.warnings:
        print(warning, file=sys.stderr)


def cmd_diagnose(args: argparse.Namespace) -> int:
    report_path = Path(args.report) if args.report else None
    if report_path is not None:
        _check_report_path(report_path, args.force)
    with contextlib.ExitStack() as stack, _collector_paused():
        from hftui.core.background import import_in_background
        from hftui.core.loop import run_bounded  # asyncio.run, minus waiting on a hung DNS lookup at exit

        simulator_at = stack.enter_context(simulator(args.sim)) if args.sim else None
        session = open_session(args, simulator_at)
        inputs = session.inputs()  # a missing or malformed model stops here, before any warning
        _warn(session.settings)
        # What prints the diagnosis loads while the requests are out, not before the first one.
        diagnosis = run_bounded(session.run(inputs=inputs, on_in_flight=lambda: import_in_background(
            "hftui.core.report", *(["hftui.core.bundle"] if report_path else []))))
    from hftui.core.report import to_dict, to_text

    # The run is printed first: whatever happens to the report, nothing of it is lost.
    if args.curl:
        code = _print_curl(diagnosis, args.curl, simulated=args.sim)
    else:
        from hftui.core.glyphs import to_ascii, wants_ascii

        ascii_only = wants_ascii(sys.stdout)
        if args.json:  # the same document either way: \u escapes where the output cannot take the characters
            print(json.dumps(to_dict(diagnosis, simulator=args.sim), indent=2, ensure_ascii=ascii_only))
        else:
            terminal = sys.stdout.isatty()
            color = terminal and "NO_COLOR" not in os.environ
            width = shutil.get_terminal_size().columns if terminal else None
            text = to_text(diagnosis, color=color, width=width, simulator=args.sim)
            print(to_ascii(text) if ascii_only else text)
        code = EXIT_OK if diagnosis.verdict.is_ok else EXIT_PROBLEM
    sys.stdout.flush()
    if report_path is not None:
        from hftui.core.bundle import ReportError, format_for, render_bundle, write_private

        try:
            write_private(report_path, render_bundle(diagnosis, format_for(report_path)), force=args.force)
        except ReportError as exc:
            raise UsageError(f"--report: {exc} (the run is printed above)") from None
        print(f"support bundle written to {printable(str(report_path))}", file=sys.stderr)
    return code


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection during a diagnose: it is short and makes little garbage, and the
    collector would walk the ~300 modules it imports again and again (~25 M instructions, 3%). When
    the process ends with the command it stays off: turned on again, its first pass walked every
    object the run made (5-8 ms) just before the output, to free memory the exit returns anyway."""
    from hftui.exiting import ends_after_command

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled and not ends_after_command():
            gc.enable()


def _check_report_path(path: Path, force: bool) -> None:
    """Before the run: a report that cannot be written stops here, not after the probes."""
    from hftui.core.bundle import format_for

    try:
        format_for(path)
    except ValueError as exc:
        raise UsageError(f"--report {printable(str(exc))}") from None
    if not path.parent.is_dir():
        raise UsageError(f"--report {printable(str(path))}: the folder {printable(str(path.parent))} does not exist")
    if path.is_dir():
        raise UsageError(f"--report {printable(str(path))} is a directory; name a file in it")
    if os.path.lexists(path) and not force:
        raise UsageError(f"--report {printable(str(path))} already exists; pass --force to replace it")


def _print_curl(diagnosis, step_id: str, simulated: str | None = None) -> int:
    """The step's request as curl. After a `--sim` run the simulator is gone: the command names
    $HFTUI_ROUTER_URL or $HF_ENDPOINT instead of its address, and stderr says how to start one again."""
    from hftui.core.curl import to_curl

    step = diagnosis.step(step_id)
    if step is None:
        known = ", ".join(s.step_id for s in diagnosis.steps)
        raise UsageError(f"--curl {step_id}: no such step (steps: {known})")
    if step.exchange is None:
        raise UsageError(f"--curl {step_id}: the step sent no request ({step.skip_reason or step.status.value})")
    request = step.exchange.request
    if simulated is not None:
        request = _aimed_at_variables(request, diagnosis.inputs)
        print(f"# The simulator this ran against has stopped. To replay: hftui sim --scenario {simulated} "
              f"--port 8000 (it prints its token), then export HFTUI_ROUTER_URL=http://127.0.0.1:8000 "
              f"HF_ENDPOINT=http://127.0.0.1:8000 HF_TOKEN=<that token>", file=sys.stderr)
    print(to_curl(request))
    return EXIT_OK


def _aimed_at_variables(request, inputs):
    """The request with the router's or the Hub's address replaced by the variable that names it."""
    from dataclasses import replace
    from urllib.parse import urlsplit

    path = urlsplit(request.url).path
    variable, base = (("HF_ENDPOINT", inputs.hub_url) if path.startswith("/api/")
                      else ("HFTUI_ROUTER_URL", inputs.router_url))
    if not request.url.startswith(base):
        return request
    return replace(request, url=f"${{{variable}}}{request.url[len(base):]}")


def cmd_sim(args: argparse.Namespace) -> int:
    from hftui.sim import SCENARIOS, serve

    if args.list:
        return _list_scenarios(SCENARIOS)
    scenario = scenario_named(args.scenario)
    try:
        serve(scenario, port=args.port, latency_ms=args.latency_ms)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}") from None
    return EXIT_OK


def _list_scenarios(scenarios) -> int:
    for name, scenario in scenarios.items():
        seed = f" ({scenario.expected_seed})" if scenario.expected_seed else ""
        print(f"{name:<22} {scenario.expected_case + seed:<34} {scenario.title}")
    return EXIT_OK


def cmd_app(args: argparse.Namespace, scenario_name: str | None = None) -> int:
    from hftui.ui.launch import run_app

    if scenario_name is None:
        session = open_session(args, defer_keyring=True)  # the app reads the keyring after its first frame
        _warn(session.settings)
        return run_app(session)
    with simulator(scenario_name) as simulator_at:
        return run_app(open_session(args, simulator_at), scenario=simulator_at[0])


def main(argv: Sequence[str] | None = None) -> int:
    safe_output()
    try:
        args = build_parser().parse_args(argv)
        return _run(args)
    except UsageError as exc:
        print(f"hftui: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:
        from hftui.core.session import SettingsError  # loaded already if it raised one: not on --help's path

        if not isinstance(exc, SettingsError):
            return _crashed(exc)
        print(f"hftui: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return interrupted()
    except Exception as exc:  # noqa: BLE001 - a bug: its traceback, without any token in it
        return _crashed(exc)


def _run(args: argparse.Namespace) -> int:
    if args.command == "diagnose":
        return cmd_diagnose(args)
    if args.command == "sim":
        return cmd_sim(args)
    if args.command == "demo":
        if args.list:
            from hftui.sim import SCENARIOS

            return _list_scenarios(SCENARIOS)
        return cmd_app(args, scenario_name=args.scenario)
    return cmd_app(args)


def safe_output() -> None:
    """Never a crash for want of an encoding: what stdout or stderr cannot encode (✓ under
    PYTHONIOENCODING=ascii, a byte that was not UTF-8) is written as a backslash escape instead."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")


def _crashed(exc: BaseException) -> int:
    """An unexpected error: its traceback (for a bug report), every token of the environment masked."""
    import traceback

    from hftui.core.redact import Redactor

    redactor = Redactor(value for name, value in os.environ.items() if "TOKEN" in name.upper() or "KEY" in name.upper())
    text = "".join(traceback.format_exception(exc))
    print(printable(redactor(text), keep_newlines=True), file=sys.stderr, end="")
    return 70  # EX_SOFTWARE


if __name__ == "__main__":
    sys.exit(main())
