"""The streamed call and the provider sweep, over real loopback HTTP, and the real streams recorded from the router."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from hftui.core.cases import Case
from hftui.core.http import make_client
from hftui.core.hub import ModelRef, ProviderOption
from hftui.core.plan import PlanInputs, PlanRun
from hftui.core.probes import ProbeSpec, run_probe
from hftui.core.redact import Redactor
from hftui.core.sse import read_stream
from hftui.core.status import StepStatus
from hftui.core.streaming import StreamFailure, check_stream
from hftui.core.sweep import SweepRoute, best_for, cheapest, fastest, marks, summary, sweep_order
from hftui.core.tokens import TokenLocations, discover_tokens
from hftui.core.verdict import run_verdict
from hftui.sim import ChatRule, SimServer, get_scenario

RECORDED = Path(__file__).parents[1] / "real" / "recorded"
STREAMED = sorted(RECORDED.glob("with_stream_*.yaml"))


# A stream the simulator answers at once gets all the time a loaded machine may need; only one it holds
# back (slow_first_token: 60 s, longer than any timeout here) is given a short one, and its cut is what is
# tested: the outcome depends on what the server did, not on how fast this machine is.
PATIENT, HELD_PAST = 60.0, 1.5


def inputs_for(scenario, url, **changes):
    token = discover_tokens(TokenLocations(env={"HF_TOKEN": scenario.client_token})).active
    return PlanInputs(model=ModelRef.parse(scenario.model), token=token, router_url=url, hub_url=url,
                      timeout=PATIENT, **changes)  # nothing here waits for a timeout


# -- the real streams ------------------------------------------------------------------------------

def _recorded_stream(path: Path) -> tuple[str, str]:
    """(content type, body) of the recorded streamed chat answer."""
    for interaction in yaml.safe_load(path.read_text())["interactions"]:
        if interaction["request"]["method"] == "POST":
            response = interaction["response"]
            return response["headers"]["Content-Type"][0], response["body"]["string"]
    raise AssertionError(f"no chat answer in {path.name}")


def test_the_recorded_streams_are_here():
    assert {path.stem for path in STREAMED} >= {"with_stream_together", "with_stream_cerebras"}


@pytest.mark.parametrize("path", STREAMED, ids=[path.stem for path in STREAMED])
def test_every_recorded_real_stream_reads_as_complete(path):
    content_type, body = _recorded_stream(path)
    reading = read_stream(body)
    assert "text/event-stream" in content_type
    assert reading.complete and reading.error is None, reading
    assert reading.chunks >= 5 and "Deep" in reading.text  # "Deep learning is…": 20 tokens, in 5 to 20 chunks
    assert reading.first_token_end is not None and reading.finish_reason == "length"


def test_cerebras_ends_without_done_and_that_is_a_complete_stream():
    reading = read_stream(_recorded_stream(RECORDED / "with_stream_cerebras.yaml")[1])
    assert not reading.done and reading.finish_reason == "length" and reading.complete


@pytest.mark.parametrize("body", [
    'event: error\ndata: {"message": "model overloaded"}\n\n',
    'data: {"choices":[{"delta":{"content":"O"}}]}\n\ndata: {"error":"Input validation error: too long","error_type":"validation"}\n\n',
    'data: {"choices":[{"delta":{"content":"O"}}]}\r\n\r\ndata: {"error":{"message":"boom","type":"server_error"}}\r\n\r\n',
])
def test_an_error_event_is_read_in_either_form(body):
    reading = read_stream(body)
    assert reading.error and not reading.complete


def test_an_event_cut_in_its_middle_is_not_an_event():
    reading = read_stream('data: {"choices":[{"delta":{"content":"O"}}]}\n\ndata: {"choices":[{"delta":{"con')
    assert reading.chunks == 1 and reading.text == "O" and not reading.complete


# -- the streamed probe against the simulator --------------------------------------------------------

async def _streamed(fault, timeout=PATIENT):
    scenario = dataclasses.replace(get_scenario("ok"), chat_rules=(ChatRule("*", stream=True, stream_fault=fault),))
    with SimServer(scenario) as sim:
        async with make_client(timeout) as client:
            spec = ProbeSpec("POST", f"{sim.url}/v1/chat/completions", (("Authorization", f"Bearer {sim.token}"),),
                             {"model": "Qwen/Qwen3.5-9B:together", "messages": [], "stream": True}, stream=True)
            exchange = await run_probe(client, spec, Redactor(), timeout)
    return exchange, check_stream(exchange, timeout)


async def test_a_healthy_stream_is_read_to_done_with_its_first_token_timed():
    exchange, check = await _streamed(None)
    assert check.failure is None and check.reading.done and check.reading.text == "OK"
    assert exchange.ttfb_ms is not None and exchange.ttft_ms is not None
    assert exchange.ttfb_ms <= exchange.ttft_ms <= exchange.elapsed_ms
    assert exchange.response.note is None, "an SSE body is not 'not JSON'"


@pytest.mark.parametrize(("fault", "failure", "where"), [
    ("error_event", StreamFailure.ERROR_EVENT, "mid-stream"),
    ("cut", StreamFailure.CUT, "mid-stream"),
    ("not_sse", StreamFailure.NOT_SSE, "at the answer's format"),
    ("slow_first_token", StreamFailure.STALLED, "at the first token"),
])
async def test_each_way_a_stream_fails_after_its_200_is_named(fault, failure, where):
    exchange, check = await _streamed(fault, timeout=HELD_PAST if fault == "slow_first_token" else PATIENT)
    assert exchange.status == 200 and exchange.error is None, "the 200 and what came with it are kept"
    assert check.failure is failure and check.where.startswith(where), check.where


async def test_a_stream_held_past_the_timeout_is_cut_at_the_timeout_not_after_it():
    exchange, check = await _streamed("slow_first_token", timeout=HELD_PAST)
    assert "timeout" in exchange.response.cut and exchange.ttft_ms is None
    assert exchange.response.body.startswith("data: "), "the role chunk that did arrive is kept"


async def whole_plan(name: str, **changes) -> tuple[PlanRun, list]:
    """(the plan run to its end on the scenario, with `changes` to its inputs; the requests the simulator saw)."""
    scenario = get_scenario(name)
    with SimServer(scenario) as sim:
        async with make_client(5) as client:
            run = PlanRun(inputs_for(scenario, sim.url, **changes), client)
            await run.run_all()
    return run, sim.requests


async def test_the_stream_step_fails_while_the_plain_call_works_and_the_verdict_says_so():
    run, _ = await whole_plan("stream-error-event", stream=True)
    assert run.results["as-configured"].status is StepStatus.OK
    stream = run.results["stream"]
    assert stream.status is StepStatus.FAILED and stream.http_status == 200
    assert stream.message.startswith("streamed: fails mid-stream") and "error event" in stream.message
    verdict = run_verdict(run)
    assert verdict.case is Case.STREAM_FAILS
    assert verdict.summary.startswith("Non-streamed calls work; streamed calls fail mid-stream")
    assert [e.step_id for e in verdict.evidence] == ["as-configured", "stream"]


async def test_without_stream_asked_no_streamed_call_is_sent():
    run, requests = await whole_plan("stream-error-event")
    assert "stream" not in run.results and '"stream": true' not in "".join(r.body for r in requests)
    assert run_verdict(run).case is Case.OK


# -- the sweep -------------------------------------------------------------------------------------

async def test_the_sweep_pins_every_provider_at_once_and_never_calls_a_removed_one():
    """Concurrency proved by what the server held, not by the clock: with every answer delayed, all five
    pinned calls were in the server at the same time."""
    scenario = get_scenario("sweep-five-providers")
    with SimServer(scenario, latency_ms=300) as sim:
        async with make_client(10) as client:
            run = PlanRun(inputs_for(scenario, sim.url, sweep=True), client)
            await run.run_step("catalog")
            await run.run_step("mapping")
            sent = len(sim.requests)
            sim.reset_peak()
            result = await run.run_step("sweep")
            assert sim.peak_in_flight == 5
        models = sorted(r.body.split('"model": "', 1)[1].split('"', 1)[0] for r in sim.requests[sent:])
    repo = "meta-llama/Llama-3.3-70B-Instruct"
    assert models == sorted(f"{repo}:{p}" for p in ("groq", "cerebras", "together", "novita", "nscale"))
    statuses = {route.provider: (route.status, route.http_status) for route in result.routes}
    assert statuses == {"groq": ("failed", 401), "cerebras": ("ok", 200), "together": ("ok", 200),
                        "novita": ("ok", 200), "nscale": ("failed", 503), "sambanova": ("removed", None)}
    assert result.routes[-1].provider == "sambanova", "removed ones are listed last"
    assert all(route.ttfb_ms is not None for route in result.routes if route.exchange is not None)


async def test_the_sweep_scenario_recommends_a_working_provider_for_the_policy():
    run, _ = await whole_plan("sweep-five-providers", sweep=True)
    verdict = run_verdict(run)
    assert (verdict.case, verdict.seed_case) == (Case.PROVIDER_POLICY, "B")
    assert "Only some providers work: cerebras, together, novita answer; groq 401" in verdict.summary
    # ':preferred' is the user's own order: both the fastest and the cheapest working route are named.
    assert verdict.next_steps[0].startswith("Use meta-llama/Llama-3.3-70B-Instruct:cerebras in the app: the fastest")
    assert verdict.next_steps[1].startswith("Use meta-llama/Llama-3.3-70B-Instruct:novita in the app: the cheapest")
    assert "sweep" in [e.step_id for e in verdict.evidence]


def _route(provider, status=200, ttfb=100.0, output=1.0, removed=False):
    from datetime import datetime, timezone

    from hftui.core.probes import CapturedRequest, CapturedResponse, Exchange

    option = ProviderOption(provider, "live", input_price=0.1, output_price=output)
    if removed:
        return SweepRoute(option)
    exchange = Exchange(CapturedRequest("POST", "u", (), None), datetime.now(timezone.utc), ttfb + 5,
                        CapturedResponse(status, "", "HTTP/1.1", (), "{}"), ttfb_ms=ttfb)
    return SweepRoute(option, exchange)


def test_fastest_and_cheapest_are_chosen_among_the_working_routes_only():
    routes = [_route("a", ttfb=50, output=0.1, status=401), _route("b", ttfb=300, output=0.5),
              _route("c", ttfb=120, output=2.0), _route("d", removed=True)]
    assert fastest(routes).provider == "c" and cheapest(routes).provider == "b"
    assert [route.provider for _, route in best_for("cheapest", routes)] == ["b"]
    assert [route.provider for _, route in best_for("fastest", routes)] == ["c"]
    assert [why for why, _ in best_for("preferred", routes)] == ["fastest", "cheapest"]
    assert marks(routes) == {"c": ("fastest",), "b": ("cheapest",)}
    assert summary(routes).startswith("Only some providers work: b, c answer; a 401")


def test_no_provider_works_is_said_with_each_failure():
    routes = [_route("a", status=401), _route("b", status=503)]
    assert summary(routes).startswith("No provider works: the sweep pinned the model to each of 2")
    assert best_for("fastest", routes) == [] and marks(routes) == {}


def test_the_sweep_order_is_live_first_and_removed_last():
    options = [ProviderOption("x", "error"), ProviderOption("sambanova", "live"), ProviderOption("y", "live")]
    assert [o.provider for o in sweep_order(options)] == ["y", "x", "sambanova"]
