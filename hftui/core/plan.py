"""The scheduler of the staged plan: the steps declared in `steps`, run as a small dependency graph.

Independent steps start together; a step waits only for the results it reads. Every start and
finish is reported through a callback so a UI can draw the plan live, and any single step can
be run again later with the same inputs. What a step does and needs is its declaration's business.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from hftui.core.appclient import AppClient
from hftui.core.approute import AppRoute
from hftui.core.hub import DEFAULT_BASELINE, DEFAULT_HUB_URL, DEFAULT_ROUTER_URL, Account, ModelRef, ProviderOption
from hftui.core.probes import Exchange, ProbeSpec, run_probe
from hftui.core.redact import Redactor
from hftui.core.status import StepStatus
from hftui.core.steps import BillToAttempt, StepId, StepSpec, TokenCheck, account_of, providers_of, step_specs
from hftui.core.tokens import TokenCandidate

if TYPE_CHECKING:
    import httpx

    from hftui.core.streaming import StreamCheck
    from hftui.core.sweep import SweepRoute


@dataclass(frozen=True)
class PlanInputs:
    model: ModelRef
    token: TokenCandidate | None
    baseline: ModelRef = field(default_factory=lambda: ModelRef.parse(DEFAULT_BASELINE))
    bill_to: str | None = None
    router_url: str = DEFAULT_ROUTER_URL
    hub_url: str = DEFAULT_HUB_URL
    timeout: float = 15.0
    router_url_note: str | None = None  # how a router URL given in its OpenAI form (…/v1) was normalised
    # Every other source's token (step token-checks asks whoami about each distinct one).
    other_tokens: tuple[TokenCandidate, ...] = ()
    app_route: AppRoute | None = None  # the route the app posts chat to, when it is not the documented one
    app_client: AppClient | None = None  # the app's client libraries, as its interpreter has them
    sweep: bool = False  # also pin the model to every provider that serves it (real, billed calls)
    stream: bool = False  # also send the configured call with stream: true

    def __post_init__(self) -> None:
        object.__setattr__(self, "router_url", self.router_url.rstrip("/"))
        object.__setattr__(self, "hub_url", self.hub_url.rstrip("/"))


@dataclass(frozen=True)
class StepResult:
    step_id: StepId
    title: str
    status: StepStatus = StepStatus.PENDING
    exchange: Exchange | None = None
    attempts: tuple[BillToAttempt, ...] = ()  # bill-to: one per org tried; `exchange` is the best of them
    skip_reason: str | None = None
    note: str | None = None  # why the step chose what it chose, e.g. the provider it pinned
    target: str | None = None  # the model string a chat step sent
    repeats: StepId | None = None  # the step whose call this one repeated (bill-to)
    orgs_not_tried: tuple[tuple[str, str], ...] = ()  # bill-to: (org, why) for each org whoami lists but not billed
    token_checks: tuple[TokenCheck, ...] = ()  # token-checks: whoami's answer for each other distinct token
    run_count: int = 0
    routes: tuple[SweepRoute, ...] = ()  # sweep: one per provider; `exchange` is the best working one's
    stream: StreamCheck | None = None  # stream: what the streamed answer came to (a 200 may still fail)

    @property
    def http_status(self) -> int | None:
        return self.exchange.status if self.exchange else None

    @property
    def message(self) -> str | None:
        if self.status is StepStatus.SKIPPED:
            return self.skip_reason
        if self.stream is not None and self.stream.failed:
            return self.stream.line
        from hftui.core.outcomes import error_message  # the wording: loaded while the first requests are out

        return error_message(self.exchange) if self.exchange else None

    def finished(self, exchange: Exchange, **changes) -> StepResult:
        """This step with its call's answer: ok for 2xx, failed for another status, error for none."""
        status = StepStatus.OK if exchange.ok else StepStatus.ERROR if exchange.error else StepStatus.FAILED
        return replace(self, status=status, exchange=exchange, skip_reason=None, **changes)

    def skipped(self, reason: str) -> StepResult:
        return replace(self, status=StepStatus.SKIPPED, exchange=None, attempts=(), skip_reason=reason, note=None,
                       target=None, repeats=None, orgs_not_tried=(), routes=(), stream=None, token_checks=())


Listener = Callable[[StepResult], None]


class PlanRun:
    """One run of the plan against one set of inputs; keeps every step's latest result."""

    def __init__(self, inputs: PlanInputs, client: httpx.AsyncClient, listener: Listener | None = None,
                 redactor: Redactor | None = None, on_in_flight: Callable[[], None] | None = None) -> None:
        """`on_in_flight()` is called once, when the first requests are all out (sent, or failed before):
        from then on the run waits for the network, and other work costs it nothing."""
        self.inputs = inputs
        self.client = client
        self.listener = listener
        self._on_in_flight = on_in_flight
        self._unsent = 0  # probes started whose request is not out yet
        self.redactor = redactor or Redactor()
        for token in (inputs.token, *inputs.other_tokens):
            if token is not None:
                self.redactor.add_token(token)
        self.specs: dict[StepId, StepSpec] = {spec.step_id: spec for spec in step_specs(inputs)}
        self.results: dict[StepId, StepResult] = {
            sid: StepResult(sid, spec.title) for sid, spec in self.specs.items()
        }
        self._done: dict[StepId, asyncio.Event] = {}

    async def run_all(self) -> dict[StepId, StepResult]:
        self._done = {sid: asyncio.Event() for sid in self.specs}
        async with asyncio.TaskGroup() as group:
            for sid in self.specs:
                group.create_task(self._run_when_ready(sid))
        return dict(self.results)

    async def run_step(self, step_id: str) -> StepResult:
        """Run one step again with the current results of what it needs; nothing else re-runs."""
        if step_id not in self.specs:
            raise KeyError(step_id)
        return await self._execute(StepId(step_id))

    async def _run_when_ready(self, step_id: StepId) -> None:
        try:
            for need in self.specs[step_id].needs:
                if need in self._done:  # a step that does not apply to these inputs is not waited for
                    await self._done[need].wait()
            await self._execute(step_id)
        finally:
            self._done[step_id].set()

    async def _execute(self, step_id: StepId) -> StepResult:
        step = self.specs[step_id].step
        previous = self.results[step_id]
        running = replace(previous, status=StepStatus.RUNNING, run_count=previous.run_count + 1)
        self._publish(running)
        if step.needs_token and self.inputs.token is None:
            result = running.skipped("no token found in any source")
        else:
            result = await step.run(self, running)
        self._publish(result)
        return result

    def _publish(self, result: StepResult) -> None:
        self.results[result.step_id] = result
        if self.listener is not None:
            self.listener(result)

    async def probe(self, spec: ProbeSpec) -> Exchange:
        if self._on_in_flight is None:
            return await run_probe(self.client, spec, self.redactor, self.inputs.timeout)
        # Every step that needs nothing starts its probe in the same turn of the event loop, before any
        # request can be out (that takes the selector, a later turn): the first time none is left
        # unsent, the whole first round is on the wire.
        self._unsent += 1
        settled = False

        def out() -> None:
            nonlocal settled
            if not settled:
                settled = True
                self._unsent -= 1
                if self._unsent == 0 and self._on_in_flight is not None:
                    in_flight, self._on_in_flight = self._on_in_flight, None
                    in_flight()

        try:
            return await run_probe(self.client, spec, self.redactor, self.inputs.timeout, on_sent=out)
        finally:
            out()

    @property
    def account(self) -> Account | None:
        return account_of(self.results)

    @property
    def providers(self) -> list[ProviderOption]:
        return providers_of(self.inputs, self.results)
