"""Each verdict rule on hand-built step results: the story a user's run tells, and what hftui concludes."""

from datetime import datetime, timezone

import pytest

from hftui.core.hub import ModelRef, parse_whoami
from hftui.core.failures import ErrorKind, ProbeError
from hftui.core.plan import PlanInputs, StepResult
from hftui.core.probes import CapturedRequest, CapturedResponse, Exchange
from hftui.core.steps import BillToAttempt, failing_call, step_specs
from hftui.core.bundle import billing
from hftui.core.cases import Case, matrix_key
from hftui.core.diagnosis import Diagnosis
from hftui.core.report import to_dict, to_text
from hftui.core.status import MARKS, StepStatus
from hftui.core.tokens import TokenCandidate, TokenReport, inspect_token
from hftui.core.verdict import diagnose

TOKEN = "hf_" + "t" * 29 + "VERDICT1"
INVALID_401 = {"error": "Invalid username or password."}
WHOAMI = {"type": "user", "name": "ada", "orgs": [{"name": "acme"}],
          "auth": {"accessToken": {"displayName": "laptop", "role": "write"}}}
CATALOG = {"object": "list", "data": [{"id": "Qwen/Qwen3.5-9B", "providers": [
    {"provider": "together", "status": "live"}, {"provider": "novita", "status": "error"}]}]}
MAPPING = {"id": "Qwen/Qwen3.5-9B", "inferenceProviderMapping": {
    "together": {"status": "live", "providerId": "qwen-9b", "task": "conversational"}}}


def exchange(status: int | None, body=None, headers=(), error: ErrorKind | None = None) -> Exchange:
    request = CapturedRequest("GET", "http://sim/x", (), None)
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    if error is not None:
        return Exchange(request, now, 5.0, error=ProbeError(error, "boom"))
    import json

    text = body if isinstance(body, str) else json.dumps(body if body is not None else {})
    headers = (("x-request-id", f"Root=1-{status}"), *headers)
    return Exchange(request, now, 12.0, CapturedResponse(status, "", "HTTP/1.1", headers, text))


def run(model="Qwen/Qwen3.5-9B:preferred", token=TOKEN, **steps):
    """Steps given as id=exchange (or 'skip'); unspecified steps are ok 200 with sensible bodies."""
    return diagnosis_of(model, token, **steps).verdict


def diagnosis_of(model="Qwen/Qwen3.5-9B:preferred", token=TOKEN, orgs=None, **steps) -> Diagnosis:
    """`orgs` (org → exchange) are the bill-to attempts, when the plan billed several orgs (default: acme)."""
    candidate = token if isinstance(token, TokenCandidate | None) else TokenCandidate(
        "env:HF_TOKEN", token, tuple(inspect_token(token)))
    inputs = PlanInputs(model=ModelRef.parse(model), token=candidate, router_url="http://sim", hub_url="http://sim")
    defaults = {"whoami": exchange(200, WHOAMI), "whoami-raw": exchange(200, WHOAMI), "catalog": exchange(200, CATALOG),
                "mapping": exchange(200, MAPPING), "as-configured": exchange(200), "known-good": exchange(200),
                "pinned": exchange(200), "bill-to": "skip"}
    results = {}
    for spec in step_specs(inputs):
        given = steps.get(spec.step_id.replace("-", "_"), defaults[spec.step_id])
        if spec.step_id == "bill-to" and orgs:  # the step's own answer is the best attempt's, as the plan keeps it
            given = next((answer for answer in orgs.values() if answer.ok), next(iter(orgs.values())))
        if given == "skip":
            results[spec.step_id] = StepResult(spec.step_id, spec.title, StepStatus.SKIPPED, skip_reason="n/a")
            continue
        status = StepStatus.OK if given.ok else StepStatus.ERROR if given.error else StepStatus.FAILED
        attempts, target, repeats = (), None, None
        if spec.step_id == "pinned":
            target = "Qwen/Qwen3.5-9B:together"
        if spec.step_id == "bill-to":  # the plan repeats the failing call with the org billed, and says which
            attempts = tuple(BillToAttempt(org, answer) for org, answer in (orgs or {"acme": given}).items())
            repeats = (failing_call(inputs, results) or (None,))[0]
        results[spec.step_id] = StepResult(spec.step_id, spec.title, status, given, attempts=attempts, target=target,
                                           repeats=repeats)
    whoami = results["whoami"].exchange
    account = parse_whoami(whoami.json) if whoami and whoami.ok else None
    from hftui.core.hub import merge_providers, parse_catalog, parse_mapping

    providers = merge_providers(
        parse_catalog(results["catalog"].exchange.json, inputs.model.repo) if results["catalog"].status is StepStatus.OK else None,
        parse_mapping(results["mapping"].exchange.json) if results["mapping"].status is StepStatus.OK else None)
    verdict = diagnose(inputs, results, account, providers)
    return Diagnosis(inputs, TokenReport(candidates=(candidate,) if candidate else ()), tuple(results.values()),
                     verdict, account, tuple(providers))


def test_all_ok():
    verdict = run()
    assert verdict.case is Case.OK and verdict.seed_case is None and verdict.is_ok


def test_no_token():
    assert run(token=None, whoami="skip", as_configured="skip", known_good="skip", pinned="skip").case is Case.NO_TOKEN


def test_case_a_preferred_fails_baseline_works_pinned_unconfirmed():
    verdict = run(as_configured=exchange(401, INVALID_401), pinned="skip", mapping=exchange(401, {"error": "x"}),
                  catalog=exchange(503, "<html><title>503</title></html>"))
    assert (verdict.case, verdict.seed_case, matrix_key(verdict)) == (Case.PROVIDER_POLICY, "A", "A")
    # No provider is known: the advice says how to find one before it says to pin one.
    first = verdict.next_steps[0]
    assert first.startswith("No provider is known here to serve Qwen/Qwen3.5-9B: find one on hf.co/Qwen/Qwen3.5-9B")
    assert "--model Qwen/Qwen3.5-9B:PROVIDER" in first and "--model" not in first.app
    assert "Model field ({app.focus_provider})" in first.app


def test_case_a_with_a_known_live_provider_names_one_to_pin():
    verdict = run(as_configured=exchange(401, INVALID_401), pinned="skip")
    assert verdict.seed_case == "A"
    assert verdict.next_steps[0].startswith("Pin a provider that serves the model: --model Qwen/Qwen3.5-9B:PROVIDER, e.g.")
    assert "Route list" in verdict.next_steps[0].app


def test_next_steps_name_flags_for_the_cli_and_panes_or_keys_for_the_app():
    """Each next step reads as its command line form everywhere a string is expected (text, JSON, bundle)."""
    import json

    verdict = run(as_configured=exchange(401, INVALID_401), known_good=exchange(401, INVALID_401),
                  pinned=exchange(401, INVALID_401))
    assert verdict.case is Case.BILLING_OR_ACCOUNT
    second = verdict.next_steps[1]
    assert "--bill-to ORG" in second and "pane" not in second
    assert "Bill to (Provider pane, {app.focus_provider})" in second.app
    assert json.loads(json.dumps(list(verdict.next_steps)))[1] == str(second)


def test_case_b_pinned_confirms_policy():
    verdict = run(as_configured=exchange(401, INVALID_401))
    assert (verdict.case, verdict.seed_case) == (Case.PROVIDER_POLICY, "B")
    assert "Qwen/Qwen3.5-9B:together" in verdict.summary
    assert {e.step_id for e in verdict.evidence} >= {"known-good", "as-configured", "pinned"}
    assert all(e.request_id for e in verdict.evidence)


def test_evidence_carries_its_steps_status_and_the_views_draw_the_mark_from_it():
    diagnosis = diagnosis_of(as_configured=exchange(401, INVALID_401))
    for item in diagnosis.verdict.evidence:
        assert item.status is diagnosis.step(item.step_id).status
        assert item.fact[:1] not in MARKS.values(), "the words carry no mark of their own"
        assert item.line.startswith(f"{MARKS[item.status]} {item.http_status} "), item.line
    evidence = {item.step_id: item for item in diagnosis.verdict.evidence}
    assert evidence["known-good"].line.endswith("known-good openai/gpt-oss-120b:fastest works")
    assert evidence["as-configured"].line.startswith("✗ 401 chat: Qwen/Qwen3.5-9B:preferred: Invalid username")
    document = to_dict(diagnosis)["verdict"]["evidence"]
    assert [(e["fact"], e["status"]) for e in document] == [(i.line, i.status.value) for i in evidence.values()]
    assert f"    - known-good: {evidence['known-good'].line}" in to_text(diagnosis)


def test_case_c_same_401_everywhere_without_orgs():
    who = {**WHOAMI, "orgs": []}
    verdict = run(whoami=exchange(200, who), as_configured=exchange(401, INVALID_401),
                  known_good=exchange(401, INVALID_401), pinned=exchange(401, INVALID_401))
    assert (verdict.case, verdict.seed_case) == (Case.BILLING_OR_ACCOUNT, "C")


def test_case_d_bill_to_fixes_it():
    verdict = run(as_configured=exchange(401, INVALID_401), known_good=exchange(401, INVALID_401),
                  pinned=exchange(401, INVALID_401), bill_to=exchange(200))
    assert (verdict.case, verdict.seed_case) == (Case.BILL_TO_FIXES, "D")
    assert "acme" in verdict.summary


def test_when_the_own_call_got_no_answer_bill_to_repeats_the_known_good_call_and_the_evidence_says_so():
    diagnosis = diagnosis_of(as_configured=exchange(None, error=ErrorKind.TIMEOUT), known_good=exchange(401, INVALID_401),
                             pinned=exchange(401, INVALID_401), bill_to=exchange(200))
    assert (diagnosis.verdict.case, diagnosis.verdict.seed_case) == (Case.BILL_TO_FIXES, "D")
    assert [item.step_id for item in diagnosis.verdict.evidence] == ["known-good", "bill-to"]
    assert billing(diagnosis)["changed_outcome"] is True


def test_billing_compares_bill_to_with_the_call_it_repeated_not_always_the_users_own():
    diagnosis = diagnosis_of(as_configured=exchange(200), known_good=exchange(401, INVALID_401), bill_to=exchange(200))
    assert diagnosis.step("bill-to").repeats == "known-good"
    assert billing(diagnosis)["changed_outcome"] is True  # 401 → 200; against as-configured's 200 it said False


def test_account_fault_when_org_billing_fails_too():
    verdict = run(as_configured=exchange(401, INVALID_401), known_good=exchange(401, INVALID_401),
                  pinned=exchange(401, INVALID_401), bill_to=exchange(401, INVALID_401))
    assert (verdict.case, verdict.seed_case) == (Case.ACCOUNT_FAULT, "C")


@pytest.mark.parametrize("wording", [
    "You have exceeded your monthly included credits for Inference Providers. Subscribe to PRO to get 20x more.",
    "You have depleted your monthly included credits.",
    "Insufficient balance: please add pre-paid credits",
])
def test_credits_by_status_or_by_wording(wording):
    status = 402 if "exceeded" in wording else 403
    verdict = run(as_configured=exchange(status, {"error": wording}), known_good=exchange(status, {"error": wording}))
    assert (verdict.case, verdict.seed_case) == (Case.CREDITS_EXHAUSTED, "C")


def test_token_invalid_when_whoami_rejects_it():
    verdict = run(whoami=exchange(401, {"error": "Invalid credentials in Authorization header"}),
                  as_configured=exchange(401, INVALID_401), known_good=exchange(401, INVALID_401),
                  pinned=exchange(401, INVALID_401))
    assert verdict.case is Case.TOKEN_INVALID
    # The same-401 pattern is there too, but billing_or_account speaks of a valid token: not an alternative here.
    assert Case.BILLING_OR_ACCOUNT not in verdict.alternatives


def test_trailing_newline_is_named_with_proof():
    verdict = run(token=TOKEN + "\n", whoami_raw=exchange(None, error=ErrorKind.HEADER_REFUSED))
    assert verdict.case is Case.TOKEN_MALFORMED
    assert "line break" in verdict.summary and "cleaned, it works" in verdict.summary
    assert [e.step_id for e in verdict.evidence] == ["whoami-raw", "whoami"]


def test_fine_grained_token_without_inference_permission():
    who = {**WHOAMI, "auth": {"accessToken": {"role": "fineGrained", "fineGrained": {"global": ["discussion.write"]}}}}
    denied = {"error": "This authentication method does not have sufficient permissions to call Inference Providers on behalf of user ada"}
    verdict = run(whoami=exchange(200, who), as_configured=exchange(403, denied), known_good=exchange(403, denied))
    assert verdict.case is Case.TOKEN_LACKS_INFERENCE_PERMISSION


def test_scoped_inference_permission_counts():
    who = {**WHOAMI, "auth": {"accessToken": {"role": "fineGrained", "fineGrained": {
        "global": [], "scoped": [{"entity": {"type": "user", "name": "ada"}, "permissions": ["inference.serverless.write"]}]}}}}
    assert parse_whoami(who).can_call_inference is True


def test_model_unavailable_when_mapping_lists_no_live_provider():
    mapping = {"id": "x/y", "inferenceProviderMapping": {"novita": {"status": "error", "task": "conversational"}}}
    unsupported = {"error": {"message": "The requested model 'x/y:preferred' is not supported by any provider you have enabled.",
                             "code": "model_not_supported"}}
    verdict = run(model="x/y:preferred", as_configured=exchange(400, unsupported), mapping=exchange(200, mapping),
                  catalog=exchange(200, {"data": []}), pinned="skip")
    assert verdict.case is Case.MODEL_UNAVAILABLE


def test_model_not_supported_but_pinned_works_is_policy_b_not_unavailable():
    unsupported = {"error": {"message": "not supported by any provider you have enabled", "code": "model_not_supported"}}
    verdict = run(as_configured=exchange(400, unsupported))
    assert (verdict.case, verdict.seed_case) == (Case.PROVIDER_POLICY, "B")


def test_rate_limited_names_retry_after():
    verdict = run(as_configured=exchange(429, {"error": "slow down"}, headers=(("retry-after", "30"),)))
    assert verdict.case is Case.RATE_LIMITED and "30 s" in verdict.summary


def test_provider_outage_when_provider_5xx_and_router_answers():
    verdict = run(model="Qwen/Qwen3.5-9B", as_configured=exchange(503, {"error": {"message": "upstream unavailable"}}))
    assert verdict.case is Case.PROVIDER_OUTAGE


def test_provider_timeout_is_outage_not_network():
    verdict = run(as_configured=exchange(None, error=ErrorKind.TIMEOUT))
    assert verdict.case is Case.PROVIDER_OUTAGE


def test_network_error_when_router_unreachable():
    down = exchange(None, error=ErrorKind.CONNECT)
    verdict = run(whoami=down, catalog=down, mapping=down, as_configured=down, known_good=down, pinned="skip")
    assert verdict.case is Case.NETWORK_ERROR


def test_unknown_pattern_is_inconclusive_with_evidence():
    teapot = exchange(418, {"error": "teapot"})
    verdict = run(as_configured=teapot, known_good=teapot, pinned=teapot)
    assert verdict.case is Case.INCONCLUSIVE and verdict.evidence[0].step_id == "as-configured"


def test_the_users_call_working_outranks_a_failing_known_good_call():
    """Evidence hierarchy: the user's own call answered 200, so the verdict is ok; the rest are side notes."""
    verdict = run(as_configured=exchange(200), known_good=exchange(418, {"error": "teapot"}))
    assert verdict.case is Case.OK and "known-good" in verdict.summary
