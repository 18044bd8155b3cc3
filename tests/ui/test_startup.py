"""The app paints first, then works: the keyring is read after the first frame, in the usual precedence.

Reading the OS keyring (importing keyring, finding its backend) takes ~100 ms, so the app opens on
every other source and reads the keyring in a thread. An environment token comes before the keyring,
so the plan starts at once with it and the keyring's token joins the list when it arrives; without
one, the keyring's token would be the one tested, so the plan waits for it (env → keyring → file).
"""

from __future__ import annotations

import threading

from hftui.core.session import Session, Settings
from hftui.core.tokens import TokenLocations
from hftui.ui.app import HftuiApp
from helpers import until
from uihelpers import PROBE_TIMEOUT, SIZE, screen_text, settle, simulated, widget_text


class SlowKeyring:
    """A keyring reader that answers only when the test says so (or fails, if `error` is given)."""

    def __init__(self, token: str | None, error: Exception | None = None) -> None:
        self.token, self.error = token, error
        self.release = threading.Event()
        self.calls = 0

    def __call__(self) -> str | None:
        self.calls += 1
        self.release.wait(10)
        if self.error is not None:
            raise self.error
        return self.token


def app_reading_keyring(sim, env: dict[str, str], reader, token_file=None) -> HftuiApp:
    """The app as `hftui` (not the demo) starts it: every source but the keyring now, the keyring later."""
    where = TokenLocations(env=env, keyring_reader=reader, token_path=token_file)
    session = Session.at(Settings.for_simulator(sim.scenario, sim.url, timeout=PROBE_TIMEOUT), where, defer_keyring=True)
    return HftuiApp(session, frozen=True)


async def test_without_an_environment_token_the_plan_waits_for_the_keyring_which_comes_before_the_file(tmp_path):
    with simulated("case-b") as sim:
        token_file = tmp_path / "token"
        token_file.write_text("hf_an_old_token_in_the_file_0000000\n")
        keyring = SlowKeyring(sim.scenario.client_token)
        app = app_reading_keyring(sim, {}, keyring, token_file)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: "reading the OS keyring" in widget_text(app, "#topbar"))
            assert app.plan_run is None and not sim.requests, "no probe before the keyring answers"
            assert "· waiting" in widget_text(app, "#steps"), "the steps are on screen, waiting"
            assert "… reading the OS keyring" in widget_text(app, "#credentials")
            keyring.release.set()
            await settle(pilot)
            assert app.testing.source == "keyring", "the keyring comes before the token file"
            assert [c.source for c in app.tokens.candidates] == ["keyring", "file:token"]
            assert app.diagnosis.step("whoami").status.value == "ok"
            assert "reading the OS keyring" not in screen_text(app)
        assert keyring.calls == 1


async def test_an_environment_token_is_tested_at_once_and_the_keyring_token_joins_the_list_later():
    with simulated("case-b") as sim:
        keyring = SlowKeyring("hf_another_token_in_the_keyring_0000")
        app = app_reading_keyring(sim, {"HF_TOKEN": sim.scenario.client_token}, keyring)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.plan_run is not None and not app.plan_busy)
            run = app.plan_run
            assert run.inputs.token.source == "env:HF_TOKEN"
            assert "… reading the OS keyring" in widget_text(app, "#credentials")
            keyring.release.set()
            await settle(pilot)
            sources = widget_text(app, "#credentials")
            assert "keyring …" in sources and "differs from the token in another source" in sources
            assert app.testing.source == "env:HF_TOKEN", "the environment still wins"
            assert app.plan_run is run and run.results["whoami"].run_count == 1, "the same token: nothing re-ran"
            assert "reading the OS keyring" not in sources


async def test_a_keyring_that_fails_is_listed_as_unreadable_and_the_file_token_is_tested(tmp_path):
    with simulated("case-b") as sim:
        token_file = tmp_path / "token"
        token_file.write_text(sim.scenario.client_token + "\n")
        keyring = SlowKeyring(None, error=RuntimeError("the keyring is locked"))
        keyring.release.set()
        app = app_reading_keyring(sim, {}, keyring, token_file)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.testing.source == "file:token"
            assert "✗ keyring: could not be read" in widget_text(app, "#credentials")
            assert app.diagnosis.step("whoami").status.value == "ok"
