"""The core's one front door: what the user asked for (Settings), where the tokens are and when the
OS keyring counts, which token is tested, and settings → plan inputs. The CLI and the app both call
this and nothing else to start a diagnosis.

    session = Session.open(Settings.resolve(model="Qwen/Qwen3.5-9B:preferred"))
    diagnosis = run_bounded(session.run())

Importing it is cheap (no engine, no httpx): the app's first frame uses it, and the engine is
imported only by `inputs` and `run`.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Mapping
from concurrent.futures import Future, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from hftui.core.background import awaited_in_background, import_in_background, in_background
from hftui.core.hub import DEFAULT_BASELINE, DEFAULT_HUB_URL, DEFAULT_ROUTER_URL, ModelIdError, ModelRef
from hftui.core.keystore import Keystore, keyring_disabled
from hftui.core.printable import is_printable, printable
from hftui.core.tokens import SIMULATED, TokenCandidate, TokenLocations, TokenReport, discover_tokens

if TYPE_CHECKING:
    from hftui.core.appclient import AppClient
    from hftui.core.approute import AppRoute
    from hftui.core.diagnosis import Diagnosis
    from hftui.core.plan import Listener, PlanInputs

DEFAULT_TIMEOUT = 15.0
CLIENT_WAIT_SECONDS = 12.0  # the app's Python is given 10 s to list its packages
KEYRING_WAIT_SECONDS = 4.0  # the keystore bounds each call at 3 s; a little more for its import
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class SettingsError(ValueError):
    """A setting that cannot work, in one line the user can act on (the CLI exits 2 with it)."""


class SimulatedScenario(Protocol):
    """What a simulator scenario (hftui.sim.Scenario) tells the core: the demo user's model, org and token
    (in HF_TOKEN, or in the token files of an HF_HOME: `token_files`, name → text); a scenario may also ask
    for the sweep or the streamed call (`sweep`, `stream`), read when present."""

    model: str
    bill_to: str | None
    client_token: str | None
    token_files: Mapping[str, str]


@dataclass(frozen=True)
class Settings:
    """What the user asked for, with defaults and the environment applied; shared by the app and diagnose."""

    model: str | None
    baseline: str
    bill_to: str | None
    hub_url: str
    router_url: str
    timeout: float
    token_env: str | None
    router_url_note: str | None = None  # set when the router URL was given in its OpenAI form and normalised
    token_source: str | None = None  # --token-source: the listed source whose token the plan tests
    app_url: str | None = None  # --app-url: the URL (or base_url) the app posts chat to
    app_python: str | None = None  # --app-python: the app's interpreter (None: ./.venv or ./venv when present)
    sweep: bool = False  # --sweep: the model pinned to every provider that serves it (real, billed calls)
    stream: bool = False  # --stream: the configured call also sent with stream: true

    @classmethod
    def resolve(cls, *, model: str | None = None, baseline: str | None = None, bill_to: str | None = None,
                hub_url: str | None = None, router_url: str | None = None, timeout: float | None = None,
                token_env: str | None = None, env: Mapping[str, str] | None = None, sweep: bool = False,
                stream: bool = False, token_source: str | None = None, app_url: str | None = None,
                app_python: str | None = None) -> Settings:
        """The settings from what was given (None: not given), else the environment, else the defaults.
        Raises SettingsError for a URL that is not http(s), or carries a query, a fragment or credentials."""
        env = os.environ if env is None else env
        for flag, value in (("--model", model), ("--baseline", baseline), ("--bill-to", bill_to)):
            if value is not None:
                check_text(flag, value)
        router_flag = "--router-url" if router_url else "HFTUI_ROUTER_URL"
        settings = cls(
            model=model,
            baseline=baseline or DEFAULT_BASELINE,
            bill_to=bill_to,
            hub_url=hub_url or env.get("HF_ENDPOINT") or DEFAULT_HUB_URL,
            router_url=router_url or env.get("HFTUI_ROUTER_URL") or DEFAULT_ROUTER_URL,
            timeout=float(timeout or DEFAULT_TIMEOUT),
            token_env=token_env,
            token_source=token_source,
            app_url=app_url,
            app_python=app_python,
            sweep=bool(sweep),
            stream=bool(stream),
        )
        if app_url is not None:
            check_url("--app-url", app_url)
        check_url("--hub-url" if hub_url else "$HF_ENDPOINT", settings.hub_url)
        check_url("--router-url" if router_url else "$HFTUI_ROUTER_URL", settings.router_url)
        base_url("--hub-url" if hub_url else "HF_ENDPOINT", settings.hub_url, router=False)
        router, note = base_url(router_flag, settings.router_url, router=True)
        return replace(settings, router_url=router, router_url_note=note)

    @classmethod
    def for_simulator(cls, scenario: SimulatedScenario, url: str, timeout: float = 5.0) -> Settings:
        """Aimed at the simulator serving `scenario` at `url` (the demo's defaults; tests, screenshots, benchmarks)."""
        app_path = getattr(scenario, "app_path", None)
        return cls(model=scenario.model, baseline=DEFAULT_BASELINE, bill_to=scenario.bill_to, hub_url=url,
                   router_url=url, timeout=timeout, token_env=None, sweep=getattr(scenario, "sweep", False),
                   stream=getattr(scenario, "stream", False), app_url=url + app_path if app_path else None)

    @property
    def warnings(self) -> list[str]:
        """The lines to say on stderr before a run: a router URL that was normalised, and plain HTTP to
        anything but loopback (it would send the token in clear text)."""
        warnings = [f"note: {self.router_url_note}"] if self.router_url_note else []
        for name, url in (("Hub", self.hub_url), ("router", self.router_url)):
            parts = urlsplit(url)
            if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
                warnings.append(f"warning: the {name} URL {url} is plain http: the token would cross the network "
                                f"unencrypted")
        return warnings


# The OpenAI SDK's base_url (…/v1) and the full endpoint people paste: hftui adds the API paths itself.
_OPENAI_FORMS = ("/v1/chat/completions", "/v1/models", "/v1")


def base_url(flag: str, url: str, router: bool) -> tuple[str, str | None]:
    """The URL hftui builds its paths on, and what it changed (None: nothing); `flag` names where it came from.

    Refuses what a base URL never has and hftui would have to drop or send along: a query, a fragment,
    a user name or password (whose text is not repeated). A router URL may come in the forms people
    copy from OpenAI snippets (`…/v1`, `…/v1/`, `…/v1/chat/completions`): the origin and any prefix
    before them are kept.
    """
    try:
        parts = urlsplit(url)
        has_credentials = parts.username is not None or parts.password is not None
    except ValueError:
        return url, None  # not a URL at all: the http(s) check says so
    what = flag if flag.startswith("--") else f"{flag} (from the environment)"
    if has_credentials:
        raise SettingsError(f"{what}: a URL with a user name or password (user:pass@host) is refused; the HF token "
                            f"is the only credential hftui sends")
    for sign, name, present in (("?", "query", parts.query or url.rstrip().endswith("?")),
                                ("#", "fragment", parts.fragment or "#" in url)):
        if present:
            raise SettingsError(f"{what}: a URL with a {name} ({sign}…) is refused; give the base URL, e.g. "
                                f"{DEFAULT_ROUTER_URL if router else DEFAULT_HUB_URL}")
    path = parts.path.rstrip("/")
    tail = next((form for form in _OPENAI_FORMS if path.endswith(form)), None) if router else None
    if tail is None:
        return url, None
    base = f"{parts.scheme}://{parts.netloc}{path[: -len(tail)]}"
    return base, (f"{flag} {url} is an OpenAI-style URL: hftui adds /v1/… itself, so it uses {base} "
                  f"(both name the same router)")


_CREDENTIALS = re.compile(r"(//)[^/?#]*@")


def check_url(flag: str, url: str) -> None:
    """SettingsError, in one line that never shows a password, unless `url` is an http(s) URL hftui can
    send the token to as it is: parses, has a host, a port in range, and no user:password@ (httpx would
    send those as Basic auth instead of the token, and they would end up in every report)."""
    shown = _CREDENTIALS.sub(r"\1***@", printable(url))
    if not is_printable(url) or url != url.strip() or " " in url:
        raise SettingsError(f"{flag} '{shown}' holds whitespace or a control character; pass the URL alone")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise SettingsError(f"{flag} '{shown}' is not a valid URL ({printable(str(exc))})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{flag} '{shown}' is not an http(s) URL, e.g. https://router.huggingface.co")
    if parts.username is not None or parts.password is not None:
        raise SettingsError(f"{flag} '{shown}' holds credentials (user:password@): hftui sends only the token; "
                            f"remove them from the URL")
    if port == 0:
        raise SettingsError(f"{flag} '{shown}': port 0 is not a port a server listens on")


def check_text(flag: str, value: str) -> None:
    """SettingsError naming `flag` when a model or org name holds something no such name has: a control
    character (a CR/LF from a script, a pasted escape) or whitespace around it. It is refused rather
    than stripped: hftui tests the exact string the app sends, and stripping it would hide the fault."""
    if is_printable(value) and value == value.strip():
        return
    from hftui.core.tokens import describe_character  # what each odd character is, in words

    odd = [char for char in dict.fromkeys(value) if not is_printable(char) or (char.isspace() and char != " ")]
    if not odd and value != value.strip():
        odd = [" "]
    what = ", ".join(describe_character(char) for char in odd[:3])
    raise SettingsError(f"{flag} '{printable(value)}' holds {what}: no model or organization name does, and "
                        f"hftui will not strip it silently; pass the exact name without it")


def token_locations(settings: Settings, env: Mapping[str, str] | None = None, isolated: bool = False) -> TokenLocations:
    """Where to look for tokens; `isolated` (simulator runs) means only `env`, no keyring or files."""
    if isolated:
        where = TokenLocations(env=env or {}, token_env=settings.token_env)
    else:
        reader = None if keyring_disabled() else Keystore().read
        where = TokenLocations.from_environment(env=env, token_env=settings.token_env, keyring_reader=reader)
    if settings.token_env and settings.token_env not in where.env:
        raise SettingsError(f"--token-env {printable(settings.token_env)}: that environment variable is not set")
    return where


def sim_token_env(scenario: SimulatedScenario) -> dict[str, str]:
    """The demo user's environment: only the scenario's token, never the real user's (none when the
    scenario keeps its token in a token file)."""
    if scenario.client_token is None or "token" in _token_files(scenario):
        return {}
    return {"HF_TOKEN": scenario.client_token}


def _token_files(scenario: SimulatedScenario) -> Mapping[str, str]:
    return getattr(scenario, "token_files", None) or {}  # a stand-in scenario may have none


def _as_simulated(report: TokenReport) -> TokenReport:
    """The scenario's token named for what it is ("sim:HF_TOKEN"), not as if it were the user's own."""
    def named(source: str) -> str:  # only a variable's prefix: ".env:HF_TOKEN" is a file, and stays so
        return f"{SIMULATED}:{source[4:]}" if source.startswith("env:") else source

    return replace(report, candidates=tuple(replace(c, source=named(c.source)) for c in report.candidates))


_UNSET: Any = object()


class Session:
    """One user's tokens for one set of settings, and the keyring's part in them.

    `tokens` is the report to plan with now. The OS keyring costs ~100 ms of CPU (import and backend
    detection) and may hang until its timeout, so it is read at the latest moment that still lets it
    decide: first, when it would hold the tested token (no environment token); when an environment
    token wins anyway, in the background once the run's first requests are out (`run` starts it then:
    the run only waits for the network, and a thread importing keyring beside the engine's imports
    would slow them down); or by the app itself after its first frame (`defer_keyring`: then
    `keyring_reader` is what to call, and `keyring_answered` takes its answer).
    """

    def __init__(self, settings: Settings, tokens: TokenReport, locations: TokenLocations | None = None, *,
                 keyring_deferred: bool = False, keyring_later: bool = False) -> None:
        self.settings = settings
        self.tokens = tokens
        self.locations = locations
        self.simulated = False  # the tokens are a simulator scenario's (sim_token_env), not the user's
        self._keyring_deferred = keyring_deferred
        self._keyring_later = keyring_later  # to be read in the background: read_keyring_in_background
        self._keyring_reading: Future[TokenReport] | None = None
        self._client_reading: Future[AppClient] | None = None

    @classmethod
    def open(cls, settings: Settings, env: Mapping[str, str] | None = None, isolated: bool = False,
             defer_keyring: bool = False) -> Session:
        """The session for `settings`, its tokens found in `env` (default: the process environment) and,
        unless `isolated` (a simulator run: `env` only), the keyring and the HF token files."""
        return cls.at(settings, token_locations(settings, env=env, isolated=isolated), defer_keyring=defer_keyring)

    @classmethod
    def at(cls, settings: Settings, where: TokenLocations, defer_keyring: bool = False) -> Session:
        """The session with its tokens found at `where` (tests point it at their own files and keyring)."""
        session = cls._at(settings, where, defer_keyring)
        session.read_app_client(where.app_dir)
        return session

    @classmethod
    def _at(cls, settings: Settings, where: TokenLocations, defer_keyring: bool) -> Session:
        without_keyring = discover_tokens(replace(where, keyring_reader=None))
        if where.keyring_reader is None:
            return cls(settings, without_keyring, where)
        if defer_keyring:
            return cls(settings, without_keyring, where, keyring_deferred=True)
        if not without_keyring.keyring_cannot_win:
            return cls(settings, discover_tokens(where), where)
        return cls(settings, without_keyring, where, keyring_later=True)

    @classmethod
    def for_simulator(cls, scenario: SimulatedScenario, url: str, **changes: Any) -> Session:
        """The demo user's session against the simulator serving `scenario` at `url`: the demo's settings
        (`changes` replace some of them) and the scenario's token only; no keyring, no files."""
        return cls.simulated_at(replace(Settings.for_simulator(scenario, url), **changes), scenario)

    @classmethod
    def simulated_at(cls, settings: Settings, scenario: SimulatedScenario) -> Session:
        """The demo user's session: the scenario's environment and files only, never the real user's (its
        variables labelled sim:…). Its token files are written to a private temporary HF_HOME, its app's
        files (.env, Streamlit's secrets) to a private temporary app directory; read, and removed."""
        env = {**sim_token_env(scenario), **(getattr(scenario, "app_env", None) or {})}
        files, app_files = _token_files(scenario), getattr(scenario, "app_files", None) or {}
        if not files and not app_files:
            session = cls.open(settings, env=env, isolated=True)
        else:
            with tempfile.TemporaryDirectory(prefix="hftui-sim-home-") as home:
                hf_home, app = Path(home) / "hf", Path(home) / "app"
                for folder, named in ((hf_home, files), (app, app_files)):
                    for name, text in named.items():
                        (folder / name).parent.mkdir(parents=True, exist_ok=True)
                        (folder / name).write_text(text, encoding="utf-8")
                where = TokenLocations(env=env, token_env=settings.token_env,
                                       token_path=hf_home / "token" if files else None,
                                       stored_tokens_path=hf_home / "stored_tokens" if files else None,
                                       app_dir=app if app_files else None, app_root=app)
                session = cls.at(settings, where)
        session.simulated = True
        session.tokens = _as_simulated(session.tokens)
        hub_version = getattr(scenario, "app_hub_version", None)
        if hub_version and settings.app_python is None:
            from hftui.core.appclient import simulated_client

            session._client_reading = in_background(simulated_client, hub_version, name="hftui-app-client")
        elif settings.app_python:
            session.read_app_client(None)
        return session

    # -- the keyring -------------------------------------------------------------------------------

    @property
    def keyring_reader(self) -> Callable[[], str | None] | None:
        """The keyring's reader while it is left to the caller and not answered yet, else None."""
        return self.locations.keyring_reader if self._keyring_deferred and self.locations else None

    def keyring_answered(self, read: Callable[[], str | None]) -> TokenReport:
        """The report again with the keyring's answer (`read` gives it again, or raises its error), in the
        usual precedence."""
        assert self.locations is not None, "keyring_answered on a session that has no keyring"
        self._keyring_deferred = False
        self.tokens = discover_tokens(replace(self.locations, keyring_reader=read))
        return self.tokens

    def reread_tokens(self, *, keyring_reader: Callable[[], str | None] | None = None,
                      token_path: Any = None) -> TokenReport:
        """Every source read again, now (blocking: the keyring may take its timeout), e.g. after a token was
        saved to the keyring, deleted from it or written to the token file. `keyring_reader` and
        `token_path` add or replace those places (the demo's own keyring entry and throwaway file)."""
        where = self.locations or TokenLocations(env={})
        if keyring_reader is not None:
            where = replace(where, keyring_reader=keyring_reader)
        if token_path is not None:
            where = replace(where, token_path=token_path)
        report = discover_tokens(where)
        self._keyring_deferred, self._keyring_later, self._keyring_reading = False, False, None
        self.tokens = _as_simulated(report) if self.simulated else report
        return self.tokens

    def read_keyring_in_background(self) -> None:
        """Start reading the keyring in a daemon thread, if it is left to be read so and not started yet."""
        if self._keyring_later and self._keyring_reading is None and self.locations is not None:
            self._keyring_reading = in_background(discover_tokens, self.locations, name="hftui-token-sources")

    def complete_tokens(self) -> TokenReport:
        """Every source, the keyring included: read now if nothing started it, and waited for (bounded)."""
        if self.keyring_reader is not None:
            self.keyring_answered(self.keyring_reader)
            return self.tokens
        self.read_keyring_in_background()
        if self._keyring_reading is not None:
            wait([self._keyring_reading], timeout=KEYRING_WAIT_SECONDS)
            if self._keyring_reading.done() and self._keyring_reading.exception() is None:
                self.tokens = self._keyring_reading.result()
            else:
                late = ("keyring", f"did not answer within {KEYRING_WAIT_SECONDS:g} s; not listed")
                self.tokens = replace(self.tokens, unreadable=(*self.tokens.unreadable, late))
            self._keyring_reading, self._keyring_later = None, False
        return self.tokens

    # -- a diagnosis -------------------------------------------------------------------------------

    def inputs(self, token: TokenCandidate | None = _UNSET, *, model: ModelRef | None = None,
               baseline: ModelRef | None = None, bill_to: str | None = _UNSET, sweep: bool | None = None,
               stream: bool | None = None) -> PlanInputs:
        """The plan's inputs: the settings, with the report's active token unless `token` is given (the app
        tests the one the user picks); `model`, `baseline`, `bill_to`, `sweep` and `stream` as the app holds them."""
        from hftui.core.plan import PlanInputs  # the engine: not for the app's first frame

        settings = self.settings
        if model is None:
            if not settings.model:
                raise SettingsError("--model is required, e.g. --model Qwen/Qwen3.5-9B:preferred "
                                    "(the exact string your app sends)")
            model = _parse(settings.model)
        if token is _UNSET:
            token = self.tested_token()
        others = tuple(c for c in self.tokens.candidates if token is None or c.cleaned != token.cleaned)
        return PlanInputs(model=model, token=token, other_tokens=others, app_route=self.app_route(),
                          app_client=self.app_client,
                          baseline=baseline or _parse(settings.baseline),
                          bill_to=settings.bill_to if bill_to is _UNSET else bill_to,
                          router_url=settings.router_url, hub_url=settings.hub_url, timeout=settings.timeout,
                          router_url_note=settings.router_url_note,
                          sweep=settings.sweep if sweep is None else sweep,
                          stream=settings.stream if stream is None else stream)

    @property
    def app_client(self) -> AppClient | None:
        """The app's client libraries (read in the background since the session opened); None: not read
        (a simulator run without --app-python, or a session without an app directory)."""
        if self._client_reading is None:
            return None
        wait([self._client_reading], timeout=CLIENT_WAIT_SECONDS)
        if not self._client_reading.done() or self._client_reading.exception() is not None:
            return None
        return self._client_reading.result()

    def read_app_client(self, app_dir: Path | None) -> None:
        """Start reading the app's client libraries: --app-python, else ./.venv or ./venv in `app_dir`, else
        hftui's own Python; nothing when neither --app-python nor `app_dir` is given."""
        from hftui.core.appclient import read_client

        if self.settings.app_python is None and app_dir is None:
            return
        self._client_reading = in_background(read_client, self.settings.app_python, app_dir, name="hftui-app-client")

    def app_route(self) -> AppRoute | None:
        """The route the app posts chat to when it is not the documented one: --app-url as classified, else
        the one its old huggingface_hub builds; None: the documented route (what the plan already sends)."""
        from hftui.core.approute import RouteKind, classify, client_route

        if self.settings.app_url:
            route = classify(self.settings.app_url)
            return None if route.documented and route.base.rstrip("/") == self.settings.router_url else route
        client = self.app_client
        kind = client.hub_route if client is not None else None
        if kind in (RouteKind.LEGACY, RouteKind.PROVIDER):
            return client_route(kind, self.settings.router_url, client.origin)
        return None

    def with_tokens(self, tokens: TokenReport) -> Session:
        """This session with `tokens` as its report (the Python API lists a token passed to it first); the
        app's client libraries, read or being read, stay."""
        other = Session(self.settings, tokens, self.locations)
        other.simulated, other._client_reading = self.simulated, self._client_reading
        return other

    def tested_token(self) -> TokenCandidate | None:
        """The token the plan tests: the source --token-source names, else the one a runtime would use."""
        name = self.settings.token_source
        if name is None:
            return self.tokens.active
        found = self.tokens.by_source(name) or self.complete_tokens().by_source(name)
        if found is None:
            listed = ", ".join(c.source for c in self.tokens.candidates) or "none holds a token"
            raise SettingsError(f"--token-source {printable(name)}: no such source (sources: {listed})")
        return found

    async def run(self, listener: Listener | None = None, inputs: PlanInputs | None = None,
                  on_in_flight: Callable[[], None] | None = None) -> Diagnosis:
        """The whole plan on `inputs` (default: the settings' own); the diagnosis lists every token
        source, the keyring included. Once the first requests are out (the run waits for the network),
        the keyring is read if it is still to be, the verdict's modules are loaded, and `on_in_flight()`
        is called (e.g. to load what shows the diagnosis)."""
        from hftui.core.diagnosis import run_diagnosis

        def in_flight() -> None:
            self.read_keyring_in_background()
            import_in_background("hftui.core.verdict")
            if on_in_flight is not None:
                on_in_flight()

        diagnosis = await run_diagnosis(inputs or self.inputs(), self.tokens, listener, on_in_flight=in_flight)
        if self.keyring_reader is None and (self._keyring_reading is None or self._keyring_reading.done()):
            tokens = self.complete_tokens()  # nothing left to wait for: no thread to hand the answer back
        else:
            tokens = await awaited_in_background(self.complete_tokens, name="hftui-token-sources")
        return replace(diagnosis, tokens=tokens)


def _parse(text: str) -> ModelRef:
    try:
        return ModelRef.parse(text)
    except ModelIdError as exc:
        raise SettingsError(str(exc)) from None
