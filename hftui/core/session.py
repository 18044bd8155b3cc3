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
from collections.abc import Callable, Mapping
from concurrent.futures import Future, wait
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from hftui.core.background import awaited_in_background, import_in_background, in_background
from hftui.core.hub import DEFAULT_BASELINE, DEFAULT_HUB_URL, DEFAULT_ROUTER_URL, ModelIdError, ModelRef
from hftui.core.keystore import Keystore, keyring_disabled
from hftui.core.tokens import TokenCandidate, TokenLocations, TokenReport, discover_tokens

if TYPE_CHECKING:
    from hftui.core.diagnosis import Diagnosis
    from hftui.core.plan import Listener, PlanInputs

DEFAULT_TIMEOUT = 15.0
KEYRING_WAIT_SECONDS = 4.0  # the keystore bounds each call at 3 s; a little more for its import
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class SettingsError(ValueError):
    """A setting that cannot work, in one line the user can act on (the CLI exits 2 with it)."""


class SimulatedScenario(Protocol):
    """What a simulator scenario (hftui.sim.Scenario) tells the core: the demo user's model, org and token."""

    model: str
    bill_to: str | None
    client_token: str | None


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

    @classmethod
    def resolve(cls, *, model: str | None = None, baseline: str | None = None, bill_to: str | None = None,
                hub_url: str | None = None, router_url: str | None = None, timeout: float | None = None,
                token_env: str | None = None, env: Mapping[str, str] | None = None) -> Settings:
        """The settings from what was given (None: not given), else the environment, else the defaults.
        Raises SettingsError for a URL that is not http(s)."""
        env = os.environ if env is None else env
        settings = cls(
            model=model,
            baseline=baseline or DEFAULT_BASELINE,
            bill_to=bill_to,
            hub_url=hub_url or env.get("HF_ENDPOINT") or DEFAULT_HUB_URL,
            router_url=router_url or env.get("HFTUI_ROUTER_URL") or DEFAULT_ROUTER_URL,
            timeout=timeout or DEFAULT_TIMEOUT,
            token_env=token_env,
        )
        for flag, url in (("--hub-url", settings.hub_url), ("--router-url", settings.router_url)):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SettingsError(f"{flag} {url!r} is not an http(s) URL, e.g. https://router.huggingface.co")
        return settings

    @classmethod
    def for_simulator(cls, scenario: SimulatedScenario, url: str, timeout: float = 5.0) -> Settings:
        """Aimed at the simulator serving `scenario` at `url` (the demo's defaults; tests, screenshots, benchmarks)."""
        return cls(model=scenario.model, baseline=DEFAULT_BASELINE, bill_to=scenario.bill_to, hub_url=url,
                   router_url=url, timeout=timeout, token_env=None)

    @property
    def warnings(self) -> list[str]:
        """Plain HTTP to anything but loopback would send the token in clear text."""
        warnings = []
        for name, url in (("Hub", self.hub_url), ("router", self.router_url)):
            parts = urlsplit(url)
            if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
                warnings.append(f"warning: the {name} URL {url} is plain http: the token would cross the network "
                                f"unencrypted")
        return warnings


def token_locations(settings: Settings, env: Mapping[str, str] | None = None, isolated: bool = False) -> TokenLocations:
    """Where to look for tokens; `isolated` (simulator runs) means only `env`, no keyring or files."""
    if isolated:
        where = TokenLocations(env=env or {}, token_env=settings.token_env)
    else:
        reader = None if keyring_disabled() else Keystore().read
        where = TokenLocations.from_environment(env=env, token_env=settings.token_env, keyring_reader=reader)
    if settings.token_env and settings.token_env not in where.env:
        raise SettingsError(f"--token-env {settings.token_env}: that environment variable is not set")
    return where


def sim_token_env(scenario: SimulatedScenario) -> dict[str, str]:
    """The demo user's environment: only the scenario's token, never the real user's."""
    return {"HF_TOKEN": scenario.client_token} if scenario.client_token is not None else {}


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
        self._keyring_deferred = keyring_deferred
        self._keyring_later = keyring_later  # to be read in the background: read_keyring_in_background
        self._keyring_reading: Future[TokenReport] | None = None

    @classmethod
    def open(cls, settings: Settings, env: Mapping[str, str] | None = None, isolated: bool = False,
             defer_keyring: bool = False) -> Session:
        """The session for `settings`, its tokens found in `env` (default: the process environment) and,
        unless `isolated` (a simulator run: `env` only), the keyring and the HF token files."""
        return cls.at(settings, token_locations(settings, env=env, isolated=isolated), defer_keyring=defer_keyring)

    @classmethod
    def at(cls, settings: Settings, where: TokenLocations, defer_keyring: bool = False) -> Session:
        """The session with its tokens found at `where` (tests point it at their own files and keyring)."""
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
        settings = replace(Settings.for_simulator(scenario, url), **changes)
        return cls.open(settings, env=sim_token_env(scenario), isolated=True)

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
               baseline: ModelRef | None = None, bill_to: str | None = _UNSET) -> PlanInputs:
        """The plan's inputs: the settings, with the report's active token unless `token` is given (the app
        tests the one the user picks); `model`, `baseline` and `bill_to` as the app's fields hold them."""
        from hftui.core.plan import PlanInputs  # the engine: not for the app's first frame

        settings = self.settings
        if model is None:
            if not settings.model:
                raise SettingsError("--model is required, e.g. --model Qwen/Qwen3.5-9B:preferred "
                                    "(the exact string your app sends)")
            model = _parse(settings.model)
        return PlanInputs(model=model, token=self.tokens.active if token is _UNSET else token,
                          baseline=baseline or _parse(settings.baseline),
                          bill_to=settings.bill_to if bill_to is _UNSET else bill_to,
                          router_url=settings.router_url, hub_url=settings.hub_url, timeout=settings.timeout)

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
        tokens = await awaited_in_background(self.complete_tokens, name="hftui-token-sources")
        return replace(diagnosis, tokens=tokens)


def _parse(text: str) -> ModelRef:
    try:
        return ModelRef.parse(text)
    except ModelIdError as exc:
        raise SettingsError(str(exc)) from None
