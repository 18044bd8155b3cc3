"""The command line: `hftui` (the app), `hftui diagnose` (headless), `hftui demo`, `hftui sim`.

Nothing here imports Textual at module level: `diagnose` and `--help` must stay light.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from hftui import __version__

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: one clear line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + traceback-looking noise
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _common_flags(default: object = None) -> argparse.ArgumentParser:
    flags = argparse.ArgumentParser(add_help=False, argument_default=default)
    flags.add_argument("--model", help="the model string exactly as the app uses it, e.g. Qwen/Qwen3.5-9B:preferred")
    flags.add_argument("--baseline", help="known-good model (default openai/gpt-oss-120b:fastest)")
    flags.add_argument("--bill-to", metavar="ORG", help="organization to bill with X-HF-Bill-To (default: each org from whoami, up to 3)")
    flags.add_argument("--hub-url", help="Hub URL (default $HF_ENDPOINT or https://huggingface.co)")
    flags.add_argument("--router-url", help="router URL (default $HFTUI_ROUTER_URL or https://router.huggingface.co)")
    flags.add_argument("--timeout", type=_positive_float, help="per-probe timeout in seconds (default 15)")
    flags.add_argument("--token-env", metavar="NAME", help="read the token raw from this environment variable first")
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


@dataclass(frozen=True)
class Settings:
    """What the user asked for, with defaults and environment applied; shared by the app and diagnose."""

    model: str | None
    baseline: str
    bill_to: str | None
    hub_url: str
    router_url: str
    timeout: float
    token_env: str | None

    @classmethod
    def from_args(cls, args: argparse.Namespace, env: dict[str, str] | None = None) -> Settings:
        from hftui.core.hub import DEFAULT_BASELINE, DEFAULT_HUB_URL, DEFAULT_ROUTER_URL

        env = os.environ if env is None else env
        settings = cls(
            model=args.model,
            baseline=args.baseline or DEFAULT_BASELINE,
            bill_to=args.bill_to,
            hub_url=args.hub_url or env.get("HF_ENDPOINT") or DEFAULT_HUB_URL,
            router_url=args.router_url or env.get("HFTUI_ROUTER_URL") or DEFAULT_ROUTER_URL,
            timeout=args.timeout or 15.0,
            token_env=args.token_env,
        )
        for name, url in (("--hub-url", settings.hub_url), ("--router-url", settings.router_url)):
            _check_url(name, url)
        return settings

    @classmethod
    def for_simulator(cls, scenario, url: str, timeout: float = 5.0) -> Settings:
        """Aimed at the simulator serving `scenario` at `url` (the demo's defaults; tests, screenshots, benchmarks)."""
        from hftui.core.hub import DEFAULT_BASELINE

        return cls(model=scenario.model, baseline=DEFAULT_BASELINE, bill_to=scenario.bill_to, hub_url=url,
                   router_url=url, timeout=timeout, token_env=None)


def _check_url(flag: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{flag} {url!r} is not an http(s) URL, e.g. https://router.huggingface.co")


def insecure_url_warnings(settings: Settings) -> list[str]:
    """Plain HTTP to anything but loopback would send the token in clear text."""
    warnings = []
    for name, url in (("Hub", settings.hub_url), ("router", settings.router_url)):
        parts = urlsplit(url)
        if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            warnings.append(f"warning: the {name} URL {url} is plain http: the token would cross the network unencrypted")
    return warnings


def scenario_named(name: str):
    from hftui.sim import get_scenario

    try:
        return get_scenario(name)
    except KeyError as exc:
        raise UsageError(str(exc.args[0]) if exc.args else f"unknown scenario {name!r}") from None


@contextlib.contextmanager
def simulator(args: argparse.Namespace, scenario_name: str) -> Iterator:
    """The scenario served on loopback; `args` aimed at it where the user did not say otherwise."""
    from hftui.sim import SimServer

    scenario = scenario_named(scenario_name)
    with SimServer(scenario, port=0) as server:
        args.hub_url = args.hub_url or server.url
        args.router_url = args.router_url or server.url
        args.model = args.model or scenario.model
        args.bill_to = args.bill_to or scenario.bill_to
        yield scenario


def sim_token_env(scenario) -> dict[str, str]:
    """The demo user's environment: only the scenario's token, never the real user's."""
    return {"HF_TOKEN": scenario.client_token} if scenario.client_token is not None else {}


def sim_tokens(settings: Settings, scenario):
    """The token report of the demo user: the scenario's token only; no keyring, no files."""
    return discover(settings, env=sim_token_env(scenario), isolated=True)


def token_locations(settings: Settings, env: dict[str, str] | None = None, isolated: bool = False):
    """Where to look for tokens; `isolated` (simulator runs) means only `env`, no keyring or files."""
    from hftui.core.tokens import TokenLocations

    if isolated:
        where = TokenLocations(env=env or {}, token_env=settings.token_env)
    else:
        where = TokenLocations.from_environment(env=env, token_env=settings.token_env,
                                                keyring_reader=_keyring_reader())
    if settings.token_env and settings.token_env not in where.env:
        raise UsageError(f"--token-env {settings.token_env}: that environment variable is not set")
    return where


def discover(settings: Settings, env: dict[str, str] | None = None, isolated: bool = False):
    """Every token source, found where `token_locations` says."""
    from hftui.core.tokens import discover_tokens

    return discover_tokens(token_locations(settings, env=env, isolated=isolated))


def discover_while_probing(settings: Settings, env: dict[str, str] | None = None, isolated: bool = False):
    """(the report to plan with, a function giving the complete report once the probes are done).

    Reading the OS keyring costs ~100 ms (import and backend detection) and can take up to its
    timeout. When an environment variable holds a token, the keyring cannot be the active source,
    so it is read in the background while the probes run; otherwise it is read first.
    """
    import threading

    from hftui.core.tokens import discover_tokens

    where = token_locations(settings, env=env, isolated=isolated)
    without_keyring = discover_tokens(dataclasses.replace(where, keyring_reader=None))
    if where.keyring_reader is None:
        return without_keyring, lambda: without_keyring
    if not without_keyring.keyring_cannot_win:
        tokens = discover_tokens(where)
        return tokens, lambda: tokens

    found: list = []
    reader = threading.Thread(target=lambda: found.append(discover_tokens(where)), daemon=True,
                              name="hftui-token-sources")
    reader.start()

    def complete_report():
        reader.join(timeout=KEYRING_WAIT_SECONDS)
        if found:
            return found[0]
        late = ("keyring", f"did not answer within {KEYRING_WAIT_SECONDS:g} s; not listed")
        return dataclasses.replace(without_keyring, unreadable=(*without_keyring.unreadable, late))

    return without_keyring, complete_report


KEYRING_WAIT_SECONDS = 4.0  # the keystore bounds each call at 3 s; a little more for its import


def _keyring_reader():
    from hftui.core.keystore import Keystore, keyring_disabled

    return None if keyring_disabled() else Keystore().read


def plan_inputs(settings: Settings, tokens):
    from hftui.core.hub import ModelIdError, ModelRef
    from hftui.core.plan import PlanInputs

    if not settings.model:
        raise UsageError("--model is required, e.g. --model Qwen/Qwen3.5-9B:preferred (the exact string your app sends)")
    try:
        model, baseline = ModelRef.parse(settings.model), ModelRef.parse(settings.baseline)
    except ModelIdError as exc:
        raise UsageError(str(exc)) from None
    return PlanInputs(model=model, token=tokens.active, baseline=baseline, bill_to=settings.bill_to,
                      router_url=settings.router_url, hub_url=settings.hub_url, timeout=settings.timeout)


def cmd_diagnose(args: argparse.Namespace) -> int:
    from hftui.core.diagnosis import run_diagnosis
    from hftui.core.loop import run_bounded  # asyncio.run, minus waiting on a hung DNS lookup at exit
    from hftui.core.report import to_dict, to_text

    report_path = Path(args.report) if args.report else None
    if report_path is not None:
        _check_report_path(report_path)
    with contextlib.ExitStack() as stack:
        env = None
        if args.sim:
            env = sim_token_env(stack.enter_context(simulator(args, args.sim)))
        settings = Settings.from_args(args)
        tokens, complete_report = discover_while_probing(settings, env=env, isolated=bool(args.sim))
        inputs = plan_inputs(settings, tokens)
        for warning in insecure_url_warnings(settings):
            print(warning, file=sys.stderr)
        diagnosis = run_bounded(run_diagnosis(inputs, tokens))
        diagnosis = dataclasses.replace(diagnosis, tokens=complete_report())
    if report_path is not None:
        from hftui.core.bundle import format_for, render_bundle, write_private

        write_private(report_path, render_bundle(diagnosis, format_for(report_path)))
        print(f"support bundle written to {report_path}", file=sys.stderr)
    if args.curl:
        return _print_curl(diagnosis, args.curl)
    if args.json:
        print(json.dumps(to_dict(diagnosis), indent=2, ensure_ascii=False))
    else:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        print(to_text(diagnosis, color=color))
    return EXIT_OK if diagnosis.verdict.is_ok else EXIT_PROBLEM


def _check_report_path(path: Path) -> None:
    from hftui.core.bundle import format_for

    try:
        format_for(path)
    except ValueError as exc:
        raise UsageError(f"--report {exc}") from None
    if not path.parent.is_dir():
        raise UsageError(f"--report {path}: the folder {path.parent} does not exist")


def _print_curl(diagnosis, step_id: str) -> int:
    from hftui.core.curl import to_curl

    step = diagnosis.step(step_id)
    if step is None:
        known = ", ".join(s.step_id for s in diagnosis.steps)
        raise UsageError(f"--curl {step_id}: no such step (steps: {known})")
    if step.exchange is None:
        raise UsageError(f"--curl {step_id}: the step sent no request ({step.skip_reason or step.status.value})")
    print(to_curl(step.exchange.request))
    return EXIT_OK


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
        settings = Settings.from_args(args)
        for warning in insecure_url_warnings(settings):
            print(warning, file=sys.stderr)
        # The app reads the keyring itself, after its first frame.
        return run_app(settings, locations=token_locations(settings))
    with simulator(args, scenario_name) as scenario:
        settings = Settings.from_args(args)
        return run_app(settings, tokens=sim_tokens(settings, scenario), scenario=scenario)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
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
    except UsageError as exc:
        print(f"hftui: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("hftui: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
