"""The App URL field (--app-url in the app): where the app posts chat, checked by the plan's app-route step."""

from __future__ import annotations

import dataclasses

from helpers import until
from textual.widgets import Input
from uihelpers import SIZE, make_app, settle, simulated, widget_text

from hftui.sim import get_scenario

LEGACY_PROXY = "/api/inference-proxy/together"


def documented_first():
    """The old-proxy scenario with the app's URL not given yet: the plan starts on the documented route."""
    return dataclasses.replace(get_scenario("legacy-proxy-url"), name="legacy-proxy-url-typed", app_path=None)


async def submit_app_url(pilot, text: str) -> None:
    field = pilot.app.query_one("#app-url", Input)
    field.focus()
    field.value = text
    await pilot.press("enter")


async def test_typing_the_apps_old_proxy_url_runs_its_route_and_names_the_fix():
    scenario = documented_first()
    with simulated(scenario) as sim:
        app = make_app(scenario, sim.url)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.diagnosis.verdict.case.value != "legacy_endpoint"
            assert not any(r.path.startswith(LEGACY_PROXY) for r in sim.requests), "no app route yet"
            await submit_app_url(pilot, sim.url + LEGACY_PROXY)
            await until(pilot, lambda: any(r.path.startswith(LEGACY_PROXY) for r in sim.requests),
                        "the app's route is sent")
            await settle(pilot)
            assert app.diagnosis.verdict.case.value == "legacy_endpoint"
            assert "app-route" in widget_text(app, "#steps")
            assert "router.huggingface.co/v1" in widget_text(app, "#diagnosis")


async def test_a_url_that_is_not_one_gets_one_line_and_keeps_what_was_typed():
    scenario = documented_first()
    with simulated(scenario) as sim:
        app = make_app(scenario, sim.url)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            before = app.plan_run
            await submit_app_url(pilot, "ftp://example.org/v1")
            await pilot.pause()
            error = app.query_one("#app-url-error")
            error.scroll_visible(animate=False)
            said = str(error.render())  # the line as the Static holds it (the pane may show part of it)
            assert "✗ App URL 'ftp://example.org/v1' is not an http(s) URL" in said, said
            assert app.query_one("#app-url", Input).value == "ftp://example.org/v1", "nothing typed is lost"
            assert app.plan_run is before, "no plan runs on a refused URL"
