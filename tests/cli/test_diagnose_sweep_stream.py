"""`hftui diagnose --sweep / --stream` as a script runs them: the JSON contract and the text table."""

import json
import re

from helpers import assert_no_leak, hftui

from hftui.sim import SimServer, get_scenario

SWEEP_KEYS = {"provider", "status", "http_status", "ttfb_ms", "elapsed_ms", "pricing", "context_length", "error"}


def test_sweep_is_null_when_not_asked_and_no_stream_step_is_planned():
    document = json.loads(hftui("diagnose", "--sim", "case-b", "--json").stdout)
    assert "sweep" in document and document["sweep"] is None
    assert {step["id"] for step in document["steps"]}.isdisjoint({"sweep", "stream"})
    assert all("ttfb_ms" in step for step in document["steps"])


def test_the_sweep_in_json_one_entry_per_provider_in_the_issues_shape():
    result = hftui("diagnose", "--sim", "sweep-five-providers", "--json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    sweep = {route["provider"]: route for route in document["sweep"]}
    assert list(sweep) == ["groq", "cerebras", "together", "novita", "nscale", "sambanova"]
    assert all(SWEEP_KEYS <= set(route) for route in sweep.values())
    cerebras = sweep["cerebras"]
    assert (cerebras["status"], cerebras["http_status"], cerebras["error"]) == ("ok", 200, None)
    assert cerebras["pricing"] == {"input": 0.85, "output": 1.2} and cerebras["context_length"] == 131072
    assert 0 < cerebras["ttfb_ms"] <= cerebras["elapsed_ms"]
    assert (sweep["groq"]["status"], sweep["groq"]["http_status"], sweep["groq"]["error"]) == ("failed", 401, "Invalid API Key")
    assert sweep["nscale"]["http_status"] == 503 and sweep["sambanova"]["status"] == "removed"
    assert document["verdict"]["seed_case"] == "B"
    assert any(step.startswith("Use meta-llama/Llama-3.3-70B-Instruct:cerebras") for step in document["verdict"]["next_steps"])


def test_the_sweep_as_a_table_in_the_text_report():
    out = hftui("diagnose", "--sim", "sweep-five-providers").stdout
    assert re.search(r"^sweep\s+provider\s+http\s+ttfb\s+total", out, re.MULTILINE)
    assert re.search(r"^✓\s+cerebras\s+200\s+\d+ ms\s+\d+ ms\s+0\.85/1\.2\s+131k\s+◀ fastest$", out, re.MULTILINE)
    assert re.search(r"^✓\s+novita\s+200 .*◀ cheapest$", out, re.MULTILINE)
    assert re.search(r"^✗\s+groq\s+401 .*Invalid API Key$", out, re.MULTILINE)
    assert re.search(r"^–\s+sambanova\s+.*removed from Inference Providers routing: not called$", out, re.MULTILINE)


def test_a_streaming_only_failure_is_diagnosed_as_such(tmp_path):
    scenario = get_scenario("stream-cut")
    with SimServer(scenario) as sim:
        result = hftui("diagnose", "--json", "--stream", "--hub-url", sim.url, "--router-url", sim.url,
                       "--model", scenario.model, env={"HF_TOKEN": scenario.client_token, "HF_HOME": str(tmp_path)})
        streamed = [r for r in sim.requests if '"stream": true' in r.body]
    assert len(streamed) == 1, "one streamed call: the configured one"
    document = json.loads(result.stdout)
    assert document["verdict"]["case"] == "stream_fails" and result.returncode == 1
    assert document["verdict"]["summary"].startswith("Non-streamed calls work; streamed calls fail mid-stream")
    step = next(step for step in document["steps"] if step["id"] == "stream")
    assert step["status"] == "failed" and step["http_status"] == 200
    assert step["stream"]["failure"] == "cut" and "connection broke" in step["stream"]["cut"]
    assert_no_leak(result.stdout, scenario.client_token)
