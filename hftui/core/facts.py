"""What the rules ask of one run (Facts), and what they answer with (Finding, citing Evidence).

Evidence carries the step's status; the views draw its mark from it (`Evidence.line`), so no fact
is written with a pre-drawn "✓ 200".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from functools import cached_property

from hftui.core.billto import OrgAttempt, Reading, read_attempts
from hftui.core.hub import Account, ModelRef, ProviderOption
from hftui.core.outcomes import Outcome, classify
from hftui.core.plan import PlanInputs, StepResult
from hftui.core.status import MARKS, StepStatus
from hftui.core.steps import StepId, catalog_providers, mapping_providers
from hftui.core.sweep import SweepRoute
from hftui.core.tokens import TokenCandidate

CHAT_STEPS = (StepId.AS_CONFIGURED, StepId.KNOWN_GOOD, StepId.PINNED, StepId.BILL_TO)
USER_CALLS = CHAT_STEPS[:3]  # billed to the user: what the user's own token and account get
# Answers only a router that authenticated the token gives: whatever whoami says, the token works there
# (and a routing 400: the router read the user's enabled providers).
PAST_AUTHENTICATION = (Outcome.OK, Outcome.CREDITS, Outcome.NO_INFERENCE_PERMISSION)


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


# Where the app's user picks a provider or an org: the Provider pane, by its current key (a Hint's app form).
ROUTE_LIST = "the Route list (Provider pane, {app.focus_provider})"
BILL_TO_LIST = "Bill to (Provider pane, {app.focus_provider})"


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

    def any_chat_ok(self) -> bool:
        """A chat call answered 2xx: the token works on the router, whatever was read from whoami."""
        return any(self.ok(s) for s in CHAT_STEPS)

    def router_accepted_token(self) -> bool:
        """Some chat call got an answer only an authenticated call gets (2xx, 402, a permission 403,
        a routing 400): the router knows the token."""
        return any(outcome in PAST_AUTHENTICATION or (outcome is Outcome.MODEL_NOT_SUPPORTED
                                                      and self.results[sid].http_status == 400)
                   for sid, outcome in self.chat_outcomes().items())

    def user_outcomes(self) -> dict[StepId, Outcome]:
        """The outcomes of the calls billed to the user (bill-to excluded)."""
        return {sid: o for sid, o in self.chat_outcomes().items() if sid in USER_CALLS}

    @cached_property
    def bill_to(self) -> tuple[OrgAttempt, ...]:
        """Each X-HF-Bill-To attempt, read against whoami: worked, refused, really tried, or other."""
        result = self.results.get(StepId.BILL_TO)
        if result is None or result.status is StepStatus.SKIPPED:
            return ()
        return read_attempts(result.attempts, self.account)

    def bill_to_read(self, reading: Reading) -> list[OrgAttempt]:
        return [attempt for attempt in self.bill_to if attempt.reading is reading]

    @cached_property
    def catalog_read(self) -> bool:
        """The catalog answered and its body was read (not cut, in its shape)."""
        return catalog_providers(self.inputs, self.results) is not None

    @cached_property
    def mapping_read(self) -> bool:
        return mapping_providers(self.results) is not None

    def evidence(self, step_id: StepId, fact: str | None = None) -> Evidence:
        result = self.results[step_id]
        exchange = result.exchange
        return Evidence(StepId(step_id), describe(result) if fact is None else fact,
                        exchange.status if exchange else None, exchange.request_id if exchange else None,
                        result.status)

    @property
    def live_providers(self) -> list[ProviderOption]:
        """Live, still in routing (a mapping may list a removed provider as live), and a name one can pin."""
        return [p for p in self.providers if p.live and not p.removed and p.pinnable]

    @cached_property
    def sweep(self) -> tuple[SweepRoute, ...]:
        """The sweep's routes, one per provider (none: the sweep was not asked for, or did not run)."""
        result = self.results.get(StepId.SWEEP)
        return result.routes if result is not None and result.status.done else ()

    @property
    def providers_known(self) -> bool:
        """The catalog or the mapping was read: an unreadable answer is "unknown", never "no provider"."""
        return self.catalog_read or self.mapping_read


def describe(result: StepResult) -> str:
    """What a step came to, in words (its mark and HTTP status are drawn beside them)."""
    if result.status is StepStatus.SKIPPED:
        return f"skipped: {result.skip_reason}"
    if result.status is StepStatus.OK:
        return result.title
    if result.status.failed:
        return f"{result.title}: {result.message}"
    return f"{result.title}: {result.status.value}"  # not done yet
