"""The staged plan: a small dependency graph of probes, each changing one variable.

Independent steps start together; a step waits only for the results it reads. Every start and
finish is reported through a callback so a UI can draw the plan live, and any single step can
be run again later with the same inputs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import quote

from hftui.core.hub import (
    DEFAULT_BASELINE,
    DEFAULT_HUB_URL,
    DEFAULT_ROUTER_URL,
    Account,
    ModelRef,
    ProviderOption,
    merge_providers,
    parse_catalog,
    parse_mapping,
    parse_whoami,
)
from hftui.core.probes import Exchange, ProbeSpec, error_message, import_httpx, run_probe
from hftui.core.redact import Redactor
from hftui.core.status import StepStatus
from hftui.core.tokens import TokenCandidate

if TYPE_CHECKING:
    import httpx

CHAT_PROMPT = "Reply with exactly OK"
CHAT_MAX_TOKENS = 8
MAX_BILL_TO_ORGS = 3


@dataclass(frozen=True)
class PlanInputs:
    model: ModelRef
    token: TokenCandidate | None
    baseline: ModelRef = field(default_factory=lambda: ModelRef.parse(DEFAULT_BASELINE))
    bill_to: str | None = None
    router_url: str = DEFAULT_ROUTER_URL
    hub_url: str = DEFAULT_HUB_URL
    timeout: float = 15.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "router_url", self.router_url.rstrip("/"))
        object.__setattr__(self, "hub_url", self.hub_url.rstrip("/"))


@dataclass(frozen=True)
class StepResult:
    step_id: str
    title: str
    status: StepStatus = StepStatus.PENDING
    exchange: Exchange | None = None
    attempts: tuple[tuple[str, Exchange], ...] = ()  # (label, exchange) when a step tries several variants
    skip_reason: str | None = None
    note: str | None = None  # why the step chose what it chose, e.g. the provider it pinned
    target: str | None = None  # the model string a chat step sent
    repeats: str | None = None  # the step whose call this one repeated (bill-to)
    run_count: int = 0

    @property
    def http_status(self) -> int | None:
        return self.exchange.status if self.exchange else None

    @property
    def message(self) -> str | None:
        if self.status is StepStatus.SKIPPED:
            return self.skip_reason
        return error_message(self.exchange) if self.exchange else None


@dataclass(frozen=True)
class StepSpec:
    step_id: str
    title: str
    needs: tuple[str, ...]
    purpose: str  # the one variable this step changes, shown to the user


def step_specs(inputs: PlanInputs) -> list[StepSpec]:
    specs = [
        StepSpec("whoami", "whoami on the runtime token", (), "is the exact token valid, whose, and may it call Inference Providers?"),
    ]
    if inputs.token is not None and inputs.token.is_malformed:
        specs.append(StepSpec("whoami-raw", "whoami with the token exactly as the app sends it", (),
                              "does the raw value (whitespace, quotes, Bearer, BOM) break authentication?"))
    specs += [
        StepSpec("catalog", "GET /v1/models (discovery)", (), "which providers the router lists for the model"),
        StepSpec("mapping", "Hub provider mapping", (), "which providers the Hub maps the model to"),
        StepSpec("as-configured", f"chat: {inputs.model}", (), "the call exactly as the app makes it"),
        StepSpec("known-good", f"chat: known-good {inputs.baseline}", (), "does any chat call work for this account?"),
        StepSpec("pinned", f"chat: {inputs.model.repo} pinned to a serving provider", ("catalog", "mapping"),
                 "the same model, without the routing policy"),
        StepSpec("bill-to", "chat: the failing call billed to an organization", ("whoami", "as-configured", "known-good"),
                 "does billing an org (X-HF-Bill-To) change the result?"),
    ]
    return specs


Listener = Callable[[StepResult], None]


class PlanRun:
    """One run of the plan against one set of inputs; keeps every step's latest result."""

    def __init__(self, inputs: PlanInputs, client: httpx.AsyncClient, listener: Listener | None = None,
                 redactor: Redactor | None = None) -> None:
        self.inputs = inputs
        self.client = client
        self.listener = listener
        self.redactor = redactor or Redactor()
        if inputs.token is not None:
            self.redactor.add_token(inputs.token)
        self.specs = {spec.step_id: spec for spec in step_specs(inputs)}
        self.results: dict[str, StepResult] = {
            sid: StepResult(sid, spec.title) for sid, spec in self.specs.items()
        }
        self._done: dict[str, asyncio.Event] = {}

    # -- running ---------------------------------------------------------------------------

    async def run_all(self) -> dict[str, StepResult]:
        self._done = {sid: asyncio.Event() for sid in self.specs}
        async with asyncio.TaskGroup() as group:
            for sid in self.specs:
                group.create_task(self._run_when_ready(sid))
        return dict(self.results)

    async def run_step(self, step_id: str) -> StepResult:
        """Run one step again with the current results of what it needs; nothing else re-runs."""
        if step_id not in self.specs:
            raise KeyError(step_id)
        return await self._execute(step_id)

    async def _run_when_ready(self, step_id: str) -> None:
        try:
            for need in self.specs[step_id].needs:
                await self._done[need].wait()
            await self._execute(step_id)
        finally:
            self._done[step_id].set()

    async def _execute(self, step_id: str) -> StepResult:
        previous = self.results[step_id]
        running = replace(previous, status=StepStatus.RUNNING, run_count=previous.run_count + 1)
        self._publish(running)
        if self.inputs.token is None and step_id != "catalog":  # the catalog is the one call without a token
            result = _skip(running, "no token found in any source")
        else:
            result = await _RUNNERS[step_id](self, running)
        self._publish(result)
        return result

    def _publish(self, result: StepResult) -> None:
        self.results[result.step_id] = result
        if self.listener is not None:
            self.listener(result)

    # -- what steps need -------------------------------------------------------------------

    def auth_headers(self, raw: bool = False) -> tuple[tuple[str, str], ...]:
        token = self.inputs.token
        if token is None:
            return ()
        return (("Authorization", f"Bearer {token.raw if raw else token.cleaned}"),)

    def chat_spec(self, model: str, bill_to: str | None = None) -> ProbeSpec:
        headers = self.auth_headers()
        if bill_to:
            headers += (("X-HF-Bill-To", bill_to),)
        return ProbeSpec("POST", f"{self.inputs.router_url}/v1/chat/completions", headers,
                         {"model": model, "messages": [{"role": "user", "content": CHAT_PROMPT}],
                          "max_tokens": CHAT_MAX_TOKENS, "stream": False})

    async def probe(self, spec: ProbeSpec) -> Exchange:
        return await run_probe(self.client, spec, self.redactor, self.inputs.timeout)

    @property
    def account(self) -> Account | None:
        whoami = self.results.get("whoami")
        if whoami and whoami.exchange and whoami.exchange.ok:
            return parse_whoami(whoami.exchange.json)
        return None

    @property
    def providers(self) -> list[ProviderOption]:
        return merge_providers(self._parsed("catalog", lambda body: parse_catalog(body, self.inputs.model.repo)),
                               self._parsed("mapping", parse_mapping))

    def _parsed(self, step_id: str, parse):
        result = self.results.get(step_id)
        if result and result.exchange and result.exchange.ok:
            return parse(result.exchange.json)
        return None


def _finish(step: StepResult, exchange: Exchange, **changes) -> StepResult:
    status = StepStatus.OK if exchange.ok else StepStatus.ERROR if exchange.error else StepStatus.FAILED
    return replace(step, status=status, exchange=exchange, skip_reason=None, **changes)


def _skip(step: StepResult, reason: str) -> StepResult:
    return replace(step, status=StepStatus.SKIPPED, exchange=None, attempts=(), skip_reason=reason, note=None,
                   target=None, repeats=None)


def _shape_note(exchange: Exchange, parsed, unusable: str, empty: str | None = None) -> str | None:
    """A 200 whose body does not have the shape we read is worth saying: it is not what it seems."""
    if not exchange.ok:
        return None
    if parsed is None:
        return f"answered, but {unusable}"
    if empty and not parsed:
        return empty
    return None


async def _whoami(run: PlanRun, step: StepResult) -> StepResult:
    spec = ProbeSpec("GET", f"{run.inputs.hub_url}/api/whoami-v2", run.auth_headers())
    exchange = await run.probe(spec)
    note = _shape_note(exchange, parse_whoami(exchange.json),
                       "not in whoami's shape (no user name): the account is unknown")
    return _finish(step, exchange, note=note)


async def _whoami_raw(run: PlanRun, step: StepResult) -> StepResult:
    spec = ProbeSpec("GET", f"{run.inputs.hub_url}/api/whoami-v2", run.auth_headers(raw=True))
    return _finish(step, await run.probe(spec))


async def _catalog(run: PlanRun, step: StepResult) -> StepResult:
    spec = ProbeSpec("GET", f"{run.inputs.router_url}/v1/models", run.auth_headers())
    exchange = await run.probe(spec)
    repo = run.inputs.model.repo
    note = _shape_note(exchange, parse_catalog(exchange.json, repo),
                       "without a 'data' list of models: the router's providers are unknown",
                       f"the catalog lists no provider for {repo}")
    return _finish(step, exchange, note=note)


async def _mapping(run: PlanRun, step: StepResult) -> StepResult:
    repo = quote(run.inputs.model.repo, safe="/")
    spec = ProbeSpec("GET", f"{run.inputs.hub_url}/api/models/{repo}?expand[]=inferenceProviderMapping",
                     run.auth_headers())
    exchange = await run.probe(spec)
    note = _shape_note(exchange, parse_mapping(exchange.json),
                       "not in a model's shape: the Hub's provider mapping is unknown",
                       f"the Hub maps {run.inputs.model.repo} to no chat provider")
    return _finish(step, exchange, note=note)


async def _as_configured(run: PlanRun, step: StepResult) -> StepResult:
    model = str(run.inputs.model)
    return _finish(step, await run.probe(run.chat_spec(model)), target=model)


async def _known_good(run: PlanRun, step: StepResult) -> StepResult:
    model = str(run.inputs.baseline)
    return _finish(step, await run.probe(run.chat_spec(model)), target=model)


def choose_pinned_provider(model: ModelRef, providers: list[ProviderOption]) -> tuple[str | None, str]:
    """The provider to pin the user's model to, or None with the reason."""
    live = [p for p in providers if p.live]
    if not providers:
        return None, f"no provider is known to serve {model.repo} (catalog and mapping list none)"
    if not live:
        states = ", ".join(f"{p.provider}: {p.status}" for p in providers)
        return None, f"no live provider serves {model.repo} ({states})"
    if model.provider and any(p.provider == model.provider for p in live):
        return None, f"the configured call already pins {model.provider}, which is live for this model"
    # Prefer a provider both sources agree on, then the router's catalog order.
    live.sort(key=lambda p: (not (p.in_catalog and p.in_mapping), not p.in_catalog))
    chosen = live[0]
    return chosen.provider, f"pinned to {chosen.provider} (live in {_where(chosen)})"


def _where(option: ProviderOption) -> str:
    return " and ".join(name for name, flag in (("catalog", option.in_catalog), ("mapping", option.in_mapping)) if flag)


async def _pinned(run: PlanRun, step: StepResult) -> StepResult:
    catalog, mapping = run.results["catalog"], run.results["mapping"]
    if catalog.status is not StepStatus.OK and mapping.status is not StepStatus.OK:
        return _skip(step, "neither the catalog nor the Hub mapping could be read, so no provider is known")
    provider, why = choose_pinned_provider(run.inputs.model, run.providers)
    if provider is None:
        return _skip(step, why)
    model = run.inputs.model.pinned_to(provider)
    return _finish(step, await run.probe(run.chat_spec(model)), note=why, target=model)


def failing_call(inputs: PlanInputs, results: Mapping[str, StepResult]) -> tuple[str, str] | None:
    """(step id, model) of the call bill-to should repeat: one the router answered, the user's own first.
    The bill-to result records it (`repeats`), so what reads the result never works it out again."""
    for step_id, model in (("as-configured", str(inputs.model)), ("known-good", str(inputs.baseline))):
        result = results[step_id]
        if result.status is StepStatus.FAILED:
            return step_id, model
    return None


async def _bill_to(run: PlanRun, step: StepResult) -> StepResult:
    failing = failing_call(run.inputs, run.results)
    if failing is None:
        if any(run.results[s].status is StepStatus.ERROR for s in ("as-configured", "known-good")):
            # Repeating a call that got no answer would only wait out the timeout a second time.
            return _skip(step, "the failing call got no HTTP answer at all, which billing an org cannot change")
        return _skip(step, "no chat call failed, so there is nothing to repeat with org billing")
    if run.inputs.bill_to:
        orgs = [run.inputs.bill_to]
    else:
        account = run.account
        if account is None:
            return _skip(step, "whoami did not answer, so no organization is known (pass --bill-to ORG)")
        orgs = list(account.orgs[:MAX_BILL_TO_ORGS])
        if not orgs:
            return _skip(step, f"{account.name} belongs to no organization to bill (pass --bill-to ORG if one should)")
    step_id, model = failing
    exchanges = await asyncio.gather(*(run.probe(run.chat_spec(model, bill_to=org)) for org in orgs))
    attempts = tuple(zip(orgs, exchanges))
    best = next((pair for pair in attempts if pair[1].ok), attempts[0])
    note = f"repeated {step_id} ({model}) with X-HF-Bill-To: {best[0]}"
    if len(orgs) > 1:
        note += f" (tried {', '.join(orgs)})"
    return _finish(step, best[1], attempts=attempts, note=note, target=model, repeats=step_id)


_RUNNERS: dict[str, Callable[[PlanRun, StepResult], Awaitable[StepResult]]] = {
    "whoami": _whoami,
    "whoami-raw": _whoami_raw,
    "catalog": _catalog,
    "mapping": _mapping,
    "as-configured": _as_configured,
    "known-good": _known_good,
    "pinned": _pinned,
    "bill-to": _bill_to,
}


def make_client(timeout: float) -> httpx.AsyncClient:
    """The one client every probe shares: connection reuse makes the plan's round trips cheap."""
    httpx = import_httpx()

    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        # run_probe follows redirects itself, within the probe's own origin only: the token is for the
        # configured Hub and router, never for wherever a 3xx points. TLS is verified (httpx's default;
        # SSL_CERT_FILE / SSL_CERT_DIR name a CA bundle, there is no switch to turn it off).
        follow_redirects=False,
        headers={"User-Agent": "hftui"},
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
    )
