"""Properties over any input: the token inspector never fails on a string, and the verdict rules
give exactly one case, with evidence, for any combination of step outcomes (hand-built StepResults,
as tests/core/test_verdict.py builds them)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hftui.core.hub import ModelRef, merge_providers, parse_catalog, parse_mapping, parse_whoami
from hftui.core.failures import ErrorKind, ProbeError
from hftui.core.outcomes import error_message
from hftui.core.plan import PlanInputs, StepResult
from hftui.core.probes import CapturedRequest, CapturedResponse, Exchange
from hftui.core.printable import printable
from hftui.core.tokens import TokenCandidate, TokenLocations, TokenProblem, clean_token, discover_tokens, inspect_token
from hftui.core.cases import Case
from hftui.core.status import StepStatus
from hftui.core.steps import BillToAttempt, step_specs
from hftui.core.verdict import diagnose

# -- the token inspector --------------------------------------------------------------------------

# What really contaminates tokens, mixed with anything at all.
FRAGMENTS = st.sampled_from(["hf_", "api_org_", "Bearer ", "bearer ", "BEARER ", '"', "'", "`", "\ufeff", " ", "\t",
                             "\n", "\r\n", "\u00a0", "abcDEF123", "x" * 30, "", "=", "\x00", "é", "\u202e"])
RAW = st.one_of(st.text(), st.lists(st.one_of(FRAGMENTS, st.text(max_size=5)), max_size=12).map("".join))


@given(RAW)
def test_any_string_gets_a_report_never_an_exception(raw):
    problems = inspect_token(raw)
    assert all(isinstance(p, TokenProblem) for p in problems) and len(problems) == len(set(problems))
    assert (TokenProblem.EMPTY in problems) == (clean_token(raw) == "")
    report = discover_tokens(TokenLocations(env={"HF_TOKEN": raw}))
    if raw:
        candidate = report.active
        assert candidate is not None and candidate.source == "env:HF_TOKEN"
        assert candidate.is_malformed == (raw != clean_token(raw))
        assert candidate.length == len(raw) and candidate.suffix  # the masked form always renders
    else:
        assert report.active is None  # an empty variable is not a token


@given(RAW)
def test_cleaning_is_idempotent_and_leaves_nothing_to_peel(raw):
    cleaned = clean_token(raw)
    assert clean_token(cleaned) == cleaned
    assert cleaned == cleaned.strip() and "\ufeff" not in cleaned
    assert not (len(cleaned) >= 2 and cleaned[0] == cleaned[-1] and cleaned[0] in "\"'`")
    assert cleaned[:7].lower() != "bearer "
    assert cleaned in raw.replace("\ufeff", "")


@given(st.text())
def test_printable_output_has_no_control_characters_and_keeps_every_other_one(text):
    shown = printable(text)
    assert not any(ord(c) < 0x20 and c != "\t" or 0x7f <= ord(c) <= 0x9f or c in "\u202a\u202b\u202c\u202d\u202e"
                   for c in shown)
    assert printable(shown) == shown  # already inert: nothing more to escape
    plain = [c for c in text if c.isprintable() and c not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]
    assert all(c in shown for c in plain)


# -- the verdict rules ----------------------------------------------------------------------------

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
TOKEN = "hf_" + "p" * 26 + "PROPERTY"
WHOAMI = [
    {"type": "user", "name": "ada", "orgs": [{"name": "acme"}], "auth": {"accessToken": {"role": "write"}}},
    {"type": "user", "name": "ada", "orgs": [], "auth": {"accessToken": {"role": "fineGrained",
                                                                          "fineGrained": {"global": []}}}},
    {"type": "user", "name": "ada"},  # no auth at all
    "not json <html>",
]
CATALOG = [
    {"data": [{"id": "Qwen/Qwen3.5-9B", "providers": [{"provider": "together", "status": "live"}]}]},
    {"data": [{"id": "Qwen/Qwen3.5-9B", "providers": None}]},
    {"object": "list"},
    {"data": []},
]
MAPPING = [
    {"id": "Qwen/Qwen3.5-9B", "inferenceProviderMapping": {"together": {"status": "live", "providerId": "q"}}},
    {"id": "Qwen/Qwen3.5-9B", "inferenceProviderMapping": {"novita": {"status": "error"}}},
    {"id": "Qwen/Qwen3.5-9B"},
]
ERROR_BODIES = [
    {"error": "Invalid username or password."},
    {"error": "Invalid credentials in Authorization header"},
    {"error": "You have exceeded your monthly included credits for Inference Providers."},
    {"error": "This authentication method does not have sufficient permissions to call Inference Providers on "
              "behalf of user ada"},
    {"error": {"message": "The requested model 'x' is not supported by any provider you have enabled.",
               "code": "model_not_supported"}},
    {"error": "Too many requests"},
    "<html><title>502 Bad Gateway</title></html>",
    "\x1b[31mgarbage\x00",
    {},
]
HEADERS = st.sampled_from([(), (("retry-after", "30"),), (("ratelimit", "limit=1, remaining=0, reset=9"),),
                           (("x-inference-provider", "groq"), ("x-ratelimit-reset-tokens", "7s")),
                           (("location", "http://elsewhere:1/x"),)])


def request() -> CapturedRequest:
    return CapturedRequest("GET", "http://sim/x", (), None)


def answered(status: int, body, headers=()) -> Exchange:
    text = body if isinstance(body, str) else json.dumps(body)
    return Exchange(request(), NOW, 10.0, CapturedResponse(status, "", "HTTP/1.1",
                                                           (("x-request-id", f"Root=1-{status}"), *headers), text))


@st.composite
def exchange_for(draw, status: StepStatus, step_id: str) -> Exchange | None:
    if status is StepStatus.OK:
        bodies = {"whoami": WHOAMI, "whoami-raw": WHOAMI, "catalog": CATALOG, "mapping": MAPPING}.get(step_id, [{}])
        return answered(draw(st.sampled_from([200, 201, 204])), draw(st.sampled_from(bodies)))
    if status is StepStatus.FAILED:
        code = draw(st.sampled_from([301, 307, 400, 401, 402, 403, 404, 410, 418, 422, 429, 500, 502, 503]))
        return answered(code, draw(st.sampled_from(ERROR_BODIES)), draw(HEADERS))
    if status is StepStatus.ERROR:
        return Exchange(request(), NOW, 5.0, error=ProbeError(draw(st.sampled_from(list(ErrorKind))), "detail"))
    return None


@st.composite
def runs(draw, done_only: bool = True):
    token_raw = draw(st.sampled_from([None, TOKEN, TOKEN + "\n", f'"{TOKEN}"', "api_org_" + "q" * 30, "sk-123"]))
    token = None if token_raw is None else TokenCandidate("env:HF_TOKEN", token_raw, tuple(inspect_token(token_raw)))
    inputs = PlanInputs(model=ModelRef.parse(draw(st.sampled_from(["Qwen/Qwen3.5-9B:preferred", "Qwen/Qwen3.5-9B",
                                                                   "Qwen/Qwen3.5-9B:together"]))),
                        token=token, bill_to=draw(st.sampled_from([None, "acme"])), router_url="http://sim",
                        hub_url="http://sim")
    statuses = [StepStatus.OK, StepStatus.FAILED, StepStatus.ERROR, StepStatus.SKIPPED]
    if not done_only:
        statuses += [StepStatus.PENDING, StepStatus.RUNNING]
    results = {}
    for spec in step_specs(inputs):
        status = draw(st.sampled_from(statuses))
        exchange = draw(exchange_for(status, spec.step_id))
        attempts = (BillToAttempt("acme", exchange),) if spec.step_id == "bill-to" and exchange is not None else ()
        results[spec.step_id] = StepResult(spec.step_id, spec.title, status, exchange, attempts=attempts,
                                           skip_reason="n/a" if status is StepStatus.SKIPPED else None,
                                           target="Qwen/Qwen3.5-9B:together" if spec.step_id == "pinned" else None)
    return inputs, results


def verdict_of(inputs, results):
    def parsed(step_id, parse):
        result = results.get(step_id)
        return parse(result.exchange.json) if result and result.status is StepStatus.OK and result.exchange else None

    account = parsed("whoami", parse_whoami)
    providers = merge_providers(parsed("catalog", lambda b: parse_catalog(b, inputs.model.repo)),
                                parsed("mapping", parse_mapping))
    return diagnose(inputs, results, account, providers)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs())
def test_any_finished_run_gets_exactly_one_case_with_evidence(run):
    inputs, results = run
    verdict = verdict_of(inputs, results)
    assert isinstance(verdict.case, Case) and verdict.summary and verdict.next_steps and verdict.title
    assert verdict.case not in verdict.alternatives and len(set(verdict.alternatives)) == len(verdict.alternatives)
    if verdict.case is not Case.NO_TOKEN:  # with no token no step ran: there is nothing to cite
        assert verdict.evidence, (verdict.case, {s: r.status.value for s, r in results.items()})
    for evidence in verdict.evidence:
        assert evidence.step_id in results and evidence.fact
    assert verdict_of(inputs, results) == verdict  # the same facts, the same verdict
    for result in results.values():  # every step line can be written
        if result.exchange is not None:
            error_message(result.exchange)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs(done_only=False))
def test_a_run_still_in_progress_never_breaks_the_rules(run):
    """The app asks for a verdict after every step event: half-finished runs must not raise either."""
    inputs, results = run
    assert isinstance(verdict_of(inputs, results).case, Case)
