"""What the rules ask of one run (Facts), and what they answer with (Finding, citing Evidence).

Evidence carries the step's status; the views draw its mark from it (`Evidence.line`), so no fact
is written with a pre-drawn "✓ 200".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hftui.core.hub import Account, ModelRef, ProviderOption
from hftui.core.outcomes import Outcome, classify
from hftui.core.plan import PlanInputs, StepResult
from hftui.core.status import MARKS, StepStatus
from hftui.core.steps import StepId
from hftui.core.tokens import TokenCandidate

CHAT_STEPS = (StepId.AS_CONFIGURED, StepId.KNOWN_GOOD, StepId.PINNED, StepId.BILL_TO)


@dataclass(frozen=True)
class Evidence:
    step_id: StepId
    fact: str  # the words only: the mark and the HTTP status are drawn from `status` and `http_status`
    http_status: int | None = None
    request_id: str | None = None
    status: StepStatus | None = None

    @property
    def line(self) -> str:
        """Mark, HTTP status, fact: how the text views (terminal, JSON's `fact`, bundle) draw it."""
        return " ".join(part for part in (MARKS[self.status] if self.status else "",
                                          str(self.http_status) if self.http_status else "", self.fact) if part)


class Hint(str):
    """A next step said for where it is read. As a string it is the command line's form, which names
    flags (`--bill-to ORG`): the terminal report, JSON and the bundle print it as it is. `app` is the
    app's form, which names panes and keys: `{action.id}` in it stands for that action's current key
    (e.g. `{app.focus_provider}`), filled in by the app from its action table."""

    app: str

    def __new__(cls, cli: str, app: str | None = None) -> Hint:
        hint = super().__new__(cls, cli)
        hint.app = cli if app is None else app
        return hint


@dataclass(frozen=True)
class Finding:
    summary: str
    evidence: tuple[Evidence, ...]
    next_steps: tuple[str, ...]  # a plain str reads the same everywhere; a Hint has an app form
    seed_case: str | None = None  # needed only when the case has more than one seed letter


class Facts:
    """Read-only view of one run's results that the rules ask questions of."""

    def __init__(self, inputs: PlanInputs, results: Mapping[str, StepResult], account: Account | None,
                 providers: list[ProviderOption]) -> None:
        self.inputs = inputs
        self.results = results
        self.account = account
        self.providers = providers

    @property
    def token(self) -> TokenCandidate | None:
        return self.inputs.token

    @property
    def model(self) -> ModelRef:
        return self.inputs.model

    def status(self, step_id: StepId) -> StepStatus | None:
        result = self.results.get(step_id)
        return result.status if result else None

    def outcome(self, step_id: StepId) -> Outcome | None:
        result = self.results.get(step_id)
        if result is None or result.exchange is None or not result.status.done or result.status is StepStatus.SKIPPED:
            return None
        return classify(result.exchange)

    def ok(self, step_id: StepId) -> bool:
        return self.status(step_id) is StepStatus.OK

    def failed(self, step_id: StepId) -> bool:
        status = self.status(step_id)
        return status is not None and status.failed

    def chat_outcomes(self) -> dict[StepId, Outcome]:
        return {sid: o for sid in CHAT_STEPS if (o := self.outcome(sid)) is not None}

    def chat_calls_ok(self) -> bool:
        """The user's call works and no other chat call failed."""
        return self.ok(StepId.AS_CONFIGURED) and not any(self.failed(s) for s in CHAT_STEPS[1:])

    def evidence(self, step_id: StepId, fact: str | None = None) -> Evidence:
        result = self.results[step_id]
        exchange = result.exchange
        return Evidence(StepId(step_id), describe(result) if fact is None else fact,
                        exchange.status if exchange else None, exchange.request_id if exchange else None,
                        result.status)

    @property
    def live_providers(self) -> list[ProviderOption]:
        return [p for p in self.providers if p.live]

    @property
    def providers_known(self) -> bool:
        return self.ok(StepId.CATALOG) or self.ok(StepId.MAPPING)


def describe(result: StepResult) -> str:
    """What a step came to, in words (its mark and HTTP status are drawn beside them)."""
    if result.status is StepStatus.SKIPPED:
        return f"skipped: {result.skip_reason}"
    if result.status is StepStatus.OK:
        return result.title
    if result.status.failed:
        return f"{result.title}: {result.message}"
    return f"{result.title}: {result.status.value}"  # not done yet
