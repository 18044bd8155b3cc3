"""Real answers as judge: `hftui diagnose --json`, as a user runs it, against a loopback server replaying
real recorded answers and the real wordings of router-api.md §2–§3. Each test is one situation a user
meets (issue 11's fifteen, then variants: other orgs, other wordings, other providers), and asserts
the verdict case and the phrase that makes it useful."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import assert_no_leak, hftui
from replay import Canned, ReplayServer, Seen, answer, recorded
from world import (
    CREDITS_2025,
    CREDITS_2026,
    FAKE_TOKEN,
    HF_INFERENCE_400,
    HUB_401,
    KNOWN_GOOD,
    LEGACY_410,
    MODEL_REPO,
    RECORDED_ROUTER_401,
    REVOKED,
    ROUTER_401,
    USER,
    catalog,
    chat,
    chat_ok,
    classic,
    fine_grained_2026,
    hub_error,
    hub_ok,
    mapping_as_list,
    model_not_supported,
    no_permission,
    org,
    router_error,
    router_headers,
    whoami,
    world,
)

PREFERRED = f"{MODEL_REPO}:preferred"
REMOVED = ("black-forest-labs", "clarifai", "hyperbolic", "nebius", "nvidia", "sambanova")


@dataclass
class Run:
    document: dict[str, Any]
    seen: list[Seen]
    stderr: str
    returncode: int

    @property
    def case(self) -> str:
        return self.document["verdict"]["case"]

    @property
    def verdict(self) -> dict[str, Any]:
        return self.document["verdict"]

    @property
    def text(self) -> str:
        """Everything the verdict says, in one string to look for phrases in."""
        verdict = self.verdict
        return " ".join([verdict["summary"], *(e["fact"] for e in verdict["evidence"]), *verdict["next_steps"]])

    def step(self, step_id: str) -> dict[str, Any]:
        return next(step for step in self.document["steps"] if step["id"] == step_id)

    def chats(self, bill_to: Any = None) -> list[Seen]:
        return [s for s in self.seen if s.path.endswith("/chat/completions") and s.headers.get("x-hf-bill-to") == bill_to]


def diagnose(canned: list[Canned], tmp_path: Path, model: str = PREFERRED, *extra: str, router: str = "{url}",
             env: dict[str, str | None] | None = None, token: str | None = FAKE_TOKEN) -> Run:
    with ReplayServer(canned) as replay:
        args = ["diagnose", "--json", "--hub-url", replay.url, "--router-url", router.format(url=replay.url),
                "--model", model, "--timeout", "20", *extra]
        result = hftui(*args, env={"HF_HOME": str(tmp_path), "HF_TOKEN": token, **(env or {})})
        seen = list(replay.seen)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    if token:
        assert_no_leak(result.stdout + result.stderr, token)
    return Run(json.loads(result.stdout), seen, result.stderr, result.returncode)


def everywhere_401() -> list[Canned]:
    return [chat("*", RECORDED_ROUTER_401, bill_to=None)]


# -- 1. A chat call that answered outranks whoami ----------------------------------------------------

def test_whoami_401_while_every_chat_call_works_is_ok_with_the_hub_named(tmp_path):
    """HF_ENDPOINT points at a mirror: its whoami (and mapping) reject the token, the router serves it."""
    canned = world(Canned("GET", r"/api/whoami-v2", hub_error(401, HUB_401)),
                   Canned("GET", r"/api/models/.*", hub_error(401, HUB_401)))
    run = diagnose(canned, tmp_path)
    assert run.case == "ok" and run.returncode == 0, run.verdict
    assert "rejects this token but the router accepts it" in run.verdict["summary"]
    assert "HF_ENDPOINT" in run.verdict["summary"]
    assert "token_invalid" not in run.verdict["alternatives"]


def test_whoami_429_while_chat_works_is_ok(tmp_path):
    canned = world(Canned("GET", r"/api/whoami-v2", hub_error(429, "Too many requests, retry later")))
    run = diagnose(canned, tmp_path)
    assert run.case == "ok", run.verdict


# -- 2. The permission read from whoami outranks nothing the router did -----------------------------

@pytest.mark.parametrize("auth", [
    fine_grained_2026(user_perms=["inference.serverless.call", "repo.content.read"]),  # named differently
    fine_grained_2026(user_perms=[], global_perms=["discussion.write"]),  # placed somewhere whoami does not show
])
def test_whoami_says_no_permission_while_the_router_serves_the_call_is_ok_with_a_note(auth, tmp_path):
    run = diagnose(world(who=whoami(auth)), tmp_path)
    assert run.case == "ok", run.verdict
    assert "yet the router served the call" in run.verdict["summary"]
    assert "token_lacks_inference_permission" not in run.verdict["alternatives"]


def test_whoami_2026_shape_permission_only_in_the_user_scoped_entry_counts(tmp_path):
    run = diagnose(world(), tmp_path)
    assert run.case == "ok" and run.document["account"]["can_call_inference"] is True


def test_whoami_shows_the_permission_but_the_router_says_403_is_called_a_contradiction(tmp_path):
    canned = world(chat("*", router_error(403, {"error": no_permission("user", USER)})))
    run = diagnose(canned, tmp_path)
    assert run.case == "token_lacks_inference_permission", run.verdict
    assert "contradict" in run.verdict["summary"]


def test_app_token_without_permission_is_named_an_app_token(tmp_path):
    who = whoami({"type": "app_token", "expiresAt": "2027-01-01T00:00:00.000Z"}, kind="user")
    canned = world(chat("*", router_error(403, {"error": no_permission("user", USER)})), who=who)
    run = diagnose(canned, tmp_path)
    assert run.case == "token_lacks_inference_permission", run.verdict
    assert "app token" in run.verdict["summary"]


# -- 3. A refused X-HF-Bill-To is a refusal ----------------------------------------------------------

def test_personal_402_and_org_403_on_behalf_of_org_is_credits_with_the_refusal_as_alternative(tmp_path):
    who = whoami(fine_grained_2026(), orgs=[org("acme-research")])
    canned = world(chat("*", router_error(402, {"error": CREDITS_2026}), bill_to=None),
                   chat("*", router_error(403, {"error": no_permission("org", "acme-research")}), bill_to="acme-research"),
                   who=who)
    run = diagnose(canned, tmp_path)
    assert run.case == "credits_exhausted", run.verdict
    assert "bill_to_refused" in run.verdict["alternatives"]
    assert "token_lacks_inference_permission" not in run.verdict["alternatives"]
    assert "credits" in run.verdict["summary"]


@pytest.mark.parametrize(("orgs", "scopes", "phrase"), [
    ([org("acme-research", can_pay=False)], {"acme-research": ["inference.serverless.write"]}, "cannot pay"),
    ([org("acme-research")], {}, "no inference permission scoped to acme-research"),
    ([org("tiny-lab", can_pay=False), org("acme-research")], {}, "acme-research"),
])
def test_personal_401_and_org_401_is_a_refused_bill_to_explained_from_whoami(orgs, scopes, phrase, tmp_path):
    who = whoami(fine_grained_2026(org_scopes=scopes), orgs=orgs)
    canned = world(*everywhere_401(), chat("*", router_error(401, {"error": ROUTER_401})), who=who)
    run = diagnose(canned, tmp_path)
    assert run.case == "bill_to_refused" and run.verdict["seed_case"] == "C", run.verdict
    assert phrase in run.verdict["summary"]
    assert "contact support" not in run.text.lower()


@pytest.mark.parametrize("wording", [
    REVOKED,
    "Your access to this organization is pending approval by an administrator.",
    "Your request to access this organization's resources was denied by an administrator.",
])
def test_org_revoked_or_approval_is_a_refused_bill_to_not_an_account_fault(wording, tmp_path):
    who = whoami(classic("write"), orgs=[org("bigcorp", enterprise=True)])
    canned = world(*everywhere_401(), chat("*", router_error(403, {"error": wording})), who=who)
    run = diagnose(canned, tmp_path)
    assert run.case == "bill_to_refused", run.verdict
    assert "organization administrator" in run.verdict["summary"] or "approval" in run.verdict["summary"]
    assert "account_fault" not in run.verdict["alternatives"]


def test_bill_to_an_org_whoami_does_not_list_is_refused_as_not_a_member(tmp_path):
    who = whoami(classic("write"), orgs=[org("acme-research")])
    canned = world(*everywhere_401(), chat("*", router_error(401, {"error": ROUTER_401})), who=who)
    run = diagnose(canned, tmp_path, PREFERRED, "--bill-to", "someone-elses-org")
    assert run.case == "bill_to_refused", run.verdict
    assert "not a member" in run.verdict["summary"]


def test_classic_write_token_member_of_a_paying_org_same_401_is_an_account_fault(tmp_path):
    who = whoami(classic("write"), orgs=[org("acme-research")])
    canned = world(*everywhere_401(), chat("*", router_error(401, {"error": ROUTER_401})), who=who)
    run = diagnose(canned, tmp_path)
    assert run.case == "account_fault", run.verdict
    assert "acme-research" in run.verdict["summary"]


def test_token_scoped_for_a_paying_org_same_401_is_an_account_fault(tmp_path):
    who = whoami(fine_grained_2026(org_scopes={"acme-research": ["inference.serverless.write"]}),
                 orgs=[org("acme-research")])
    canned = world(*everywhere_401(), chat("*", router_error(401, {"error": ROUTER_401})), who=who)
    run = diagnose(canned, tmp_path)
    assert run.case == "account_fault", run.verdict


# -- 4. 402 on the user's model only ------------------------------------------------------------------

@pytest.mark.parametrize("body", [{"error": CREDITS_2026}, {"error": {"message": CREDITS_2026, "type": "billing"}},
                                  {"error": CREDITS_2025}])
def test_402_on_the_users_model_while_known_good_works_is_model_requires_payment(body, tmp_path):
    canned = world(chat(f"{MODEL_REPO}*", router_error(402, body, provider="together")))
    run = diagnose(canned, tmp_path, f"{MODEL_REPO}:together")
    assert run.case == "model_requires_payment", run.verdict
    assert "used up" not in run.verdict["summary"]
    assert KNOWN_GOOD in run.text


@pytest.mark.parametrize("body", [{"error": CREDITS_2026}, {"error": {"message": CREDITS_2026}}, {"error": CREDITS_2025}])
def test_402_on_every_call_is_credits_exhausted_in_each_wording(body, tmp_path):
    run = diagnose(world(chat("*", router_error(402, body))), tmp_path)
    assert run.case == "credits_exhausted", run.verdict


# -- 5. An expired OAuth token ------------------------------------------------------------------------

def test_expired_oauth_token_in_the_token_file_is_token_expired(tmp_path):
    (tmp_path / "token").write_text(FAKE_TOKEN)
    (tmp_path / "stored_tokens").write_text(f"[browser]\nhf_token = {FAKE_TOKEN}\nrefresh_token = hf_oauth_r_"
                                            f"{'z' * 30}\nexpires_at = 1767225600\n")
    canned = world(Canned("GET", r"/api/whoami-v2", hub_error(401, HUB_401)),
                   Canned("GET", r"/api/models/.*", hub_error(401, HUB_401)), *everywhere_401())
    run = diagnose(canned, tmp_path, token=None)
    assert run.case == "token_expired", run.verdict
    assert "hf auth login" in run.text and "huggingface_hub" in run.verdict["summary"]
    assert "curl" in run.verdict["summary"]


def test_oidc_resource_is_listed_as_a_source_hftui_cannot_exchange(tmp_path):
    run = diagnose(world(), tmp_path, env={"HF_OIDC_RESOURCE": "https://token.actions.githubusercontent.com"})
    listed = {item["source"]: item["why"] for item in run.document["token_sources_unreadable"]}
    assert "env:HF_OIDC_RESOURCE" in listed and "cannot" in listed["env:HF_OIDC_RESOURCE"]


def test_org_token_is_named_an_organization_token(tmp_path):
    org_token = "api_org_" + "Q" * 26 + "orgtok01"
    canned = world(Canned("GET", r"/api/whoami-v2", hub_error(401, HUB_401)), *everywhere_401())
    run = diagnose(canned, tmp_path, token=org_token)
    assert run.case == "token_invalid", run.verdict
    assert "organization token" in run.verdict["summary"]


# -- 6. The router URL in its OpenAI form -------------------------------------------------------------

@pytest.mark.parametrize("form", ["{url}/v1", "{url}/v1/", "{url}/v1/chat/completions"])
def test_router_url_in_its_openai_forms_is_normalised_and_said_once(form, tmp_path):
    run = diagnose(world(), tmp_path, router=form)
    assert run.case == "ok", run.verdict
    assert not any("/v1/v1/" in seen.path for seen in run.seen)
    assert run.stderr.count("--router-url") == 1
    assert run.document["inputs"]["router_url_note"]


def test_router_url_from_the_environment_in_its_openai_form_is_normalised(tmp_path):
    with ReplayServer(world()) as replay:
        result = hftui("diagnose", "--json", "--hub-url", replay.url, "--model", PREFERRED,
                       env={"HF_HOME": str(tmp_path), "HF_TOKEN": FAKE_TOKEN, "HFTUI_ROUTER_URL": f"{replay.url}/v1"})
    document = json.loads(result.stdout)
    assert document["verdict"]["case"] == "ok" and document["inputs"]["router_url"] == replay.url
    assert "HFTUI_ROUTER_URL" in result.stderr


@pytest.mark.parametrize("url", ["https://router.huggingface.co/v1?x=1", "https://router.huggingface.co/#v1",
                                 "https://ada:secret@router.huggingface.co"])
def test_router_url_with_a_query_fragment_or_credentials_is_refused(url):
    result = hftui("diagnose", "--model", PREFERRED, "--router-url", url)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "secret" not in result.stderr


def test_a_url_that_404s_every_router_route_is_not_the_router(tmp_path):
    """--router-url pointed at the Hub: the Hub answers 404 to /v1/models and /v1/chat/completions."""
    canned = [Canned("GET", r"/api/whoami-v2", hub_ok(whoami())),
              Canned("GET", r"/api/models/.*", hub_ok(json.loads(world()[2].answer.body)))]
    run = diagnose(canned, tmp_path)
    assert run.case == "wrong_router_url", run.verdict
    assert "not the router" in run.verdict["summary"]


def test_the_legacy_inference_api_as_router_is_not_the_router(tmp_path):
    gone = answer(410, {"error": LEGACY_410})
    canned = world(Canned("GET", r"/v1/models", gone), Canned("POST", r"/v1/chat/completions", gone))
    run = diagnose(canned, tmp_path)
    assert run.case == "wrong_router_url", run.verdict
    assert "router.huggingface.co" in run.text


# -- 7. Real-size catalogs and unreadable mappings ----------------------------------------------------

def test_a_real_size_catalog_is_read_whole_and_gives_the_pinned_provider(tmp_path):
    """260 models, over 300 KB; the user's model near the end; the Hub mapping hidden (RepoNotFound)."""
    big = catalog(260)
    assert len(json.dumps(big)) > 300_000
    canned = world(chat(PREFERRED, router_error(401, {"error": ROUTER_401})),
                   Canned("GET", r"/api/models/.*", hub_error(401, "Repository not found", code="RepoNotFound")),
                   cat=big)
    run = diagnose(canned, tmp_path)
    assert (run.case, run.verdict["seed_case"]) == ("provider_policy", "B"), run.verdict
    assert run.step("catalog")["response"]["truncated"] is False


def test_an_unreadable_mapping_is_could_not_read_never_no_provider(tmp_path):
    page = "<!DOCTYPE html><html><head><title>Hugging Face – The AI community</title></head><body>…</body></html>"
    canned = world(chat(PREFERRED, router_error(400, model_not_supported(PREFERRED))),
                   Canned("GET", r"/v1/models", answer(503, "<html><title>503 Service Unavailable</title></html>",
                                                      {"Content-Type": "text/html"})),
                   Canned("GET", r"/api/models/.*", answer(200, page, {"Content-Type": "text/html"})))
    run = diagnose(canned, tmp_path)
    assert run.case != "model_unavailable" and "model_unavailable" not in run.verdict["alternatives"], run.verdict
    assert "could not read" in (run.step("mapping")["note"] or "")


def test_a_cut_mapping_body_is_could_not_read(tmp_path):
    cut = json.dumps(json.loads(world()[2].answer.body))[:300]
    canned = world(chat(PREFERRED, router_error(400, model_not_supported(PREFERRED))),
                   Canned("GET", r"/v1/models", answer(200, catalog(listed={MODEL_REPO: []}), {})),
                   Canned("GET", r"/api/models/.*", answer(200, cut, {"Content-Type": "application/json"})))
    run = diagnose(canned, tmp_path)
    assert run.case != "model_unavailable" or "could not read" in run.text, run.verdict
    assert "could not read" in (run.step("mapping")["note"] or "")


def test_the_mapping_as_a_list_is_read(tmp_path):
    listed = mapping_as_list(MODEL_REPO, [("novita", "meta-llama/llama-3.3-70b-instruct", "live")])
    canned = world(chat(PREFERRED, router_error(401, {"error": ROUTER_401})),
                   Canned("GET", r"/api/models/.*", hub_ok(listed)),
                   cat=catalog(listed={MODEL_REPO: []}))
    run = diagnose(canned, tmp_path)
    assert (run.case, run.verdict["seed_case"]) == ("provider_policy", "B"), run.verdict
    assert run.step("pinned")["request"]["body"].count(f"{MODEL_REPO}:novita") == 1


# -- 8. Every org that could pay is tried -------------------------------------------------------------

def test_with_six_orgs_the_one_that_pays_is_tried_whatever_its_place(tmp_path):
    orgs = [org("study-group", can_pay=False), org("reading-club", can_pay=False), org("hackathon-2025", can_pay=False),
            org("old-startup", can_pay=False), org("acme-research"), org("side-project", can_pay=False)]
    scopes = {o["name"]: ["inference.serverless.write"] for o in orgs}
    canned = world(*everywhere_401(), chat("*", chat_ok(), bill_to="acme-research"),
                   chat("*", router_error(401, {"error": ROUTER_401})), who=whoami(fine_grained_2026(scopes), orgs=orgs))
    run = diagnose(canned, tmp_path)
    assert (run.case, run.verdict["seed_case"]) == ("bill_to_fixes", "D"), run.verdict
    assert "acme-research" in run.verdict["summary"]
    assert run.step("bill-to")["attempts"][0]["bill_to"] == "acme-research", "the org that can pay goes first"
    assert {a["bill_to"] for a in run.step("bill-to")["attempts"]} == {o["name"] for o in orgs}


def test_an_enterprise_org_is_tried_first_too(tmp_path):
    orgs = [org(f"club-{n}", can_pay=False) for n in range(4)] + [org("bigcorp", can_pay=False, enterprise=True)]
    canned = world(*everywhere_401(), chat("*", chat_ok(), bill_to="bigcorp"),
                   chat("*", router_error(401, {"error": ROUTER_401})), who=whoami(classic("write"), orgs=orgs))
    run = diagnose(canned, tmp_path)
    assert run.case == "bill_to_fixes" and "bigcorp" in run.verdict["summary"], run.verdict


# -- 9. Pinned suffixes, removed providers, byte-exact calls, the pinned choice --------------------------

def test_a_pinned_suffix_that_fails_names_the_provider_not_a_placeholder(tmp_path):
    canned = world(chat(f"{MODEL_REPO}:together", router_error(400, model_not_supported(f"{MODEL_REPO}:together"))))
    run = diagnose(canned, tmp_path, f"{MODEL_REPO}:together")
    assert run.case == "provider_policy", run.verdict
    assert "':provider'" not in run.text and "together" in run.verdict["summary"]


@pytest.mark.parametrize("provider", ["sambanova", "nebius", "hyperbolic"])
def test_a_removed_provider_in_the_suffix_is_called_removed(provider, tmp_path):
    model = f"{MODEL_REPO}:{provider}"
    canned = world(chat(model, router_error(400, model_not_supported(model))))
    run = diagnose(canned, tmp_path, model)
    assert "removed" in run.verdict["summary"] and provider in run.verdict["summary"], run.verdict
    assert run.step("pinned")["status"] == "ok"


def test_the_as_configured_call_is_byte_exact(tmp_path):
    run = diagnose(world(), tmp_path, f"{MODEL_REPO}:Together")
    sent = [json.loads(s.body)["model"] for s in run.chats()]
    assert f"{MODEL_REPO}:Together" in sent, sent


def test_the_pinned_step_avoids_the_provider_the_failing_call_used_and_removed_ones(tmp_path):
    """The mapping comes in the user's order (fireworks-ai first): ':preferred' used fireworks-ai and failed."""
    canned = world(chat(PREFERRED, router_error(401, {"error": ROUTER_401}, provider="fireworks-ai")))
    run = diagnose(canned, tmp_path)
    target = json.loads(run.step("pinned")["request"]["body"])["model"]
    provider = target.rsplit(":", 1)[1]
    assert provider != "fireworks-ai" and provider not in REMOVED, target
    assert provider in ("together", "novita"), "a provider the catalog marks live"


def test_hf_inference_not_serving_the_llm_is_provider_policy(tmp_path):
    model = f"{MODEL_REPO}:hf-inference"
    canned = world(chat(model, router_error(400, {"error": HF_INFERENCE_400}, provider="hf-inference")))
    run = diagnose(canned, tmp_path, model)
    assert (run.case, run.verdict["seed_case"]) == ("provider_policy", "B"), run.verdict
    assert "hf-inference" in run.verdict["summary"]


# -- the seed's matrix on real answers -------------------------------------------------------------------

def test_case_b_on_real_answers(tmp_path):
    run = diagnose(world(chat(PREFERRED, RECORDED_ROUTER_401)), tmp_path)
    assert (run.case, run.verdict["seed_case"]) == ("provider_policy", "B"), run.verdict


def test_case_c_on_real_answers_without_orgs(tmp_path):
    run = diagnose(world(*everywhere_401(), chat("*", RECORDED_ROUTER_401)), tmp_path)
    assert (run.case, run.verdict["seed_case"]) == ("billing_or_account", "C"), run.verdict


def test_model_nobody_serves_is_model_unavailable(tmp_path):
    model = "example-org/retired-model-7b:preferred"
    canned = world(chat(model, router_error(400, model_not_supported(model))),
                   Canned("GET", r"/api/models/example-org/retired-model-7b",
                          hub_ok({"_id": "x" * 24, "id": "example-org/retired-model-7b", "inferenceProviderMapping": {}})))
    run = diagnose(canned, tmp_path, model)
    assert run.case == "model_unavailable", run.verdict


def test_an_org_token_whoami_accepts_is_still_named_when_every_call_is_refused(tmp_path):
    org_token = "api_org_" + "Q" * 26 + "orgtok02"
    who = {**whoami(classic("write")), "type": "org", "name": "acme-research", "orgs": []}
    run = diagnose(world(*everywhere_401(), who=who), tmp_path, token=org_token)
    assert run.case == "token_invalid" and "organization token" in run.verdict["summary"], run.verdict


def test_the_oauth_expiry_may_be_an_iso_time_and_the_token_may_sit_in_hf_token(tmp_path):
    (tmp_path / "stored_tokens").write_text(f"[browser]\nhf_token = {FAKE_TOKEN}\nrefresh_token = hf_oauth_r_x\n"
                                            f"expires_at = 2026-06-01T10:00:00Z\n")
    canned = world(Canned("GET", r"/api/whoami-v2", hub_error(401, HUB_401)), *everywhere_401())
    run = diagnose(canned, tmp_path)
    assert run.case == "token_expired" and "2026-06-01 10:00 UTC" in run.verdict["summary"], run.verdict


def test_whoami_rate_limited_while_every_call_gets_401_is_read_from_the_calls(tmp_path):
    canned = world(Canned("GET", r"/api/whoami-v2", hub_error(429, "Too many requests")),
                   *everywhere_401(), chat("*", RECORDED_ROUTER_401))
    run = diagnose(canned, tmp_path)
    assert run.case == "billing_or_account" and "not confirmed" in run.verdict["summary"], run.verdict


def test_a_providers_own_401_on_a_routed_call_suggests_a_custom_key(tmp_path):
    together_401 = answer(401, {"error": {"message": "Invalid API key provided.", "type": "invalid_request_error"}},
                          (*router_headers("together"),))
    run = diagnose(world(chat(PREFERRED, together_401)), tmp_path)
    assert (run.case, run.verdict["seed_case"]) == ("provider_policy", "B"), run.verdict
    assert "custom key for together" in run.verdict["summary"]
    assert json.loads(run.step("pinned")["request"]["body"])["model"].rsplit(":", 1)[1] != "together"


def test_a_model_only_the_hub_maps_is_pinned_from_the_recorded_mapping_skipping_staging_and_hf_inference(tmp_path):
    """The recorded mapping of Meta-Llama-3-8B-Instruct: fireworks-ai staging, together live, hf-inference live."""
    repo = "meta-llama/Meta-Llama-3-8B-Instruct"
    canned = world(chat(f"{repo}:preferred", RECORDED_ROUTER_401),
                   chat(f"{repo}:together", recorded("no_stream_together", 1).with_headers(
                       ("x-inference-provider", "together"))),
                   Canned("GET", r"/api/models/" + repo, recorded("no_stream_together", 0)))
    run = diagnose(canned, tmp_path, f"{repo}:preferred")
    assert (run.case, run.verdict["seed_case"]) == ("provider_policy", "B"), run.verdict
    assert json.loads(run.step("pinned")["request"]["body"])["model"] == f"{repo}:together"
