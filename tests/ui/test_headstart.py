"""The head start's hand-over: what the run reported before the app attached comes first, in order, then
the rest as it comes; the in-flight call reaches the app exactly once, whichever came first."""

from __future__ import annotations

import threading

from hftui.ui.headstart import HeadStart


def bare_head_start() -> HeadStart:
    head_start = HeadStart.__new__(HeadStart)  # the hand-over only: no session, no engine thread
    head_start._lock = threading.Lock()
    head_start._held, head_start._listener = [], None
    head_start._in_flight, head_start._on_in_flight = False, None
    return head_start


def test_reports_before_the_app_attached_are_handed_over_first_and_in_order():
    head_start, seen = bare_head_start(), []
    head_start._report("whoami running")
    head_start._report("catalog running")
    head_start.attach(seen.append, lambda: None)
    head_start._report("whoami ok")
    assert seen == ["whoami running", "catalog running", "whoami ok"]


def test_requests_out_before_or_after_attaching_reach_the_app_once():
    for out_first in (True, False):
        head_start, calls = bare_head_start(), []
        if out_first:
            head_start._requests_out()
        head_start.attach(lambda result: None, lambda: calls.append("out"))
        if not out_first:
            head_start._requests_out()
        assert calls == ["out"], out_first


def test_reports_from_another_thread_while_attaching_lose_none_and_keep_their_order():
    head_start, seen = bare_head_start(), []
    results = [f"result {n}" for n in range(2000)]
    reporter = threading.Thread(target=lambda: [head_start._report(result) for result in results])
    reporter.start()
    head_start.attach(seen.append, lambda: None)
    reporter.join()
    assert seen == results


def test_a_head_start_only_when_the_first_plan_needs_nothing_from_the_app(monkeypatch):
    from dataclasses import replace

    from hftui.core.session import Session, Settings
    from hftui.core.tokens import TokenLocations
    from hftui.sim import get_scenario

    scenario = get_scenario("case-a")
    session = Session.for_simulator(scenario, "http://127.0.0.1:9")
    started = []
    monkeypatch.setattr(HeadStart, "__init__", lambda self, session: started.append(session))
    assert isinstance(HeadStart.begin(session), HeadStart) and started == [session]
    for settings in (replace(session.settings, model=None), replace(session.settings, model="not a model id!"),
                     replace(session.settings, baseline="::")):
        assert HeadStart.begin(Session(settings, session.tokens, session.locations)) is None, settings
    # No token from the environment: the keyring, read after the first frame, may supply the one tested.
    waiting = Session.at(Settings.resolve(model="Qwen/Qwen3.5-9B:preferred"),
                         TokenLocations(env={}, keyring_reader=lambda: None), defer_keyring=True)
    assert waiting.keyring_reader is not None
    assert HeadStart.begin(waiting) is None
    # With a token in the environment the keyring cannot change which one is tested: a head start.
    settled = Session.at(Settings.resolve(model="Qwen/Qwen3.5-9B:preferred"),
                         TokenLocations(env={"HF_TOKEN": "hf_" + "k" * 34}, keyring_reader=lambda: None),
                         defer_keyring=True)
    assert isinstance(HeadStart.begin(settled), HeadStart)
    assert len(started) == 2


def test_the_head_start_runs_the_plan_the_app_would_run():
    from hftui.core.session import Session
    from hftui.core.status import StepStatus
    from hftui.sim import SimServer, get_scenario

    scenario = get_scenario("case-b")
    with SimServer(scenario, port=0) as sim:
        session = Session.for_simulator(scenario, sim.url)
        head_start = HeadStart(session)
        loop, client = head_start.engine.result(timeout=60)
        results = head_start.work.result(timeout=60)
        loop.stop()
    settings = session.settings
    assert head_start.inputs == session.inputs(session.tokens.active, bill_to=settings.bill_to,
                                               sweep=settings.sweep, stream=settings.stream)
    assert all(result.status.done for result in results.values())
    assert results["whoami"].status is StepStatus.OK
