"""hftui as a library: the same plan, verdict and documents as `hftui diagnose`, from an app's own code.

    import hftui

    try:
        client.chat.completions.create(model="Qwen/Qwen3.5-9B:preferred", messages=messages)
    except openai.APIStatusError as exc:
        log.error("inference failed: %s", hftui.explain(exc).verdict.summary)

`diagnose` and `explain` run their own event loop; inside a running loop (an async app, a notebook
cell), `await diagnose_async(...)` instead. Nothing here imports Textual or a client library: the
exception is read by its shape (`core.caught`).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from hftui.core.caught import FailedCall, NotAFailedCall, read_failed_call
from hftui.core.diagnosis import Diagnosis
from hftui.core.loop import run_bounded
from hftui.core.session import DEFAULT_TIMEOUT, Session, Settings, SettingsError
from hftui.core.tokens import TokenCandidate, TokenProblem, TokenReport, clean_token, inspect_token

ARGUMENT = "argument"  # the source of a token passed to diagnose(token=...)
REQUEST = "request:Authorization"  # the source of the token the failed call itself sent

__all__ = ["Diagnosis", "FailedCall", "NotAFailedCall", "SettingsError", "diagnose", "diagnose_async", "explain",
           "explain_async", "read_failed_call"]


async def diagnose_async(model: str, *, token: str | None = None, bill_to: str | None = None,
                         baseline: str | None = None, router_url: str | None = None, hub_url: str | None = None,
                         timeout: float = DEFAULT_TIMEOUT, sweep: bool = False, stream: bool = False) -> Diagnosis:
    """The plan on `model` (the exact string the app sends), as `hftui diagnose` runs it. `token`: the
    value to test (default: the first of the sources the CLI reads, HF_TOKEN first); the URLs default
    to $HFTUI_ROUTER_URL and $HF_ENDPOINT, then the public router and Hub. `sweep` sends one real,
    billed 8-token call per provider. Raises SettingsError for a model or URL that cannot work."""
    settings = Settings.resolve(model=model, baseline=baseline, bill_to=bill_to, router_url=router_url,
                                hub_url=hub_url, timeout=timeout, sweep=sweep, stream=stream)
    session = _session(settings, token, ARGUMENT)
    inputs = session.inputs()  # a malformed model raises here, before anything is sent
    return await session.run(inputs=inputs)


def diagnose(model: str, *, token: str | None = None, bill_to: str | None = None, baseline: str | None = None,
             router_url: str | None = None, hub_url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
             sweep: bool = False, stream: bool = False) -> Diagnosis:
    """`diagnose_async`, run to its end on an event loop of its own."""
    _refuse_inside_a_loop("diagnose")
    return run_bounded(diagnose_async(model, token=token, bill_to=bill_to, baseline=baseline, router_url=router_url,
                                      hub_url=hub_url, timeout=timeout, sweep=sweep, stream=stream))


async def explain_async(caught: Any, *, token: str | None = None, model: str | None = None,
                        timeout: float = DEFAULT_TIMEOUT, sweep: bool = False, hub_url: str | None = None) -> Diagnosis:
    """Why the call behind `caught` failed: an exception from huggingface_hub (HfHubHTTPError), openai
    (APIStatusError and its kinds, APIConnectionError), httpx (HTTPStatusError), requests (HTTPError),
    or such a response. Its model, router URL, X-HF-Bill-To and stream flag are read from the request;
    the token it sent is the one tested (an HF token only), unless `token` is given. The diagnosis
    keeps what was read as `.failed_call`. Raises NotAFailedCall when there is no request to read."""
    call = read_failed_call(caught)
    model = model or call.model
    if not model:
        raise NotAFailedCall(f"the request to {call.url} names no model in its JSON body: pass it, "
                             f"hftui.explain(exc, model=...)")
    settings = Settings.resolve(model=model, bill_to=call.bill_to, router_url=call.router_url, hub_url=hub_url,
                                timeout=timeout, sweep=sweep, stream=call.stream)
    session = _session(settings, token, ARGUMENT) if token else _session(settings, call.token, REQUEST)
    inputs = session.inputs()
    diagnosis = await session.run(inputs=inputs)
    return replace(diagnosis, failed_call=call)


def explain(caught: Any, *, token: str | None = None, model: str | None = None, timeout: float = DEFAULT_TIMEOUT,
            sweep: bool = False, hub_url: str | None = None) -> Diagnosis:
    """`explain_async`, run to its end on an event loop of its own."""
    _refuse_inside_a_loop("explain")
    return run_bounded(explain_async(caught, token=token, model=model, timeout=timeout, sweep=sweep, hub_url=hub_url))


def _session(settings: Settings, token: str | None, source: str) -> Session:
    """The session with `token` tested first (named by `source`), the environment's sources listed after
    it; without one, the environment's sources as the CLI reads them."""
    session = Session.open(settings)
    if token is None:
        return session
    found = session.complete_tokens()
    problems = inspect_token(token)
    others = {clean_token(c.raw) for c in found.candidates if not c.source.startswith("stored_tokens:")}
    if others - {clean_token(token)}:
        problems.append(TokenProblem.DIFFERS_FROM_OTHER_SOURCE)
    given = TokenCandidate(source=source, raw=token, problems=tuple(problems),
                           note="passed to hftui" if source == ARGUMENT else "sent by the failed call")
    return session.with_tokens(TokenReport((given, *found.candidates), found.unreadable))


def _refuse_inside_a_loop(name: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(f"hftui.{name}() runs its own event loop and cannot run inside one: "
                       f"use `await hftui.{name}_async(...)` here")
