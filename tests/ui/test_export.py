"""The support bundle from the app: `e` writes it (0600) where hftui runs, `b` copies it."""

import stat

from helpers import until
from uihelpers import PROBE_TIMEOUT, SIZE, screen_text, settle, simulated

from hftui.core.session import Session
from hftui.ui.app import HftuiApp


async def test_e_writes_the_case_d_bundle_and_says_where(sim_app, tmp_path):
    app, sim = sim_app("case-d")
    app.export_directory = tmp_path
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await until(pilot, lambda: any(bundle.name in screen_text(app).replace("\n", "")
                                       for bundle in tmp_path.glob("hftui-bundle-*.md")), "the bundle's name is shown")
        [bundle] = tmp_path.glob("hftui-bundle-*.md")
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600
    text = bundle.read_text()
    assert "(seed case D)" in text and "ada-lovelace" in text and "acme-research" in text
    assert sim.scenario.client_token[3:12] not in text


async def test_b_copies_the_bundle_and_shows_what_was_copied(sim_app):
    app, sim = sim_app("case-c")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await until(pilot, lambda: "Copied the support bundle" in screen_text(app), "the copy is announced")
        assert app.clipboard.startswith("# hftui support bundle")
        assert "(seed case C)" in app.clipboard


async def test_export_before_any_result_says_why_and_writes_nothing(tmp_path):
    with simulated("case-b") as sim:
        session = Session.for_simulator(sim.scenario, sim.url, model=None, timeout=PROBE_TIMEOUT)  # no model yet: nothing has run
        app = HftuiApp(session, scenario=sim.scenario, frozen=True)
        app.export_directory = tmp_path
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            app.action_export_bundle()  # the key is disabled here; the palette or a remap could still call it
            await until(pilot, lambda: "Run the plan first" in screen_text(app), "the app says why")
    assert not list(tmp_path.glob("*.md"))
