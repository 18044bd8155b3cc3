"""An app's failed call read from what it caught, by its shape: real httpx requests and responses (the
shape huggingface_hub's and openai's httpx2 share); the real clients' own exceptions are tests/api's."""

from __future__ import annotations

import httpx
import pytest

from hftui.core.caught import NotAFailedCall, read_failed_call

TOKEN = "hf_" + "c" * 26 + "caught01"


def failed(url: str, body: dict | None = None, status: int = 401, **headers: str) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", url, json=body, headers=headers)
    response = httpx.Response(status, request=request, headers={"x-request-id": "req-1"}, json={"error": "no"})
    try:
        response.raise_for_status()
    except httpx.HTTPStatusError as exc:
        return exc
    raise AssertionError("raise_for_status did not raise")


def test_the_router_call_is_read_whole():
    caught = failed("https://router.huggingface.co/v1/chat/completions",
                    {"model": "Qwen/Qwen3.5-9B:preferred", "messages": [], "stream": True},
                    authorization=f"Bearer {TOKEN}", **{"X-HF-Bill-To": "acme"})
    call = read_failed_call(caught)
    assert (call.model, call.router_url, call.status, call.bill_to, call.stream, call.request_id) == (
        "Qwen/Qwen3.5-9B:preferred", "https://router.huggingface.co", 401, "acme", True, "req-1")
    assert call.token == TOKEN and TOKEN[3:] not in repr(call)
    assert read_failed_call(caught.response) == call, "the response alone says as much"


def test_a_gateway_prefix_before_v1_is_kept_and_another_services_key_is_never_kept():
    call = read_failed_call(failed("https://gw.example.com/hf/v1/chat/completions", {"model": "a/b"},
                                   authorization="Bearer sk-not-an-hf-token"))
    assert call.router_url == "https://gw.example.com/hf" and call.token is None


def test_a_provider_scoped_route_names_the_provider():
    call = read_failed_call(failed("https://router.huggingface.co/together/v1/chat/completions",
                                   {"model": "meta-llama/Llama-3.3-70B-Instruct-Turbo"}))
    assert call.model == "meta-llama/Llama-3.3-70B-Instruct-Turbo:together" and "provider-scoped" in call.note
    assert call.router_url == "https://router.huggingface.co"


def test_the_legacy_inference_api_has_the_model_in_its_path():
    call = read_failed_call(failed("https://api-inference.huggingface.co/models/gpt2/gpt2-large", {"inputs": "x"}, 410))
    assert call.model == "gpt2/gpt2-large" and call.router_url == "https://api-inference.huggingface.co"


def test_something_without_a_request_is_refused():
    with pytest.raises(NotAFailedCall, match="carries no HTTP request"):
        read_failed_call(RuntimeError("boom"))
    with pytest.raises(NotAFailedCall):
        read_failed_call(httpx.Response(401))  # a response that never had a request
