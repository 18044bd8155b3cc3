"""The rules about what the app itself does, beyond the token and the route hftui tests: the route it
posts chat to (legacy_endpoint) and the token it reads (runtime_token_mismatch).

Both outrank `ok` (rules.RULES): the documented call working with the tested token is then exactly
why hftui would otherwise say "works" while the app fails.
"""

from __future__ import annotations

from hftui.core.approute import RouteKind
from hftui.core.facts import Facts, Finding
from hftui.core.outcomes import error_message
from hftui.core.steps import StepId, TokenCheck, app_route_of
from hftui.core.hub import parse_whoami

GONE = (404, 405, 410)
# Sources no app reads by itself: hftui's keyring entry, and huggingface_hub's library of named tokens.
NOT_READ_BY_APPS = ("keyring", "stored_tokens:")


def rule_legacy_endpoint(f: Facts) -> Finding | None:
    """The app's route fails (gone, not served there, no answer) while the documented route works."""
    route = app_route_of(f.inputs, f.results)
    documented = next((s for s in (StepId.AS_CONFIGURED, StepId.KNOWN_GOOD) if f.ok(s)), None)
    if route is None or route.documented or not f.failed(StepId.APP_ROUTE) or documented is None:
        return None
    result = f.results[StepId.APP_ROUTE]
    said = error_message(result.exchange) if result.exchange else None
    answer = f"{result.http_status} (\"{said[:200]}\")" if result.http_status and said else (
        str(result.http_status) if result.http_status else f"no answer ({said or 'no connection'})")
    client = f.inputs.app_client
    who = (f"Its client, {route.origin}, posts to " if route.origin.startswith("huggingface_hub")
           else f"It posts to {route.url} ({route.origin}): ")
    picked = (f" It picks the provider itself, the first entry of the Hub mapping ({route.provider}), whatever "
              f"its status; huggingface_hub 1.0+ leaves that to the router." if route.kind in
              (RouteKind.PROVIDER, RouteKind.HF_INFERENCE) and f.inputs.app_route.provider is None else "")
    summary = (f"The app's route fails while the documented route works. {who}{route.kind.words}; "
               f"{result.target or 'the call'} there gets {answer}, while {f.results[documented].target} on "
               f"{f.inputs.router_url}/v1/chat/completions answers.{picked}")
    steps = [route.fix[0].upper() + route.fix[1:] + "."]
    if client is not None and client.hub_route is RouteKind.ROUTER and route.origin == "--app-url":
        steps.append(f"{client.where} has huggingface_hub {client.version('huggingface_hub')}: InferenceClient() "
                     f"already posts to the documented route; drop the custom base_url.")
    return Finding(summary, (f.evidence(StepId.APP_ROUTE), f.evidence(documented)), tuple(steps))


def failing_checks(f: Facts) -> list[TokenCheck]:
    """Other tokens an app may read that whoami rejects (401/403) or says may not call Inference Providers."""
    result = f.results.get(StepId.TOKEN_CHECKS)
    failing = []
    for check in result.token_checks if result is not None else ():
        readable = [s for s in check.sources if not s.startswith(NOT_READ_BY_APPS)]
        account = parse_whoami(check.exchange.json) if check.exchange.ok else None
        refused = check.exchange.status in (401, 403) or (account is not None and account.can_call_inference is False)
        if readable and refused:
            failing.append(check._replace(sources=tuple(readable)))
    return failing


def likely_source(sources: list[str], f: Facts) -> tuple[str, str]:
    """(the source the app most likely reads, why), from what the app's Python has installed."""
    client = f.inputs.app_client
    known = client is not None and not client.own and client.error is None

    def installed(*names: str) -> bool:
        return not known or any(client.has(name) for name in names)

    ranked = []
    for source in sources:
        if "secrets.toml:" in source:
            ranked.append((0 if installed("streamlit") else 3, source, "a Streamlit app reads st.secrets"
                           + (" (streamlit is installed)" if known and client.has("streamlit") else "")))
        elif ".env:" in source:
            ranked.append((1 if installed("python-dotenv") else 4, source, "load_dotenv() reads .env"
                           + (" (python-dotenv is installed)" if known and client.has("python-dotenv") else "")))
        elif source == "env:HUGGINGFACEHUB_API_TOKEN":
            ranked.append((2 if installed("langchain", "langchain-huggingface") else 5, source,
                           "LangChain reads HUGGINGFACEHUB_API_TOKEN"))
        elif source in ("env:HF_TOKEN", "env:HUGGING_FACE_HUB_TOKEN"):
            ranked.append((-1, source, "huggingface_hub reads it first, and so do most apps"))
        elif source == "file:token":
            ranked.append((-1, source, "huggingface_hub reads the token file when no variable is set "
                                       "(hftui's keyring is hftui's own: no app reads it)"))
        else:
            ranked.append((6, source, "the app may read this name instead of HF_TOKEN"))
    _, source, why = min(ranked)
    return source, why


def rule_runtime_token_mismatch(f: Facts) -> Finding | None:
    """The tested token works for the user's call; another source the app may read holds one that fails."""
    failing = failing_checks(f)
    if not failing or not f.ok(StepId.AS_CONFIGURED):
        return None
    source, why = likely_source([s for check in failing for s in check.sources], f)
    check = next(c for c in failing if source in c.sources)
    token = f.token
    status = check.exchange.status
    verdict = (f"whoami rejects it ({status})" if status in (401, 403)
               else "whoami says it may not call Inference Providers")
    others = [s for c in failing for s in c.sources if s != source]
    summary = (f"The token hftui tested ({token.source} {token.suffix}) works, but {source} holds a different one "
               f"({check.suffix}) and {verdict}. {why[0].upper() + why[1:]}, so the app most likely sends that one: "
               f"the seed's runtime-token mismatch."
               + (f" Also failing: {', '.join(others)}." if others else ""))
    return Finding(summary, (f.evidence(StepId.TOKEN_CHECKS), f.evidence(StepId.AS_CONFIGURED)), (
        f"Put the working token in {source} (or remove the old one there), then restart the app.",
        f"To test what the app reads, run hftui with --token-source {source}.",
    ))
