"""The hftui app: holds the inputs, runs the plan in a worker, hands each snapshot to the panes.

Data goes one way: inputs → PlanRun → StepUpdated messages → Diagnosis → panes. Panes post
messages up (a token, a model, a route, an org) and the app re-plans; no pane touches another.

It paints first, then works: the first frame shows the inputs, the token sources and the matrix;
only after it are the engine (plan, probes, verdict: ~16 ms of imports) and the HTTP client (httpx
and the CA store) loaded, in a thread, and the keyring read in another; then the plan starts. So
nothing on the event loop imports the engine before `_load_client` has: its imports are local.
A keyring token only waits when it would be the one tested: no environment token.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.worker import Worker, WorkerState

from hftui.core.background import awaited_in_background
from hftui.core.hub import ModelIdError, ModelRef, ProviderOption
from hftui.core.keystore import Keystore, KeystoreStatus
from hftui.core.redact import Redactor
from hftui.core.tokens import TokenCandidate, TokenReport
from hftui.ui.commands import HftuiCommands
from hftui.ui.exporting import BundleExport
from hftui.ui.format import Formatter
from hftui.ui.keeping import TokenKeeping
from hftui.ui.messages import BaselineSubmitted, BillToChosen, ModelSubmitted, RouteChosen, StepUpdated, TokenChosen
from hftui.ui.screens import HelpScreen
from hftui.ui.widgets.credentials import CredentialsPane
from hftui.ui.widgets.footer import KeyFooter
from hftui.ui.widgets.matrix import DiagnosisPane
from hftui.ui.widgets.providers import ProviderPane
from hftui.ui.widgets.steps import StepTree

if TYPE_CHECKING:
    from hftui.core.diagnosis import Diagnosis
    from hftui.core.plan import PlanInputs, PlanRun
    from hftui.core.probes import Exchange
    from hftui.core.session import Session, Settings

FROZEN_ENV = "HFTUI_FROZEN"
PLAN_STARTS_SOON = "No diagnosis yet: the plan starts in a moment."
PANES = {"credentials": "#sources", "provider": "#model", "steps": "#steps", "diagnosis": "#diagnosis"}


class HftuiApp(TokenKeeping, BundleExport, App[int]):
    CSS_PATH = "hftui.tcss"
    TITLE = "hftui"
    COMMANDS = App.COMMANDS | {HftuiCommands}
    BINDINGS = [
        Binding("r", "retry_step", "Retry step", id="step.retry",
                tooltip="Run only the selected step again; the verdict updates"),
        Binding("R", "run_plan", "Run all", id="plan.run", key_display="R",
                tooltip="Run the whole plan again with the current inputs"),
        Binding("c", "copy_curl", "Copy curl", id="step.copy_curl",
                tooltip="Copy the selected step's request as curl; it uses $HF_TOKEN, never the token"),
        Binding("e", "export_bundle", "Export", id="bundle.export",
                tooltip="Write the support bundle (Markdown, mode 0600) where hftui was started"),
        Binding("b", "copy_bundle", "Copy bundle", show=False, id="bundle.copy",
                tooltip="Copy the support bundle to the clipboard (OSC 52)"),
        Binding("s", "save_keyring", "Save token", id="token.save_keyring",
                tooltip="Save the pasted (or tested) token to the OS keyring"),
        Binding("d", "delete_keyring", "Delete from keyring", show=False, id="token.delete_keyring",
                tooltip="Delete hftui's token from the OS keyring"),
        Binding("w", "write_token_file", "Write token file", show=False, id="token.write_file",
                tooltip="Write the token to the HF token file in plain text (asks first)"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help", tooltip="Keys and panes"),
        Binding("f1", "help", "Help", show=False, id="app.help_f1", tooltip="Keys and panes"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit hftui"),
        Binding("escape", "leave_field", "Leave field", id="app.leave_field",
                tooltip="Leave the text field (what you typed stays) and go back to the steps"),
        Binding("1", "focus_pane('credentials')", show=False, id="app.focus_credentials", tooltip="Credentials pane"),
        Binding("2", "focus_pane('provider')", show=False, id="app.focus_provider", tooltip="Provider pane"),
        Binding("3", "focus_pane('steps')", show=False, id="app.focus_steps_pane", tooltip="Steps pane"),
        Binding("4", "focus_pane('diagnosis')", show=False, id="app.focus_diagnosis", tooltip="Diagnosis pane"),
    ]
    # Keys that are characters type text in an Input: while one has the focus their actions are off and
    # leave the footer (escape and ctrl+p stay). The footer is told again only when a shown key changes.
    TYPED_ACTIONS = frozenset(binding.action for binding in BINDINGS
                              if len(binding.key) == 1 or binding.key == "question_mark")
    SHOWN_ACTIONS = tuple(dict.fromkeys(binding.action for binding in BINDINGS if binding.show))

    def __init__(self, session: Session, scenario: Any = None, *, frozen: bool | None = None,
                 keystore: Keystore | None = None, token_file: Path | None = None,
                 after_first_frame: Callable[[], None] | None = None) -> None:
        """`session`: the settings and the tokens; if it leaves its keyring to the app (`keyring_reader`),
        the app calls that off the event loop after its first frame and hands the answer back.
        `after_first_frame` is called once the first frame is on screen, before any work starts."""
        super().__init__()
        self.animation_level = "none"  # over SSH every animation frame is bytes on the wire
        self.session = session
        self.settings: Settings = session.settings
        self.tokens: TokenReport = session.tokens
        self.scenario = scenario
        self.frozen = os.environ.get(FROZEN_ENV) == "1" if frozen is None else frozen
        self.formatter = Formatter(self.frozen)
        # The demo never touches the user's own keyring entry or token file.
        self.keystore = keystore or Keystore(service="hftui-demo" if scenario is not None else None)
        self._token_file = token_file
        self.testing: TokenCandidate | None = self.tokens.active
        self.model, model_error = _parse(self.settings.model) if self.settings.model else (None, None)
        self.baseline, baseline_error = _parse(self.settings.baseline)
        self._field_errors = {"model": model_error, "baseline": baseline_error}
        # Where the first frame's focus goes (set once, not moved after the first paint)
        self.AUTO_FOCUS = "#steps" if self.model and self.baseline else "#model"
        self.bill_to: str | None = self.settings.bill_to
        self.inputs: PlanInputs | None = None
        self.plan_run: PlanRun | None = None
        self.diagnosis: Diagnosis | None = None
        self.keystore_status: KeystoreStatus | None = None
        self._generation = 0
        self._bindings_state: tuple = ()
        self._client = None
        self._startup_error: str | None = None
        self._keyring_reader: Callable[[], str | None] | None = session.keyring_reader
        self._auto_token = True  # the tested token follows the report's active one until the user picks one
        self._providers: dict[str, tuple[ProviderOption, ...]] = {}  # by repo: kept while a re-plan re-reads them
        self._after_first_frame = after_first_frame

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        yield KeyFooter()
        with Vertical(id="left"):
            yield CredentialsPane(id="credentials")
            yield ProviderPane(id="provider")
        yield StepTree(self.formatter, id="steps")
        yield DiagnosisPane(self.formatter, id="diagnosis")

    def on_mount(self) -> None:
        for selector, title in (("#credentials", "1 Credentials"), ("#provider", "2 Provider"),
                                ("#steps", "3 Steps"), ("#diagnosis", "4 Diagnosis")):
            self.query_one(selector).border_title = title
        provider = self.query_one(ProviderPane)
        provider.set_model_text(self.settings.model or "")
        provider.set_baseline_text(self.settings.baseline)
        for field, error in self._field_errors.items():
            if error:
                provider.show_error(field, error)
        self._show_tokens()
        provider.show_orgs((), self.bill_to)
        self._show_topbar()
        self._show_keystore()
        self._replan()  # no client yet: the steps pane says the plan is starting
        self.call_after_refresh(self._start)  # paint first, then work

    def _start(self) -> None:
        """After the first frame: the keyring in a daemon thread, the HTTP client in a worker, then the plan."""
        if self._after_first_frame is not None:
            self._after_first_frame()
        self._check_keystore()
        self.run_worker(self._load_client(), name="startup", group="startup", exit_on_error=False,
                        description="load the HTTP client")

    async def _load_client(self) -> None:
        try:  # importing httpx and loading the CA store take ~85 ms: not on the event loop
            client = await awaited_in_background(load_engine, self.settings.timeout, name="hftui-startup")
        except Exception as exc:  # noqa: BLE001 - e.g. SSL_CERT_FILE names a file that is not a CA bundle
            self._startup_error = f"{type(exc).__name__}: {exc}"
            self.query_one(StepTree).show_message(f"✗ The HTTP client could not be set up: {self._startup_error}")
            self.notify(self._startup_error, title="Cannot run the plan", severity="error", markup=False, timeout=10)
            self._show_topbar()
            return
        self._client = client
        self._replan()
        self._show_topbar()

    @property
    def _awaiting_keyring(self) -> bool:
        """The keyring has not answered and its token would be the one tested (none from the environment)."""
        return self._keyring_reader is not None and self._auto_token and not self.tokens.keyring_cannot_win

    @property
    def starting(self) -> bool:
        """The plan cannot start yet: the client is loading, or the keyring may still change the token."""
        return (self._client is None and self._startup_error is None) or self._awaiting_keyring

    def keyring_answered(self, read: Callable[[], str | None]) -> None:
        """The keyring's token arrived (or its error): the report again with it, in the usual precedence."""
        if self._keyring_reader is None:
            return
        self._keyring_reader = None
        self.tokens = self.session.keyring_answered(read)
        if self._auto_token:
            self.testing = self.tokens.active
        elif self.testing is not None:
            self.testing = self.tokens.by_source(self.testing.source) or self.testing
        token = self.inputs.token if self.inputs else None
        if token is not None and self.testing is not None and (token.source, token.raw) == (self.testing.source,
                                                                                          self.testing.raw):
            self.inputs = replace(self.inputs, token=self.testing)  # the same token: the run stands
        self._show_tokens()
        self._replan()
        self._refresh_views()
        self._show_topbar()

    def _show_tokens(self) -> None:
        self.query_one(CredentialsPane).show_tokens(self.tokens, self.testing,
                                                    keyring_pending=self._keyring_reader is not None)

    async def on_unmount(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    # -- planning ----------------------------------------------------------------------------

    def _parse(self, field: str, text: str | None) -> ModelRef | None:
        """A ModelRef, or None with the message under the field; the field keeps the text either way."""
        ref, error = _parse(text)
        self.query_one(ProviderPane).show_error(field, error)
        return ref

    def _replan(self, force: bool = False) -> None:
        if self.model is None or self.baseline is None:
            missing = "model" if self.model is None else "baseline"
            self.query_one(StepTree).show_message(
                f"Enter the {missing} in the Provider pane (2) and press enter to run the plan, "
                f"e.g. Qwen/Qwen3.5-9B:preferred — the exact string your app sends.")
            self.query_one(DiagnosisPane).clear("No diagnosis yet: the plan has not run.")
            self._show_routes()
            return
        if self._client is None:  # the engine is loading (or failed to: _load_client said so)
            if self._startup_error is None:
                self.query_one(StepTree).show_message("… starting: the plan runs as soon as the HTTP client is ready")
                self.query_one(DiagnosisPane).clear(PLAN_STARTS_SOON)
            return  # _load_client plans again
        from hftui.core.steps import step_specs

        inputs = self.session.inputs(self.testing, model=self.model, baseline=self.baseline, bill_to=self.bill_to)
        if inputs == self.inputs and not force:
            return
        if self.starting:  # the keyring may still change which token is tested
            if self.plan_run is None:
                self.query_one(StepTree).reset(step_specs(inputs))
                self.query_one(DiagnosisPane).clear(PLAN_STARTS_SOON)
            return  # keyring_answered plans again
        self.inputs = inputs
        self.start_plan()

    def start_plan(self) -> None:
        from hftui.core.plan import PlanRun

        assert self.inputs is not None and self._client is not None
        self._generation += 1
        generation = self._generation
        run = PlanRun(self.inputs, self._client,
                      listener=lambda result: self.post_message(StepUpdated(generation, result)))
        self.plan_run = run
        self.query_one(StepTree).reset(list(run.specs.values()))
        self._refresh_views()
        self.run_worker(run.run_all(), name="plan", group="plan", exclusive=True, exit_on_error=False,
                        description=f"run the plan for {self.inputs.model}")

    def retry(self, step_id: str) -> None:
        if self.plan_run is None or self.plan_busy:
            return
        self.run_worker(self.plan_run.run_step(step_id), name=f"retry {step_id}", group="plan", exclusive=True,
                        exit_on_error=False, description=f"retry the step {step_id}")

    @property
    def plan_busy(self) -> bool:
        return self.starting or any(w.group == "plan" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                                    for w in self.workers)

    def on_step_updated(self, message: StepUpdated) -> None:
        if message.generation != self._generation:
            return  # a step of a run that was replaced
        self.query_one(StepTree).show(message.result)
        self._refresh_views()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "plan":
            return
        self._refresh_views()
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            redactor = self.plan_run.redactor if self.plan_run else Redactor()
            self.notify(redactor(f"{type(error).__name__}: {error}"), title="The plan stopped", severity="error",
                        markup=False, timeout=10)

    def _refresh_views(self) -> None:
        if self.plan_run is None:
            return
        from hftui.core.diagnosis import snapshot

        diagnosis = snapshot(self.plan_run, self.tokens)
        self.diagnosis = diagnosis
        self.query_one(DiagnosisPane).show(diagnosis)
        self.query_one(CredentialsPane).show_account(diagnosis)
        if diagnosis.providers_read:
            self._providers[diagnosis.inputs.model.repo] = diagnosis.providers
        self._show_routes()
        self.query_one(ProviderPane).show_orgs(self.orgs, self.bill_to)
        self._show_topbar()
        self.update_bindings()

    def _show_routes(self) -> None:
        known = self.model is not None and self.model.repo in self._providers
        self.query_one(ProviderPane).show_routes(self.model, self.providers, known)

    def _show_topbar(self) -> None:
        """The verdict first (it is what the user came for), then where the probes go."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" hftui ", style="bold reverse")
        if self.starting:
            waiting = "reading the OS keyring" if self._client is not None else "starting"
            text.append(f" … {waiting} ", style="bold yellow")
        elif self.diagnosis is not None:
            verdict = self.diagnosis.verdict
            key = f"case {verdict.seed_case}" if verdict.seed_case else verdict.case.value
            if self.plan_busy:
                text.append(f" … running {self.diagnosis.done}/{len(self.diagnosis.steps)} ", style="bold yellow")
                text.append(f" so far ▶ {key}", style="dim")
            else:
                text.append(f" ▶ {key}: {verdict.title} ", style="bold")
        if self.scenario is not None:
            text.append(f" · demo {self.scenario.name} (simulator)", style="dim")
        else:
            text.append(f" · router {self.settings.router_url} · hub {self.settings.hub_url}", style="dim")
        self.query_one("#topbar", Static).update(text)

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

    @on(RouteChosen)
    def _route_chosen(self, message: RouteChosen) -> None:
        self.choose_route(message.suffix)

    @on(BillToChosen)
    def _bill_to_chosen(self, message: BillToChosen) -> None:
        self.choose_bill_to(message.org)

    def choose_token(self, candidate: TokenCandidate) -> None:
        self.testing = candidate
        self._auto_token = False
        self._show_tokens()
        self._replan()

    def choose_route(self, suffix: str) -> None:
        if self.model is None:
            self.notify("Enter the model first (Provider pane, 2).", severity="warning")
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
    def orgs(self) -> tuple[str, ...]:
        return self.diagnosis.account.orgs if self.diagnosis and self.diagnosis.account else ()

    @property
    def candidates(self) -> tuple[TokenCandidate, ...]:
        return self.tokens.candidates

    # -- steps -------------------------------------------------------------------------------

    @property
    def selected_step_id(self) -> str | None:
        return self.query_one(StepTree).selected_step_id

    def _selected_exchange(self) -> tuple[str, Exchange] | None:
        sid = self.selected_step_id
        if sid is None or self.plan_run is None:
            return None
        result = self.plan_run.results[sid]
        node = self.query_one(StepTree).cursor_node
        part = node.data[1] if node is not None and node.data else ""
        for label, exchange in result.attempts:  # on a bill-to attempt: that attempt's request
            if part.startswith(f"attempt:{label}"):
                return f"{sid} ({label})", exchange
        return (sid, result.exchange) if result.exchange is not None else None

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
        self.notify(command, title=f"Copied {step_id} as curl (uses $HF_TOKEN)", markup=False, timeout=10)

    @on(StepTree.NodeHighlighted)
    def _step_highlighted(self) -> None:
        self.update_bindings()

    # -- actions -----------------------------------------------------------------------------

    def update_bindings(self) -> None:
        """Tell the footer only when what applies changed (a highlight moves often; the keys rarely change)."""
        state = (type(self.focused).__name__,) + tuple(self.check_action(action, ()) for action in self.SHOWN_ACTIONS)
        if state != self._bindings_state:
            self._bindings_state = state
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        typing = isinstance(self.focused, Input)
        if action in self.TYPED_ACTIONS and typing:
            return False
        if action == "leave_field":
            return typing
        return True if self.action_applies(action) else None  # None: shown dimmed

    def action_applies(self, action: str) -> bool:
        """Whether `action` can do something now, whatever has the focus: the keys, the footer and the
        command palette all ask here."""
        if action == "retry_step":
            sid = self.selected_step_id
            ready = sid is not None and self.plan_run is not None and self.plan_run.results[sid].status.done
            return ready and not self.plan_busy
        if action == "run_plan":
            return self.model is not None and self.baseline is not None
        if action == "copy_curl":
            return self._selected_exchange() is not None
        if action in ("save_keyring", "write_token_file"):
            return bool(self.token_to_store())
        if action in ("export_bundle", "copy_bundle"):
            return self.diagnosis is not None and not self.plan_busy
        if action == "delete_keyring":
            return self.keyring_usable
        return True

    def action_retry_step(self) -> None:
        if self.selected_step_id is not None:
            self.retry(self.selected_step_id)

    def action_run_plan(self) -> None:
        self._replan(force=True)

    def action_copy_curl(self) -> None:
        selected = self._selected_exchange()
        if selected is None:
            self.notify("Select a step that sent a request first.", severity="warning")
            return
        self.copy_step(*selected)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_leave_field(self) -> None:
        self.action_focus_pane("steps")

    def action_focus_pane(self, name: str) -> None:
        self.query_one(PANES[name]).focus()

    def action_use_pasted(self) -> None:
        value = self.query_one(CredentialsPane).pasted_value
        if value.strip():
            self.choose_token(TokenCandidate.pasted(value))

    @on(OptionList.OptionHighlighted)
    def _option_highlighted(self) -> None:
        self.update_bindings()


def _parse(text: str | None) -> tuple[ModelRef | None, str | None]:
    try:
        return ModelRef.parse(text or ""), None
    except ModelIdError as exc:
        return None, str(exc)


def load_engine(timeout: float) -> Any:
    """Import the engine and build the HTTP client (httpx and the CA store): the slow part of starting."""
    importlib.import_module("hftui.core.diagnosis")  # and with it plan, probes and verdict
    from hftui.core.http import make_client

    return make_client(timeout)

