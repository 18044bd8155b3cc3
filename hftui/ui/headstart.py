"""The plan's head start: when the app's first plan is known before the app opens (a model given, a
token the keyring cannot replace), the engine and the HTTP client load first, and the first requests
are on their way (connecting, sending, waiting for the answers) while Textual is imported and paints
the first frame; the app adopts the run once it is up (startup.py), with what it has found so far.

Measured in a real pty against the simulator at 250 ms a request (2-core VM): the verdict on screen
1664 → 1277 ms, the first frame on screen 724 → 965 ms. The engine's imports (~150 ms of CPU) come
before Textual's instead of after the first frame; loaded beside Textual's, in a second thread, both
were slower still (the first frame at 1048 ms): the two share one interpreter lock. Only the loading
is waited for, never the network: a slow DNS or TLS handshake to the real router does not hold up
the first frame.

No Textual here: this module is imported before it.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import TYPE_CHECKING, Any

from hftui.core.background import in_background

if TYPE_CHECKING:
    from hftui.core.plan import PlanInputs, PlanRun, StepResult
    from hftui.core.session import Session, Settings


ENGINE_WAIT_SECONDS = 1.0  # the longest the first frame waits for the head start's loading
VERDICT_MODULES = ("hftui.core.diagnosis", "hftui.core.verdict")  # and with them plan, probes, rules


def load_engine(settings: Settings, modules: tuple[str, ...] = VERDICT_MODULES) -> tuple[Any, Any]:
    """Import the engine and build the HTTP client (httpx, and the CA store for https): the slow part of
    starting. Returns the plan's loop (a LoopThread) and the client, which is used on that loop only."""
    for module in modules:
        importlib.import_module(module)
    from hftui.core.http import make_client
    from hftui.core.loop import LoopThread

    client = make_client(settings.timeout, (settings.hub_url, settings.router_url))
    try:  # what the client imports only at its first request (anyio's asyncio backend, ~30 ms): now, not then
        importlib.import_module("anyio._backends._asyncio")
    except ImportError:  # another httpcore backend: it loads at the first request, as it would anyway
        pass
    return LoopThread(), client


class HeadStart:
    """The engine loading, then the first plan running, in a thread begun before the app exists."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.inputs: PlanInputs | None = None
        self.run: PlanRun | None = None
        self.work: Future | None = None  # the run's run_all on the plan loop
        self._lock = threading.Lock()
        self._held: list[StepResult] = []  # what the run reported before the app attached
        self._listener: Callable[[StepResult], None] | None = None
        self._in_flight = False
        self._on_in_flight: Callable[[], None] | None = None
        self.engine: Future[tuple[Any, Any]] = in_background(self._begin, name="hftui-head-start")

    @classmethod
    def begin(cls, session: Session) -> HeadStart | None:
        """The head start, when the app's first plan needs nothing the app has yet: a model and a baseline
        that parse, and a token the OS keyring (read after the first frame) cannot replace."""
        from hftui.core.hub import ModelRef

        settings = session.settings
        if not settings.model or (session.keyring_reader is not None and not session.tokens.keyring_cannot_win):
            return None
        try:
            ModelRef.parse(settings.model)
            ModelRef.parse(settings.baseline)
        except ValueError:
            return None  # the app shows the error under the field
        return cls(session)

    def wait_for_engine(self) -> None:
        """Until the engine is loaded and the plan started (bounded): Textual's imports then run while the
        first requests wait for the network, not beside the engine's."""
        wait([self.engine], timeout=ENGINE_WAIT_SECONDS)

    def _begin(self) -> tuple[Any, Any]:
        # What sends the first round only: the verdict's modules load after the first frame (startup.py).
        loop, client = load_engine(self.session.settings, ("hftui.core.plan",))
        from hftui.core.plan import PlanRun

        settings = self.session.settings
        try:  # what the app's first plan would be (HftuiApp._replan compares, and keeps this run if equal)
            inputs = self.session.inputs(self.session.tokens.active, bill_to=settings.bill_to,
                                         sweep=settings.sweep, stream=settings.stream)
        except ValueError:
            return loop, client  # the app plans itself and says why
        self.inputs = inputs
        self.run = PlanRun(inputs, client, listener=self._report, on_in_flight=self._requests_out)
        self.work = loop.submit(self.run.run_all())
        return loop, client

    def _report(self, result: StepResult) -> None:
        with self._lock:
            listener = self._listener
            if listener is None:
                self._held.append(result)
        if listener is not None:
            listener(result)

    def _requests_out(self) -> None:
        with self._lock:
            self._in_flight = True
            then = self._on_in_flight
        if then is not None:
            then()

    def attach(self, listener: Callable[[StepResult], None], on_in_flight: Callable[[], None]) -> None:
        """From now on the run reports to `listener`, after what it reported before, in order; and
        `on_in_flight()` once its first requests are out (at once if they are)."""
        with self._lock:
            held, self._held = self._held, []
            for result in held:
                listener(result)
            self._listener, self._on_in_flight = listener, on_in_flight
            out = self._in_flight
        if out:
            on_in_flight()
