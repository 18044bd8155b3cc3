"""Streaming and the sweep on real answers: `hftui diagnose --stream / --sweep --json` against the loopback
replay server serving real recorded streams (tests/real/recorded/with_stream_*.yaml) and real wordings."""

from __future__ import annotations

import json

import pytest
from helpers import assert_no_leak, hftui
from replay import Canned, ReplayServer, recorded
from world import FAKE_TOKEN, MODEL_REPO, RECORDED_ROUTER_401, chat, chat_ok, router_error, world

PREFERRED = f"{MODEL_REPO}:preferred"


def streamed(provider: str) -> Canned:
    """The provider's real SSE answer (status, headers, events) to any streamed chat call."""
    reply = recorded(f"with_stream_{provider}", 1).with_headers(("x-inference-provider", provider))
    return Canned("POST", r"/v1/chat/completions", reply, stream=True)


def run(canned: list[Canned], tmp_path, *flags: str, model: str = PREFERRED) -> dict:
    with ReplayServer(canned) as replay:
        result = hftui("diagnose", "--json", "--hub-url", replay.url, "--router-url", replay.url, "--model", model,
                       "--timeout", "20", *flags, env={"HF_HOME": str(tmp_path), "HF_TOKEN": FAKE_TOKEN})
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
    assert_no_leak(result.stdout + result.stderr, FAKE_TOKEN)
    return json.loads(result.stdout)


@pytest.mark.parametrize("provider", ["together", "cerebras", "fireworks-ai", "novita"])
def test_each_real_stream_is_read_to_its_end_as_working(provider, tmp_path):
    """cerebras ends with a finish_reason and no [DONE]: complete all the same."""
    document = run(world(streamed(provider)), tmp_path, "--stream")
    step = next(step for step in document["steps"] if step["id"] == "stream")
    assert step["status"] == "ok", step
    assert step["stream"]["failure"] is None and step["stream"]["chunks"] >= 5
    assert step["stream"]["done"] is (provider != "cerebras") and step["stream"]["finish_reason"] == "length"
    assert step["stream"]["ttft_ms"] is not None and step["request"]["body"].endswith('"stream": true}')
    assert document["verdict"]["case"] == "ok" and "Streamed, it works: first token after" in document["verdict"]["summary"]


def test_a_real_stream_without_an_sse_content_type_is_named(tmp_path):
    """The plain JSON completion given to a streamed call: what a proxy that ignores stream: true does."""
    canned = world(Canned("POST", r"/v1/chat/completions", chat_ok(), stream=True))
    document = run(canned, tmp_path, "--stream", model=f"{MODEL_REPO}:fireworks-ai")
    assert document["verdict"]["case"] == "stream_fails", document["verdict"]
    assert "streamed calls fail at the answer's format" in document["verdict"]["summary"]


def test_the_sweep_on_real_answers_lists_every_provider_the_mapping_names_removed_ones_uncalled(tmp_path):
    """The recorded Llama-3.3-70B mapping names five providers, two of them removed from routing since; the
    catalog lists others (hf-inference answers the recorded 200 too, a canned world has no CPU story)."""
    canned = world(chat(f"{MODEL_REPO}:together", router_error(503, {"error": "upstream provider unavailable"},
                                                                "together")),
                   chat(PREFERRED, RECORDED_ROUTER_401))
    document = run(canned, tmp_path, "--sweep")
    sweep = {route["provider"]: route for route in document["sweep"]}
    assert {p for p, route in sweep.items() if route["status"] == "removed"} == {"sambanova", "nebius"}
    assert all(route["http_status"] is None for route in sweep.values() if route["status"] == "removed")
    assert sweep["together"]["status"] == "failed" and sweep["together"]["http_status"] == 503
    assert sweep["together"]["error"] == "upstream provider unavailable"
    assert sweep["fireworks-ai"]["status"] == "ok" and sweep["fireworks-ai"]["ttfb_ms"] is not None
    assert (document["verdict"]["case"], document["verdict"]["seed_case"]) == ("provider_policy", "B")
    assert "Only some providers work" in document["verdict"]["summary"]
