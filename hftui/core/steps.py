"""Every probe step, declared once: its id, title, purpose, what it needs, whether it needs a token,
when it applies, and the runner that makes its call. The scheduler (`plan`) reads nothing else.

To add a step: one `Step(...)` in STEPS with its runner beside it, then its use in the verdict
(`rules`) and a simulator scenario; tests/core/test_structure.py says what is missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote

from hftui.core.approute import RouteKind, picked
from hftui.core.hub import Account, ModelRef, ProviderOption, merge_providers, parse_catalog, parse_mapping, parse_whoami
from hftui.core.probes import EVIDENCE_BODY_CAP_BYTES, Exchange, ProbeSpec
from hftui.core.status import StepStatus

if TYPE_CHECKING:
    from hftui.core.plan import PlanInputs, PlanRun, StepResult

CHAT_PROMPT = "Reply with exactly OK"
CHAT_MAX_TOKENS = 8
MAX_BILL_TO_ORGS = 20  # orgs billed in one run (those that can pay first); the rest are listed as not tried
BILL_TO_CONCURRENCY = 8  # of those, how many calls are in flight at once
TOKEN_CHECK_CONCURRENCY = 6  # whoami is strictly rate-limited: the other tokens are asked about a few at a time
MAX_TOKEN_CHECKS = 20


class StepId(StrEnum):
    """A step's id: the same string on screen, in JSON, in `--curl STEP` and in the bundle."""

    WHOAMI = "whoami"
    WHOAMI_RAW = "whoami-raw"
    CATALOG = "catalog"
    MAPPING = "mapping"
    AS_CONFIGURED = "as-configured"
    KNOWN_GOOD = "known-good"
    PINNED = "pinned"
    BILL_TO = "bill-to"
    TOKEN_CHECKS = "token-checks"
    APP_ROUTE = "app-route"
    STREAM = "stream"
    SWEEP = "sweep"


Runner = Callable[["PlanRun", "StepResult"], Awaitable["StepResult"]]


@dataclass(frozen=True)
class Step:
    """One probe step, as declared: everything the scheduler, the views and the tests know of it."""

    id: StepId
    title: str  # may name {model}, {repo} or {baseline}: filled in from the inputs
    purpose: str  # the one variable this step changes, shown to the user
    run: Runner
    needs: tuple[StepId, ...] = ()  # steps whose results it reads: it starts once they are done
    needs_token: bool = True  # without a token it is skipped, not sent
    applies: Callable[[PlanInputs], bool] | None = None  # None: in every plan

    def planned(self, inputs: PlanInputs) -> StepSpec:
        return StepSpec(self, self.title.format(model=inputs.model, repo=inputs.model.repo, baseline=inputs.baseline))


@dataclass(frozen=True)
class StepSpec:
    """A declared step as planned for one set of inputs: its title filled in."""

    step: Step
    title: str

    @property
    def step_id(self) -> StepId:
        return self.step.id

    @property
    def purpose(self) -> str:
        return self.step.purpose

    @property
    def needs(self) -> tuple[StepId, ...]:
        return self.step.needs


class TokenCheck(NamedTuple):
    """whoami asked about one other distinct token; `sources` all hold it (the first is the one sent)."""

    sources: tuple[str, ...]
    suffix: str
    exchange: Exchange


class BillToAttempt(NamedTuple):
    """The failing call repeated with `X-HF-Bill-To: org`."""

    org: str
    exchange: Exchange


# -- the steps' calls ----------------------------------------------------------------------------

def auth_headers(inputs: PlanInputs, raw: bool = False) -> tuple[tuple[str, str], ...]:
    token = inputs.token
    if token is None:
        return ()
    return (("Authorization", f"Bearer {token.raw if raw else token.cleaned}"),)


def chat_spec(inputs: PlanInputs, model: str, bill_to: str | None = None, stream: bool = False) -> ProbeSpec:
    headers = auth_headers(inputs)
    if bill_to:
        headers += (("X-HF-Bill-To", bill_to),)
    return ProbeSpec("POST", f"{inputs.router_url}/v1/chat/completions", headers,
                     {"model": model, "messages": [{"role": "user", "content": CHAT_PROMPT}],
                      "max_tokens": CHAT_MAX_TOKENS, "stream": stream}, stream=stream)


def account_of(results: Mapping[str, StepResult]) -> Account | None:
    """Whose token it is, from whoami's answer; None until whoami has answered 2xx in its shape."""
    whoami = results.get(StepId.WHOAMI)
    if whoami and whoami.exchange and whoami.exchange.ok:
        return parse_whoami(whoami.exchange.json)
    return None


def catalog_providers(inputs: PlanInputs, results: Mapping[str, StepResult]) -> list[ProviderOption] | None:
    """What the router's catalog lists for the user's model; None when the catalog was not read (no 2xx,
    or a body that was cut or is not the catalog's shape): unknown, which is not "no provider"."""
    return _read(results, StepId.CATALOG, lambda body: parse_catalog(body, inputs.model.repo))


def mapping_providers(results: Mapping[str, StepResult]) -> list[ProviderOption] | None:
    """What the Hub maps the user's model to, in the user's order; None when the mapping was not read."""
    return _read(results, StepId.MAPPING, parse_mapping)


def _read(results: Mapping[str, StepResult], step_id: StepId, parse):
    result = results.get(step_id)
    return parse(result.exchange.json) if result and result.exchange and result.exchange.ok else None


def providers_of(inputs: PlanInputs, results: Mapping[str, StepResult]) -> list[ProviderOption]:
    """The providers of the user's model, from the catalog and the Hub mapping, as far as they were read."""
    return merge_providers(catalog_providers(inputs, results), mapping_providers(results))


def _shape_note(exchange: Exchange, parsed, unusable: str, empty: str | None = None) -> str | None:
    """A 200 whose body cannot be read, or does not have the shape we read, is worth saying: it is not
    what it seems, and what it would have said is unknown (never "none")."""
    if not exchange.ok:
        return None
    if parsed is None:
        response = exchange.response
        if response is not None and (response.truncated or exchange.json is None):
            return f"answered, but could not read it ({response.note or 'empty body'}): {unusable.split(': ', 1)[-1]}"
        return f"answered, but could not read it: {unusable}"
    if empty and not parsed:
        return empty
    return None


async def _whoami(run: PlanRun, step: StepResult) -> StepResult:
    exchange = await run.probe(ProbeSpec("GET", f"{run.inputs.hub_url}/api/whoami-v2", auth_headers(run.inputs)))
    note = _shape_note(exchange, parse_whoami(exchange.json),
                       "not in whoami's shape (no user name): the account is unknown")
    return step.finished(exchange, note=note)


async def _whoami_raw(run: PlanRun, step: StepResult) -> StepResult:
    spec = ProbeSpec("GET", f"{run.inputs.hub_url}/api/whoami-v2", auth_headers(run.inputs, raw=True))
    return step.finished(await run.probe(spec))


async def _catalog(run: PlanRun, step: StepResult) -> StepResult:
    exchange = await run.probe(ProbeSpec("GET", f"{run.inputs.router_url}/v1/models", auth_headers(run.inputs),
                                         body_cap=EVIDENCE_BODY_CAP_BYTES))
    repo = run.inputs.model.repo
    note = _shape_note(exchange, parse_catalog(exchange.json, repo),
                       "without a 'data' list of models: the router's providers are unknown",
                       f"the catalog lists no provider for {repo}")
    return step.finished(exchange, note=note)


async def _mapping(run: PlanRun, step: StepResult) -> StepResult:
    repo = quote(run.inputs.model.repo, safe="/")
    spec = ProbeSpec("GET", f"{run.inputs.hub_url}/api/models/{repo}?expand[]=inferenceProviderMapping",
                     auth_headers(run.inputs), body_cap=EVIDENCE_BODY_CAP_BYTES)
    exchange = await run.probe(spec)
    note = _shape_note(exchange, parse_mapping(exchange.json),
                       "not in a model's shape: the Hub's provider mapping is unknown",
                       f"the Hub maps {run.inputs.model.repo} to no chat provider")
    return step.finished(exchange, note=note)


async def _as_configured(run: PlanRun, step: StepResult) -> StepResult:
    model = str(run.inputs.model)
    return step.finished(await run.probe(chat_spec(run.inputs, model)), target=model)


async def _known_good(run: PlanRun, step: StepResult) -> StepResult:
    model = str(run.inputs.baseline)
    return step.finished(await run.probe(chat_spec(run.inputs, model)), target=model)


def choose_pinned_provider(model: ModelRef, providers: list[ProviderOption],
                           avoid: tuple[str, ...] = ()) -> tuple[str | None, str]:
    """The provider to pin the user's model to, or None with the reason.

    Only a live provider still in routing; one the catalog marks live first, hf-inference last; never
    one in `avoid` (the provider the failing call used, or the one it pinned) while another is live.
    The provider the failing call was routed to is still tried when it is the only one left: pinned,
    without the routing policy, it may answer differently (seed case B).
    """
    live = [p for p in providers if p.live and not p.removed and p.pinnable]
    if not providers:
        return None, f"no provider is known to serve {model.repo} (catalog and mapping list none)"
    if not live:
        states = ", ".join(f"{p.provider}: {_state(p)}" for p in providers[:20])
        return None, f"no live provider serves {model.repo} ({states})"
    # Prefer a provider both sources agree on, then one the router's catalog lists; hf-inference last
    # (CPU-focused since 2025-07: a mapping may still list it for an LLM it no longer serves).
    live.sort(key=lambda p: (not (p.in_catalog and p.in_mapping), not p.in_catalog, p.provider == "hf-inference"))
    avoided = {name.lower() for name in avoid}
    others = [p for p in live if p.provider.lower() not in avoided]
    if others:
        chosen = others[0]
        why = f"pinned to {chosen.provider} (live in {_where(chosen)})"
        return chosen.provider, why + (f"; not {', '.join(sorted(avoided))}, which the failing call used"
                                       if avoided & {p.provider.lower() for p in live} else "")
    if model.provider and model.provider in avoided:
        return None, f"the configured call already pins {model.provider}, the only live provider for {model.repo}"
    chosen = live[0]
    return chosen.provider, f"pinned to {chosen.provider}, the only live provider (the one the failing call used)"


def _state(option: ProviderOption) -> str:
    if option.removed:
        return "removed from routing"
    return option.status if option.pinnable else "not a provider name a model can be pinned to"


def _where(option: ProviderOption) -> str:
    return " and ".join(name for name, flag in (("catalog", option.in_catalog), ("mapping", option.in_mapping)) if flag)


def routed_provider(result: StepResult | None) -> str | None:
    """The provider the router says served (or failed) a chat call: its x-inference-provider header."""
    exchange = result.exchange if result else None
    value = exchange.response.header("x-inference-provider") if exchange and exchange.response else None
    return value.strip() or None if value else None


async def _pinned(run: PlanRun, step: StepResult) -> StepResult:
    if catalog_providers(run.inputs, run.results) is None and mapping_providers(run.results) is None:
        return step.skipped("neither the catalog nor the Hub mapping could be read, so no provider is known")
    model, configured = run.inputs.model, run.results.get(StepId.AS_CONFIGURED)
    if configured is not None and configured.status is StepStatus.OK and model.provider:
        return step.skipped(f"the configured call already pins {model.provider}, and it answered")
    if configured is not None and configured.status is StepStatus.ERROR:
        return step.skipped("the configured call got no HTTP answer at all: a pinned call after it would wait out "
                            "the timeout a second time (the known-good call tells the router from the provider)")
    failed = configured is not None and configured.status.failed
    avoid = tuple(name for name in (routed_provider(configured), model.provider if failed else None) if name)
    provider, why = choose_pinned_provider(model, providers_of(run.inputs, run.results), avoid if failed else ())
    if provider is None:
        return step.skipped(why)
    target = model.pinned_to(provider)
    return step.finished(await run.probe(chat_spec(run.inputs, target)), note=why, target=target)


_REPEATABLE = (StepId.AS_CONFIGURED, StepId.KNOWN_GOOD)  # the user's own call first


def failing_call(inputs: PlanInputs, results: Mapping[str, StepResult]) -> tuple[StepId, str] | None:
    """(step id, model) of the call bill-to should repeat: one the router answered, the user's own first.
    The bill-to result records it (`repeats`), so what reads the result never works it out again."""
    for step_id, model in zip(_REPEATABLE, (str(inputs.model), str(inputs.baseline))):
        if results[step_id].status is StepStatus.FAILED:
            return step_id, model
    return None


def bill_to_orgs(inputs: PlanInputs, account: Account | None) -> tuple[list[str], tuple[tuple[str, str], ...]]:
    """(the orgs to bill, in order; the orgs not billed, each with why). --bill-to names one org; else every
    org whoami lists, those that can pay (canPay or Enterprise) first, up to MAX_BILL_TO_ORGS."""
    if inputs.bill_to:
        others = [org for org in account.orgs if org != inputs.bill_to] if account else []
        return [inputs.bill_to], tuple((org, f"--bill-to names {inputs.bill_to}") for org in others)
    if account is None:
        return [], ()
    ordered = sorted(account.org_details, key=lambda org: org.could_pay is not True)
    tried = [org.name for org in ordered[:MAX_BILL_TO_ORGS]]
    rest = tuple((org.name, f"only {MAX_BILL_TO_ORGS} orgs are billed in one run, those that can pay first "
                            f"(pass --bill-to {org.name})") for org in ordered[MAX_BILL_TO_ORGS:])
    return tried, rest


async def _bill_to(run: PlanRun, step: StepResult) -> StepResult:
    failing = failing_call(run.inputs, run.results)
    if failing is None:
        if any(run.results[s].status is StepStatus.ERROR for s in _REPEATABLE):
            # Repeating a call that got no answer would only wait out the timeout a second time.
            return step.skipped("the failing call got no HTTP answer at all, which billing an org cannot change")
        return step.skipped("no chat call failed, so there is nothing to repeat with org billing")
    account = account_of(run.results)
    if not run.inputs.bill_to and account is None:
        return step.skipped("whoami did not answer, so no organization is known (pass --bill-to ORG)")
    orgs, not_tried = bill_to_orgs(run.inputs, account)
    if not orgs:
        return step.skipped(f"{account.name} belongs to no organization to bill (pass --bill-to ORG if one should)")
    step_id, model = failing
    gate = asyncio.Semaphore(BILL_TO_CONCURRENCY)

    async def billed(org: str) -> Exchange:
        async with gate:
            return await run.probe(chat_spec(run.inputs, model, bill_to=org))

    exchanges = await asyncio.gather(*(billed(org) for org in orgs))
    attempts = tuple(BillToAttempt(org, exchange) for org, exchange in zip(orgs, exchanges))
    best = next((attempt for attempt in attempts if attempt.exchange.ok), attempts[0])
    note = f"repeated {step_id} ({model}) with X-HF-Bill-To: {best.org}"
    if len(orgs) > 1:
        note += " (tried, those that can pay first: " + ", ".join(
            f"{attempt.org} {attempt.exchange.status or 'no answer'}" for attempt in attempts) + ")"
    if not_tried:
        note += f"; not tried: {', '.join(org for org, _ in not_tried)} ({not_tried[0][1]})"
    return step.finished(best.exchange, attempts=attempts, note=note, target=model, repeats=step_id,
                         orgs_not_tried=not_tried)


async def _token_checks(run: PlanRun, step: StepResult) -> StepResult:
    groups: dict[str, list] = {}
    tested = run.inputs.token.cleaned if run.inputs.token is not None else None
    for candidate in run.inputs.other_tokens:
        if candidate.cleaned and candidate.cleaned != tested:
            groups.setdefault(candidate.cleaned, []).append(candidate)
    checked = list(groups.values())[:MAX_TOKEN_CHECKS]
    gate = asyncio.Semaphore(TOKEN_CHECK_CONCURRENCY)

    async def check(candidate) -> Exchange:
        async with gate:
            headers = (("Authorization", f"Bearer {candidate.cleaned}"),)
            return await run.probe(ProbeSpec("GET", f"{run.inputs.hub_url}/api/whoami-v2", headers))

    exchanges = await asyncio.gather(*(check(group[0]) for group in checked))
    checks = tuple(TokenCheck(tuple(c.source for c in group), group[0].suffix, exchange)
                   for group, exchange in zip(checked, exchanges))
    worst = next((c.exchange for c in checks if not c.exchange.ok), checks[0].exchange)
    said = "; ".join(f"{c.sources[0]} {c.suffix}: {c.exchange.status or 'no answer'}" for c in checks)
    more = f"; {len(groups) - len(checked)} more not checked" if len(groups) > len(checked) else ""
    return step.finished(worst, token_checks=checks, note=f"whoami on each other token: {said}{more}")


def _has_other_tokens(inputs: PlanInputs) -> bool:
    tested = inputs.token.cleaned if inputs.token is not None else None
    return any(c.cleaned and c.cleaned != tested for c in inputs.other_tokens)


def app_route_of(inputs: PlanInputs, results: Mapping[str, StepResult]):
    """The app's route as sent: an old client's provider pick made from the Hub mapping (its first
    entry, whatever its status); None when that pick cannot be known (the mapping was not read)."""
    route = inputs.app_route
    if route is not None and route.kind is RouteKind.PROVIDER and route.provider is None:
        mapping = mapping_providers(results)
        return picked(route, mapping[0].provider) if mapping else None
    return route


async def _app_route(run: PlanRun, step: StepResult) -> StepResult:
    route = app_route_of(run.inputs, run.results)
    if route is None:
        return step.skipped("the Hub mapping could not be read, so the provider that client would pick is unknown")
    repo = route.repo or run.inputs.model.repo
    model = str(run.inputs.model) if route.kind in (RouteKind.ROUTER, RouteKind.UNKNOWN) else repo
    option = next((p for p in providers_of(run.inputs, run.results) if p.provider == route.provider), None)
    if route.sends_provider_id and option is not None and option.provider_id:
        model = option.provider_id
    spec = ProbeSpec("POST", route.request_url(repo), auth_headers(run.inputs),
                     {"model": model, "messages": [{"role": "user", "content": CHAT_PROMPT}],
                      "max_tokens": CHAT_MAX_TOKENS, "stream": False})
    pick = (f"; the client picked {route.provider}, first in the Hub mapping ({option.status if option else '?'})"
            if run.inputs.app_route.provider is None and route.provider else "")
    return step.finished(await run.probe(spec), note=f"{route.origin}: {route.kind.words}{pick}", target=model)


def _has_app_route(inputs: PlanInputs) -> bool:
    return inputs.app_route is not None


async def _stream(run: PlanRun, step: StepResult) -> StepResult:
    from hftui.core.streaming import check_stream  # only a run asked to stream loads what reads a stream

    model = str(run.inputs.model)
    exchange = await run.probe(chat_spec(run.inputs, model, stream=True))
    check = check_stream(exchange, run.inputs.timeout)
    result = step.finished(exchange, target=model, stream=check, note=None if check.failed else check.line)
    return replace(result, status=StepStatus.FAILED) if check.failed and exchange.ok else result


async def _sweep(run: PlanRun, step: StepResult) -> StepResult:
    from hftui.core.sweep import fastest, left_out_note, sweep, sweepable
    from hftui.core.sweep import summary as sweep_summary

    providers = providers_of(run.inputs, run.results)
    if not providers:
        known = catalog_providers(run.inputs, run.results) is not None or mapping_providers(run.results) is not None
        return step.skipped(f"no provider is known to serve {run.inputs.model.repo} (catalog and mapping list none)"
                            if known else "neither the catalog nor the Hub mapping could be read, so no provider is known")
    routes = await sweep(providers, lambda provider: run.probe(chat_spec(run.inputs, run.inputs.model.pinned_to(provider))))
    called = [route for route in routes if route.exchange is not None]
    note = "; ".join(part for part in (sweep_summary(routes), left_out_note(sweepable(providers)[1])) if part)
    if not called:
        return replace(step.skipped(note), routes=routes)
    best = fastest(routes) or called[0]
    return step.finished(best.exchange, routes=routes, note=note, target=str(run.inputs.model.repo))


def _asked(flag: str) -> Callable[[PlanInputs], bool]:
    return lambda inputs: getattr(inputs, flag)


def _token_is_malformed(inputs: PlanInputs) -> bool:
    return inputs.token is not None and inputs.token.is_malformed


STEPS: tuple[Step, ...] = (
    Step(StepId.WHOAMI, "whoami on the runtime token",
         "is the exact token valid, whose, and may it call Inference Providers?", _whoami),
    Step(StepId.WHOAMI_RAW, "whoami with the token exactly as the app sends it",
         "does the raw value (whitespace, quotes, Bearer, BOM) break authentication?", _whoami_raw,
         applies=_token_is_malformed),
    Step(StepId.CATALOG, "GET /v1/models (discovery)", "which providers the router lists for the model", _catalog,
         needs_token=False),  # the one call that means something without a token
    Step(StepId.MAPPING, "Hub provider mapping", "which providers the Hub maps the model to", _mapping),
    Step(StepId.AS_CONFIGURED, "chat: {model}", "the call exactly as the app makes it", _as_configured),
    Step(StepId.KNOWN_GOOD, "chat: known-good {baseline}", "does any chat call work for this account?", _known_good),
    # It waits for the user's call too: the provider that call was routed to is the one not to pin.
    Step(StepId.PINNED, "chat: {repo} pinned to a serving provider", "the same model, without the routing policy",
         _pinned, needs=(StepId.CATALOG, StepId.MAPPING, StepId.AS_CONFIGURED)),
    Step(StepId.BILL_TO, "chat: the failing call billed to an organization",
         "does billing an org (X-HF-Bill-To) change the result?", _bill_to,
         needs=(StepId.WHOAMI, StepId.AS_CONFIGURED, StepId.KNOWN_GOOD)),
    Step(StepId.TOKEN_CHECKS, "whoami on every other token the app could read",
         "is each other source's token valid, whose, may it call Inference Providers?", _token_checks,
         applies=_has_other_tokens),
    Step(StepId.APP_ROUTE, "chat: the route the app posts to",
         "the same call on the app's own route, as its client sends it", _app_route,
         needs=(StepId.CATALOG, StepId.MAPPING), applies=_has_app_route),
    Step(StepId.STREAM, "chat: {model}, streamed", "the same call with stream: true, read as SSE to its end",
         _stream, applies=_asked("stream")),
    Step(StepId.SWEEP, "chat: {repo} on every provider that serves it",
         "which providers work right now (one real, billed 8-token call each)", _sweep,
         needs=(StepId.CATALOG, StepId.MAPPING), applies=_asked("sweep")),
)


def step_specs(inputs: PlanInputs) -> list[StepSpec]:
    """The plan for these inputs: every declared step that applies, in declaration order."""
    return [step.planned(inputs) for step in STEPS if step.applies is None or step.applies(inputs)]
