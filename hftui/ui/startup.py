"""Starting without holding up the first frame: the engine and the HTTP client load in a thread, the
keyring is read in another, and the plan starts once both have answered (or could not).

A mixin for the app, as keeping.py and exporting.py are: `waiting` and `busy` are the app's
reactive attributes the top bar and the footer watch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hftui.core.background import awaited_in_background
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
    _startup_error: str | None
    _auto_token: bool
    _rereading: bool
    session: Session
    _keyring_reader: Callable[[], str | None] | None
    _after_first_frame: Callable[[], None] | None

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
            self._refresh_phase()
            return
        self._client = client
        self._replan()
        self._refresh_phase()

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


def load_engine(timeout: float) -> Any:
    """Import the engine and build the HTTP client (httpx and the CA store): the slow part of starting."""
    importlib.import_module("hftui.core.diagnosis")  # and with it plan, probes and verdict
    from hftui.core.http import make_client

    return make_client(timeout)

