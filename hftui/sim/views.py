"""The JSON and HTML bodies the simulator serves, built from a Scenario in the real services' shapes.

Pure functions (router-api.md §1 and §3 give the shapes); the server only decides which to send.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from hftui.sim.catalog import CatalogEntry
from hftui.sim.schema import INFERENCE_PERMISSION, Scenario

TOKEN_CREATED_AT = "2025-11-03T09:12:44.000Z"  # fixed: deterministic screenshots
PERIOD_END = 1769904000  # 2026-02-01, the end of a PRO user's billing period
POLICIES = ("", "fastest", "cheapest", "preferred")


def stable_id(seed: str) -> str:
    """A 24-hex id like the Hub's, the same for the same seed: simulated answers are reproducible."""
    return hashlib.sha1(seed.encode()).hexdigest()[:24]


def whoami_body(scenario: Scenario) -> dict[str, Any]:
    """GET /api/whoami-v2 for a user token, in the Hub's full shape. A fine-grained token is a 2026 default
    one: `global` holds discussion.write and post.write, the inference permission sits only in the
    user-scoped entry, and each org the token may act for has an entry of its own."""
    user = scenario.user
    access: dict[str, Any] = {"displayName": scenario.token_name, "role": scenario.token_role,
                              "createdAt": TOKEN_CREATED_AT}
    if scenario.token_role == "fineGrained":
        inference = [INFERENCE_PERMISSION] if scenario.inference_permission else []
        access["fineGrained"] = {
            "canReadGatedRepos": True,
            "global": ["discussion.write", "post.write"],
            "scoped": [{"entity": {"_id": stable_id(user), "type": "user", "name": user},
                        "permissions": [*inference, "repo.content.read", "repo.write", "inference.endpoints.infer.write"]}]
            + [{"entity": {"_id": stable_id(org.name), "type": "org", "name": org.name},
                "permissions": [INFERENCE_PERMISSION, "repo.content.read"]}
               for org in scenario.orgs if org.token_scope],
        }
    return {
        "type": "user",
        "id": stable_id(user),
        "name": user,
        "fullname": scenario.fullname,
        "email": f"{user}@example.com",
        "emailVerified": True,
        "isPro": scenario.is_pro,
        "canPay": scenario.can_pay,
        "billingMode": "postpaid" if scenario.can_pay else "prepaid",
        "periodEnd": PERIOD_END if scenario.is_pro else None,
        "avatarUrl": f"/avatars/{stable_id(user + '.avatar')}.svg",
        "orgs": [
            {"id": stable_id(org.name), "type": "org", "name": org.name, "fullname": org.name.replace("-", " ").title(),
             "email": None, "canPay": org.can_pay, "periodEnd": None,
             "avatarUrl": f"/avatars/{stable_id(org.name + '.avatar')}.svg", "roleInOrg": org.role,
             "isEnterprise": org.is_enterprise,
             "plan": "enterprise" if org.is_enterprise else "team" if org.can_pay else "free"}
            for org in scenario.orgs
        ],
        "auth": {"type": "access_token", "accessToken": access},
    }


def catalog_body(entries: Iterable[CatalogEntry]) -> dict[str, Any]:
    """GET /v1/models: every chat model and the providers serving it."""
    data = []
    for entry in entries:
        providers = []
        for offer in entry.providers:
            item: dict[str, Any] = {"provider": offer.provider, "status": offer.status}
            if offer.context_length is not None:
                item["context_length"] = offer.context_length
            if offer.input_price is not None and offer.output_price is not None:
                item["pricing"] = {"input": offer.input_price, "output": offer.output_price}
            item["supports_tools"] = offer.supports_tools
            item["supports_structured_output"] = offer.supports_structured_output
            if offer.first_token_latency_ms is not None:
                item["first_token_latency_ms"] = offer.first_token_latency_ms
            if offer.throughput is not None:
                item["throughput"] = offer.throughput
            item["is_model_author"] = offer.is_model_author
            providers.append(item)
        data.append({"id": entry.id, "object": "model", "created": entry.created, "owned_by": entry.owned_by,
                     "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
                     "providers": providers})
    return {"object": "list", "data": data}


def mapping_body(repo: str, mapping: dict[str, dict[str, Any]], as_list: bool) -> dict[str, Any]:
    """GET /api/models/{repo}?expand[]=inferenceProviderMapping: a dict keyed by provider, or (as_list)
    list_models' form, a list of {provider, hfModelId, providerId, status, task}."""
    if as_list:
        listed: Any = [{"provider": provider, "hfModelId": repo, **info} for provider, info in mapping.items()]
    else:
        listed = mapping
    return {"_id": stable_id(repo), "id": repo, "inferenceProviderMapping": listed}


def model_info_body(repo: str, model_id: str) -> dict[str, Any]:
    """GET /api/models/{repo} without expand: a short model card summary."""
    return {"_id": model_id, "id": repo, "modelId": repo, "author": repo.split("/")[0], "private": False,
            "gated": False, "disabled": False, "pipeline_tag": "text-generation", "library_name": "transformers",
            "tags": ["transformers", "safetensors", "text-generation", "conversational"],
            "downloads": 48213, "likes": 312}


def choose_provider(scenario: Scenario, repo: str, suffix: str) -> str | None:
    """The provider the router would use for '<repo>:<suffix>', or None if none can serve it."""
    live = scenario.live_providers(repo)
    suffix = suffix.lower()
    if suffix not in POLICIES:
        return suffix if suffix in live else None  # a pinned provider never fails over
    if not live:
        return None
    entry = scenario.catalog_entry(repo)
    offers = {o.provider: o for o in entry.providers} if entry else {}
    if suffix in ("", "fastest"):
        return max(live, key=lambda p: getattr(offers.get(p), "throughput", None) or 0)
    if suffix == "cheapest":
        return min(live, key=lambda p: _price(getattr(offers.get(p), "output_price", None)))
    return live[0]  # preferred: the user's order, which here is the catalog's


def _price(value: float | None) -> float:
    return float("inf") if value is None else value


def repo_for_provider_id(scenario: Scenario, provider: str, provider_id: str) -> str | None:
    """Which Hub repo a provider-scoped call means, from the provider's own model id."""
    repos = [entry.id for entry in scenario.catalog] + [repo for repo in scenario.mapping if repo]
    for repo in repos:
        info = (scenario.provider_mapping(repo) or {}).get(provider)
        if info is not None and provider_id in (info.get("providerId"), repo):
            return repo
    return None


def completion_body(completion_id: str, created: int, model: str, stream: bool) -> bytes:
    """A minimal OpenAI chat completion answering "OK" (or its server-sent-events form)."""
    if stream:
        return b"".join(completion_events(completion_id, created, model))
    return _compact({
        "id": completion_id, "object": "chat.completion", "created": created, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "OK"}, "logprobs": None,
                     "finish_reason": "stop"}],
        "usage": USAGE,
    })


USAGE = {"prompt_tokens": 14, "completion_tokens": 2, "total_tokens": 16}
# What a provider says when it gives up in the middle of a stream it had answered 200 (OpenAI's error form).
STREAM_ERROR = {"error": {"message": "Upstream provider error: the generation was interrupted (overloaded), "
                                     "please retry", "type": "server_error", "code": "stream_interrupted"}}


def completion_events(completion_id: str, created: int, model: str, fault: str | None = None) -> tuple[bytes, ...]:
    """The completion streamed as the recorded providers stream it, one SSE event per item: the role chunk,
    the content, the finish_reason chunk with usage, `[DONE]`. `fault` (a ChatRule.stream_fault):
    error_event ends it after the first token with an error event; cut ends the list before the finish
    (the server then drops the connection); slow_first_token leaves it whole (the server holds it back)."""
    base = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
            "system_fingerprint": None}

    def chunk(delta: dict, finish: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return b"data: " + _compact({**base, "choices": [choice], **extra}) + b"\n\n"

    role, token = chunk({"role": "assistant", "content": ""}), chunk({"content": "O"})
    if fault == "error_event":
        return role, token, b"data: " + _compact(STREAM_ERROR) + b"\n\n"
    if fault == "cut":
        return role, token
    return role, token, chunk({"content": "K"}), chunk({}, "stop", usage=USAGE), b"data: [DONE]\n\n"


def _compact(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def cloudfront_page(status: int, request_id: str) -> bytes:
    """The HTML page CloudFront serves when it cannot reach the origin."""
    cf_id = hashlib.sha256(request_id.encode()).hexdigest()[:56]
    reason = "CloudFront wasn't able to connect to the origin." if status == 502 else \
        "The origin is not available right now; too many requests or a scheduled outage."
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">\n'
        '<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">\n'
        "<TITLE>ERROR: The request could not be satisfied</TITLE>\n"
        f"</HEAD><BODY>\n<H1>{status} ERROR</H1>\n<H2>The request could not be satisfied.</H2>\n"
        f'<HR noshade size="1px">\n{reason}\nWe can\'t connect to the server for this app or website at this '
        "time. There might be too much traffic or a configuration error. Try again later, or contact the app "
        "or website owner.\n<BR clear=\"all\">\n"
        'If you provide content to customers through CloudFront, you can find steps to troubleshoot and help '
        "prevent this error by reviewing the CloudFront documentation.\n"
        f'<BR clear="all">\n<HR noshade size="1px">\n<PRE>\nGenerated by cloudfront (CloudFront)\n'
        f"Request ID: {cf_id}\n</PRE>\n<ADDRESS>\n</ADDRESS>\n</BODY></HTML>"
    ).encode("iso-8859-1")
