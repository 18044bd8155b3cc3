"""Section 5 of benchmarks/run.py: the provider sweep takes about one chat round trip.

The simulator's sweep-five-providers scenario (five providers, each answering after the simulator's
latency plus its own delay) with `--latency-ms` added to every request; the plan run in-process with
the sweep. The sweep's span (first call sent → last answer in) is compared with its slowest single
call (one round trip: the least a sweep can take) and with the sum of its calls (what trying the
providers one by one takes). The simulator also counts the calls it held at once.
"""

from __future__ import annotations

from datetime import timedelta


def bench_sweep(report, args, ctx) -> None:
    from hftui.core.http import make_client
    from hftui.core.hub import ModelRef
    from hftui.core.loop import run_bounded
    from hftui.core.plan import PlanInputs, PlanRun
    from hftui.core.tokens import TokenLocations, discover_tokens
    from hftui.sim import SimServer, get_scenario

    scenario = get_scenario("sweep-five-providers")
    report.section(f"5. The provider sweep ({scenario.name}: 5 providers, {ctx.latency_ms} ms per request "
                   f"plus each provider's own delay, {args.rounds} rounds)")
    token = discover_tokens(TokenLocations(env={"HF_TOKEN": scenario.client_token})).active
    spans, slowest, total, peaks = [], [], [], []
    for _ in range(args.rounds):
        with SimServer(scenario, port=0, latency_ms=ctx.latency_ms) as sim:
            inputs = PlanInputs(model=ModelRef.parse(scenario.model), token=token, router_url=sim.url,
                                hub_url=sim.url, timeout=15, sweep=True)

            async def sweep_only():
                async with make_client(15) as client:
                    run = PlanRun(inputs, client)
                    await run.run_step("catalog")
                    await run.run_step("mapping")
                    sim.reset_peak()
                    return await run.run_step("sweep")

            result = run_bounded(sweep_only())
            peaks.append(sim.peak_in_flight)
        exchanges = [route.exchange for route in result.routes if route.exchange is not None]
        first = min(e.started_at for e in exchanges)
        last = max(e.started_at + timedelta(milliseconds=e.elapsed_ms) for e in exchanges)
        spans.append((last - first).total_seconds() * 1000)
        slowest.append(max(e.elapsed_ms for e in exchanges))
        total.append(sum(e.elapsed_ms for e in exchanges))
    span, one, summed = (sorted(values)[len(values) // 2] for values in (spans, slowest, total))
    report.figure("sweep: first call sent → last answer in", f"{span:.0f} ms")
    report.figure("its slowest call alone (one round trip)", f"{one:.0f} ms")
    report.figure("its calls one after another (sum)", f"{summed:.0f} ms")
    report.figure("sweep / one round trip", f"{span / one:.2f}×", "≤ 1.3×", span / one <= 1.3)
    report.figure("calls the simulator held at once (of 5)", str(min(peaks)), "= 5", min(peaks) == 5)
