"""The named scenarios: one per situation hftui must diagnose, each a few lines of data.

`hftui sim --scenario NAME` serves one; tests and the demo pick them by name. The expected
verdict case and seed say what hftui should conclude against each.
"""

from __future__ import annotations

from hftui.sim.catalog import DEFAULT_CATALOG, without
from hftui.sim.schema import CREDITS_EXHAUSTED, INVALID_USERNAME, ChatRule, Fault, Scenario, sim_token


def _scenarios(*items: Scenario) -> dict[str, Scenario]:
    table = {item.name: item for item in items}
    assert len(table) == len(items), "scenario names must be unique"
    return table


_401 = {"error": INVALID_USERNAME}
QWEN = "Qwen/Qwen3.5-9B"
# Rich markup, an ANSI colour, an OSC window title with BEL, a screen clear, a bidi override, a fake line.
HOSTILE_TEXT = ("[bold red]upstream failed[/] \x1b[31mred\x1b[0m \x1b]0;owned\x07\x1b[2J \u202eesrever"
                "\n▶ Everything works  [ok]")
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"

SCENARIOS: dict[str, Scenario] = _scenarios(
    Scenario(
        "ok", "Everything works", "A valid fine-grained token with the Inference Providers permission, "
        "a model several providers serve, and the router answering every call. The baseline the other scenarios change.",
        expected_case="ok",
    ),
    Scenario(
        "case-a", "':preferred' fails and no provider can be pinned",
        "The user's ':preferred' call gets 401 while the known-good model works. The router's catalog does not list "
        "the repo and the Hub mapping is unreadable (401 RepoNotFound), so no provider can be pinned to test it.",
        expected_case="provider_policy", expected_seed="A",
        catalog=without(DEFAULT_CATALOG, QWEN), mapping={QWEN: None},
        chat_rules=(ChatRule(f"{QWEN}:preferred", status=401, body=_401),),
    ),
    Scenario(
        "case-b", "':preferred' fails, the same model pinned to a provider works",
        "The user's ':preferred' call gets 401. The known-good model and the same repo pinned to a live provider "
        "(together, featherless-ai, novita) answer 200, so the account is fine and the routing policy is the problem.",
        expected_case="provider_policy", expected_seed="B",
        chat_rules=(ChatRule(f"{QWEN}:preferred", status=401, body=_401),),
    ),
    Scenario(
        "case-c", "Every chat call gets 401, whoami is fine",
        "whoami accepts the token, yet every chat call, known-good included, gets 401 'Invalid username or password.'. "
        "The user belongs to no organization and has no payment method, so billing is the prime suspect.",
        expected_case="billing_or_account", expected_seed="C", can_pay=False,
        chat_rules=(ChatRule("*", status=401, body=_401),),
    ),
    Scenario(
        "case-d", "401 on personal billing, 200 when billed to the org",
        "Every chat call without X-HF-Bill-To gets 401. The same call billed to the user's organization "
        "acme-research succeeds: the personal billing path is what fails.",
        expected_case="bill_to_fixes", expected_seed="D", orgs=("acme-research",),
        chat_rules=(ChatRule("*", bill_to="acme-research", status=200), ChatRule("*", status=401, body=_401)),
    ),
    Scenario(
        "account-fault", "Every chat call gets 401, org billing too",
        "whoami accepts the token, every chat call gets 401, and billing the user's organization changes nothing. "
        "Nothing the user controls is left: this is the case for a support ticket.",
        expected_case="account_fault", expected_seed="C", orgs=("acme-research",),
        chat_rules=(ChatRule("*", status=401, body=_401),),
    ),
    Scenario(
        "credits-exhausted", "Monthly included credits used up (402)",
        "Every chat call gets 402 with the 'exceeded your monthly included credits' message; whoami is fine. "
        "Free account without a payment method.",
        expected_case="credits_exhausted", expected_seed="C", can_pay=False,
        chat_rules=(ChatRule("*", status=402, body={"error": CREDITS_EXHAUSTED}),),
    ),
    Scenario(
        "no-token", "No token anywhere",
        "No HF_TOKEN, no token file, nothing in the keyring. Every authenticated call goes out without "
        "Authorization and gets 401; only discovery (/v1/models) answers.",
        expected_case="no_token", client_token=None,
    ),
    Scenario(
        "token-newline", "The token ends with a newline",
        "The app reads the token with a trailing '\\n' (e.g. `echo $TOKEN > .env`). The cleaned token works; "
        "the raw value cannot even be sent as a header.",
        expected_case="token_malformed", client_token=sim_token("token-newline") + "\n",
    ),
    Scenario(
        "token-quoted", "The token is wrapped in quotes",
        "The app's environment holds the token in double quotes, copied from a .env file. The server compares "
        "exactly, so the quoted value gets 401 while the cleaned one works.",
        expected_case="token_malformed", client_token=f'"{sim_token("token-quoted")}"',
    ),
    Scenario(
        "token-invalid", "An old, revoked token",
        "The environment still holds a token that was revoked after a new one was created. The Hub and the "
        "router accept only the new one, so whoami and every chat call get 401.",
        expected_case="token_invalid", client_token=sim_token("token-invalid-old"),
        valid_tokens=(sim_token("token-invalid-new"),),
    ),
    Scenario(
        "token-no-permission", "Fine-grained token without the Inference Providers permission",
        "A valid fine-grained token created for CI without 'Make calls to Inference Providers' "
        "(inference.serverless.write). whoami works; every chat call gets 403.",
        expected_case="token_lacks_inference_permission", inference_permission=False, token_name="ci-read-only",
    ),
    Scenario(
        "model-unavailable", "The model is no longer served",
        "The user's model is not in the router's catalog and its only provider mapping is in 'error' state. "
        "The router answers 400 model_not_supported; the known-good model works.",
        expected_case="model_unavailable", model="example-org/retired-model-7b:preferred",
        mapping={"example-org/retired-model-7b": {"featherless-ai": {
            "status": "error", "providerId": "example-org/retired-model-7b", "task": "conversational"}}},
    ),
    Scenario(
        "rate-limited", "The provider rate-limits (429)",
        "The user's model pinned to groq gets 429 with Retry-After: 30 and groq's own error body. The known-good "
        "call is rate-limited too, without Retry-After.",
        expected_case="rate_limited", model="openai/gpt-oss-120b:groq",
        chat_rules=(
            ChatRule("openai/gpt-oss-120b:groq", status=429, headers={
                "retry-after": "30", "x-ratelimit-limit-tokens": "8000", "x-ratelimit-remaining-tokens": "0",
                "x-ratelimit-reset-tokens": "30s", "x-inference-provider": "groq"},
                body={"error": {"message": "Rate limit reached for model `openai/gpt-oss-120b` on tokens per minute "
                                           "(TPM): Limit 8000, Used 7990, Requested 120. Please try again in 30s.",
                                "type": "tokens", "code": "rate_limit_exceeded"}}),
            ChatRule("openai/gpt-oss-120b:fastest", status=429, headers={"x-inference-provider": "cerebras"},
                     body={"message": "We're experiencing high traffic right now! Please try again soon.",
                           "type": "too_many_requests_error", "param": "queue", "code": "queue_exceeded"}),
        ),
    ),
    Scenario(
        "provider-outage", "The auto-selected provider is down (503)",
        "':fastest' routes Llama-3.1-8B to cerebras, which is down but not yet flagged, so the call gets the "
        "provider's 503. The known-good model works, and the same model pinned to novita works.",
        expected_case="provider_outage", model=LLAMA,
        chat_rules=tuple(
            ChatRule(pattern, status=503, headers={"x-inference-provider": "cerebras"},
                     body={"error": {"message": "upstream provider unavailable", "type": "server_error"}})
            for pattern in (LLAMA, f"{LLAMA}:fastest", f"{LLAMA}:cerebras")
        ),
    ),
    Scenario(
        "network-error", "Every connection is reset",
        "A proxy or firewall kills every connection before an answer. There is no HTTP status at all, on the "
        "Hub and the router alike.",
        expected_case="network_error", model=f"{QWEN}:together", route_faults={"*": Fault("reset")},
    ),
    Scenario(
        "slow-hub", "The Hub hangs, the router works",
        "whoami and the provider mapping accept the connection and never answer; the router answers normally. "
        "The diagnosis must still conclude, from the router's answers alone, within its timeout.",
        expected_case="ok", model=f"{QWEN}:together",
        route_faults={"whoami": Fault("hang"), "mapping": Fault("hang")},
    ),
    Scenario(
        "html-errors", "CloudFront HTML error pages on chat",
        "Every chat call gets a CloudFront 502 HTML page instead of JSON: the edge cannot reach the origin. "
        "The Hub works: an outage on the router's side that the user cannot fix.",
        expected_case="provider_outage", route_faults={"chat": Fault("html", status=502)},
    ),
    Scenario(
        "garbled-bodies", "Unreadable Hub and catalog answers, chat works",
        "whoami answers 200 with bytes that are not UTF-8, the catalog sends a 10 MB body, and the mapping "
        "trickles at 1 byte/s. Chat works, so the verdict must not depend on those answers.",
        expected_case="ok", model=f"{QWEN}:together",
        route_faults={"whoami": Fault("invalid_utf8"), "catalog": Fault("huge_body"), "mapping": Fault("slow_body")},
    ),
    Scenario(
        "hostile-server", "Chat answers that echo the token and carry terminal escapes",
        "The user's call gets a 502 whose body echoes the request back, Authorization header included; every "
        "other chat call gets an error text full of Rich markup, ANSI colour and window-title escapes. hftui must "
        "show that text inert and the token masked, on screen and in every export.",
        expected_case="provider_outage", model=f"{QWEN}:together",
        chat_rules=(
            ChatRule(f"{QWEN}:together", fault=Fault("echo", status=502)),
            ChatRule("*", status=502, body={"error": HOSTILE_TEXT}),
        ),
    ),
)


def get_scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
