"""The named scenarios: one per situation hftui must diagnose, each a few lines of data.

`hftui sim --scenario NAME` serves one; tests and the demo pick them by name. The expected
verdict case and seed say what hftui should conclude against each.
"""

from __future__ import annotations

from hftui.sim.catalog import FULL_CATALOG, CatalogEntry, ProviderOffer, without
from hftui.sim.schema import (
    CREDITS_EXHAUSTED,
    HF_INFERENCE_NOT_SUPPORTED,
    INVALID_USERNAME,
    ChatRule,
    Fault,
    Scenario,
    SimOrg,
    sim_token,
)


def _scenarios(*items: Scenario) -> dict[str, Scenario]:
    table = {item.name: item for item in items}
    assert len(table) == len(items), "scenario names must be unique"
    return table


_401 = {"error": INVALID_USERNAME}
# Every call billed to the user gets 401; a call with X-HF-Bill-To gets what the org's checks say.
PERSONAL_401 = (ChatRule("*", bill_to=None, status=401, body=_401),)
QWEN = "Qwen/Qwen3.5-9B"
# Rich markup, an ANSI colour, an OSC window title with BEL, a screen clear, a bidi override, a fake line.
HOSTILE_TEXT = ("[bold red]upstream failed[/] \x1b[31mred\x1b[0m \x1b]0;owned\x07\x1b[2J \u202eesrever"
                "\n▶ Everything works  [ok]")
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
GLM = "zai-org/GLM-4.6"
EXPIRED_AT = 1780000000  # 2026-05-28 UTC: in the past, whatever day the tests run
# The Qwen entry case A's router lists: featherless-ai live, together flagged.
_QWEN_FEATHERLESS_ONLY = CatalogEntry(QWEN, (
    ProviderOffer("featherless-ai", 0.10, 0.10, throughput=40, first_token_latency_ms=900, context_length=32768),
    ProviderOffer("together", 0.18, 0.18, throughput=160, first_token_latency_ms=350, status="error",
                  provider_id="Qwen/Qwen3.5-9B-Instruct-Turbo"),
))

# Five providers serve it, in the user's order; groq answers with its own 401 (a custom key set in the user's
# settings), nscale is down. sambanova, removed from routing, is still in the Hub mapping.
LLAMA_70B = "meta-llama/Llama-3.3-70B-Instruct"
_LLAMA_70B_ENTRY = CatalogEntry(LLAMA_70B, (
    ProviderOffer("groq", 0.05, 0.08, throughput=900, first_token_latency_ms=60),
    ProviderOffer("cerebras", 0.85, 1.20, throughput=2100, first_token_latency_ms=40),
    ProviderOffer("together", 0.88, 0.88, throughput=150, first_token_latency_ms=300),
    ProviderOffer("novita", 0.13, 0.39, throughput=60, first_token_latency_ms=450),
    ProviderOffer("nscale", 0.10, 0.25, throughput=80, first_token_latency_ms=500),
))
_GROQ_OWN_401 = {"error": {"message": "Invalid API Key", "type": "invalid_request_error", "code": "invalid_api_key"}}
_STREAMED = f"{QWEN}:together"


def _stream_scenario(fault: str, title: str, description: str) -> Scenario:
    """The user's streamed call misbehaves after its 200 while the same call without streaming works."""
    return Scenario(f"stream-{fault.replace('_', '-')}", title, description, expected_case="stream_fails",
                    model=_STREAMED, stream=True,
                    chat_rules=(ChatRule(_STREAMED, stream=True, stream_fault=fault, provider="together"),))


SCENARIOS: dict[str, Scenario] = _scenarios(
    Scenario(
        "ok", "Everything works", "A valid fine-grained token with the Inference Providers permission, "
        "a model several providers serve, and the router answering every call. The baseline the other scenarios change.",
        expected_case="ok",
    ),
    Scenario(
        "case-a", "':preferred' picks hf-inference, which does not serve the model",
        "The user's provider order starts with hf-inference, so ':preferred' gets 400 'Model not supported by "
        "provider hf-inference' while the known-good model works. The one other live provider, featherless-ai, is "
        "overloaded (503), so a pinned call cannot confirm the policy yet.",
        expected_case="provider_policy", expected_seed="A",
        catalog=(*without(FULL_CATALOG, QWEN), _QWEN_FEATHERLESS_ONLY),
        mapping={QWEN: {  # a public repo: the Hub answers 200, in the user's order
            "hf-inference": {"status": "live", "providerId": QWEN, "task": "conversational"},
            "featherless-ai": {"status": "live", "providerId": QWEN, "task": "conversational"},
            "together": {"status": "error", "providerId": "Qwen/Qwen3.5-9B-Instruct-Turbo", "task": "conversational"},
        }},
        chat_rules=(
            ChatRule(f"{QWEN}:preferred", status=400, body={"error": HF_INFERENCE_NOT_SUPPORTED},
                     provider="hf-inference"),
            ChatRule(f"{QWEN}:hf-inference", status=400, body={"error": HF_INFERENCE_NOT_SUPPORTED},
                     provider="hf-inference"),  # pinned (a sweep does), the same answer as through ':preferred'
            ChatRule(f"{QWEN}:featherless-ai", status=503, provider="featherless-ai",
                     body={"error": {"message": "Model is overloaded, please retry later", "type": "server_error"}}),
        ),
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
        "Every chat call gets 402 with the 2026 'depleted your monthly included credits' message; whoami is fine. "
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
    # -- billing an organization, refused ------------------------------------------------------------
    Scenario(
        "bill-to-refused", "401 on personal billing, the org refuses the token (403 on behalf of org)",
        "Every chat call billed to the user gets 401. The user's fine-grained token has no Inference Providers "
        "permission scoped to acme-research, so billing it gets 403 '…on behalf of org acme-research'.",
        expected_case="bill_to_refused", expected_seed="C", orgs=(SimOrg("acme-research", token_scope=False),),
        chat_rules=PERSONAL_401,
    ),
    Scenario(
        "bill-to-cannot-pay", "401 on personal billing, the org cannot pay (401)",
        "Every chat call gets 401, and so does billing the user's only organization, study-group. whoami says "
        "study-group has no payment method and is not on a Team or Enterprise plan: nothing about billing is confirmed.",
        expected_case="bill_to_refused", expected_seed="C", can_pay=False,
        orgs=(SimOrg("study-group", can_pay=False, role="write"),),
        chat_rules=PERSONAL_401,
    ),
    Scenario(
        "bill-to-revoked", "The Enterprise org revoked the token",
        "Every chat call billed to the user gets 401. Billing the Enterprise org bigcorp gets 403 'Your token has "
        "been revoked by the organization administrator': the org's token policy, not the account.",
        expected_case="bill_to_refused", expected_seed="C", token_role="write",
        orgs=(SimOrg("bigcorp", can_pay=False, is_enterprise=True, policy="revoked"),),
        chat_rules=PERSONAL_401,
    ),
    Scenario(
        "bill-to-not-member", "--bill-to names an org the user is not in",
        "Every chat call gets 401, and the user bills other-lab, which whoami does not list among their "
        "organizations. The router answers 401 there too: a refusal, not a billing result.",
        expected_case="bill_to_refused", expected_seed="C", orgs=("acme-research",), bill_to="other-lab",
        chat_rules=PERSONAL_401,
    ),
    Scenario(
        "credits-org-refused", "Credits used up (402, OpenAI form); billing the org refused",
        "Every chat call gets 402 in the OpenAI error form: the credits are used up. Billing acme-research gets 403 "
        "'…on behalf of org acme-research' (the token is not scoped to it), which confirms nothing about billing.",
        expected_case="credits_exhausted", expected_seed="C", can_pay=False,
        orgs=(SimOrg("acme-research", token_scope=False),),
        chat_rules=(ChatRule("*", bill_to=None, status=402, body={"error": {
            "message": CREDITS_EXHAUSTED, "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}}),),
    ),
    Scenario(
        "many-orgs", "Six orgs, the one that pays is the fifth",
        "Every chat call billed to the user gets 401. Of the user's six organizations only acme-research, fifth in "
        "whoami's list, can pay, and billing it works.",
        expected_case="bill_to_fixes", expected_seed="D",
        orgs=(SimOrg("study-group", can_pay=False), SimOrg("reading-club", can_pay=False),
              SimOrg("hackathon-2025", can_pay=False), SimOrg("old-startup", can_pay=False), SimOrg("acme-research"),
              SimOrg("side-project", can_pay=False)),
        chat_rules=PERSONAL_401,
    ),
    # -- tokens, Hubs and URLs -----------------------------------------------------------------------
    Scenario(
        "token-expired", "The browser login's OAuth token has expired",
        "The token file holds a short-lived OAuth token from a browser login; stored_tokens holds its refresh token "
        "and an expires_at in the past. huggingface_hub would refresh it, but the app sends it as it is and gets 401.",
        expected_case="token_expired", client_token=sim_token("token-expired-oauth"),
        valid_tokens=(sim_token("token-expired-refreshed"),),
        token_files={"token": sim_token("token-expired-oauth") + "\n", "stored_tokens": (
            f"[browser]\nhf_token = {sim_token('token-expired-oauth')}\n"
            f"refresh_token = hf_oauth_r_{sim_token('token-expired-refresh')[6:]}\nexpires_at = {EXPIRED_AT}\n")},
    ),
    Scenario(
        "hub-mirror", "whoami says 401, every chat call works",
        "HF_ENDPOINT points at a private Hub mirror that does not know the token, so whoami and the mapping get 401. "
        "The router, which HF_ENDPOINT does not move, serves every call.",
        expected_case="ok", model=f"{QWEN}:together", hub_accepts_token=False,
    ),
    Scenario(
        "wrong-router-url", "The router URL is the Hub's",
        "HFTUI_ROUTER_URL points at the Hub's site instead of the router. GET /v1/models and POST "
        "/v1/chat/completions answer 404 there, which the router never does.",
        expected_case="wrong_router_url", serves_router=False,
    ),
    # -- what the app itself sends: its route, its token ------------------------------------------------
    Scenario(
        "legacy-old-client", "huggingface_hub 0.30 picks hf-inference itself",
        "The app runs huggingface_hub 0.30.2, which takes the first entry of the Hub mapping (hf-inference, still "
        "listed for Qwen) and posts to the provider-scoped hf-inference route, which serves no LLM: 404. The same "
        "model on the documented /v1/chat/completions works.",
        expected_case="legacy_endpoint", model=QWEN, app_hub_version="0.30.2",
        mapping={QWEN: {
            "hf-inference": {"status": "live", "providerId": QWEN, "task": "conversational"},
            "together": {"status": "live", "providerId": "Qwen/Qwen3.5-9B-Instruct-Turbo", "task": "conversational"},
            "featherless-ai": {"status": "live", "providerId": QWEN, "task": "conversational"},
        }},
    ),
    Scenario(
        "legacy-proxy-url", "The app's base_url is the Hub's old inference proxy",
        "An OpenAI-SDK app still has base_url https://huggingface.co/api/inference-proxy/together from an old "
        "snippet: it answers 410. The documented router route works with the same token.",
        expected_case="legacy_endpoint", model=f"{QWEN}:together", app_path="/api/inference-proxy/together",
    ),
    Scenario(
        "legacy-api-inference", "huggingface_hub 0.27 posts to the legacy Inference API",
        "The app runs huggingface_hub 0.27.1, which posts chat to api-inference.huggingface.co/models/<repo>: gone "
        "(410, 'no longer supported'). The documented router route works.",
        expected_case="legacy_endpoint", model=QWEN, app_hub_version="0.27.1",
    ),
    Scenario(
        "secrets-mismatch", "Streamlit secrets hold an old token; the shell's works",
        "HF_TOKEN in the shell works, and so does the .env beside the app, but the Streamlit app reads "
        ".streamlit/secrets.toml, which still holds a revoked token: whoami rejects it (401). The demo writes "
        "both files to a temporary directory.",
        expected_case="runtime_token_mismatch", model=f"{QWEN}:together",
        app_files={".env": f"HF_TOKEN={sim_token('secrets-mismatch')}\n",
                   ".streamlit/secrets.toml": f'HF_TOKEN = "{sim_token("secrets-mismatch-old")}"\n'},
    ),
    # -- models and providers ------------------------------------------------------------------------
    Scenario(
        "model-requires-payment", "402 on one model only",
        "GLM-4.6 answers 402 on every provider while the known-good model works: the credits are not used up, this "
        "model needs paid usage. The Hub serves its mapping as a list, the form list_models returns.",
        expected_case="model_requires_payment", model=GLM, mapping_as_list=True,
        chat_rules=(ChatRule(f"{GLM}*", status=402, provider="zai-org", body={"error": CREDITS_EXHAUSTED}),),
    ),
    Scenario(
        "removed-provider", "The suffix pins a provider removed from routing",
        "An old config pins Llama-3.1-8B to sambanova, removed from Inference Providers routing on 2026-07-01, so the "
        "router answers 400. The same model pinned to a live provider works.",
        expected_case="provider_policy", expected_seed="B", model=f"{LLAMA}:sambanova",
    ),
    # -- which providers work, and streaming (asked for with --sweep, --stream) -----------------------
    Scenario(
        "sweep-five-providers", "Five providers, two failing differently; ':preferred' picks a failing one",
        "':preferred' routes Llama-3.3-70B to groq, whose own 401 comes back (a custom groq key in the user's "
        "settings), and nscale is down (503). The sweep pins the model to each of the five providers (sambanova, "
        "still in the Hub mapping, is listed as removed) and finds cerebras the fastest and novita the cheapest that work.",
        expected_case="provider_policy", expected_seed="B", model=f"{LLAMA_70B}:preferred", sweep=True,
        catalog=(*FULL_CATALOG, _LLAMA_70B_ENTRY),
        mapping={LLAMA_70B: {
            **{offer.provider: {"status": "live", "providerId": LLAMA_70B, "task": "conversational"}
               for offer in _LLAMA_70B_ENTRY.providers},
            "sambanova": {"status": "live", "providerId": "Meta-Llama-3.3-70B-Instruct", "task": "conversational"},
        }},
        chat_rules=(
            ChatRule(f"{LLAMA_70B}:preferred", status=401, body=_GROQ_OWN_401, provider="groq"),
            ChatRule(f"{LLAMA_70B}:groq", status=401, body=_GROQ_OWN_401, provider="groq"),
            ChatRule(f"{LLAMA_70B}:nscale", status=503, provider="nscale",
                     body={"error": {"message": "upstream provider unavailable", "type": "server_error"}}),
        ),
        provider_delays={"cerebras": 0.02, "groq": 0.02, "together": 0.3, "novita": 0.45, "nscale": 0.1},
    ),
    _stream_scenario(
        "error_event", "The stream answers 200, then carries an error event",
        "The user's call works without streaming. Streamed, it answers 200 and a first token, then the provider "
        "sends an error event and ends the stream."),
    _stream_scenario(
        "cut", "The stream is cut before [DONE]",
        "The user's call works without streaming. Streamed, the provider sends two chunks and drops the "
        "connection, without a finish_reason or [DONE]."),
    _stream_scenario(
        "not_sse", "A streamed call gets plain JSON back",
        "The user's call works without streaming. Streamed, the answer is the whole completion as JSON instead "
        "of server-sent events, as from a proxy or provider that ignores stream: true."),
    _stream_scenario(
        "slow_first_token", "The stream opens, but no token comes in time",
        "The user's call works without streaming. Streamed, the router answers 200 and the role chunk, then "
        "holds every token back longer than the timeout, as a buffering proxy does."),
)


def get_scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
