"""Faults and latency over real loopback HTTP: what hftui must survive from a broken network or edge."""

from __future__ import annotations

import time

import httpx
import pytest
from helpers import returns

from simkit import auth, scenario

from hftui.sim import ChatRule, Fault, SimServer


def chat(client: httpx.Client, sim: SimServer, model: str) -> httpx.Response:
    return client.post(sim.url + "/v1/chat/completions", json={"model": model, "messages": []}, headers=auth())


# -- Faults --------------------------------------------------------------------------------

def test_hang_times_the_client_out_and_stop_still_returns(serve):
    sim = serve(scenario(route_faults={"whoami": Fault("hang")}))
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(sim.url + "/api/whoami-v2", headers=auth(), timeout=0.5)
    returns(sim.stop, "stop() with a handler hanging on purpose")


def test_a_rules_hang_holds_only_that_chat(serve, client):
    sim = serve(scenario(chat_rules=(ChatRule("a/b", fault=Fault("hang")),)))
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(sim.url + "/v1/chat/completions", json={"model": "a/b"}, headers=auth(), timeout=0.5)
    assert client.get(sim.url + "/api/whoami-v2", headers=auth()).status_code == 200


@pytest.mark.parametrize("fault", [Fault("reset"), Fault("reset", mid_body=True)], ids=["before-answer", "mid-body"])
def test_reset_breaks_the_exchange(serve, client, fault):
    sim = serve(scenario(route_faults={"*": fault}))
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get(sim.url + "/v1/models")


def test_route_specific_fault_beats_the_catch_all(serve, client):
    sim = serve(scenario(route_faults={"*": Fault("reset"), "catalog": Fault("html", status=503)}))
    assert client.get(sim.url + "/v1/models").status_code == 503
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get(sim.url + "/api/whoami-v2", headers=auth())


def test_slow_body_sends_headers_then_trickles(serve):
    sim = serve(scenario(whoami_override="0123456789", route_faults={"whoami": Fault("slow_body", bytes_per_second=10)}))
    started = time.monotonic()
    with httpx.stream("GET", sim.url + "/api/whoami-v2", headers=auth(), timeout=5) as response:
        pieces = list(response.iter_raw())
    assert b"".join(pieces) == b"0123456789" and response.status_code == 200
    # The headers came first and the body in pieces, so it was still arriving when the first one was read
    # (a reader held up for the whole 0.9 s trickle would see one piece); the trickle's length is a
    # lower bound, which load cannot break.
    assert len(pieces) > 1, pieces
    assert time.monotonic() - started >= 0.9


def test_slow_body_at_one_byte_per_second_outlasts_a_read_timeout(serve):
    sim = serve(scenario(route_faults={"catalog": Fault("slow_body")}))
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(sim.url + "/v1/models", timeout=httpx.Timeout(5, read=0.5)).read()
    returns(sim.stop, "stop() in the middle of a slow body")


def test_html_fault_is_a_cloudfront_error_page(serve, client):
    sim = serve(scenario(route_faults={"chat": Fault("html")}))
    response = chat(client, sim, "openai/gpt-oss-120b:fastest")
    assert response.status_code == 502 and response.headers["content-type"].startswith("text/html")
    assert "<TITLE>ERROR: The request could not be satisfied</TITLE>" in response.text
    assert response.headers["x-cache"] == "Error from cloudfront"


def test_huge_body_is_exactly_ten_megabytes(serve, client):
    sim = serve(scenario(route_faults={"catalog": Fault("huge_body")}))
    response = client.get(sim.url + "/v1/models")
    assert response.status_code == 200 and len(response.content) == 10 * 1024 * 1024
    assert int(response.headers["content-length"]) == 10 * 1024 * 1024


def test_invalid_utf8_keeps_the_status_but_not_the_encoding(serve, client):
    sim = serve(scenario(chat_rules=(ChatRule("*", status=401, body={"error": "x"}, fault=Fault("invalid_utf8")),)))
    response = chat(client, sim, "a/b")
    assert response.status_code == 401
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")


# -- Latency ------------------------------------------------------------------------------

def test_latency_applies_to_every_request_and_the_argument_overrides_the_scenario(serve, client):
    slow = serve(scenario(latency_ms=300))
    for call in (lambda: client.get(slow.url + "/api/whoami-v2", headers=auth()), lambda: chat(client, slow, "a/b"),
                 lambda: client.get(slow.url + "/nope")):
        started = time.monotonic()
        call()
        assert time.monotonic() - started >= 0.3
    # The scenario asks for ten minutes a request: the answer coming at all, within the client's 5 s
    # timeout (a bound only a hang comes near), shows that latency_ms=0 won.
    fast = serve(scenario(latency_ms=600_000), latency_ms=0)
    assert client.get(fast.url + "/v1/models").status_code == 200
