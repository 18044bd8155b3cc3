"""The simulator over real loopback HTTP: what a curl user would see from the Hub and the router."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from helpers import returns, wait_for

from simkit import TOKEN, auth, scenario

from hftui.sim import ANY, ChatRule, SimOrg, SimServer, banner, sim_token

ROOT_ID = re.compile(r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PROMPT = [{"role": "user", "content": "Reply with exactly OK"}]


def chat(client: httpx.Client, sim: SimServer, model: str, headers: dict | None = None, path: str = "/v1/chat/completions"):
    return client.post(sim.url + path, json={"model": model, "messages": PROMPT, "max_tokens": 8},
                       headers=auth() if headers is None else headers)


# -- Hub: whoami ---------------------------------------------------------------------------

def test_whoami_has_the_hubs_full_user_shape(serve, client):
    sim = serve(scenario(orgs=("acme-research",), token_name="laptop"))
    response = client.get(sim.url + "/api/whoami-v2", headers=auth())
    assert response.status_code == 200
    body = response.json()
    assert {"type", "id", "name", "fullname", "email", "isPro", "canPay", "billingMode", "periodEnd", "orgs", "auth"} <= set(body)
    assert body["name"] == "ada-lovelace" and body["type"] == "user"
    org = body["orgs"][0]
    assert {"id", "type", "name", "fullname", "canPay"} <= set(org) and org["type"] == "org" and org["name"] == "acme-research"
    access = body["auth"]["accessToken"]
    assert access["displayName"] == "laptop" and access["role"] == "fineGrained" and access["createdAt"]
    fine_grained = access["fineGrained"]
    assert {"canReadGatedRepos", "global", "scoped"} <= set(fine_grained)
    # A 2026 default token: the inference permission only in the user-scoped entry, and one entry per org.
    assert fine_grained["global"] == ["discussion.write", "post.write"]
    scopes = {(entry["entity"]["type"], entry["entity"]["name"]): entry["permissions"] for entry in fine_grained["scoped"]}
    assert "inference.serverless.write" in scopes[("user", "ada-lovelace")]
    assert "inference.serverless.write" in scopes[("org", "acme-research")]
    assert {"canPay", "isEnterprise", "roleInOrg"} <= set(org)


def test_classic_tokens_have_no_fine_grained_block(serve, client):
    sim = serve(scenario(token_role="write"))
    access = client.get(sim.url + "/api/whoami-v2", headers=auth()).json()["auth"]["accessToken"]
    assert access["role"] == "write" and "fineGrained" not in access


def test_whoami_override_is_served_verbatim(serve, client):
    sim = serve(scenario(whoami_override={"name": 42, "orgs": "nope"}))
    assert client.get(sim.url + "/api/whoami-v2", headers=auth()).json() == {"name": 42, "orgs": "nope"}


@pytest.mark.parametrize("headers", [
    {},
    auth(sim_token("someone-else")),
    auth(f'"{TOKEN}"'),  # quoted: the server compares exactly, no stripping
    auth(f"Bearer {TOKEN}"),  # 'Bearer Bearer hf_…'
    {"Authorization": TOKEN},  # no scheme
], ids=["missing", "wrong", "quoted", "double-bearer", "no-scheme"])
def test_whoami_rejects_anything_but_the_exact_token(serve, client, headers):
    sim = serve()
    response = client.get(sim.url + "/api/whoami-v2", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid credentials in Authorization header"}
    assert response.headers["x-error-message"] == "Invalid credentials in Authorization header"


def test_auth_scheme_is_case_insensitive_but_the_token_is_not(serve, client):
    sim = serve()
    assert client.get(sim.url + "/api/whoami-v2", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200
    assert client.get(sim.url + "/api/whoami-v2", headers=auth(TOKEN.lower())).status_code == 401


# -- Hub: provider mapping -----------------------------------------------------------------

@pytest.mark.parametrize("query", ["expand[]=inferenceProviderMapping", "expand=inferenceProviderMapping"])
def test_mapping_answers_both_expand_spellings_without_a_token(serve, client, query):
    sim = serve()
    response = client.get(f"{sim.url}/api/models/Qwen/Qwen3.5-9B?{query}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"_id", "id", "inferenceProviderMapping"} and body["id"] == "Qwen/Qwen3.5-9B"
    assert body["inferenceProviderMapping"]["together"] == {
        "status": "live", "providerId": "Qwen/Qwen3.5-9B-Instruct-Turbo", "task": "conversational"}


def test_mapping_for_an_unknown_repo_is_401_repo_not_found(serve, client):
    sim = serve()
    response = client.get(f"{sim.url}/api/models/nobody/nothing?expand[]=inferenceProviderMapping", headers=auth())
    assert response.status_code == 401
    assert response.json() == {"error": "Repository not found"}
    assert response.headers["x-error-code"] == "RepoNotFound"


def test_mapping_rejects_a_bad_token_even_for_a_public_repo(serve, client):
    sim = serve()
    response = client.get(f"{sim.url}/api/models/Qwen/Qwen3.5-9B?expand[]=inferenceProviderMapping",
                          headers=auth("hf_simWRONGWRONGWRONGWRONGWRONGWRONG"))
    assert response.status_code == 401


def test_mapping_overrides_replace_or_hide_repos(serve, client):
    sim = serve(scenario(mapping={"Qwen/Qwen3.5-9B": None, "x/y": {"novita": {"status": "error", "providerId": "x/y",
                                                                                   "task": "conversational"}}}))
    url = sim.url + "/api/models/{}?expand[]=inferenceProviderMapping"
    assert client.get(url.format("Qwen/Qwen3.5-9B")).status_code == 401
    assert client.get(url.format("x/y")).json()["inferenceProviderMapping"]["novita"]["status"] == "error"


# -- Router: discovery ---------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, auth(), auth("hf_simWRONGWRONGWRONGWRONGWRONGWRONG")])
def test_catalog_answers_200_whatever_the_token(serve, client, headers):
    sim = serve()
    response = client.get(sim.url + "/v1/models", headers=headers)
    assert response.status_code == 200
    entry = next(e for e in response.json()["data"] if e["id"] == "openai/gpt-oss-120b")
    assert entry["object"] == "model" and {"created", "owned_by", "architecture"} <= set(entry)
    groq = next(p for p in entry["providers"] if p["provider"] == "groq")
    assert groq["status"] == "live" and set(groq["pricing"]) == {"input", "output"}
    assert {"context_length", "supports_tools", "first_token_latency_ms", "throughput", "is_model_author"} <= set(groq)


def test_one_catalog_entry_and_a_missing_one(serve, client):
    sim = serve()
    assert client.get(sim.url + "/v1/models/Qwen/Qwen3.5-9B").json()["id"] == "Qwen/Qwen3.5-9B"
    assert client.get(sim.url + "/v1/models/nobody/nothing").status_code == 404


# -- Router: chat --------------------------------------------------------------------------

def test_default_chat_is_an_openai_completion_from_the_pinned_provider(serve, client):
    sim = serve()
    response = chat(client, sim, "Qwen/Qwen3.5-9B:together")
    assert response.status_code == 200
    assert response.headers["x-inference-provider"] == "together"
    body = response.json()
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "OK"}
    assert body["choices"][0]["finish_reason"] == "stop" and set(body["usage"]) >= {"prompt_tokens", "total_tokens"}


@pytest.mark.parametrize("model, provider", [
    ("openai/gpt-oss-120b", "cerebras"),  # no suffix = :fastest = highest throughput
    ("openai/gpt-oss-120b:fastest", "cerebras"),
    ("openai/gpt-oss-120b:cheapest", "novita"),
    ("openai/gpt-oss-120b:preferred", "groq"),  # the user's order: here, the catalog's
])
def test_policies_pick_a_provider_like_the_router(serve, client, model, provider):
    sim = serve()
    assert chat(client, sim, model).headers["x-inference-provider"] == provider


@pytest.mark.parametrize("model", ["nobody/nothing:preferred", "Qwen/Qwen3.5-9B:groq"])
def test_a_model_no_live_provider_serves_is_400_model_not_supported(serve, client, model):
    sim = serve()
    response = chat(client, sim, model)
    assert response.status_code == 400
    assert response.json() == {"error": {
        "message": f"The requested model '{model}' is not supported by any provider you have enabled.",
        "type": "invalid_request_error", "param": "model", "code": "model_not_supported"}}


def test_chat_rejects_bad_json_and_a_missing_model(serve, client):
    sim = serve()
    bad = client.post(sim.url + "/v1/chat/completions", content=b"{not json", headers=auth())
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_request_error"
    missing = client.post(sim.url + "/v1/chat/completions", json={"messages": PROMPT}, headers=auth())
    assert missing.status_code == 400 and missing.json()["error"]["param"] == "model"


@pytest.mark.parametrize("headers", [{}, auth(f'"{TOKEN}"'), auth(f"Bearer {TOKEN}")],
                         ids=["missing", "quoted", "double-bearer"])
def test_chat_without_the_exact_token_is_401_invalid_username(serve, client, headers):
    sim = serve()
    response = chat(client, sim, "openai/gpt-oss-120b:fastest", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid username or password."}
    assert response.headers["x-error-message"] == "Invalid username or password."


def test_fine_grained_token_without_inference_permission_gets_403_on_chat_only(serve, client):
    sim = serve(scenario(inference_permission=False, user="grace"))
    response = chat(client, sim, "openai/gpt-oss-120b:fastest")
    assert response.status_code == 403
    assert response.json()["error"] == ("This authentication method does not have sufficient permissions to call "
                                        "Inference Providers on behalf of user grace")
    whoami = client.get(sim.url + "/api/whoami-v2", headers=auth()).json()
    assert "inference.serverless.write" not in str(whoami["auth"]["accessToken"]["fineGrained"])


def test_provider_scoped_route_takes_the_providers_own_model_id(serve, client):
    sim = serve(scenario(chat_rules=(ChatRule("Qwen/Qwen3.5-9B:novita", status=503),)))
    ok = chat(client, sim, "Qwen/Qwen3.5-9B-Instruct-Turbo", path="/together/v1/chat/completions")
    assert ok.status_code == 200 and ok.headers["x-inference-provider"] == "together"
    # Rules speak in '<repo>:<provider>' whichever route the call took.
    assert chat(client, sim, "qwen/qwen3.5-9b", path="/novita/v3/openai/chat/completions").status_code == 503
    assert chat(client, sim, "x", path="/not-a-provider/v1/chat/completions").status_code == 404


def test_unknown_route_is_404_and_wrong_method_405(serve, client):
    sim = serve()
    missing = client.get(sim.url + "/nope")
    assert missing.status_code == 404 and missing.json() == {"error": "Not Found"}
    assert client.get(sim.url + "/v1/chat/completions").status_code == 405


# -- Chat rules ----------------------------------------------------------------------------

def test_first_matching_rule_wins_and_bill_to_is_matched_exactly(serve, client):
    rules = (
        ChatRule("*", bill_to="acme", status=200),
        ChatRule("*:preferred", bill_to=None, status=401, body={"error": "Invalid username or password."}),
        ChatRule("*", bill_to=ANY, status=402, body={"error": "credits"}),
    )
    sim = serve(scenario(chat_rules=rules, orgs=("acme", "other")))
    model = "Qwen/Qwen3.5-9B:preferred"
    assert chat(client, sim, model, headers={**auth(), "X-HF-Bill-To": "acme"}).status_code == 200
    assert chat(client, sim, model).status_code == 401
    assert chat(client, sim, model, headers={**auth(), "X-HF-Bill-To": "other"}).status_code == 402
    assert chat(client, sim, "Qwen/Qwen3.5-9B:together").status_code == 402


@pytest.mark.parametrize(("org", "status", "wording"), [
    (None, 401, "Invalid username or password."),  # not a member
    (SimOrg("acme", can_pay=False), 401, "Invalid username or password."),
    (SimOrg("acme", token_scope=False), 403, "on behalf of org acme"),
    (SimOrg("acme", policy="revoked"), 403, "revoked by the organization administrator"),
    (SimOrg("acme", policy="pending"), 403, "pending approval"),
])
def test_bill_to_is_honoured_only_for_a_member_org_that_can_pay_and_the_token_may_bill(serve, client, org, status,
                                                                                        wording):
    """Checked before any rule, like authentication: a rule for the org cannot override the refusal."""
    sim = serve(scenario(orgs=(org,) if org else (), chat_rules=(ChatRule("*", bill_to="acme", status=200),)))
    refused = chat(client, sim, "Qwen/Qwen3.5-9B", headers={**auth(), "X-HF-Bill-To": "acme"})
    assert refused.status_code == status and wording in refused.json()["error"]


def test_an_enterprise_org_can_be_billed_and_a_classic_token_needs_no_org_scope(serve, client):
    sim = serve(scenario(token_role="write", orgs=(SimOrg("bigcorp", can_pay=False, is_enterprise=True,
                                                         token_scope=False),)))
    assert chat(client, sim, "Qwen/Qwen3.5-9B", headers={**auth(), "X-HF-Bill-To": "bigcorp"}).status_code == 200


def test_the_router_401_carries_www_authenticate_and_x_error_message(serve, client):
    sim = serve()
    response = chat(client, sim, "Qwen/Qwen3.5-9B", headers=auth(sim_token("someone-else")))
    assert response.status_code == 401 and response.json() == {"error": "Invalid username or password."}
    assert response.headers["www-authenticate"].startswith('Bearer realm="Authentication required"')
    assert response.headers["x-error-message"] == "Invalid username or password."


def test_routed_answers_name_their_provider_and_hf_inference_does_not_serve_llms(serve, client):
    sim = serve()
    assert chat(client, sim, "openai/gpt-oss-120b:groq").headers["x-inference-provider"] == "groq"
    refused = chat(client, sim, "Qwen/Qwen3.5-9B:hf-inference")
    assert refused.status_code == 400 and refused.json() == {"error": "Model not supported by provider hf-inference"}
    path = "/hf-inference/models/Qwen/Qwen3.5-9B/v1/chat/completions"
    assert chat(client, sim, "Qwen/Qwen3.5-9B", path=path).status_code == 404


def test_the_catalog_has_a_real_size(serve, client):
    sim = serve()
    response = client.get(sim.url + "/v1/models")
    assert len(response.json()["data"]) >= 150 and len(response.content) > 300_000


def test_rule_headers_text_bodies_and_hf_error_message(serve, client):
    rules = (
        ChatRule("a/b", status=429, body="slow down", headers={"Retry-After": "30"}),
        ChatRule("c/d", status=402, body={"error": "out of credits"}),
        ChatRule("e/f", status=500),
    )
    sim = serve(scenario(chat_rules=rules))
    limited = chat(client, sim, "a/b")
    assert (limited.status_code, limited.text, limited.headers["retry-after"]) == (429, "slow down", "30")
    assert chat(client, sim, "c/d").headers["x-error-message"] == "out of credits"
    assert chat(client, sim, "e/f").json() == {"error": "Internal Server Error"}


def test_auth_is_checked_before_rules(serve, client):
    sim = serve(scenario(chat_rules=(ChatRule("*", status=200),)))
    assert chat(client, sim, "a/b", headers={}).status_code == 401


# -- Request ids, recording, lifecycle -------------------------------------------------

def test_every_response_has_a_unique_request_id_and_its_services_edge_headers(serve, client):
    """The router: UUID request ids behind Cloudflare; the Hub: Root=1-… trace ids behind CloudFront."""
    sim = serve()
    router = [client.get(sim.url + "/v1/models"), chat(client, sim, "openai/gpt-oss-120b:groq"),
              client.get(sim.url + "/nope")]
    hub = [client.get(sim.url + "/api/whoami-v2"), client.get(sim.url + "/api/models/Qwen/Qwen3.5-9B")]
    ids = [r.headers["x-request-id"] for r in router + hub]
    assert len(set(ids)) == len(ids)
    for response in router:
        assert UUID.match(response.headers["x-request-id"]) and response.headers["server"] == "cloudflare"
        assert response.headers["cf-ray"] and "via" not in response.headers
    for response in hub:
        assert ROOT_ID.match(response.headers["x-request-id"])
        assert "cloudfront.net" in response.headers["via"] and response.headers["x-amz-cf-pop"]
        assert response.headers["content-type"] and "x-cache" in response.headers


def test_an_injected_clock_makes_ids_and_dates_deterministic(serve, client):
    first = serve(clock=lambda: 1767225600.0)
    second = serve(clock=lambda: 1767225600.0)
    a, b = (client.get(s.url + "/api/whoami-v2") for s in (first, second))
    assert a.headers["x-request-id"] == b.headers["x-request-id"] and a.headers["date"] == b.headers["date"]
    assert a.headers["x-request-id"].startswith("Root=1-6955b900-")
    c, d = (client.get(s.url + "/v1/models") for s in (first, second))
    assert c.headers["x-request-id"] == d.headers["x-request-id"]


def test_requests_are_recorded_as_sent(serve, client):
    sim = serve()
    chat(client, sim, "a/b", headers={**auth(), "X-HF-Bill-To": "acme"})
    client.get(sim.url + "/api/models/Qwen/Qwen3.5-9B?expand[]=inferenceProviderMapping")
    posted, mapping = sim.requests
    assert (posted.method, posted.path) == ("POST", "/v1/chat/completions")
    assert posted.headers["authorization"] == f"Bearer {TOKEN}" and posted.headers["x-hf-bill-to"] == "acme"
    assert '"model": "a/b"' in posted.body or '"model":"a/b"' in posted.body
    assert mapping.path == "/api/models/Qwen/Qwen3.5-9B?expand[]=inferenceProviderMapping"


def test_context_manager_starts_and_stops(client):
    with SimServer(scenario()) as sim:
        assert client.get(sim.url + "/v1/models").status_code == 200
        url = sim.url
    with pytest.raises(httpx.ConnectError):
        client.get(url + "/v1/models")
    sim.stop()  # stopping twice is harmless


def test_stop_closes_idle_keep_alive_connections(serve, client):
    sim = serve()
    before = set(threading.enumerate())
    client.get(sim.url + "/v1/models")  # the client keeps this connection open, and a handler waits on it
    handlers = [t for t in set(threading.enumerate()) - before if "process_request_thread" in t.name]
    assert handlers, "a handler thread serves the keep-alive connection"
    returns(sim.stop, "stop() with an idle keep-alive connection open")
    wait_for(lambda: not any(t.is_alive() for t in handlers), "the handler of the idle connection ended")


def test_banner_prints_the_fake_token_in_full_and_a_raw_one_escaped():
    plain = SimServer(scenario())
    assert TOKEN in banner(plain) and plain.url in banner(plain) and "test" in banner(plain)
    raw = SimServer(scenario(client_token=TOKEN + "\n"))
    assert repr(TOKEN + "\n") in banner(raw)
    assert "no token" in banner(SimServer(scenario(client_token=None)))


def test_streaming_chat_is_server_sent_events(serve, client):
    sim = serve()
    response = client.post(sim.url + "/v1/chat/completions", headers=auth(),
                           json={"model": "openai/gpt-oss-120b:groq", "messages": PROMPT, "stream": True})
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["transfer-encoding"] == "chunked" and "content-length" not in response.headers
    events = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"  # the role first, as the recorded streams do
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == "OK"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["usage"]


def test_serve_prints_one_line_and_stops_on_ctrl_c():
    """What `hftui sim --scenario ok --port N` runs: a banner, then it blocks until SIGINT."""
    code = "from hftui.sim import serve; serve('ok', port=0)"
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                               cwd=Path(__file__).resolve().parents[2])
    try:
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)
        assert httpx.get(url + "/v1/models", timeout=5).status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=5) == 0
    finally:
        process.kill()
        process.stdout.close()
    assert "ok: Everything works" in line and "token hf_sim" in line
