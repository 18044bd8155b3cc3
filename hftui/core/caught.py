"""What an app's failed call says about itself: the model, the router, the status, the bill-to org and
the token, read from the exception (or response) the app caught.

Duck-typed, so no client library is imported: huggingface_hub's HfHubHTTPError and openai's
APIStatusError carry `.response` (and `.request`), openai's APIConnectionError only `.request`,
httpx's HTTPStatusError both, and a `requests` HTTPError its `.response`, whose `.request` is the
PreparedRequest (`.body` instead of `.content`). httpx and httpx2 (huggingface_hub ≥ 1, openai ≥ 2)
have the same shape.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from hftui.core.hub import REMOVED_PROVIDERS
from hftui.core.tokens import clean_token

CHAT_PATH = "/chat/completions"
# A provider-scoped route (huggingface_hub 0.29-0.36): /{provider}/…/chat/completions, the body's model the provider's id.
_PROVIDER_ROUTE = re.compile(r"^/(?P<provider>[a-z0-9][a-z0-9-]*)/(?:.*/)?chat/completions$")
# The providers the router has a route of its own for (router-api.md §1): a gateway's /prefix/v1/… is not one.
ROUTED_PROVIDERS = frozenset((
    "baseten cerebras cohere deepinfra fal-ai featherless-ai fireworks-ai groq hf-inference novita nscale openai "
    "ovhcloud publicai replicate scaleway together wavespeed zai-org").split()) | REMOVED_PROVIDERS
# The legacy Inference API (huggingface_hub ≤ 0.28): the model in the path, https://api-inference…/models/{repo}.
_LEGACY_ROUTE = re.compile(r"^/models/(?P<repo>[^/]+/[^/]+?)(?:/.*)?$")


class NotAFailedCall(ValueError):
    """The object carries no request to read a call from; diagnose(model=...) says what to run instead."""


@dataclass(frozen=True)
class FailedCall:
    """The app's call as its exception shows it. `token` is the Authorization value it sent (a secret:
    never shown, only tested), kept only when it is an HF token (hf_…): a key for another service is
    never sent to the Hub or the router."""

    url: str
    model: str | None
    router_url: str | None  # the base hftui builds its paths on (what before /v1/chat/completions)
    status: int | None  # None: no HTTP answer (a connection error)
    bill_to: str | None = None
    stream: bool = False
    request_id: str | None = None
    token: str | None = field(default=None, repr=False)
    note: str | None = None  # how the model or the router was read, when it took a guess

    def __repr__(self) -> str:  # the token never appears in a repr, a log line or a traceback
        return (f"FailedCall(url={self.url!r}, model={self.model!r}, status={self.status!r}, "
                f"bill_to={self.bill_to!r}, stream={self.stream!r})")


def read_failed_call(caught: Any) -> FailedCall:
    """The call an exception (or a response) carries. Raises NotAFailedCall when there is no request."""
    response = caught if _is_response(caught) else getattr(caught, "response", None)
    response = response if _is_response(response) else None
    request = _request_of(caught) or _request_of(response)
    if request is None:
        raise NotAFailedCall(f"{type(caught).__name__} carries no HTTP request to read the call from: "
                             f"use hftui.diagnose(model=...)")
    url = str(getattr(request, "url", "") or "")
    headers = getattr(request, "headers", None) or {}
    body = _json_body(request)
    model = body.get("model") if isinstance(body, dict) and isinstance(body.get("model"), str) else None
    router_url, note = _router_of(url)
    provider = _provider_route(urlsplit(url).path)
    if provider and model and ":" not in model:
        model, note = f"{model}:{provider['provider']}", (f"a provider-scoped route ({provider['provider']}): the body "
                                                          f"names the provider's own model id, tried as {model}")
    legacy = _LEGACY_ROUTE.match(urlsplit(url).path)
    if model is None and legacy:
        model, note = legacy["repo"], "the legacy Inference API's route (/models/{repo}): the model is in the path"
    status = getattr(response, "status_code", None) if response is not None else getattr(caught, "status_code", None)
    return FailedCall(
        url=url, model=model, router_url=router_url, status=status if isinstance(status, int) else None,
        bill_to=_header(headers, "x-hf-bill-to"), stream=bool(isinstance(body, dict) and body.get("stream")),
        request_id=_header(getattr(response, "headers", None) or {}, "x-request-id"),
        token=_hf_token(_header(headers, "authorization")), note=note,
    )


def _is_response(value: Any) -> bool:
    return value is not None and isinstance(getattr(value, "status_code", None), int) and hasattr(value, "headers")


def _request_of(value: Any) -> Any:
    if value is None:
        return None
    try:
        request = getattr(value, "request", None)  # httpx's Response.request raises when it has none
    except RuntimeError:
        return None
    return request if request is not None and hasattr(request, "url") and hasattr(request, "method") else None


def _json_body(request: Any) -> Any:
    content = None
    try:
        content = getattr(request, "content", None)  # httpx, httpx2
    except Exception:  # noqa: BLE001 - a streamed body not read (RequestNotRead): no body to read
        content = None
    if content is None:
        content = getattr(request, "body", None)  # requests' PreparedRequest
    if isinstance(content, (bytes, bytearray)):
        content = bytes(content).decode("utf-8", errors="replace")
    if not isinstance(content, str) or not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None


def _header(headers: Any, name: str) -> str | None:
    try:
        value = headers.get(name)
    except Exception:  # noqa: BLE001 - a headers object that cannot be asked: no header
        return None
    return value if isinstance(value, str) and value else None


def _router_of(url: str) -> tuple[str | None, str | None]:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None, None
    origin = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    if _provider_route(path):
        return origin, "the call used a provider-scoped route; hftui tests the router's /v1/chat/completions"
    if path.endswith(f"/v1{CHAT_PATH}"):
        return origin + path[: -len(f"/v1{CHAT_PATH}")], None
    return origin, f"the call went to {parts.path or '/'}, not /v1/chat/completions: hftui tests the router at {origin}"


def _provider_route(path: str) -> re.Match[str] | None:
    match = _PROVIDER_ROUTE.match(path.rstrip("/"))
    return match if match and match["provider"] in ROUTED_PROVIDERS else None


def _hf_token(authorization: str | None) -> str | None:
    """The token of a `Bearer …` header, when it is an HF user token; another service's key is left alone."""
    if not authorization or not authorization[:7].lower() == "bearer ":
        return None
    raw = authorization[7:]
    return raw if clean_token(raw).startswith("hf_") else None
