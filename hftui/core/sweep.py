"""The provider sweep: the user's model pinned to every provider that serves it, all at once.

Which providers to call (catalog ∪ mapping: live first, then the others still in routing; those removed
from routing are listed, never called), the calls themselves (concurrent, at most SWEEP_CONCURRENCY in
flight), and what they say together: which work, the fastest and the cheapest of those, the best for
the user's routing policy. Each call is a real, billed chat call of CHAT_MAX_TOKENS tokens.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hftui.core.hub import ProviderOption
from hftui.core.outcomes import error_message
from hftui.core.printable import printable
from hftui.core.probes import Exchange

SWEEP_CONCURRENCY = 8  # calls in flight at once
# Each call is billed: a catalog that lists more providers for one model than the router has (about 20)
# is broken or hostile, and must not make the sweep hundreds of billed calls and minutes long.
SWEEP_LIMIT = 40
REMOVED = "removed"


@dataclass(frozen=True)
class SweepRoute:
    """One provider of the sweep: what the catalog says of it, and its call (None: removed, not called)."""

    option: ProviderOption
    exchange: Exchange | None = None

    @property
    def provider(self) -> str:
        return self.option.provider

    @property
    def status(self) -> str:
        """ok · failed (an HTTP answer that is not 2xx) · error (no HTTP answer) · removed (not called)."""
        if self.exchange is None:
            return REMOVED
        return "ok" if self.exchange.ok else "error" if self.exchange.error else "failed"

    @property
    def works(self) -> bool:
        return self.status == "ok"

    @property
    def http_status(self) -> int | None:
        return self.exchange.status if self.exchange else None

    @property
    def ttfb_ms(self) -> float | None:
        return self.exchange.ttfb_ms if self.exchange else None

    @property
    def elapsed_ms(self) -> float | None:
        return self.exchange.elapsed_ms if self.exchange else None

    @property
    def speed_ms(self) -> float:
        """What "fastest" compares: the time to first byte, else the whole call; unknown is slowest."""
        value = self.ttfb_ms if self.ttfb_ms is not None else self.elapsed_ms
        return float("inf") if value is None else value

    @property
    def error(self) -> str | None:
        """The provider's own error in a few words, inert (the exchange is already redacted)."""
        if self.exchange is None:
            return "removed from Inference Providers routing: not called"
        said = error_message(self.exchange)
        return printable(said)[:120] if said else None

    def to_dict(self) -> dict[str, Any]:
        option = self.option
        pricing = (None if option.input_price is None and option.output_price is None
                   else {"input": option.input_price, "output": option.output_price})
        return {"provider": self.provider, "status": self.status, "http_status": self.http_status,
                "ttfb_ms": self.ttfb_ms, "elapsed_ms": self.elapsed_ms, "pricing": pricing,
                "context_length": option.context_length, "error": self.error,
                "request_id": self.exchange.request_id if self.exchange else None}


def sweep_order(providers: Sequence[ProviderOption]) -> list[ProviderOption]:
    """Live first, then the others still in routing (staging, error: they may answer), removed last."""
    return sorted(providers, key=lambda p: (p.removed, not p.live))


def sweepable(providers: Sequence[ProviderOption]) -> tuple[list[ProviderOption], list[ProviderOption]]:
    """(swept, left out): the providers the sweep lists in sweep order, at most SWEEP_LIMIT called; a name
    that cannot be pinned (`preferred`, one with a space) is left out, never called."""
    swept, left_out, calls = [], [], 0
    for option in sweep_order(providers):
        if not option.pinnable or (not option.removed and calls >= SWEEP_LIMIT):
            left_out.append(option)
            continue
        swept.append(option)
        calls += not option.removed
    return swept, left_out


def left_out_note(left_out: Sequence[ProviderOption]) -> str:
    """Why the sweep did not call some providers the catalog or the mapping lists, in a few words."""
    odd = [option.provider for option in left_out if not option.pinnable]
    many = len(left_out) - len(odd)
    said = [f"{many} more provider{'s' if many != 1 else ''} not called (at most {SWEEP_LIMIT} calls)" if many else "",
            f"not a provider name one can pin, not called: {', '.join(odd[:5])}{' …' if len(odd) > 5 else ''}"
            if odd else ""]
    return "; ".join(part for part in said if part)


async def sweep(providers: Sequence[ProviderOption],
                call: Callable[[str], Awaitable[Exchange]]) -> tuple[SweepRoute, ...]:
    """Every provider's route, in sweep order; `call(provider)` makes the pinned call."""
    gate = asyncio.Semaphore(SWEEP_CONCURRENCY)

    async def route(option: ProviderOption) -> SweepRoute:
        if option.removed:
            return SweepRoute(option)
        async with gate:
            return SweepRoute(option, await call(option.provider))

    return tuple(await asyncio.gather(*(route(option) for option in sweepable(providers)[0])))


def working(routes: Sequence[SweepRoute]) -> list[SweepRoute]:
    return [route for route in routes if route.works]


def fastest(routes: Sequence[SweepRoute]) -> SweepRoute | None:
    return min(working(routes), key=lambda r: r.speed_ms, default=None)


def cheapest(routes: Sequence[SweepRoute]) -> SweepRoute | None:
    """The lowest output price among the working routes (the router's ':cheapest' compares the same)."""
    priced = [route for route in working(routes) if route.option.output_price is not None]
    return min(priced, key=lambda r: (r.option.output_price, r.option.input_price or 0.0, r.speed_ms), default=None)


def best_for(policy: str, routes: Sequence[SweepRoute]) -> list[tuple[str, SweepRoute]]:
    """(why, route) to recommend for a routing policy: ':cheapest' the cheapest working route, ':fastest'
    (or no suffix) the fastest; ':preferred' or a pinned provider both, the user's order being theirs."""
    choices = {"fastest": fastest(routes), "cheapest": cheapest(routes)}
    wanted = [policy] if policy in choices else ["fastest", "cheapest"]
    return [(name, choices[name]) for name in wanted if choices[name] is not None]


def summary(routes: Sequence[SweepRoute]) -> str:
    """The sweep in one sentence: no provider works / only some work / every one works, with the evidence."""
    called = [route for route in routes if route.status != REMOVED]
    good, bad = working(called), [route for route in called if not route.works]
    removed = [route.provider for route in routes if route.status == REMOVED]
    tail = f"; removed from routing, not called: {', '.join(removed)}" if removed else ""
    if not called:
        return f"The sweep called no provider (none is left in routing{tail})."
    failures = ", ".join(f"{route.provider} {route.http_status or 'no answer'}" + (f" ({_short(route.error)})"
                         if route.error else "") for route in bad)
    if not good:
        return f"No provider works: the sweep pinned the model to each of {len(called)} and every call failed: {failures}{tail}."
    names = ", ".join(route.provider for route in good)
    if bad:
        return f"Only some providers work: {names} {'answers' if len(good) == 1 else 'answer'}; {failures}{tail}."
    return f"Every provider swept works ({names}){tail}."


def _short(text: str, limit: int = 60) -> str:
    """A provider's error cut at a word, for a sentence that lists several."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def marks(routes: Sequence[SweepRoute]) -> dict[str, tuple[str, ...]]:
    """provider → its marks among the working routes: ("fastest",), ("cheapest",), both or none."""
    found: dict[str, tuple[str, ...]] = {}
    for name, route in (("fastest", fastest(routes)), ("cheapest", cheapest(routes))):
        if route is not None:
            found[route.provider] = (*found.get(route.provider, ()), name)
    return found


def recommendations(policy: str, routes: Sequence[SweepRoute], repo: str) -> list[str]:
    """The next steps the sweep supports: the best working route for the user's routing policy."""
    if len(working(routes)) == 1:
        only = working(routes)[0]
        return [f"Use {repo}:{only.provider} in the app: the only provider that works right now."]
    lines = []
    for why, route in best_for(policy, routes):
        if why == "fastest":
            measure = "the first to answer of those that work"  # its time is in the table: a verdict stays stable
        else:
            measure = f"${route.option.output_price:g} per 1M output tokens"
        lines.append(f"Use {repo}:{route.provider} in the app: the {why} provider that works right now ({measure}).")
    return lines
