"""The real service's answers, as data: recorded bodies and headers, the wordings router-api.md §2–§3
quotes from real reports, and a healthy world (whoami, catalog, mapping, chat) each situation changes.

Nothing here comes from hftui.sim, on purpose: the simulator cannot judge the code it was shaped for.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from replay import ANY, Answer, Canned, answer, recorded

MODEL_REPO = "meta-llama/Llama-3.3-70B-Instruct"
KNOWN_GOOD = "openai/gpt-oss-120b:fastest"
USER = "ada-lovelace"
FAKE_TOKEN = "hf_" + "R" * 26 + "replay01"

# -- wordings, as the real services send them ------------------------------------------------------
ROUTER_401 = "Invalid username or password."
HUB_401 = "Invalid credentials in Authorization header"
CREDITS_2026 = ("You have depleted your monthly included credits. Purchase pre-paid credits to continue using "
                "Inference Providers. Alternatively, subscribe to PRO to get 20x more included credits.")
CREDITS_2025 = ("You have exceeded your monthly included credits for Inference Providers. Subscribe to PRO to get "
                "20x more monthly included credits.")
REVOKED = ("Your token has been revoked by the organization administrator, you can no longer access "
           "organization resources.")
HF_INFERENCE_400 = "Model not supported by provider hf-inference"
LEGACY_410 = ("The requested API endpoint is no longer supported. Please use https://router.huggingface.co "
              "instead.")


def no_permission(kind: str, name: str) -> str:
    return ("This authentication method does not have sufficient permissions to call Inference Providers on "
            f"behalf of {kind} {name}")


def model_not_supported(model: str) -> dict[str, Any]:
    return {"error": {"message": f"The requested model '{model}' is not supported by any provider you have enabled.",
                      "type": "invalid_request_error", "param": "model", "code": "model_not_supported"}}


# -- headers ---------------------------------------------------------------------------------------
_counter = iter(range(1, 10**9))


def router_headers(provider: str | None = None) -> tuple[tuple[str, str], ...]:
    """2026 router: a UUID request id behind Cloudflare; routed answers name their provider."""
    digest = hashlib.sha256(str(next(_counter)).encode()).hexdigest()
    uuid = f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"
    headers = (("Content-Type", "application/json"), ("x-request-id", uuid), ("server", "cloudflare"),
               ("cf-ray", f"{digest[32:48]}-CDG"), ("cf-cache-status", "DYNAMIC"))
    return headers + ((("x-inference-provider", provider),) if provider else ())


def router_error(status: int, body: Any, provider: str | None = None) -> Answer:
    """An error from the router: the HF layer's `{"error": text}` family carries X-Error-Message."""
    headers = router_headers(provider)
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        headers += (("X-Error-Message", body["error"]),)
    if status == 401:
        headers += (("WWW-Authenticate", 'Bearer realm="Authentication required", charset="UTF-8"'),)
    return answer(status, body, headers)


RECORDED_ROUTER_401 = recorded("unprocessable_entity", 1)  # the real router 401: WWW-Authenticate, X-Error-Message
RECORDED_MAPPING = recorded("no_stream_fireworks-ai", 0)  # Llama-3.3-70B, in the user's order, removed providers too
RECORDED_CHAT = recorded("no_stream_fireworks-ai", 1)


def chat_ok(provider: str = "fireworks-ai") -> Answer:
    return RECORDED_CHAT.with_headers(("x-inference-provider", provider))


def hub_error(status: int, text: str, code: str | None = None) -> Answer:
    digest = hashlib.sha256(f"hub{next(_counter)}".encode()).hexdigest()
    headers = [("Content-Type", "application/json; charset=utf-8"), ("X-Error-Message", text),
               ("X-Request-Id", f"Root=1-6931{digest[:4]}-{digest[4:28]}"), ("X-Cache", "Error from cloudfront"),
               ("Via", "1.1 a462d9473c62e045cd7ca3144781eb10.cloudfront.net (CloudFront)")]
    if code:
        headers.append(("X-Error-Code", code))
    return answer(status, {"error": text}, headers)


def hub_ok(body: Any) -> Answer:
    digest = hashlib.sha256(f"hub{next(_counter)}".encode()).hexdigest()
    return answer(200, body, [("Content-Type", "application/json; charset=utf-8"),
                              ("X-Request-Id", f"Root=1-6931{digest[:4]}-{digest[4:28]}"),
                              ("X-Cache", "Miss from cloudfront"), ("X-Powered-By", "huggingface-moon")])


# -- whoami ----------------------------------------------------------------------------------------

def org(name: str, can_pay: bool = True, enterprise: bool = False, role: str = "admin") -> dict[str, Any]:
    return {"id": hashlib.sha1(name.encode()).hexdigest()[:24], "type": "org", "name": name,
            "fullname": name.replace("-", " ").title(), "email": None, "canPay": can_pay, "periodEnd": None,
            "avatarUrl": f"https://cdn-avatars.huggingface.co/v1/production/uploads/{name}.png",
            "roleInOrg": role, "isEnterprise": enterprise, "plan": "enterprise" if enterprise else "team"}


def fine_grained_2026(org_scopes: dict[str, list[str]] | None = None, user_perms: list[str] | None = None,
                      global_perms: list[str] | None = None) -> dict[str, Any]:
    """A real 2026 default fine-grained token: the inference permission only in the user-scoped entry."""
    user_perms = ["inference.serverless.write", "repo.content.read"] if user_perms is None else user_perms
    scoped = [{"entity": {"_id": "6412a9c3f1b2c3d4e5f60718", "type": "user", "name": USER}, "permissions": user_perms}]
    scoped += [{"entity": {"_id": hashlib.sha1(name.encode()).hexdigest()[:24], "type": "org", "name": name},
                "permissions": perms} for name, perms in (org_scopes or {}).items()]
    return {"type": "access_token", "accessToken": {
        "displayName": "laptop", "role": "fineGrained", "createdAt": "2026-03-02T10:11:12.000Z",
        "fineGrained": {"canReadGatedRepos": True, "global": global_perms or ["discussion.write", "post.write"],
                        "scoped": scoped}}}


def classic(role: str = "write") -> dict[str, Any]:
    return {"type": "access_token", "accessToken": {"displayName": "old-laptop", "role": role,
                                                    "createdAt": "2024-05-02T10:11:12.000Z"}}


def whoami(auth: dict[str, Any] | None = None, orgs: list[dict[str, Any]] | None = None, can_pay: bool = False,
           kind: str = "user") -> dict[str, Any]:
    return {"type": kind, "id": "6412a9c3f1b2c3d4e5f60718", "name": USER, "fullname": "Ada Lovelace",
            "email": "ada@example.com", "emailVerified": True, "isPro": False, "canPay": can_pay,
            "billingMode": "prepaid", "periodEnd": None, "avatarUrl": "/avatars/ada.svg", "orgs": orgs or [],
            "auth": auth if auth is not None else fine_grained_2026()}


# -- the router's catalog: real size ---------------------------------------------------------------

def catalog(models: int = 260, listed: dict[str, list[tuple[str, str]]] | None = None) -> dict[str, Any]:
    """`GET /v1/models` at a real size (260 models, over 300 KB), with `listed` (repo → [(provider, status)])
    placed at the end, where a cut body loses them first."""
    listed = {KNOWN_GOOD.split(":")[0]: [("cerebras", "live"), ("groq", "live"), ("together", "live")],
              MODEL_REPO: [("together", "live"), ("fireworks-ai", "live"), ("novita", "live"), ("cerebras", "error")],
              **(listed or {})}
    providers = ["together", "fireworks-ai", "novita", "groq", "cerebras", "nscale", "featherless-ai", "scaleway",
                 "deepinfra", "ovhcloud", "publicai", "baseten", "zai-org", "cohere"]
    data = []
    for index in range(models - len(listed)):
        offers = [providers[(index + step * 3) % len(providers)] for step in range(2 + index % 5)]
        data.append(_entry(f"org{index % 37}/model-{index:03d}-{'instruct' if index % 2 else 'chat'}",
                           [(provider, "live" if (index + n) % 9 else "error") for n, provider in
                            enumerate(dict.fromkeys(offers))]))
    data += [_entry(repo, offers) for repo, offers in listed.items()]
    return {"object": "list", "data": data}


def _entry(repo: str, offers: list[tuple[str, str]]) -> dict[str, Any]:
    seed = int(hashlib.sha1(repo.encode()).hexdigest()[:8], 16)
    return {"id": repo, "object": "model", "created": 1740000000 + seed % 20000000, "owned_by": repo.split("/")[0],
            "architecture": {"input_modalities": ["text", "image"] if seed % 3 == 0 else ["text"],
                             "output_modalities": ["text"]},
            "providers": [{"provider": provider, "status": status, "context_length": [32768, 131072, 262144][seed % 3],
                           "pricing": {"input": round(0.05 + (seed % 90) / 100, 2),
                                       "output": round(0.2 + (seed % 170) / 100, 2)},
                           "supports_tools": seed % 2 == 0, "supports_structured_output": seed % 4 != 1,
                           "first_token_latency_ms": 150 + (seed + n * 97) % 900,
                           "throughput": 40 + (seed + n * 131) % 1900, "is_model_author": False}
                          for n, (provider, status) in enumerate(offers)]}


def mapping_as_list(repo: str, providers: list[tuple[str, str, str]]) -> dict[str, Any]:
    """The Hub's mapping in list_models' form: a list of {provider, hfModelId, providerId, status, task}."""
    return {"_id": hashlib.sha1(repo.encode()).hexdigest()[:24], "id": repo, "inferenceProviderMapping": [
        {"provider": provider, "hfModelId": repo, "providerId": provider_id, "status": status, "task": "conversational"}
        for provider, provider_id, status in providers]}


# -- a healthy world, which each situation changes -------------------------------------------------

def world(*changes: Canned, who: Any = None, cat: Any = None, mapping: Answer | None = None) -> list[Canned]:
    """The situation's own answers first (first match wins), then a healthy account's."""
    base = [
        Canned("GET", r"/api/whoami-v2", hub_ok(whoami() if who is None else who)),
        Canned("GET", r"/v1/models", answer(200, catalog() if cat is None else cat, router_headers())),
        Canned("GET", r"/api/models/" + MODEL_REPO, mapping or RECORDED_MAPPING),
        Canned("POST", r"/v1/chat/completions", chat_ok()),
    ]
    return [*changes, *base]


def chat(model: str, reply: Answer, bill_to: Any = ANY) -> Canned:
    return Canned("POST", r"/v1/chat/completions", reply, model=model, bill_to=bill_to)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
