"""One complete diagnosis: inputs → plan run → results → verdict, as plain data.

The verdict's modules (rules, facts, outcomes' wording) are imported when the first snapshot is
taken, not with this module: a headless run loads them while its first requests are out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from hftui.core.http import make_client
from hftui.core.hub import Account, ProviderOption
from hftui.core.plan import Listener, PlanInputs, PlanRun, StepResult
from hftui.core.steps import StepId
from hftui.core.tokens import TokenCandidate, TokenReport

if TYPE_CHECKING:
    from hftui.core.caught import FailedCall
    from hftui.core.streaming import StreamCheck
    from hftui.core.sweep import SweepRoute
    from hftui.core.verdict import Verdict


@dataclass(frozen=True)
class Diagnosis:
    inputs: PlanInputs
    tokens: TokenReport
    steps: tuple[StepResult, ...]
    verdict: Verdict
    account: Account | None
    providers: tuple[ProviderOption, ...]
    finished_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    failed_call: FailedCall | None = None  # hftui.explain(): the app's call it started from (not in the JSON)

    @property
    def token(self) -> TokenCandidate | None:
        """The token the run tested, as the (possibly later, more complete) token report describes it."""
        token = self.inputs.token
        return (self.tokens.by_source(token.source) or token) if token is not None else None

    def step(self, step_id: str) -> StepResult | None:
        return next((s for s in self.steps if s.step_id == step_id), None)

    @property
    def done(self) -> int:
        """How many steps have finished (or been skipped)."""
        return sum(1 for step in self.steps if step.status.done)

    @property
    def sweep(self) -> tuple[SweepRoute, ...] | None:
        """The sweep's routes; None when it was not asked for (an empty tuple: asked, nothing to call yet)."""
        result = self.step(StepId.SWEEP)
        return None if result is None else result.routes

    @property
    def stream(self) -> StreamCheck | None:
        """What the streamed call came to; None when it was not asked for or has not answered."""
        result = self.step(StepId.STREAM)
        return result.stream if result is not None else None

    def to_dict(self) -> dict[str, Any]:
        """The document `hftui diagnose --json` prints (schema 1)."""
        from hftui.core.report import to_dict

        return to_dict(self)

    def to_json(self) -> str:
        """Exactly what `hftui diagnose --json` prints."""
        import json

        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self, color: bool = False) -> str:
        """The terminal report `hftui diagnose` prints: the steps, the sweep, the verdict."""
        from hftui.core.report import to_text

        return to_text(self, color=color)

    @property
    def providers_read(self) -> bool:
        """Both sources of `providers` (the catalog and the Hub mapping) have finished: the list is final."""
        return all(step is not None and step.status.done for step in map(self.step, (StepId.CATALOG, StepId.MAPPING)))


def snapshot(run: PlanRun, tokens: TokenReport) -> Diagnosis:
    """The run as it stands now; a UI calls this after every event, the CLI once at the end."""
    from hftui.core.verdict import run_verdict

    return Diagnosis(
        inputs=run.inputs,
        tokens=tokens,
        steps=tuple(run.results.values()),
        verdict=run_verdict(run),
        account=run.account,
        providers=tuple(run.providers),
    )


async def run_diagnosis(inputs: PlanInputs, tokens: TokenReport, listener: Listener | None = None,
                        on_in_flight: Callable[[], None] | None = None) -> Diagnosis:
    """The whole plan on `inputs`; `on_in_flight()` once its first requests are out (PlanRun)."""
    async with make_client(inputs.timeout, (inputs.hub_url, inputs.router_url)) as client:
        run = PlanRun(inputs, client, listener, on_in_flight=on_in_flight)
        await run.run_all()
        return snapshot(run, tokens)
