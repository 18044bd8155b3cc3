"""The hftui app: holds the inputs and the current diagnosis, runs the plan in a worker.

Data goes one way: inputs → PlanRun → StepUpdated messages → Diagnosis → panes. The app keeps what
the panes show in reactive attributes (`diagnosis`, `tokens`, `testing`, `routes`, `orgs`, `keys`…)
and each pane watches the ones it draws: Textual compares the new value with the old and calls
the pane only on a change. Panes post messages up (a token, a model, a route, an org) and the app
re-plans; no pane touches another. The step tree is the one pane told directly: it follows the
run's events (a step started, a step finished) to keep the user's cursor and open lines.

It paints first, then works: the first frame shows the inputs, the token sources and the matrix;
only after it are the engine (plan, probes, verdict: ~16 ms of imports) and the HTTP client (httpx
and, for https, the CA store) loaded, in a thread; then the plan starts, on an event loop of its own
(startup.py). So nothing on the event loop imports the engine before `_load_client` has: its imports
are local. A keyring token only waits when it would be the one tested: no environment token.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.worker import Worker, WorkerState

from hftui.core.glyphs import wants_ascii
from hftui.core.hub import ModelIdError, ModelRef, ProviderOption
from hftui.core.keystore import Keystore, KeystoreStatus
from hftui.core.redact import Redactor
from hftui.core.tokens import TokenCandidate, TokenReport
from hftui.ui.actions import DEFAULT_KEYS, Keys, Scope
from hftui.ui.commands import HftuiCommands
from hftui.ui.config import Config, config_path, read_config
from hftui.ui.exporting import BundleExport
from hftui.ui.format import Formatter
from hftui.ui.inert import InertOutput
from hftui.ui.keeping import TokenKeeping
from hftui.ui.keyed import KeyedActions
from hftui.ui.messages import (AppUrlSubmitted, BaselineSubmitted, BillToChosen, ModelSubmitted, RouteChosen, StepUpdated,
                               TokenChosen)
from hftui.ui.startup import Startup
from hftui.ui.viewing import Viewing
from hftui.ui.sweeping import ProvidersAndStreams
from hftui.ui.widgets.credentials import CredentialsPane
from hftui.ui.widgets.footer import KeyFooter
from hftui.ui.widgets.matrix import DiagnosisPane
from hftui.ui.widgets.providers import ProviderPane, Routes
from hftui.ui.widgets.steps import Part, StepTree
from hftui.ui.widgets.topbar import TopBar

if TYPE_CHECKING:
    from hftui.core.diagnosis import Diagnosis
    from hftui.core.plan import PlanInputs, PlanRun
    from hftui.core.probes import Exchange
    from hftui.core.session import Session, Settings
    from hftui.ui.headstart import HeadStart

FROZEN_ENV = "HFTUI_FROZEN"
PLAN_STARTS_SOON = "No diagnosis yet: the plan starts in a moment."
PLAN_NOT_RUN = "No diagnosis yet: the plan has not run."


class HftuiApp(InertOutput, Startup, ProvidersAndStreams, KeyedActions, TokenKeeping, BundleExport, Viewing,
               App[int]):
    CSS_PATH = "hftui.tcss"
    TITLE = "hftui"
    COMMANDS = App.COMMANDS | {HftuiCommands}
    ALLOW_IN_MAXIMIZED_VIEW = "KeyFooter"  # a maximized pane keeps the footer: the way out stays in sight
    BINDINGS = DEFAULT_KEYS.bindings(Scope.APP)

    # What the panes draw. Set only through these attributes: a pane watching one is called when it changes.
    keys: reactive[Keys] = reactive(DEFAULT_KEYS, init=False)  # the current key of every action
    tokens: reactive[TokenReport] = reactive(TokenReport(candidates=()), init=False)
    testing: reactive[TokenCandidate | None] = reactive(None, init=False)  # the token the plan tests
    keyring_pending: reactive[bool] = reactive(False, init=False)  # its token is not read yet
    keystore_status: reactive[KeystoreStatus | None] = reactive(None, init=False)
    routes: reactive[Routes] = reactive(Routes(), init=False)
    bill_to: reactive[str | None] = reactive(None, init=False)
    orgs: reactive[tuple[str, ...] | None] = reactive(None, init=False)  # from whoami; None: it has not answered
    diagnosis: reactive[Diagnosis | None] = reactive(None, init=False)
    notice: reactive[str] = reactive(PLAN_NOT_RUN, init=False)  # what the diagnosis pane says without one
    waiting: reactive[str | None] = reactive("starting", init=False)  # what the plan waits for, if anything
    busy: reactive[bool] = reactive(True, init=False)  # starting, or a plan or a retry is running
    applicable: reactive[tuple] = reactive((), init=False, bindings=True)  # what the footer's keys can do now

    def __init__(self, session: Session, scenario: Any = None, *, frozen: bool | None = None,
                 keystore: Keystore | None = None, token_file: Path | None = None,
                 after_first_frame: Callable[[], None] | None = None, config: Config | None = None,
                 clock: Callable[[], float] = time.monotonic, ascii_only: bool | None = None,
                 head_start: HeadStart | None = None) -> None:
        """`session`: the settings and the tokens; if it leaves its keyring to the app (`keyring_reader`),
        the app calls that off the event loop after its first frame and hands the answer back.
        `after_first_frame` is called once the first frame is on screen, before any work starts.
        `config`: the settings file as read (default: read from $XDG_CONFIG_HOME/hftui/config.toml).
        `clock`: what the running steps' timers read (a test holds it still). `ascii_only`: draw every
        frame in ASCII (default: when the locale or the terminal's encoding cannot show ✓ ✗ ▶ …).
        `head_start`: the first plan, begun before the app (launch.py); adopted once the app is up."""
        self.ascii_only = wants_ascii(sys.__stderr__) if ascii_only is None else ascii_only
        self._clock = clock
        super().__init__()
        self.animation_level = "none"  # over SSH every animation frame is bytes on the wire
        self.session = session
        self.settings: Settings = session.settings
        settings, tokens = session.settings, session.tokens
        self.scenario = scenario
        self.frozen = os.environ.get(FROZEN_ENV) == "1" if frozen is None else frozen
        self.formatter = Formatter(self.frozen)
        # The demo never touches the user's own keyring entry or token file.
        self.keystore = keystore or Keystore(service="hftui-demo" if scenario is not None else None)
        self._token_file = token_file
        self.model, model_error = _parse(settings.model) if settings.model else (None, None)
        self.baseline, baseline_error = _parse(settings.baseline)
        self._field_errors = {"model": model_error, "baseline": baseline_error}
        # Where the first frame's focus goes (set once, not moved after the first paint)
        self.AUTO_FOCUS = "#steps" if self.model and self.baseline else "#model"
        self.inputs: PlanInputs | None = None
        self.plan_run: PlanRun | None = None
        self._generation = 0
        self._client = None
        self._plan_loop = None  # the plan's own event loop (hftui.core.loop.LoopThread), with the client
        self._plan_work = None
        self._keystore_deferred = False
        self._startup_error: str | None = None
        self._keyring_reader: Callable[[], str | None] | None = session.keyring_reader
        self._auto_token = True  # the tested token follows the report's active one until the user picks one
        self._providers: dict[str, tuple[ProviderOption, ...]] = {}  # by repo: kept while a re-plan re-reads them
        self._after_first_frame = after_first_frame
        self._head_start = head_start
        initial = (("tokens", tokens), ("testing", tokens.active), ("bill_to", settings.bill_to),
                   ("keyring_pending", self._keyring_reader is not None), ("routes", self._routes()),
                   ("notice", PLAN_STARTS_SOON if self.model and self.baseline else PLAN_NOT_RUN))
        for name, value in initial:  # before the panes watch: the first frame draws each once
            self.set_reactive(getattr(HftuiApp, name), value)
        self._apply_config(config or read_config(config_path()))

    def compose(self) -> ComposeResult:
        where = (f"demo {self.scenario.name} (simulator)" if self.scenario is not None
                 else f"router {self.settings.router_url} · hub {self.settings.hub_url}")
        yield TopBar(where, id="topbar")
        yield KeyFooter()
        with Vertical(id="left"):
            yield CredentialsPane(id="credentials")
            yield ProviderPane(id="provider")
        yield StepTree(self.formatter, clock=self._clock, id="steps")
        yield DiagnosisPane(self.formatter, id="diagnosis")

    def on_mount(self) -> None:
        self.watch(self, "keys", self._title_panes)
        provider = self.query_one(ProviderPane)
        provider.set_model_text(self.settings.model or "")
        provider.set_baseline_text(self.settings.baseline)
        provider.set_app_url_text(self.settings.app_url or "")
        for field, error in self._field_errors.items():
            if error:
                provider.show_error(field, error)
        self._replan()  # no client yet: the steps pane says the plan is starting
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.config.summary:
            self.notify(self.config.summary, title="Settings not used", severity="warning", markup=False, timeout=15)
        self.call_after_refresh(self._start)  # paint first, then work

    async def on_unmount(self) -> None:
        await self.close_client()

    # -- planning ----------------------------------------------------------------------------

    def _parse(self, field: str, text: str | None) -> ModelRef | None:
        """A ModelRef, or None with the message under the field; the field keeps the text either way."""
        ref, error = _parse(text)
        self.query_one(ProviderPane).show_error(field, error)
        return ref

    def _replan(self, force: bool = False) -> None:
        self.routes = self._routes()
        if self.model is None or self.baseline is None:
            missing = "model" if self.model is None else "baseline"
            self.query_one(StepTree).show_message(
                f"Enter the {missing} in the Provider pane ({self.keys.key('app.focus_provider')}) and press enter "
                f"to run the plan, e.g. Qwen/Qwen3.5-9B:preferred — the exact string your app sends.")
            self.notice = PLAN_NOT_RUN
            return
        if self._client is None:  # the engine is loading (or failed to: _load_client said so)
            if self._startup_error is None:
                self.query_one(StepTree).show_message("… starting: the plan runs as soon as the HTTP client is ready")
                self.notice = PLAN_STARTS_SOON
            return  # _load_client plans again
        from hftui.core.steps import step_specs

        inputs = self.session.inputs(self.testing, model=self.model, baseline=self.baseline, bill_to=self.bill_to,
                                     **self.plan_options())
        if inputs == self.inputs and not force:
            return
        if self.starting:  # the keyring may still change which token is tested
            if self.plan_run is None:
                self.query_one(StepTree).reset(step_specs(inputs))
                self.notice = PLAN_STARTS_SOON
            return  # keyring_answered plans again
        self.inputs = inputs
        self.start_plan()
        self.plan_started()

    def start_plan(self) -> None:
        from hftui.core.plan import PlanRun

        assert self.inputs is not None and self._client is not None
        self._generation += 1
        generation = self._generation
        run = PlanRun(self.inputs, self._client,
                      listener=lambda result: self.post_message(StepUpdated(generation, result)),
                      on_in_flight=self.first_requests_out)
        self.plan_run = run
        self.run_worker(self.on_plan_loop(run.run_all()), name="plan", group="plan", exclusive=True,
                        exit_on_error=False, description=f"run the plan for {self.inputs.model}")
        self.query_one(StepTree).reset(list(run.specs.values()), self.inputs.timeout)
        self._refresh_phase()
        self._snapshot()

    def retry(self, step_id: str) -> None:
        if self.plan_run is None or self.plan_busy:
            return
        self.run_worker(self.on_plan_loop(self.plan_run.run_step(step_id)), name=f"retry {step_id}", group="plan",
                        exclusive=True, exit_on_error=False, description=f"retry the step {step_id}")
        self._refresh_phase()

    @property
    def plan_busy(self) -> bool:
        return self.starting or any(w.group == "plan" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                                    for w in self.workers)

    def on_step_updated(self, message: StepUpdated) -> None:
        if message.generation != self._generation:
            return  # a step of a run that was replaced
        trees = self.query(StepTree)
        if not trees:
            return  # quitting while the plan runs: the panes are gone already
        trees.first().show(message.result)
        self._snapshot()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "plan":
            return
        self._refresh_phase()
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            redactor = self.plan_run.redactor if self.plan_run else Redactor()
            self.notify(redactor(f"{type(error).__name__}: {error}"), title="The plan stopped", severity="error",
                        markup=False, timeout=10)

    def _snapshot(self) -> None:
        """The run as it stands now becomes `diagnosis`; the panes watching it redraw."""
        if self.plan_run is None:
            return
        from hftui.core.diagnosis import snapshot

        self.diagnosis = snapshot(self.plan_run, self.tokens)

    def watch_diagnosis(self, diagnosis: Diagnosis | None) -> None:
        if diagnosis is not None:
            if diagnosis.providers_read:
                self._providers[diagnosis.inputs.model.repo] = diagnosis.providers
            whoami = diagnosis.step("whoami")
            answered = whoami is not None and whoami.status.done
            self.orgs = diagnosis.account.orgs if diagnosis.account else (() if answered else None)
            self.routes = self._routes()
        self.update_bindings()

    def watch_busy(self) -> None:
        self.update_bindings()

    def _routes(self) -> Routes:
        known = self.model is not None and self.model.repo in self._providers
        return Routes(self.model, self.providers, known)

    # -- what the panes ask for --------------------------------------------------------------

    @on(TokenChosen)
    def _token_chosen(self, message: TokenChosen) -> None:
        self.choose_token(message.candidate)

    @on(ModelSubmitted)
    def _model_submitted(self, message: ModelSubmitted) -> None:
        model = self._parse("model", message.text)
        if model is not None:
            self.model = model
            self._replan()

    @on(BaselineSubmitted)
    def _baseline_submitted(self, message: BaselineSubmitted) -> None:
        baseline = self._parse("baseline", message.text)
        if baseline is not None:
            self.baseline = baseline
            self._replan()

    @on(AppUrlSubmitted)
    def _app_url_submitted(self, message: AppUrlSubmitted) -> None:
        """The app's route as --app-url gives it: checked like the flag, then the plan runs with it."""
        from hftui.core.session import SettingsError, check_url

        text = message.text.strip() or None
        try:
            if text is not None:
                check_url("App URL", text)
        except SettingsError as exc:
            self.query_one(ProviderPane).show_error("app-url", str(exc))
            return
        self.query_one(ProviderPane).show_error("app-url", None)
        self.session.settings = self.settings = replace(self.settings, app_url=text)
        self._replan()

    @on(RouteChosen)
    def _route_chosen(self, message: RouteChosen) -> None:
        self.choose_route(message.suffix)

    @on(BillToChosen)
    def _bill_to_chosen(self, message: BillToChosen) -> None:
        self.choose_bill_to(message.org)

    def choose_token(self, candidate: TokenCandidate) -> None:
        self.testing = candidate
        self._auto_token = False
        self._replan()
        self._refresh_phase()

    def choose_route(self, suffix: str) -> None:
        if self.model is None:
            self.notify(f"Enter the model first (Provider pane, {self.keys.key('app.focus_provider')}).",
                        severity="warning")
            return
        self.model = replace(self.model, suffix=suffix)
        self.query_one(ProviderPane).set_model_text(str(self.model))
        self.query_one(ProviderPane).show_error("model", None)
        self._replan()

    def choose_bill_to(self, org: str | None) -> None:
        self.bill_to = org
        self._replan()

    @property
    def providers(self) -> tuple[ProviderOption, ...]:
        return self._providers.get(self.model.repo, ()) if self.model else ()

    @property
    def candidates(self) -> tuple[TokenCandidate, ...]:
        return self.tokens.candidates

    # -- steps -------------------------------------------------------------------------------

    @property
    def selected_step_id(self) -> str | None:
        return self.query_one(StepTree).selected_step_id

    def _selected_exchange(self) -> tuple[str, Exchange] | None:
        """The request under the cursor: on a bill-to attempt's line, that attempt's; else the step's."""
        ref = self.query_one(StepTree).selected
        if ref is None or self.plan_run is None or ref.step_id not in self.plan_run.results:
            return None
        result = self.plan_run.results[ref.step_id]
        if ref.org is not None or ref.part is Part.ATTEMPT:
            exchange = next((exchange for org, exchange in result.attempts if org == ref.org), None)
            return (f"{ref.step_id} ({ref.org})", exchange) if exchange is not None else None
        return (ref.step_id, result.exchange) if result.exchange is not None else None

    def copy_step(self, step_id: str, exchange: Exchange | None = None) -> None:
        if exchange is None:
            result = self.plan_run.results.get(step_id) if self.plan_run else None
            exchange = result.exchange if result else None
        if exchange is None:
            self.notify(f"{step_id} sent no request, so there is nothing to copy.", severity="warning", markup=False)
            return
        from hftui.core.curl import to_curl  # only when something is copied

        command = to_curl(exchange.request)
        self.copy_to_clipboard(command)
        lines = command.splitlines()
        self.notify(f"{lines[0]} … ({len(lines)} lines)", title=f"Copied {step_id} as curl (uses $HF_TOKEN)",
                    markup=False, timeout=8)

    @on(StepTree.NodeHighlighted)
    def _step_highlighted(self) -> None:
        self.update_bindings()

    # -- actions -----------------------------------------------------------------------------

    @on(OptionList.OptionHighlighted)
    def _option_highlighted(self) -> None:
        self.update_bindings()


def _parse(text: str | None) -> tuple[ModelRef | None, str | None]:
    try:
        return ModelRef.parse(text or ""), None
    except ModelIdError as exc:
        return None, str(exc)
