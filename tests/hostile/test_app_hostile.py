"""The app against a hostile server: a pasted key (not hf_) is masked in the exported bundle, the clipboard
and the screen; the palette never parses a name as markup; a token that is not UTF-8 never crashes `e`."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import leaked_forms, until
from hhelpers import PLANTED, PROVIDER_KEY, screen_text
from hostile_server import MODEL, USER, json_answer, respond
from textual import events
from textual.widgets import Input

from hftui.core.session import Session, Settings
from hftui.core.tokens import TokenLocations
from hftui.ui.app import HftuiApp

SIZE = (160, 48)


def app_on(url: str, env: dict[str, str], export: Path | None = None) -> HftuiApp:
    settings = Settings.resolve(model=MODEL, hub_url=url, router_url=url, timeout=5, env={})
    app = HftuiApp(Session.at(settings, TokenLocations(env=env)), frozen=True)
    app.export_directory = export
    return app


def visible(app) -> str:
    return screen_text(app)


async def idle(pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: app.diagnosis is not None and not app.plan_busy
                and app.diagnosis.done == len(app.diagnosis.steps), "the plan finished")
    await pilot.pause()


async def test_a_pasted_key_is_masked_in_the_exported_bundle_the_clipboard_and_the_screen(hostile, tmp_path):
    echo = lambda r: respond(401, f"Unauthorized token {r.bearer}", [("x-echo", r.bearer)], r.bearer)  # noqa: E731
    server = hostile({"*": echo})
    app = app_on(server.url, {"HF_TOKEN": PLANTED}, export=tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await idle(pilot)
        field = app.query_one("#token-input", Input)
        field.focus()
        field.post_message(events.Paste(PROVIDER_KEY))
        await pilot.pause()
        await pilot.press("enter")  # test the pasted key, this session only
        await until(pilot, lambda: app.plan_run is not None and app.plan_run.inputs.token.raw == PROVIDER_KEY,
                    "the pasted key is tested")
        await idle(pilot)
        assert any(r.bearer == PROVIDER_KEY for r in server.requests), "the server saw it, and sent it back"
        app.query_one("#steps").focus()
        await pilot.press("e")
        await until(pilot, lambda: list(tmp_path.glob("hftui-bundle-*.md")), "the bundle is written")
        await pilot.press("b")
        await until(pilot, lambda: "Copied the support bundle" in visible(app), "the copy is announced")
        await pilot.press("c")
        await pilot.pause()
        screen = visible(app)
        clipboard = app.clipboard
    [bundle] = tmp_path.glob("hftui-bundle-*.md")
    for name, text in (("bundle", bundle.read_text()), ("clipboard", clipboard), ("screen", screen)):
        assert not leaked_forms(text, [PROVIDER_KEY]), f"the pasted key leaked into the {name}"
        assert not leaked_forms(text, [PLANTED]), f"the environment token leaked into the {name}"


async def test_the_palette_shows_names_as_they_are_and_never_runs_one(hostile):
    user = {**USER, "orgs": [{"name": "acme[/]"}, {"name": "[@click=app.quit]x[/]"}, {"name": "[b]bold[/b]"}]}
    server = hostile({"whoami": lambda r: json_answer(user),
                      "chat": lambda r: json_answer({"error": "payment required"}, 402, "Payment Required")})
    app = app_on(server.url, {"HF_TOKEN": PLANTED})
    async with app.run_test(size=SIZE) as pilot:
        await idle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"bill")
        await until(pilot, lambda: "set to this org" in visible(app), "the palette lists the orgs")
        screen = visible(app)
        assert "acme[/]" in screen and "[@click=app.quit]x[/]" in screen and "[b]bold[/b]" in screen
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running, "a name ran an action"


async def test_e_with_a_token_that_is_not_utf8_writes_the_bundle_and_the_app_runs_on(hostile, tmp_path):
    server = hostile()
    app = app_on(server.url, {"HF_TOKEN": PLANTED + "\udcff"}, export=tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await idle(pilot)
        await pilot.press("e")
        await until(pilot, lambda: list(tmp_path.glob("hftui-bundle-*.md")), "the bundle is written")
        assert app.is_running
    [bundle] = tmp_path.glob("hftui-bundle-*.md")
    text = bundle.read_text()
    assert "not_utf8" in text and "byte 0xFF (not UTF-8)" in text


async def test_an_export_that_cannot_be_written_is_a_notification_and_nothing_is_lost(hostile, tmp_path):
    server = hostile()
    taken = tmp_path / "taken"
    taken.mkdir()
    app = app_on(server.url, {"HF_TOKEN": PLANTED}, export=Path("/proc"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await idle(pilot)
        before = visible(app).splitlines()[2]
        await pilot.press("e")
        await until(pilot, lambda: "Export failed" in visible(app), "the failure is announced")
        assert app.is_running and before in visible(app), "the run is still on screen"
    assert os.listdir(taken) == []


async def test_a_crash_report_has_no_frame_locals_and_no_token(hostile, monkeypatch, capfd):
    """Textual prints an unhandled error with every frame's locals (a token among them); hftui's does not."""
    server = hostile()
    app = app_on(server.url, {"HF_TOKEN": PLANTED})

    def crash(self) -> None:
        token = self.testing.raw  # noqa: F841 - a local that Textual's report would print
        raise RuntimeError(f"a bug while exporting for {self.testing.raw}")

    monkeypatch.setattr(HftuiApp, "action_export_bundle", crash)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await idle(pilot)
            await pilot.press("e")
            await pilot.pause()
    except RuntimeError:
        pass  # run_test hands the app's error to the test
    captured = capfd.readouterr()
    report = captured.out + captured.err  # what Textual printed when the app ended
    assert "RuntimeError: a bug while exporting for" in report and "token = " not in report
    assert not leaked_forms(report, [PLANTED])
