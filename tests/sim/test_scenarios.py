"""Each named scenario tells its story over real HTTP: the calls hftui's plan makes get the answers
its verdict case needs (known-good, the user's call, the pinned call, whoami, X-HF-Bill-To)."""

from __future__ import annotations

import re

import httpx
import pytest

from hftui.core.cases import Case
from hftui.sim import SCENARIOS, SimServer, get_scenario
from hftui.sim.schema import FAULT_KINDS, clean_token

KNOWN_GOOD = "openai/gpt-oss-120b:fastest"
REQUIRED = (
    "ok", "case-a", "case-b", "case-c", "case-d", "account-fault", "credits-exhausted", "no-token", "token-newline",
    "token-quoted", "token-invalid", "token-no-permission", "model-unavailable", "rate-limited", "provider-outage",
    "network-error",
)
MAPPING = "/api/models/{}?expand[]=inferenceProviderMapping"


class Story:
    """One scenario's simulator plus the calls the plan would make, with the token the user meant."""

    def __init__(self, name: str) -> None:
        self.scenario = get_scenario(name)
        self.sim = SimServer(self.scenario).start()
        self.http = httpx.Client(base_url=self.sim.url, timeout=5)
        raw = self.scenario.client_token
        self.token = clean_token(raw) if raw else None

    def headers(self, token: str | None = None, bill_to: str | None = None) -> dict[str, str]:
        token = token or self.token
        return {**({"Authorization": f"Bearer {token}"} if token else {}), **({"X-HF-Bill-To": bill_to} if bill_to else {})}

    def chat(self, model: str | None = None, bill_to: str | None = None, token: str | None = None) -> httpx.Response:
        body = {"model": model or self.scenario.model, "messages": [{"role": "user", "content": "Reply with exactly OK"}],
                "max_tokens": 8}
        return self.http.post("/v1/chat/completions", json=body, headers=self.headers(token, bill_to))

    def whoami(self, token: str | None = None) -> httpx.Response:
        return self.http.get("/api/whoami-v2", headers=self.headers(token))

    def close(self) -> None:
        self.http.close()
        self.sim.stop()


@pytest.fixture
def story(request):
    opened: list[Story] = []

    def open_story(name: str) -> Story:
        opened.append(Story(name))
        return opened[-1]

    yield open_story
    for item in opened:
        item.close()


# -- The registry --------------------------------------------------------------------------

def test_the_required_scenarios_exist_in_order_and_unknown_names_list_them():
    assert list(SCENARIOS)[: len(REQUIRED)] == list(REQUIRED)
    with pytest.raises(KeyError, match="case-a.*case-b"):
        get_scenario("case-z")


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_scenario_is_well_formed(name):
    scenario = SCENARIOS[name]
    assert scenario.name == name and "\n" not in scenario.title
    assert scenario.expected_case in {case.value for case in Case} and scenario.expected_seed in (None, "A", "B", "C", "D")
    sentences = re.split(r"(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s+", scenario.description.strip())
    assert 2 <= len(sentences) <= 3, sentences
    assert re.fullmatch(r"[\w.-]+/[\w.-]+(:[a-z0-9-]+)?", scenario.model)
    for token in (*scenario.valid_tokens, *([clean_token(scenario.client_token)] if scenario.client_token else [])):
        assert re.fullmatch(r"hf_sim[A-Za-z0-9]{31,}", token), token  # fake, and visibly so
    assert all(fault.kind in FAULT_KINDS for fault in scenario.route_faults.values())


def test_client_tokens_are_distinct_per_scenario():
    tokens = [s.client_token for s in SCENARIOS.values() if s.client_token]
    assert len(set(tokens)) == len(tokens)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_scenario_serves_whoami_for_an_accepted_token(story, name):
    """200 with the user for the token the server accepts, unless the scenario faults whoami on purpose."""
    s = story(name)
    faults = s.scenario.route_faults
    fault = faults.get("whoami") or faults.get("*")
    token = s.scenario.valid_tokens[0]
    if not s.scenario.hub_accepts_token:  # a mirror Hub (HF_ENDPOINT) that knows no token the router accepts
        assert s.whoami(token).status_code == 401 and s.chat(token=token).status_code == 200
    elif fault is None:
        assert s.whoami(token).json()["name"] == s.scenario.user
    elif fault.kind == "hang":
        with pytest.raises(httpx.ReadTimeout):
            s.http.get("/api/whoami-v2", headers=s.headers(token), timeout=0.5)
    elif fault.kind == "reset":
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            s.whoami(token)
    elif fault.kind == "invalid_utf8":
        response = s.whoami(token)
        assert response.status_code == 200
        with pytest.raises(UnicodeDecodeError):
            response.content.decode("utf-8")
    else:
        pytest.fail(f"no expectation for whoami fault {fault.kind}")


# -- The seed's matrix ---------------------------------------------------------------------

def test_case_a_preferred_goes_to_hf_inference_and_the_other_live_provider_is_overloaded(story):
    s = story("case-a")
    preferred = s.chat()
    assert preferred.status_code == 400 and preferred.json() == {"error": "Model not supported by provider hf-inference"}
    assert preferred.headers["x-inference-provider"] == "hf-inference"
    assert s.chat(KNOWN_GOOD).status_code == 200
    mapping = s.http.get(MAPPING.format("Qwen/Qwen3.5-9B"), headers=s.headers())
    assert mapping.status_code == 200, "a public repo's mapping is never 401"
    assert list(mapping.json()["inferenceProviderMapping"])[:2] == ["hf-inference", "featherless-ai"]
    assert s.chat("Qwen/Qwen3.5-9B:featherless-ai").status_code == 503


def test_case_b_the_same_model_pinned_to_a_live_provider_works(story):
    s = story("case-b")
    assert s.chat().status_code == 401
    assert s.chat(KNOWN_GOOD).status_code == 200
    live = [p for p, info in s.http.get(MAPPING.format("Qwen/Qwen3.5-9B")).json()["inferenceProviderMapping"].items()
            if info["status"] == "live"]
    assert {"together", "featherless-ai"} <= set(live)
    assert all(s.chat(f"Qwen/Qwen3.5-9B:{provider}").status_code == 200 for provider in live)


def test_case_c_every_chat_is_401_while_whoami_is_fine_and_there_is_no_org(story):
    s = story("case-c")
    for model in (s.scenario.model, KNOWN_GOOD, "Qwen/Qwen3.5-9B:together"):
        assert s.chat(model).status_code == 401
    assert s.whoami().status_code == 200 and s.whoami().json()["orgs"] == []


def test_case_d_billing_the_org_fixes_it(story):
    s = story("case-d")
    assert s.whoami().json()["orgs"][0]["name"] == "acme-research"
    assert s.chat().status_code == 401 and s.chat(KNOWN_GOOD).status_code == 401
    assert s.chat(bill_to="acme-research").status_code == 200
    assert s.chat(KNOWN_GOOD, bill_to="acme-research").status_code == 200
    assert s.chat(bill_to="someone-else").status_code == 401


@pytest.mark.parametrize(("name", "org", "status", "wording"), [
    ("bill-to-refused", "acme-research", 403, "on behalf of org acme-research"),
    ("bill-to-cannot-pay", "study-group", 401, "Invalid username or password."),
    ("bill-to-revoked", "bigcorp", 403, "revoked by the organization administrator"),
    ("bill-to-not-member", "other-lab", 401, "Invalid username or password."),
])
def test_each_refused_bill_to_answers_as_the_router_does(story, name, org, status, wording):
    s = story(name)
    assert s.chat().status_code == 401
    refused = s.chat(bill_to=org)
    assert refused.status_code == status and wording in refused.json()["error"]
    assert refused.headers["x-error-message"] == refused.json()["error"]


def test_many_orgs_only_the_fifth_can_pay_and_only_billing_it_works(story):
    s = story("many-orgs")
    orgs = s.whoami().json()["orgs"]
    assert len(orgs) == 6 and [o["canPay"] for o in orgs].index(True) == 4
    assert [s.chat(bill_to=o["name"]).status_code for o in orgs] == [401, 401, 401, 401, 200, 401]


def test_credits_org_refused_402_in_the_openai_form_and_403_for_the_org(story):
    s = story("credits-org-refused")
    personal = s.chat()
    assert personal.status_code == 402 and "depleted" in personal.json()["error"]["message"]
    assert s.chat(bill_to="acme-research").status_code == 403


def test_model_requires_payment_402_on_that_model_only_and_a_listed_mapping(story):
    s = story("model-requires-payment")
    assert s.chat().status_code == 402 and s.chat().headers["x-inference-provider"] == "zai-org"
    assert s.chat(KNOWN_GOOD).status_code == 200
    mapping = s.http.get(MAPPING.format("zai-org/GLM-4.6")).json()["inferenceProviderMapping"]
    assert isinstance(mapping, list) and {"provider", "hfModelId", "providerId", "status", "task"} <= set(mapping[0])


def test_account_fault_org_billing_changes_nothing(story):
    s = story("account-fault")
    assert s.whoami().json()["orgs"] and s.whoami().status_code == 200
    assert {s.chat().status_code, s.chat(KNOWN_GOOD).status_code, s.chat(bill_to="acme-research").status_code} == {401}


def test_credits_exhausted_is_402_with_the_credits_message(story):
    s = story("credits-exhausted")
    response = s.chat()
    assert response.status_code == 402 and "depleted your monthly included credits" in response.json()["error"]
    assert s.chat(KNOWN_GOOD).status_code == 402


# -- Tokens --------------------------------------------------------------------------------

def test_no_token_every_authenticated_call_is_401_but_discovery_answers(story):
    s = story("no-token")
    assert s.scenario.client_token is None
    assert s.whoami().status_code == 401 and s.chat().status_code == 401
    assert s.http.get("/v1/models").status_code == 200


def test_token_newline_the_raw_value_cannot_be_sent_and_the_cleaned_one_works(story):
    s = story("token-newline")
    assert s.scenario.client_token.endswith("\n")
    with pytest.raises(httpx.LocalProtocolError):  # h11 refuses a header value with a line break
        s.http.get("/api/whoami-v2", headers={"Authorization": f"Bearer {s.scenario.client_token}"})
    assert s.whoami().status_code == 200 and s.chat().status_code == 200


def test_token_quoted_the_raw_value_gets_401_and_the_cleaned_one_works(story):
    s = story("token-quoted")
    raw = s.scenario.client_token
    assert raw.startswith('"') and raw.endswith('"')
    assert s.whoami(raw).status_code == 401 and s.chat(token=raw).status_code == 401
    assert s.whoami().status_code == 200 and s.chat().status_code == 200


def test_token_invalid_everything_authenticated_is_401(story):
    s = story("token-invalid")
    assert s.whoami().json() == {"error": "Invalid credentials in Authorization header"}
    assert s.chat().status_code == 401 and s.chat(KNOWN_GOOD).status_code == 401
    assert s.whoami(s.scenario.valid_tokens[0]).status_code == 200  # the new token would work


def test_token_expired_lives_in_the_token_file_with_a_past_expiry_in_stored_tokens(story):
    s = story("token-expired")
    files = s.scenario.token_files
    assert files["token"].strip() == s.scenario.client_token and "refresh_token = hf_oauth" in files["stored_tokens"]
    expires_at = int(files["stored_tokens"].split("expires_at = ")[1].split()[0])
    assert expires_at < 1790000000  # 2026-09: past for any run of these tests
    assert s.whoami().status_code == 401 and s.chat().status_code == 401


def test_hub_mirror_rejects_the_token_the_router_serves(story):
    s = story("hub-mirror")
    assert s.whoami().status_code == 401 and s.chat().status_code == 200 and s.chat(KNOWN_GOOD).status_code == 200


def test_wrong_router_url_404s_every_router_route_and_serves_the_hub(story):
    s = story("wrong-router-url")
    assert s.http.get("/v1/models").status_code == 404 and s.chat().status_code == 404
    assert s.whoami().status_code == 200


def test_token_no_permission_whoami_works_and_chat_is_403(story):
    s = story("token-no-permission")
    fine_grained = s.whoami().json()["auth"]["accessToken"]["fineGrained"]
    assert "inference.serverless.write" not in fine_grained["global"]
    assert all("inference.serverless.write" not in scope["permissions"] for scope in fine_grained["scoped"])
    response = s.chat(KNOWN_GOOD)
    assert response.status_code == 403 and "sufficient permissions" in response.json()["error"]


# -- Models and providers ------------------------------------------------------------------

def test_model_unavailable_is_400_model_not_supported_with_only_an_errored_mapping(story):
    s = story("model-unavailable")
    response = s.chat()
    assert response.status_code == 400 and response.json()["error"]["code"] == "model_not_supported"
    assert s.chat(KNOWN_GOOD).status_code == 200
    repo = s.scenario.model.split(":")[0]
    mapping = s.http.get(MAPPING.format(repo)).json()["inferenceProviderMapping"]
    assert [info["status"] for info in mapping.values()] == ["error"]
    assert repo not in {e["id"] for e in s.http.get("/v1/models").json()["data"]}


def test_rate_limited_user_model_429_with_retry_after_and_known_good_without(story):
    s = story("rate-limited")
    limited = s.chat()
    assert limited.status_code == 429 and limited.headers["retry-after"] == "30"
    assert "Rate limit" in limited.json()["error"]["message"]
    known_good = s.chat(KNOWN_GOOD)
    assert known_good.status_code == 429 and "retry-after" not in known_good.headers


def test_provider_outage_auto_route_503_pinned_elsewhere_and_known_good_work(story):
    s = story("provider-outage")
    for model in (s.scenario.model, f"{s.scenario.model}:fastest"):
        response = s.chat(model)
        assert response.status_code == 503 and response.json()["error"]["type"] == "server_error"
    assert s.chat(f"{s.scenario.model}:novita").status_code == 200
    assert s.chat(KNOWN_GOOD).status_code == 200


# -- Transport faults ----------------------------------------------------------------------

def test_network_error_resets_every_route(story):
    s = story("network-error")
    for call in (s.whoami, s.chat, lambda: s.http.get("/v1/models")):
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            call()


def test_slow_hub_hangs_the_hub_while_the_router_answers(story):
    s = story("slow-hub")
    with pytest.raises(httpx.ReadTimeout):
        s.http.get(MAPPING.format("Qwen/Qwen3.5-9B"), timeout=0.5)
    assert s.chat().status_code == 200 and s.chat(KNOWN_GOOD).status_code == 200


def test_html_errors_chat_gets_cloudfront_pages_and_the_hub_is_fine(story):
    s = story("html-errors")
    response = s.chat()
    assert response.status_code == 502 and "<TITLE>ERROR: The request could not be satisfied</TITLE>" in response.text
    assert s.whoami().status_code == 200


def test_garbled_bodies_only_the_hub_and_catalog_are_garbled(story):
    s = story("garbled-bodies")
    assert len(s.http.get("/v1/models").content) == 10 * 1024 * 1024
    assert s.chat().status_code == 200
