"""Starting without holding up the first frame: the engine and the HTTP client load in a thread, and
the plan starts once they are ready, on an event loop of its own (LoopThread) so that redrawing the
screen never delays reading an answer or sending the next round. When the first plan was known before
the app opened, that thread began before Textual was imported and the plan is already running
(headstart.py): the app adopts it. The keyring is read beside the
engine only when its token may be the one tested (no environment token); otherwise once the first
requests are out, when the plan only waits for the network (importing keyring and finding its
backend is ~100 ms of CPU: beside the engine's imports it would delay the first request).

A mixin for the app, as keeping.py and exporting.py are: `waiting` and `busy` are the app's
reactive attributes the top bar and the footer watch.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hftui.core.background import awaited_in_background
from hftui.ui.headstart import VERDICT_MODULES, HeadStart, load_engine
from hftui.ui.messages import StepUpdated
from hftui.ui.widgets.steps import StepTree

if TYPE_CHECKING:
    from hftui.core.plan import PlanInputs
    from hftui.core.session import Session
    from hftui.core.tokens import TokenCandidate, TokenReport


class Startup:
    """The first frame first; then `_start`: the keyring, the client, the plan."""

    settings: Any
    inputs: PlanInputs | None
    tokens: TokenReport
    testing: TokenCandidate | None
    keyring_pending: bool
    waiting: str | None
    busy: bool
    plan_busy: bool
    _client: Any
    _plan_loop: Any  # hftui.core.loop.LoopThread, with the client
    _plan_work: Any  # the concurrent Future of what runs on the plan loop now
    _keystore_deferred: bool  # the keyring is read once the first requests are out
    _startup_error: str | None
    _auto_token: bool
    _rereading: bool
    session: Session
    _keyring_reader: Callable[[], str | None] | None
    _after_first_frame: Callable[[], None] | None
    _head_start: HeadStart | None
    _generation: int

    def _start(self) -> None:
        """After the first frame: the HTTP client in a worker, then the plan; the keyring beside the
        client if the plan waits for it, else once the plan's first requests are out."""
        if self._after_first_frame is not None:
            self._after_first_frame()
        if self._awaiting_keyring:
            self._check_keystore()
        else:
            self._keystore_deferred = True
        self.run_worker(self._load_client(), name="startup", group="startup", exit_on_error=False,
                        description="load the HTTP client")

    async def _load_client(self) -> None:
        head_start, self._head_start = self._head_start, None
        try:  # importing httpx and the engine take ~100 ms: not on the event loop
            if head_start is not None:
                self._plan_loop, client = await asyncio.wrap_future(head_start.engine)
                await awaited_in_background(load_verdict, name="hftui-startup")
            else:
                self._plan_loop, client = await awaited_in_background(load_engine, self.settings, name="hftui-startup")
        except Exception as exc:  # noqa: BLE001 - e.g. SSL_CERT_FILE names a file that is not a CA bundle
            self._startup_error = f"{type(exc).__name__}: {exc}"
            self.query_one(StepTree).show_message(f"✗ The HTTP client could not be set up: {self._startup_error}")
            self.notify(self._startup_error, title="Cannot run the plan", severity="error", markup=False, timeout=10)
            self._refresh_phase()
            self.first_requests_out()
            return
        self._client = client
        if head_start is not None and head_start.run is not None:
            self._adopt(head_start)
        self._replan()  # the adopted run stands if its inputs are still the app's
        self._refresh_phase()
        if self.plan_run is None:  # nothing to wait for: no plan yet (no model, or the keyring decides)
            self.first_requests_out()

    def _adopt(self, head_start: HeadStart) -> None:
        """The head start's run as the app's plan: what it found so far shown, the rest as it comes."""
        run, work = head_start.run, head_start.work
        assert run is not None and work is not None
        self._generation += 1
        generation = self._generation
        self.inputs, self.plan_run, self._plan_work = head_start.inputs, run, work
        self.query_one(StepTree).reset(list(run.specs.values()), run.inputs.timeout)
        head_start.attach(lambda result: self.post_message(StepUpdated(generation, result)), self.first_requests_out)
        work.add_done_callback(lambda _: self.first_requests_out())  # if it ended before any got out
        self.run_worker(asyncio.wrap_future(work), name="plan", group="plan", exclusive=True, exit_on_error=False,
                        description=f"run the plan for {run.inputs.model}")
        self.plan_started()
        self._snapshot()

    def first_requests_out(self) -> None:
        """The plan's first requests are out (PlanRun's on_in_flight; any thread), or no plan is coming:
        the deferred keyring check starts now."""
        if self._keystore_deferred:
            self._keystore_deferred = False
            self._check_keystore()  # it only starts a daemon thread

    def on_plan_loop(self, coro: Any) -> Awaitable[Any]:
        """`coro` started at once on the plan's loop, replacing what plan work runs there (as the exclusive
        "plan" worker group replaces its worker); the returned future is what that worker awaits, and
        cancelling it cancels the work."""
        if self._plan_work is not None:
            self._plan_work.cancel()
        self._plan_work = self._plan_loop.submit(coro)
        self._plan_work.add_done_callback(lambda _: self.first_requests_out())  # if it ended before any got out
        return asyncio.wrap_future(self._plan_work)

    async def close_client(self) -> None:
        """At unmount: the client closed on its own loop, then that loop stopped."""
        if self._plan_loop is None:
            return
        if self._plan_work is not None:
            self._plan_work.cancel()
        if self._client is not None:
            await asyncio.wrap_future(self._plan_loop.submit(self._client.aclose()))
        self._plan_loop.stop()

    @property
    def _awaiting_keyring(self) -> bool:
        """The keyring has not answered and its token would be the one tested (none from the environment)."""
        return self._keyring_reader is not None and self._auto_token and not self.tokens.keyring_cannot_win

    @property
    def starting(self) -> bool:
        """The plan cannot start yet: the client is loading, or the keyring may still change the token."""
        return ((self._client is None and self._startup_error is None) or self._awaiting_keyring
                or self._rereading)

    def _refresh_phase(self) -> None:
        """`waiting` and `busy` from the client, the keyring and the workers, for the panes that show them."""
        if self._client is None and self._startup_error is None:
            self.waiting = "starting"
        else:
            self.waiting = ("reading the OS keyring" if self._awaiting_keyring else
                            "reading the token sources again" if self._rereading else None)
        self.busy = self.plan_busy

    def keyring_answered(self, read: Callable[[], str | None]) -> None:
        """The keyring's token arrived (or its error): the report again with it, in the usual precedence."""
        if self._keyring_reader is None:
            return
        self._keyring_reader = None
        self.keyring_pending = False
        self.tokens = self.session.keyring_answered(read)
        if self._auto_token:
            self.testing = self.tokens.active
        elif self.testing is not None:
            self.testing = self.tokens.by_source(self.testing.source) or self.testing
        token = self.inputs.token if self.inputs else None
        if token is not None and self.testing is not None and (token.source, token.raw) == (self.testing.source,
                                                                                          self.testing.raw):
            # The same token: the run stands (a token the keyring adds is listed, and checked on the next run).
            others = tuple(c for c in self.tokens.candidates if c.cleaned != self.testing.cleaned)
            self.inputs = replace(self.inputs, token=self.testing, other_tokens=others)
        self._replan()
        self._snapshot()  # the diagnosis carries the token report
        self._refresh_phase()


def load_verdict() -> None:
    """What the head start left to load: the verdict and the diagnosis it makes (off the event loop)."""
    for module in VERDICT_MODULES:
        importlib.import_module(module)
