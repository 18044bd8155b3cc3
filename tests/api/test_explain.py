"""The Python API: hftui.diagnose and hftui.explain over the same core as the CLI, tried the way an app
uses it: real huggingface_hub, openai, httpx and requests clients raising real exceptions against the
simulator, in a child process (a fresh interpreter: the app's own), compared with `hftui diagnose`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import assert_no_leak, environ, hftui

import hftui as api
from hftui.sim import SimServer, get_scenario

APP = Path(__file__).with_name("app_fails.py")


def cli_document(scenario, url, tmp_path, *flags):
    result = hftui("diagnose", "--json", "--hub-url", url, "--router-url", url, "--model", scenario.model,
                   "--timeout", "5", *flags, env={"HF_TOKEN": scenario.client_token, "HF_HOME": str(tmp_path)})
    return json.loads(result.stdout)


def app_run(sim, model, tmp_path, *clients) -> list[dict]:
    """The app's process: its environment points huggingface_hub's Hub at the simulator (it fetches
    {HF_ENDPOINT}/api/agent-harnesses once) and is online, unlike the test run's."""
    env = environ({"HF_TOKEN": sim.scenario.client_token, "HF_ENDPOINT": sim.url, "HF_HUB_OFFLINE": "0",
                   "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HOME": str(tmp_path), "HFTUI_NO_KEYRING": "1"})
    result = subprocess.run([sys.executable, str(APP), sim.url, model, *clients], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_no_leak(result.stdout + result.stderr, sim.scenario.client_token)
    return [json.loads(line) for line in result.stdout.splitlines()]


def shape(value):
    """The document's keys, recursively: what must be equal between the API's and the CLI's."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items() if key not in ("headers", "body")}
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return type(value).__name__ if value is not None else None


@pytest.mark.parametrize("name", ["case-b", "case-c", "credits-exhausted"])
def test_explain_on_real_client_exceptions_gives_the_clis_verdict(name, tmp_path):
    scenario = get_scenario(name)
    with SimServer(scenario) as sim:
        cli = cli_document(scenario, sim.url, tmp_path)
        runs = app_run(sim, scenario.model, tmp_path, "openai", "huggingface_hub", "httpx")
    expected = (cli["verdict"]["case"], cli["verdict"]["seed_case"])
    assert expected == (scenario.expected_case, scenario.expected_seed)
    exceptions = {run["client"]: run["exception"] for run in runs}
    assert exceptions["huggingface_hub"] == "HfHubHTTPError" and exceptions["httpx"] == "HTTPStatusError"
    assert exceptions["openai"] in ("AuthenticationError", "APIStatusError"), exceptions
    for run in runs:
        assert (run["case"], run["seed"]) == expected, run["client"]
        assert (run["model"], run["router_url"]) == (scenario.model, sim.url), "read from the request it sent"
        assert run["status"] in (401, 402)
        document = run["document"]
        assert [(s["id"], s["status"]) for s in document["steps"]] == [(s["id"], s["status"]) for s in cli["steps"]]
        assert document["verdict"]["summary"] == cli["verdict"]["summary"]
    # huggingface_hub and httpx let the request's Authorization be read: the token the app really sent is
    # the one tested; openai adds it out of sight, so the environment's (the same here) is.
    sources = {run["client"]: run["token_source"] for run in runs}
    assert sources == {"openai": "env:HF_TOKEN", "huggingface_hub": "request:Authorization",
                       "httpx": "request:Authorization"}


def test_explain_reads_a_requests_error_and_its_bill_to(tmp_path):
    scenario = get_scenario("case-d")
    with SimServer(scenario) as sim:
        [run] = app_run(sim, scenario.model, tmp_path, "requests")
    assert run["exception"] == "HTTPError" and run["bill_to"] == "acme" and run["status"] == 401


def test_explain_on_a_connection_error_is_a_network_verdict(tmp_path):
    scenario = get_scenario("network-error")
    with SimServer(scenario) as sim:
        [run] = app_run(sim, scenario.model, tmp_path, "openai")
    assert run["exception"] == "APIConnectionError" and run["status"] is None
    assert run["case"] == "network_error"


def test_diagnose_returns_the_clis_document(tmp_path, monkeypatch):
    scenario = get_scenario("sweep-five-providers")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    with SimServer(scenario) as sim:
        cli = cli_document(scenario, sim.url, tmp_path, "--sweep")
        diagnosis = api.diagnose(scenario.model, token=scenario.client_token, router_url=sim.url, hub_url=sim.url,
                                 timeout=60, sweep=True)
    document = json.loads(diagnosis.to_json())
    assert document == diagnosis.to_dict()
    assert shape(document) == shape(cli), "the same keys, all the way down"
    assert document["verdict"] == {**cli["verdict"], "evidence": document["verdict"]["evidence"]}
    assert [e["fact"] for e in document["verdict"]["evidence"]] == [e["fact"] for e in cli["verdict"]["evidence"]]
    assert [(r["provider"], r["status"]) for r in document["sweep"]] == [(r["provider"], r["status"]) for r in cli["sweep"]]
    assert document["token"]["source"] == "argument" and diagnosis.verdict.case.value == "provider_policy"
    assert [step.step_id for step in diagnosis.steps][-1] == "sweep"
    assert diagnosis.to_text().splitlines()[0].startswith("token  argument …")


async def test_diagnose_inside_a_running_loop_says_to_await_diagnose_async():
    with pytest.raises(RuntimeError, match=r"await hftui.diagnose_async"):
        api.diagnose("Qwen/Qwen3.5-9B")


def test_a_malformed_model_is_a_settings_error_before_anything_is_sent():
    with pytest.raises(api.SettingsError, match="malformed model id"):
        api.diagnose("not a model", token="hf_" + "x" * 34, router_url="http://127.0.0.1:9")


def test_an_exception_without_a_request_is_refused_in_words():
    with pytest.raises(api.NotAFailedCall, match=r"carries no HTTP request.*hftui.diagnose\(model=...\)"):
        api.explain(ValueError("nope"))


def test_import_hftui_stays_light_and_the_api_loads_no_textual():
    code = ("import sys, hftui\n"
            "light = not any(m.startswith(('hftui.api', 'hftui.core.plan', 'httpx')) for m in sys.modules)\n"
            "hftui.diagnose, hftui.explain, hftui.Diagnosis\n"
            "print(light, 'hftui.api' in sys.modules, any(m.split('.')[0] == 'textual' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True", "False"]
