"""The route the app posts chat to (the seed's step 6: only the documented /v1/chat/completions).

`classify` reads an `--app-url` by its path as much as by its host, so it holds behind a proxy and
against the simulator on 127.0.0.1: the documented router (`…/v1/chat/completions`, or the OpenAI
SDK's base `…/v1`), a provider-scoped route (`/<provider>/…`), the hf-inference route, the legacy
Inference API (`api-inference` host or `/models/<repo>`), the old Hub inference proxy
(`/api/inference-proxy/<provider>`), or an unknown one. `AppRoute.request` is the chat request that
style of client sends there: a provider-scoped route gets the provider's own model id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import quote, urlsplit

from hftui.core.hub import DEFAULT_ROUTER_URL, REMOVED_PROVIDERS

DOCUMENTED_BASE_URL = f"{DEFAULT_ROUTER_URL}/v1"
UPGRADE = 'pip install -U "huggingface_hub>=1.0"'
LEGACY_HOST = "https://api-inference.huggingface.co"
# The chat route each provider's own API has on the router (router-api.md §1); the rest: /v1/chat/completions.
PROVIDER_CHAT_ROUTES = {
    "cohere": "/compatibility/v1/chat/completions", "deepinfra": "/v1/openai/chat/completions",
    "fireworks-ai": "/inference/v1/chat/completions", "groq": "/openai/v1/chat/completions",
    "novita": "/v3/openai/chat/completions", "zai-org": "/api/paas/v4/chat/completions",
}
PROVIDERS = frozenset((
    "baseten cerebras cohere deepinfra fal-ai featherless-ai fireworks-ai groq hf-inference novita nscale "
    "openai ovhcloud publicai replicate scaleway together wavespeed zai-org").split()) | REMOVED_PROVIDERS
CHAT_PATH = "/v1/chat/completions"

_OLD_PROXY = re.compile(r"(?P<prefix>.*)/api/inference-proxy/(?P<provider>[A-Za-z0-9_.-]+)(?P<rest>/.*)?")
_HF_INFERENCE = re.compile(r"(?P<prefix>.*)/hf-inference(?:/models/(?P<repo>[^/]+/[^/]+?))?(?P<rest>/v1.*)?/?")
_LEGACY_MODELS = re.compile(r"(?P<prefix>.*?)(?<!/v1)/(?:pipeline/[^/]+/|models/)(?P<repo>[^/]+/[^/]+?)(?P<rest>/.*)?/?")


class RouteKind(StrEnum):
    ROUTER = "router"  # the documented route: POST /v1/chat/completions
    PROVIDER = "provider"  # /<provider>/…: huggingface_hub 0.29–0.36, huggingface.js
    HF_INFERENCE = "hf-inference"  # /hf-inference/models/<repo>/v1/chat/completions
    LEGACY = "legacy"  # api-inference.huggingface.co or /models/<repo>: huggingface_hub ≤0.28
    OLD_PROXY = "old-proxy"  # https://huggingface.co/api/inference-proxy/<provider>
    UNKNOWN = "unknown"

    @property
    def words(self) -> str:
        return _WORDS[self]


_WORDS = {
    RouteKind.ROUTER: "the documented router route (/v1/chat/completions)",
    RouteKind.PROVIDER: "a provider-scoped route (/<provider>/…), which the client picks itself",
    RouteKind.HF_INFERENCE: "the hf-inference route, which serves almost no LLM since 2025-07",
    RouteKind.LEGACY: "the legacy Inference API (api-inference.huggingface.co, /models/<repo>), gone since 2025",
    RouteKind.OLD_PROXY: "the Hub's old inference proxy (/api/inference-proxy/<provider>), gone",
    RouteKind.UNKNOWN: "a URL that is none of the router's routes",
}


@dataclass(frozen=True)
class AppRoute:
    """Where and how the app posts chat: `url` as given (or as its client builds it), what kind it is."""

    kind: RouteKind
    url: str
    origin: str  # what said so: "--app-url", or "huggingface_hub 0.30.2 in .venv/bin/python"
    provider: str | None = None
    repo: str | None = None  # the repo the URL itself names (legacy and hf-inference routes)
    base: str = ""  # the URL up to the route's own path: …/v1/chat/completions is appended to it
    full: bool = False  # the URL already names the chat endpoint: it is posted to as it is

    @property
    def documented(self) -> bool:
        return self.kind is RouteKind.ROUTER

    def request_url(self, repo: str) -> str:
        """The URL that style of client posts the chat call to, for the user's model `repo`."""
        if self.full:
            return self.url
        if self.kind is RouteKind.HF_INFERENCE:
            return f"{self.base}/hf-inference/models/{quote(self.repo or repo, safe='/')}{CHAT_PATH}"
        if self.kind is RouteKind.LEGACY:
            return f"{self.base}/models/{quote(self.repo or repo, safe='/')}{CHAT_PATH}"
        if self.kind is RouteKind.PROVIDER and self.base.endswith(f"/{self.provider}"):
            return self.base + PROVIDER_CHAT_ROUTES.get(self.provider or "", CHAT_PATH)
        if self.base.endswith("/v1"):
            return f"{self.base}/chat/completions"
        return self.base + CHAT_PATH

    @property
    def sends_provider_id(self) -> bool:
        """The body's model is the provider's own id (from the Hub mapping), not the Hub repo id."""
        return self.kind in (RouteKind.PROVIDER, RouteKind.OLD_PROXY, RouteKind.HF_INFERENCE)

    @property
    def fix(self) -> str:
        """What makes the app use the documented route."""
        if self.kind is RouteKind.ROUTER:
            return "nothing: it is the documented route"
        client = self.origin.startswith("huggingface_hub")
        if client:
            return (f"upgrade the client: {UPGRADE} (1.0+ posts to {CHAT_PATH} and lets the router pick the "
                    f"provider), or use the OpenAI SDK with base_url=\"{DOCUMENTED_BASE_URL}\"")
        pin = f' and model "<repo>:{self.provider}" to keep {self.provider}' if self.provider and \
            self.provider != "hf-inference" else ""
        return f'set base_url="{DOCUMENTED_BASE_URL}"{pin} (OpenAI SDK), or InferenceClient() on huggingface_hub>=1.0'


def classify(url: str, origin: str = "--app-url") -> AppRoute:
    """What kind of route `url` is, by its host and its path (see the module's docstring)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    root = f"{parts.scheme}://{parts.netloc}"
    full = path.endswith("/chat/completions")
    if match := _OLD_PROXY.fullmatch(path):
        return AppRoute(RouteKind.OLD_PROXY, url, origin, provider=match["provider"].lower(),
                        base=f"{root}{path.removesuffix('/chat/completions')}", full=full)
    if match := _HF_INFERENCE.fullmatch(path):
        return AppRoute(RouteKind.HF_INFERENCE, url, origin, provider="hf-inference", repo=match["repo"],
                        base=root + match["prefix"], full=full and match["repo"] is not None)
    if host.startswith("api-inference.") or (match := _LEGACY_MODELS.fullmatch(path)):
        match = _LEGACY_MODELS.fullmatch(path)
        return AppRoute(RouteKind.LEGACY, url, origin, repo=match["repo"] if match else None,
                        base=root + (match["prefix"] if match else ""), full=full and match is not None)
    segments = path.split("/")
    named = next((index for index, segment in enumerate(segments) if segment.lower() in PROVIDERS), None)
    if named is not None:
        return AppRoute(RouteKind.PROVIDER, url, origin, provider=segments[named].lower(),
                        base=f"{root}{path.removesuffix('/chat/completions')}", full=full)
    for tail in (CHAT_PATH, "/v1", ""):
        if path.endswith(tail) and (tail or host.startswith("router.")):
            return AppRoute(RouteKind.ROUTER, url, origin, base=root + path[:len(path) - len(tail)])
    return AppRoute(RouteKind.UNKNOWN, url, origin, base=root + path, full=full)


def client_route(kind: RouteKind, router_url: str, origin: str) -> AppRoute:
    """The route an old huggingface_hub builds itself: ≤0.28 the legacy host (its path on the router URL
    given, when that is not the real router: a proxy, the simulator); 0.29–0.36 a provider-scoped route,
    the provider picked at run time from the Hub mapping (`picked`)."""
    router = router_url.rstrip("/")
    if kind is RouteKind.LEGACY:
        base = LEGACY_HOST if router == DEFAULT_ROUTER_URL else router
        return AppRoute(RouteKind.LEGACY, f"{base}/models/<repo>{CHAT_PATH}", origin, base=base)
    return AppRoute(RouteKind.PROVIDER, f"{router}/<provider>/…", origin, base=router)


def picked(route: AppRoute, provider: str) -> AppRoute:
    """A client-side pick made: the provider-scoped route of `provider` on the route's router."""
    if provider == "hf-inference":
        return replace(route, kind=RouteKind.HF_INFERENCE, provider=provider,
                       url=f"{route.base}/hf-inference/models/<repo>{CHAT_PATH}")
    return replace(route, provider=provider, url=f"{route.base}/{provider}", base=f"{route.base}/{provider}")
