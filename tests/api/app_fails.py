"""An app that calls the simulator's router with a real client, catches the real exception and asks
hftui.explain why: run as a child process by test_explain.py (HF_ENDPOINT, HF_TOKEN set by the test).

    python app_fails.py ROUTER_URL MODEL CLIENT...   → one JSON line per client
"""

import json
import os
import sys

import hftui


def openai_call(url, model):
    import openai

    client = openai.OpenAI(base_url=f"{url}/v1", api_key=os.environ["HF_TOKEN"], max_retries=0, timeout=10)
    try:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}], max_tokens=8)
    except (openai.APIStatusError, openai.APIConnectionError) as exc:
        return exc


def huggingface_hub_call(url, model):
    from huggingface_hub import InferenceClient
    from huggingface_hub.errors import HfHubHTTPError

    client = InferenceClient(base_url=f"{url}/v1", api_key=os.environ["HF_TOKEN"], timeout=10)
    try:
        client.chat_completion([{"role": "user", "content": "hi"}], model=model, max_tokens=8)
    except HfHubHTTPError as exc:
        return exc


def httpx_call(url, model):
    import httpx

    response = httpx.post(f"{url}/v1/chat/completions", headers={"Authorization": f"Bearer {os.environ['HF_TOKEN']}"},
                          json={"model": model, "messages": [{"role": "user", "content": "hi"}]}, timeout=10)
    try:
        response.raise_for_status()
    except httpx.HTTPStatusError as exc:
        return exc


def requests_call(url, model):
    import requests

    response = requests.post(f"{url}/v1/chat/completions", json={"model": model, "messages": []}, timeout=10,
                             headers={"Authorization": f"Bearer {os.environ['HF_TOKEN']}", "X-HF-Bill-To": "acme"})
    try:
        response.raise_for_status()
    except requests.HTTPError as exc:
        return exc


CLIENTS = {"openai": openai_call, "huggingface_hub": huggingface_hub_call, "httpx": httpx_call,
           "requests": requests_call}

if __name__ == "__main__":
    url, model, *clients = sys.argv[1:]
    for name in clients:
        caught = CLIENTS[name](url, model)
        assert caught is not None, f"{name}: the call did not fail"
        diagnosis = hftui.explain(caught, timeout=60)  # healthy probes: a loaded machine may be slow
        call = diagnosis.failed_call
        print(json.dumps({"client": name, "exception": type(caught).__name__, "case": diagnosis.verdict.case.value,
                          "seed": diagnosis.verdict.seed_case, "model": call.model, "router_url": call.router_url,
                          "status": call.status, "bill_to": call.bill_to, "token_source": diagnosis.token.source,
                          "document": diagnosis.to_dict()}))
