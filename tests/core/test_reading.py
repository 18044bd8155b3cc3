"""What hftui reads from the answers and from the user's settings: the model string byte for byte, whoami's
orgs and token scopes, both mapping forms, bodies parsed once (and a cut one never), the pinned choice,
the orgs billed, and the router URL in its OpenAI forms."""

from __future__ import annotations

import pytest

from hftui.core.hub import ModelRef, ProviderOption, parse_mapping, parse_whoami
from hftui.core.plan import PlanInputs
from hftui.core.probes import CapturedResponse
from hftui.core.session import Settings, SettingsError
from hftui.core.steps import MAX_BILL_TO_ORGS, bill_to_orgs, choose_pinned_provider

# -- the model string ---------------------------------------------------------------------------------

def test_the_suffix_is_kept_as_written_and_read_case_insensitively():
    model = ModelRef.parse("meta-llama/Llama-3.3-70B-Instruct:Together")
    assert str(model) == "meta-llama/Llama-3.3-70B-Instruct:Together" and model.provider == "together"
    assert ModelRef.parse("a/b:Preferred").policy == "preferred" and ModelRef.parse("a/b:Preferred").provider is None
    assert ModelRef.parse("a/b").routing == "the ':fastest' routing (no suffix)"
    assert ModelRef.parse("a/b:groq").routing == "the pinned provider groq"


# -- whoami --------------------------------------------------------------------------------------------

def _who(auth, orgs=()):
    return {"type": "user", "name": "ada", "orgs": list(orgs), "auth": auth}


ORGS = ({"name": "club", "canPay": False, "isEnterprise": False, "roleInOrg": "read"},
        {"name": "bigcorp", "canPay": False, "isEnterprise": True, "roleInOrg": "admin"},
        {"name": "acme", "canPay": True, "roleInOrg": "write"})


def test_orgs_come_with_what_they_can_pay_and_the_tokens_scope_for_each():
    auth = {"type": "access_token", "accessToken": {"role": "fineGrained", "fineGrained": {
        "global": ["discussion.write", "post.write"],
        "scoped": [{"entity": {"type": "user", "name": "ada"}, "permissions": ["inference.serverless.write"]},
                   {"entity": {"type": "org", "name": "acme"}, "permissions": ["inference.serverless.write"]},
                   {"entity": {"type": "org", "name": "club"}, "permissions": ["repo.content.read"]}]}}}
    account = parse_whoami(_who(auth, ORGS))
    assert account.orgs == ("club", "bigcorp", "acme") and account.can_call_inference is True
    assert [o.could_pay for o in account.org_details] == [False, True, True]
    assert (account.may_bill("acme"), account.may_bill("club"), account.may_bill("bigcorp")) == (True, False, False)
    assert account.token_kind == "a fine-grained access token"


def test_an_org_scoped_inference_permission_is_not_the_users():
    auth = {"type": "access_token", "accessToken": {"role": "fineGrained", "fineGrained": {"global": [], "scoped": [
        {"entity": {"type": "org", "name": "acme"}, "permissions": ["inference.serverless.write"]}]}}}
    assert parse_whoami(_who(auth)).can_call_inference is False


@pytest.mark.parametrize(("auth", "kind", "may_bill"), [
    ({"type": "access_token", "accessToken": {"role": "write"}}, "a write access token", True),
    ({"type": "app_token"}, "an app token", None),
    ({"type": "app_token_as_user"}, "an app token acting as the user", None),
    ({"type": "oauth", "expiresAt": "2026-12-01T00:00:00Z"}, "an OAuth token (browser login)", None),
])
def test_token_kinds_are_named(auth, kind, may_bill):
    account = parse_whoami(_who(auth, ORGS))
    assert account.token_kind == kind and account.may_bill("acme") is may_bill


# -- the mapping, both forms ------------------------------------------------------------------------

def test_the_mapping_as_a_dict_or_as_list_models_list_reads_the_same_in_the_users_order():
    as_dict = {"id": "a/b", "inferenceProviderMapping": {"novita": {"status": "live", "providerId": "x",
                                                                    "task": "conversational"},
                                                         "sambanova": {"status": "live", "task": "conversational"}}}
    as_list = {"id": "a/b", "inferenceProviderMapping": [
        {"provider": "novita", "hfModelId": "a/b", "providerId": "x", "status": "live", "task": "conversational"},
        {"provider": "sambanova", "hfModelId": "a/b", "status": "live", "task": "conversational"}]}
    assert parse_mapping(as_dict) == parse_mapping(as_list)
    assert [(p.provider, p.removed) for p in parse_mapping(as_list)] == [("novita", False), ("sambanova", True)]


# -- bodies ---------------------------------------------------------------------------------------------

def test_a_body_is_parsed_once_and_a_cut_one_never():
    response = CapturedResponse(200, "OK", "HTTP/1.1", (), '{"data": []}')
    assert response.json is response.json == {"data": []}
    cut = CapturedResponse(200, "OK", "HTTP/1.1", (), '{"data": []}', truncated=True, body_bytes=10**7)
    assert cut.json is None, "half a catalog is not a catalog"


# -- the pinned choice ----------------------------------------------------------------------------------

def option(provider, status="live", catalog=True, mapping=True):
    return ProviderOption(provider, status, in_catalog=catalog, in_mapping=mapping)


def test_the_pinned_choice_avoids_the_failing_calls_provider_and_removed_ones_and_prefers_the_catalog():
    model = ModelRef.parse("a/b:preferred")
    providers = [option("sambanova", catalog=False), option("fireworks-ai"), option("groq", catalog=False),
                 option("together")]
    assert choose_pinned_provider(model, providers)[0] == "fireworks-ai"
    provider, why = choose_pinned_provider(model, providers, avoid=("fireworks-ai",))
    assert provider == "together" and "not fireworks-ai" in why


def test_the_only_live_provider_is_pinned_even_if_the_failing_call_used_it_but_not_the_users_own_pin():
    providers = [option("together"), option("novita", status="error")]
    assert choose_pinned_provider(ModelRef.parse("a/b:preferred"), providers, avoid=("together",))[0] == "together"
    provider, why = choose_pinned_provider(ModelRef.parse("a/b:together"), providers, avoid=("together",))
    assert provider is None and "only live provider" in why


def test_only_removed_providers_is_no_live_provider():
    provider, why = choose_pinned_provider(ModelRef.parse("a/b"), [option("nebius"), option("hyperbolic")])
    assert provider is None and "removed from routing" in why


# -- the orgs billed -------------------------------------------------------------------------------------

def _inputs(bill_to=None):
    return PlanInputs(model=ModelRef.parse("a/b"), token=None, bill_to=bill_to)


def test_every_org_is_billed_those_that_can_pay_first():
    account = parse_whoami(_who({"type": "access_token", "accessToken": {"role": "write"}}, ORGS))
    assert bill_to_orgs(_inputs(), account) == (["bigcorp", "acme", "club"], ())


def test_past_the_cap_the_rest_are_listed_as_not_tried_and_why():
    orgs = [{"name": f"org-{n:02d}", "canPay": n == MAX_BILL_TO_ORGS + 3} for n in range(MAX_BILL_TO_ORGS + 5)]
    account = parse_whoami(_who({"type": "access_token", "accessToken": {"role": "write"}}, orgs))
    tried, not_tried = bill_to_orgs(_inputs(), account)
    assert tried[0] == f"org-{MAX_BILL_TO_ORGS + 3:02d}" and len(tried) == MAX_BILL_TO_ORGS
    assert len(not_tried) == 5 and all("--bill-to" in why for _, why in not_tried)


def test_bill_to_names_one_org_and_says_why_the_others_are_not_billed():
    account = parse_whoami(_who({"type": "access_token", "accessToken": {"role": "write"}}, ORGS))
    tried, not_tried = bill_to_orgs(_inputs("elsewhere"), account)
    assert tried == ["elsewhere"] and [org for org, _ in not_tried] == ["club", "bigcorp", "acme"]


# -- the router URL -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "used"), [
    ("https://router.huggingface.co/v1", "https://router.huggingface.co"),
    ("https://router.huggingface.co/v1/", "https://router.huggingface.co"),
    ("https://router.huggingface.co/v1/chat/completions", "https://router.huggingface.co"),
    ("http://127.0.0.1:8080/gateway/v1", "http://127.0.0.1:8080/gateway"),
])
def test_the_openai_forms_of_the_router_url_are_normalised_and_noted(given, used):
    settings = Settings.resolve(router_url=given, env={})
    assert settings.router_url == used and given in settings.router_url_note
    assert sum(line.startswith("note:") for line in settings.warnings) == 1


def test_the_environment_variable_is_normalised_too_and_named():
    settings = Settings.resolve(env={"HFTUI_ROUTER_URL": "https://router.huggingface.co/v1"})
    assert settings.router_url == "https://router.huggingface.co" and "HFTUI_ROUTER_URL" in settings.router_url_note


def test_a_plain_router_url_has_no_note():
    assert Settings.resolve(env={}).router_url_note is None


@pytest.mark.parametrize("url", ["https://router.huggingface.co/?x=1", "https://router.huggingface.co/v1#frag",
                                 "https://user:hunter2@router.huggingface.co", "https://user@router.huggingface.co"])
@pytest.mark.parametrize("flag", ["router_url", "hub_url"])
def test_a_query_a_fragment_or_credentials_are_refused_without_repeating_them(url, flag):
    with pytest.raises(SettingsError) as refused:
        Settings.resolve(env={}, **{flag: url})
    assert "hunter2" not in str(refused.value) and "\n" not in str(refused.value)

