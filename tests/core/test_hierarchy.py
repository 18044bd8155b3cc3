"""The evidence hierarchy on hand-built runs: a chat call that answered outranks whoami, whoami only explains
failing calls, a refused bill-to confirms nothing, and each new case (token_expired, model_requires_payment,
bill_to_refused, wrong_router_url) where it belongs. Over HTTP, on real answers: tests/real/."""

from __future__ import annotations

import pytest
from test_verdict import INVALID_401, WHOAMI, diagnosis_of, exchange, run

from hftui.core.cases import Case
from hftui.core.tokens import TokenCandidate, TokenLocations, TokenProblem, discover_tokens

HUB_401 = {"error": "Invalid credentials in Authorization header"}
CREDITS = {"error": "You have depleted your monthly included credits. Purchase pre-paid credits to continue."}
USER_403 = {"error": "This authentication method does not have sufficient permissions to call Inference Providers "
                     "on behalf of user ada"}
ORG_403 = {"error": "This authentication method does not have sufficient permissions to call Inference Providers "
                    "on behalf of org acme"}
REVOKED = {"error": "Your token has been revoked by the organization administrator, you can no longer access "
                    "organization resources."}
NO_PERMISSION_TOKEN = {"role": "fineGrained", "fineGrained": {"global": ["discussion.write"], "scoped": []}}


def who(token=None, orgs=({"name": "acme", "canPay": True, "isEnterprise": False, "roleInOrg": "admin"},)):
    return {**WHOAMI, "orgs": list(orgs), "auth": {"type": "access_token",
                                                  "accessToken": token or {"displayName": "laptop", "role": "write"}}}


def all_401(**changes):
    steps = {"as_configured": exchange(401, INVALID_401), "known_good": exchange(401, INVALID_401),
             "pinned": exchange(401, INVALID_401)}
    return {**steps, **changes}


# -- 1. a chat call that answered outranks whoami ---------------------------------------------------

def test_whoami_401_while_the_call_works_is_ok_and_names_the_hub():
    verdict = run(whoami=exchange(401, HUB_401))
    assert verdict.case is Case.OK and "rejects this token but the router accepts it" in verdict.summary
    assert Case.TOKEN_INVALID not in verdict.alternatives


def test_whoami_401_while_the_router_answers_402_is_credits_not_an_invalid_token():
    verdict = run(whoami=exchange(401, HUB_401), as_configured=exchange(402, CREDITS),
                  known_good=exchange(402, CREDITS), pinned=exchange(402, CREDITS))
    assert verdict.case is Case.CREDITS_EXHAUSTED and Case.TOKEN_INVALID not in verdict.alternatives


def test_whoami_401_and_every_call_401_is_still_token_invalid():
    assert run(whoami=exchange(401, HUB_401), **all_401()).case is Case.TOKEN_INVALID


def test_whoami_without_the_permission_while_the_call_works_is_ok_with_a_note():
    verdict = run(whoami=exchange(200, who(NO_PERMISSION_TOKEN)))
    assert verdict.case is Case.OK and "yet the router served the call" in verdict.summary


def test_the_users_call_working_is_ok_even_when_the_pinned_provider_fails():
    verdict = run(pinned=exchange(503, {"error": "upstream"}))
    assert verdict.case is Case.OK and "pinned" in verdict.summary


# -- 2. whoami explains failing calls; a contradiction is said -------------------------------------

def test_a_permission_verdict_needs_a_failing_call():
    verdict = run(whoami=exchange(200, who(NO_PERMISSION_TOKEN)), **all_401())
    assert verdict.case is Case.TOKEN_LACKS_INFERENCE_PERMISSION
    assert verdict.evidence[0].step_id == "whoami" and "lacks" in verdict.evidence[0].fact


def test_whoami_showing_the_permission_the_router_denies_is_a_contradiction():
    verdict = run(as_configured=exchange(403, USER_403), known_good=exchange(403, USER_403),
                  pinned=exchange(403, USER_403))
    assert verdict.case is Case.TOKEN_LACKS_INFERENCE_PERMISSION and "contradict" in verdict.summary


def test_a_403_on_behalf_of_an_org_is_never_the_users_permission():
    verdict = run(whoami=exchange(200, who()), **all_401(), orgs={"acme": exchange(403, ORG_403)})
    assert verdict.case is Case.BILL_TO_REFUSED
    assert Case.TOKEN_LACKS_INFERENCE_PERMISSION not in verdict.alternatives


# -- 3. bill-to: refused, tried, worked --------------------------------------------------------------

@pytest.mark.parametrize(("whoami", "answer", "phrase"), [
    (who(), exchange(403, REVOKED), "organization administrator"),
    (who(orgs=({"name": "acme", "canPay": False, "isEnterprise": False},)), exchange(401, INVALID_401), "cannot pay"),
    (who(orgs=()), exchange(401, INVALID_401), "not a member"),
    (who({"role": "fineGrained", "fineGrained": {"global": [], "scoped": [
        {"entity": {"type": "user", "name": "ada"}, "permissions": ["inference.serverless.write"]}]}}),
     exchange(401, INVALID_401), "no inference permission scoped to acme"),
])
def test_a_refused_bill_to_is_explained_from_whoami_and_is_no_account_fault(whoami, answer, phrase):
    verdict = run(whoami=exchange(200, whoami), **all_401(), orgs={"acme": answer})
    assert (verdict.case, verdict.seed_case) == (Case.BILL_TO_REFUSED, "C") and phrase in verdict.summary
    assert Case.ACCOUNT_FAULT not in verdict.alternatives


def test_an_org_that_can_pay_billed_with_a_token_that_may_bill_it_is_an_account_fault():
    verdict = run(whoami=exchange(200, who()), **all_401(), orgs={"acme": exchange(401, INVALID_401)})
    assert verdict.case is Case.ACCOUNT_FAULT and "acme" in verdict.summary


def test_one_refused_and_one_really_tried_org_is_an_account_fault():
    orgs = ({"name": "club", "canPay": False}, {"name": "acme", "canPay": True})
    verdict = run(whoami=exchange(200, who(orgs=orgs)), **all_401(),
                  orgs={"acme": exchange(401, INVALID_401), "club": exchange(401, INVALID_401)})
    assert verdict.case is Case.ACCOUNT_FAULT


def test_a_personal_failure_with_its_own_cause_keeps_the_refusal_as_an_alternative():
    verdict = run(whoami=exchange(200, who()), as_configured=exchange(402, CREDITS), known_good=exchange(402, CREDITS),
                  pinned=exchange(402, CREDITS), orgs={"acme": exchange(403, ORG_403)})
    assert verdict.case is Case.CREDITS_EXHAUSTED and Case.BILL_TO_REFUSED in verdict.alternatives
    assert "confirms nothing" in verdict.summary


def test_the_org_that_worked_is_named_whichever_attempt_it_was():
    verdict = run(whoami=exchange(200, who()), **all_401(),
                  orgs={"club": exchange(401, INVALID_401), "acme": exchange(200)})
    assert verdict.case is Case.BILL_TO_FIXES and "'acme'" in verdict.summary


# -- 4. 402: account-wide or this model -------------------------------------------------------------

def test_402_on_the_users_model_with_known_good_ok_is_model_requires_payment():
    verdict = run(as_configured=exchange(402, CREDITS, headers=(("x-inference-provider", "together"),)),
                  pinned=exchange(200))
    assert verdict.case is Case.MODEL_REQUIRES_PAYMENT and "together" in verdict.summary
    assert Case.CREDITS_EXHAUSTED not in verdict.alternatives


def test_402_on_every_call_is_credits_exhausted():
    verdict = run(as_configured=exchange(402, CREDITS), known_good=exchange(402, CREDITS))
    assert verdict.case is Case.CREDITS_EXHAUSTED


# -- 5. an expired OAuth token, with the clock injected ---------------------------------------------

STORED = "[browser]\nhf_token = {token}\nrefresh_token = hf_oauth_r_secret\nexpires_at = 1800000000\n"


@pytest.mark.parametrize(("now", "expired"), [(1800000001, True), (1799999999, False)])
def test_a_stored_expiry_is_compared_with_the_injected_clock(tmp_path, now, expired):
    token = "hf_" + "o" * 34
    (tmp_path / "token").write_text(token + "\n")
    (tmp_path / "stored_tokens").write_text(STORED.format(token=token))
    report = discover_tokens(TokenLocations(env={}, token_path=tmp_path / "token",
                                            stored_tokens_path=tmp_path / "stored_tokens", clock=lambda: now))
    file_token = report.by_source("file:token")
    assert file_token.expired is expired and file_token.expires_at == 1800000000 and file_token.refreshable
    assert report.by_source("stored_tokens:browser").expired is expired
    verdict = run(token=file_token, whoami=exchange(401, HUB_401), **all_401())
    assert verdict.case is (Case.TOKEN_EXPIRED if expired else Case.TOKEN_INVALID)


def test_an_expired_token_the_router_accepts_is_ok_with_a_note():
    token = TokenCandidate("file:token", "hf_" + "o" * 34, (TokenProblem.EXPIRED,), expires_at=1, refreshable=True)
    verdict = run(token=token)
    assert verdict.case is Case.OK and "expired" in verdict.summary


def test_the_oidc_resource_is_listed_first_as_a_source_hftui_cannot_use():
    report = discover_tokens(TokenLocations(env={"HF_OIDC_RESOURCE": "aud", "HF_TOKEN": "hf_" + "e" * 34}))
    assert report.unreadable[0][0] == "env:HF_OIDC_RESOURCE" and "cannot" in report.unreadable[0][1]
    assert report.active.source == "env:HF_TOKEN"


# -- 6. not the router; 7. unreadable evidence is unknown, not "none" -------------------------------

def test_404_on_the_catalog_and_every_chat_route_is_wrong_router_url():
    gone = exchange(404, {"error": "Not Found"})
    verdict = run(catalog=gone, as_configured=gone, known_good=gone, pinned="skip")
    assert verdict.case is Case.WRONG_ROUTER_URL and "not the router" in verdict.summary


def test_a_404_on_the_users_model_alone_is_not_a_wrong_url():
    verdict = run(as_configured=exchange(404, {"error": "Model not found"}))
    assert verdict.case is not Case.WRONG_ROUTER_URL


@pytest.mark.parametrize("body", ["<html><title>Hugging Face</title></html>", '{"id": "Qwen/Qwen3.5-9B", "inferenc'])
def test_an_unreadable_mapping_never_makes_model_unavailable(body):
    unsupported = {"error": {"message": "not supported by any provider you have enabled", "code": "model_not_supported"}}
    diagnosis = diagnosis_of(as_configured=exchange(400, unsupported), mapping=exchange(200, body),
                             catalog=exchange(503, "<html></html>"), pinned="skip")
    assert diagnosis.verdict.case is not Case.MODEL_UNAVAILABLE
    assert Case.MODEL_UNAVAILABLE not in diagnosis.verdict.alternatives


def test_a_400_or_404_about_the_org_is_a_refused_bill_to_and_one_about_the_model_is_not():
    unknown_org = run(whoami=exchange(200, who()), **all_401(),
                      orgs={"acme": exchange(404, {"error": "Organization not found"})})
    assert unknown_org.case is Case.BILL_TO_REFUSED and "Organization not found" in unknown_org.summary
    unserved = run(whoami=exchange(200, who()), **all_401(), orgs={"acme": exchange(404, {"error": "Model not found"})})
    assert unserved.case is Case.BILLING_OR_ACCOUNT
