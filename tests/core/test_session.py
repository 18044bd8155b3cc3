"""The front door: settings from flags, environment and defaults; when the keyring counts; the plan's inputs."""

from __future__ import annotations

import threading

import pytest

from hftui.core import session as session_module
from hftui.core.hub import DEFAULT_BASELINE, DEFAULT_HUB_URL, DEFAULT_ROUTER_URL, ModelRef
from hftui.core.session import Session, Settings, SettingsError
from hftui.core.status import StepStatus
from hftui.core.tokens import TokenCandidate, TokenLocations
from hftui.sim import SimServer, get_scenario

ENV_TOKEN = "hf_" + "e" * 26 + "ENVTOKEN"
KEYRING_TOKEN = "hf_" + "k" * 26 + "KEYRING1"


class Keyring:
    """A keyring reader that answers when released (at once if `released`), and counts its calls."""

    def __init__(self, token: str | None = KEYRING_TOKEN, released: bool = True) -> None:
        self.token, self.calls = token, 0
        self.release = threading.Event()
        if released:
            self.release.set()

    def __call__(self) -> str | None:
        self.calls += 1
        self.release.wait(30)
        return self.token


def settings(**given) -> Settings:
    return Settings.resolve(model="Qwen/Qwen3.5-9B:preferred", env={}, **given)


def test_given_beats_the_environment_which_beats_the_defaults():
    defaults = Settings.resolve(env={})
    assert (defaults.hub_url, defaults.router_url, defaults.baseline, defaults.timeout, defaults.model) == (
        DEFAULT_HUB_URL, DEFAULT_ROUTER_URL, DEFAULT_BASELINE, 15.0, None)
    env = {"HF_ENDPOINT": "https://hub.example", "HFTUI_ROUTER_URL": "https://router.example"}
    assert (Settings.resolve(env=env).hub_url, Settings.resolve(env=env).router_url) == (
        "https://hub.example", "https://router.example")
    assert Settings.resolve(hub_url="http://127.0.0.1:9", env=env).hub_url == "http://127.0.0.1:9"


@pytest.mark.parametrize("url", ["ftp://x", "router.huggingface.co", "https://"])
def test_a_url_that_is_not_http_is_a_settings_error(url):
    with pytest.raises(SettingsError, match="is not an http\\(s\\) URL"):
        Settings.resolve(router_url=url, env={})


def test_the_inputs_need_a_well_formed_model_and_take_the_active_token():
    where = TokenLocations(env={"HF_TOKEN": ENV_TOKEN})
    with pytest.raises(SettingsError, match="--model is required"):
        Session.at(Settings.resolve(env={}), where).inputs()
    with pytest.raises(SettingsError, match="malformed model id"):
        Session.at(Settings.resolve(model="no-slash", env={}), where).inputs()
    session = Session.at(settings(bill_to="acme"), where)
    inputs = session.inputs()
    assert inputs.model == ModelRef.parse("Qwen/Qwen3.5-9B:preferred") and inputs.bill_to == "acme"
    assert inputs.token.source == "env:HF_TOKEN"
    pasted = TokenCandidate.pasted("  " + ENV_TOKEN)
    chosen = session.inputs(pasted, model=ModelRef.parse("a/b:together"), bill_to=None)
    assert (chosen.token, str(chosen.model), chosen.bill_to) == (pasted, "a/b:together", None)
    assert pasted.source == "pasted" and pasted.is_malformed and pasted.note == "this session only"


def test_token_env_must_name_a_set_variable():
    with pytest.raises(SettingsError, match="--token-env MY_TOKEN: that environment variable is not set"):
        Session.open(settings(token_env="MY_TOKEN"), env={}, isolated=True)


def test_without_an_environment_token_the_keyring_is_read_first_since_it_may_hold_the_tested_token():
    keyring = Keyring()
    session = Session.at(settings(), TokenLocations(env={}, keyring_reader=keyring))
    assert keyring.calls == 1 and session.tokens.active.source == "keyring"
    assert session.complete_tokens() is session.tokens


def test_with_an_environment_token_the_keyring_is_read_while_the_probes_run():
    keyring = Keyring(released=False)
    session = Session.at(settings(), TokenLocations(env={"HF_TOKEN": ENV_TOKEN}, keyring_reader=keyring))
    assert [c.source for c in session.tokens.candidates] == ["env:HF_TOKEN"]  # open() did not wait for it
    keyring.release.set()
    assert [c.source for c in session.complete_tokens().candidates] == ["env:HF_TOKEN", "keyring"]
    assert keyring.calls == 1


async def test_with_an_environment_token_the_run_starts_the_keyring_read_once_its_first_requests_are_out():
    scenario = get_scenario("case-d")
    events, seen_by_keyring = [], []

    def keyring() -> str:  # runs in its own thread: what had the plan done when it was called?
        seen_by_keyring.append(list(events))
        return KEYRING_TOKEN

    with SimServer(scenario, port=0, latency_ms=200) as sim:
        where = TokenLocations(env={"HF_TOKEN": scenario.client_token}, keyring_reader=keyring)
        session = Session.at(Settings.for_simulator(scenario, sim.url), where)
        assert seen_by_keyring == []  # not at open: the engine's imports come first
        diagnosis = await session.run(listener=lambda result: events.append((result.step_id, result.status)))
    assert len(seen_by_keyring) == 1
    running = {step_id for step_id, status in seen_by_keyring[0] if status is StepStatus.RUNNING}
    assert running == {"whoami", "catalog", "mapping", "as-configured", "known-good"}
    assert [c.source for c in diagnosis.tokens.candidates] == ["env:HF_TOKEN", "keyring"]


def test_a_keyring_that_never_answers_is_listed_as_unreadable(monkeypatch):
    monkeypatch.setattr(session_module, "KEYRING_WAIT_SECONDS", 0.05)  # it never answers: any wait ends so
    keyring = Keyring(released=False)
    session = Session.at(settings(), TokenLocations(env={"HF_TOKEN": ENV_TOKEN}, keyring_reader=keyring))
    report = session.complete_tokens()
    assert [c.source for c in report.candidates] == ["env:HF_TOKEN"]
    assert report.unreadable == (("keyring", "did not answer within 0.05 s; not listed"),)
    keyring.release.set()


def test_a_deferred_keyring_is_left_to_the_caller_until_it_answers():
    keyring = Keyring()
    session = Session.at(settings(), TokenLocations(env={}, keyring_reader=keyring), defer_keyring=True)
    assert keyring.calls == 0 and session.tokens.active is None and session.keyring_reader is keyring
    report = session.keyring_answered(lambda: KEYRING_TOKEN)
    assert report.active.source == "keyring" and session.keyring_reader is None and keyring.calls == 0


def test_the_simulator_session_sees_only_the_scenario_token(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", ENV_TOKEN)

    class Scenario:
        model, bill_to, client_token = "Qwen/Qwen3.5-9B:preferred", "acme", "hf_" + "s" * 34

    session = Session.for_simulator(Scenario, "http://127.0.0.1:9", timeout=2)
    assert [c.raw for c in session.tokens.candidates] == [Scenario.client_token]
    assert (session.settings.router_url, session.settings.bill_to, session.settings.timeout) == (
        "http://127.0.0.1:9", "acme", 2)


def test_plain_http_off_loopback_is_warned_about():
    assert Settings.resolve(hub_url="http://127.0.0.1:8000", router_url="http://localhost:1", env={}).warnings == []
    warned = Settings.resolve(router_url="http://10.0.0.1:8000", env={}).warnings
    assert len(warned) == 1 and "router URL http://10.0.0.1:8000 is plain http" in warned[0]
