"""The plan as a dependency graph over real loopback HTTP: concurrency, events, one-step re-runs."""

from hftui.core.hub import ModelRef
from hftui.core.cases import Case
from hftui.core.http import make_client
from hftui.core.plan import PlanInputs, PlanRun
from hftui.core.status import StepStatus
from hftui.core.tokens import TokenLocations, discover_tokens
from hftui.core.verdict import run_verdict
from hftui.sim import SimServer, get_scenario


def inputs_for(scenario, url, **changes):
    token = discover_tokens(TokenLocations(env={"HF_TOKEN": scenario.client_token})).active
    return PlanInputs(model=ModelRef.parse(scenario.model), token=token, router_url=url, hub_url=url,
                      timeout=5, **changes)


async def test_independent_steps_start_together_and_dependents_wait_for_their_inputs():
    scenario = get_scenario("case-d")
    with SimServer(scenario, port=0, latency_ms=200) as sim:
        events = []
        async with make_client(5) as client:
            run = PlanRun(inputs_for(scenario, sim.url), client, listener=lambda r: events.append((r.step_id, r.status)))
            await run.run_all()
    # Overlap, not speed (the benchmark measures speed): every independent step is under way
    # before the first answer arrives.
    first_done = next(i for i, (_, status) in enumerate(events) if status.done)
    started_before = {sid for sid, status in events[:first_done] if status is StepStatus.RUNNING}
    assert started_before == {"whoami", "catalog", "mapping", "as-configured", "known-good"}
    assert all(run.results[s].status.done for s in run.results)
    for step_id in run.results:
        statuses = [status for sid, status in events if sid == step_id]
        assert statuses[0] is StepStatus.RUNNING and statuses[-1].done
    order = [sid for sid, status in events if status.done]
    assert order.index("pinned") > order.index("catalog") and order.index("pinned") > order.index("mapping")
    assert order.index("bill-to") > order.index("as-configured") and order.index("bill-to") > order.index("whoami")


async def test_rerunning_one_step_sends_one_request_and_updates_the_verdict():
    scenario = get_scenario("case-b")
    with SimServer(scenario, port=0) as sim:
        async with make_client(5) as client:
            run = PlanRun(inputs_for(scenario, sim.url), client)
            await run.run_all()
            assert run_verdict(run).seed_case == "B"
            before = len(sim.requests)
            result = await run.run_step("known-good")
            assert len(sim.requests) == before + 1
            assert result.run_count == 2 and run.results["as-configured"].run_count == 1
            assert sim.requests[-1].path == "/v1/chat/completions"


async def test_no_token_still_reads_the_catalog_and_skips_the_rest():
    scenario = get_scenario("no-token")
    with SimServer(scenario, port=0) as sim:
        async with make_client(5) as client:
            inputs = PlanInputs(model=ModelRef.parse(scenario.model), token=None, router_url=sim.url, hub_url=sim.url)
            run = PlanRun(inputs, client)
            await run.run_all()
    assert run.results["catalog"].status is StepStatus.OK
    assert run.results["whoami"].skip_reason == "no token found in any source"
    assert run_verdict(run).case is Case.NO_TOKEN


async def test_explicit_bill_to_is_used_instead_of_whoami_orgs():
    scenario = get_scenario("case-d")
    with SimServer(scenario, port=0) as sim:
        async with make_client(5) as client:
            run = PlanRun(inputs_for(scenario, sim.url, bill_to="someone-else"), client)
            await run.run_all()
    bill_to = run.results["bill-to"]
    assert [attempt.org for attempt in bill_to.attempts] == ["someone-else"]
    assert bill_to.status is StepStatus.FAILED
    assert any(r.headers.get("x-hf-bill-to") == "someone-else" for r in sim.requests)


async def test_on_in_flight_is_called_once_when_the_first_round_is_out_before_any_answer():
    scenario = get_scenario("case-d")
    events, in_flight = [], []
    with SimServer(scenario, port=0, latency_ms=200) as sim:
        async with make_client(5) as client:
            run = PlanRun(inputs_for(scenario, sim.url), client, listener=lambda r: events.append((r.step_id, r.status)),
                          on_in_flight=lambda: in_flight.append(list(events)))
            await run.run_all()
    assert len(in_flight) == 1
    running = {sid for sid, status in in_flight[0] if status is StepStatus.RUNNING}
    assert running == {"whoami", "catalog", "mapping", "as-configured", "known-good"}
    assert not any(status.done for _, status in in_flight[0])  # the answers take 200 ms: none is in yet


async def test_on_in_flight_is_called_even_when_no_request_gets_out():
    scenario = get_scenario("case-d")
    with SimServer(scenario, port=0) as sim:
        url = sim.url  # closed at the end of the block: nothing listens there any more
    in_flight = []
    async with make_client(2) as client:
        run = PlanRun(inputs_for(scenario, url), client, on_in_flight=lambda: in_flight.append(True))
        await run.run_all()
    assert in_flight == [True]
    assert all(result.status is StepStatus.ERROR for sid, result in run.results.items()
               if sid in ("whoami", "catalog", "mapping", "as-configured", "known-good"))
