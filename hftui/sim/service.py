"""What each simulated route answers: the Hub's and the router's rules as plain Python, no sockets.

`server.py` owns the transport (threads, latency, faults); this module decides status, headers
and body for one request of one scenario, so it reads like router-api.md.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from hftui.sim.schema import (
    HF_INFERENCE_NOT_SUPPORTED,
    INVALID_CREDENTIALS,
    INVALID_USERNAME,
    LEGACY_GONE,
    OLD_PROXY_GONE,
    ORG_POLICY_TEXTS,
    REPO_NOT_FOUND,
    ChatRule,
    Fault,
    Scenario,
    no_permission_text,
)
from hftui.sim.views import (
    catalog_body,
    choose_provider,
    completion_body,
    completion_events,
    mapping_body,
    model_info_body,
    repo_for_provider_id,
    stable_id,
    whoami_body,
)

CF_POP = "CDG52-P4"


def is_router_path(path: str) -> bool:
    """The router's paths (/v1/…, /{provider}/…) against the Hub's (/api/…): one port serves both."""
    return not urlsplit(path).path.startswith("/api/")


# Provider-scoped routes exist for every provider the router knows, served or not (router-api.md §1).
KNOWN_PROVIDERS = frozenset((
    "baseten cerebras cohere deepinfra fal-ai featherless-ai fireworks-ai groq hf-inference novita nscale "
    "openai ovhcloud publicai replicate scaleway together wavespeed zai-org"
).split())


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # as sent, query string included
    headers: dict[str, str]  # names lowercased; the first value when a header repeats
    body: str


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    fault: Fault | None = None  # a chat rule's fault, applied when delivering
    # A streamed answer: its SSE events, sent one chunk each (chunked transfer encoding) instead of `body`.
    events: tuple[bytes, ...] | None = None
    hold_first_token: bool = False  # events: hold back all but the first (the role chunk) until the server stops
    cut: bool = False  # events: drop the connection after them, without the end of the chunked body


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(payload, separators=(",", ":")).encode(), headers=dict(headers or {}))


def hf_error(status: int, text: str, code: str | None = None) -> Reply:
    """The HF layer's own errors: {"error": text}, echoed in X-Error-Message."""
    headers = {"x-error-message": text, **({"x-error-code": code} if code else {})}
    return json_reply(status, {"error": text}, headers)


def router_unauthorized() -> Reply:
    """The router's 401, as recorded: the HF layer's body and X-Error-Message, with WWW-Authenticate."""
    reply = hf_error(401, INVALID_USERNAME)
    reply.headers["www-authenticate"] = 'Bearer realm="Authentication required", charset="UTF-8"'
    return reply


def openai_error(status: int, message: str, param: str | None, code: str | None) -> Reply:
    return json_reply(status, {"error": {"message": message, "type": "invalid_request_error", "param": param,
                                         "code": code}})


class Service:
    """What each route answers for one scenario; no sockets here, so it reads like the API docs."""

    def __init__(self, scenario: Scenario, clock: Callable[[], float]) -> None:
        self.scenario = scenario
        self.clock = clock
        self._ids = itertools.count(1)
        self._completions = itertools.count(1)
        self._routes: list[tuple[str, str, re.Pattern[str], Callable[..., Reply]]] = [
            ("whoami", "GET", re.compile(r"/api/whoami-v2"), self.whoami),
            ("catalog", "GET", re.compile(r"/v1/models"), self.catalog),
            ("catalog", "GET", re.compile(r"/v1/models/(?P<repo>[^/]+/[^/]+)"), self.model_entry),
            ("mapping", "GET", re.compile(r"/api/models/(?P<repo>[^/]+(?:/[^/]+)?)"), self.mapping),
            ("chat", "POST", re.compile(r"/v1/chat/completions"), self.chat),
            ("chat", "POST", re.compile(r"/(?:models|pipeline/[^/]+)/[^/]+/[^/]+(?:/.*)?"), self.legacy),
            ("chat", "POST", re.compile(r"/api/inference-proxy/(?P<provider>[^/]+)(?:/.*)?"), self.old_proxy),
            ("chat", "POST", re.compile(r"/(?P<provider>[a-z0-9][a-z0-9-]*)/(?:[\w.-]+/)*chat/completions"),
             self.chat),
        ]

    def next_id(self, path: str = "/api/") -> str:
        """Unique per request, deterministic per scenario and count: screenshots stay stable. The Hub's
        ids are CloudFront trace ids (Root=1-…); the router's (late 2025 on) are UUIDs."""
        digest = hashlib.sha256(f"{self.scenario.name}:{next(self._ids)}".encode()).hexdigest()
        if is_router_path(path):
            return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"
        return f"Root=1-{int(self.clock()):08x}-{digest[:24]}"

    def edge_headers(self, path: str, status: int, request_id: str) -> dict[str, str]:
        """What the edge in front of each service adds, as a curl -i user sees it: Cloudflare on the
        router, CloudFront on the Hub."""
        if is_router_path(path):
            return {"x-request-id": request_id, "server": "cloudflare", "cf-cache-status": "DYNAMIC",
                    "cf-ray": f"{hashlib.sha256(request_id.encode()).hexdigest()[:16]}-CDG",
                    "access-control-allow-origin": "*", "vary": "Origin"}
        return {"x-request-id": request_id, "access-control-allow-origin": "*", "vary": "Origin",
                "via": f"1.1 {hashlib.md5(self.scenario.name.encode()).hexdigest()}.cloudfront.net (CloudFront)",
                "x-cache": "Miss from cloudfront" if status < 400 else "Error from cloudfront",
                "x-amz-cf-pop": CF_POP, "x-amz-cf-id": hashlib.sha256(request_id.encode()).hexdigest()[:56],
                "x-powered-by": "huggingface-moon"}

    def resolve(self, method: str, raw_path: str) -> tuple[str, Callable[[RecordedRequest], Reply]]:
        """(route name, answer function); route names are Scenario.route_faults' keys."""
        path = unquote(urlsplit(raw_path).path)
        allowed = []
        for name, route_method, pattern, answer in self._routes:
            match = pattern.fullmatch(path)
            if match is None or (name == "chat" and match.groupdict().get("provider") not in (None, *KNOWN_PROVIDERS)):
                continue
            if not self.scenario.serves_router and name in ("catalog", "chat"):
                break  # not the router: its routes are unknown here, whatever the method
            if route_method != method:
                allowed.append(route_method)
                continue
            return name, lambda request, answer=answer, match=match: answer(request, **match.groupdict())
        if allowed:
            return "other", lambda request: json_reply(405, {"error": "Method Not Allowed"}, {"allow": allowed[0]})
        return "other", lambda request: json_reply(404, {"error": "Not Found"})

    def authenticated(self, request: RecordedRequest) -> bool:
        """Exactly 'Bearer <valid token>': no stripping, so quotes or a doubled 'Bearer ' fail as on the real
        services. Only the scheme is case-insensitive, as HTTP auth schemes are (RFC 9110)."""
        scheme, sep, credential = (request.headers.get("authorization") or "").partition(" ")
        return bool(sep) and scheme.lower() == "bearer" and credential in self.scenario.valid_tokens

    # -- Hub ---------------------------------------------------------------------------------

    def hub_authenticated(self, request: RecordedRequest) -> bool:
        """The Hub asked may not be the router's Hub (a mirror via HF_ENDPOINT): it rejects every token."""
        return self.scenario.hub_accepts_token and self.authenticated(request)

    def whoami(self, request: RecordedRequest) -> Reply:
        if not self.hub_authenticated(request):
            return hf_error(401, INVALID_CREDENTIALS)
        override = self.scenario.whoami_override
        if isinstance(override, str):
            return Reply(200, override.encode(), "text/plain; charset=utf-8")
        return json_reply(200, whoami_body(self.scenario) if override is None else override)

    def mapping(self, request: RecordedRequest, repo: str) -> Reply:
        # Public repos need no token, but a token that is sent must be valid, even for public data.
        if "authorization" in request.headers and not self.hub_authenticated(request):
            return hf_error(401, INVALID_CREDENTIALS)
        mapping = self.scenario.provider_mapping(repo)
        if mapping is None:  # the Hub answers 401, not 404, for a repo it will not show
            return hf_error(401, REPO_NOT_FOUND, code="RepoNotFound")
        query = parse_qs(urlsplit(request.path).query)
        expand = query.get("expand[]", []) + query.get("expand", [])
        if "inferenceProviderMapping" in expand:
            return json_reply(200, mapping_body(repo, mapping, self.scenario.mapping_as_list))
        return json_reply(200, model_info_body(repo, stable_id(repo)))

    # -- Router: discovery -------------------------------------------------------------------

    def catalog(self, request: RecordedRequest) -> Reply:
        return json_reply(200, catalog_body(self.scenario.catalog))  # 200 whatever the token: proves nothing

    def model_entry(self, request: RecordedRequest, repo: str) -> Reply:
        entries = catalog_body(entry for entry in self.scenario.catalog if entry.id == repo)["data"]
        if not entries:
            return openai_error(404, f"The model '{repo}' does not exist", "model", "model_not_found")
        return json_reply(200, entries[0])

    # -- Router: execution -------------------------------------------------------------------

    def chat(self, request: RecordedRequest, provider: str | None = None) -> Reply:
        if not self.authenticated(request):
            return router_unauthorized()
        scenario = self.scenario
        bill_to = request.headers.get("x-hf-bill-to")
        refused = self.bill_to_refusal(bill_to) if bill_to is not None else None
        if refused is not None:
            return refused
        if bill_to is None and scenario.token_role == "fineGrained" and not scenario.inference_permission:
            return hf_error(403, no_permission_text("user", scenario.user))
        try:
            payload = json.loads(request.body)
        except ValueError as exc:
            return openai_error(400, f"Invalid JSON body: {exc}", None, "invalid_json")
        if not isinstance(payload, dict) or not isinstance(payload.get("model"), str) or not payload["model"]:
            return openai_error(400, "you must provide a model parameter", "model", None)
        model = payload["model"]
        if provider is not None:  # /{provider}/…: the body holds the provider's own id; rules speak '<repo>:<provider>'
            model = f"{repo_for_provider_id(scenario, provider, model) or model}:{provider}"
        for rule in scenario.chat_rules:
            if rule.matches(model, bill_to, stream=bool(payload.get("stream"))):
                return self.rule_reply(rule, model, payload)
        return self.completion(model, payload, must_be_served=True, provider_route=provider is not None)

    def legacy(self, request: RecordedRequest) -> Reply:
        """The Inference API's old paths (api-inference.huggingface.co/models/<repo>…): gone, 410 (§2)."""
        return hf_error(410, LEGACY_GONE)

    def old_proxy(self, request: RecordedRequest, provider: str) -> Reply:
        """The Hub's old inference proxy (/api/inference-proxy/<provider>): gone (uncertain which status the
        real Hub answers; 410 with the same advice as the legacy host)."""
        return hf_error(410, OLD_PROXY_GONE)

    def bill_to_refusal(self, org_name: str) -> Reply | None:
        """X-HF-Bill-To is honoured only for an org the user belongs to, whose token policy lets the token
        in, that the token may act for, and that can pay; otherwise the router's refusal."""
        scenario, org = self.scenario, self.scenario.org(org_name)
        if org is None:
            return router_unauthorized()  # not a member: no inference-billing rights there
        if org.policy is not None:
            return hf_error(403, ORG_POLICY_TEXTS[org.policy])
        if scenario.token_role == "fineGrained" and not org.token_scope:
            return hf_error(403, no_permission_text("org", org.name))
        if not (org.can_pay or org.is_enterprise):
            return router_unauthorized()
        return None

    def rule_reply(self, rule: ChatRule, model: str, payload: dict) -> Reply:
        if rule.body is None and 200 <= rule.status < 300:
            reply = self.completion(model, payload, must_be_served=False, stream_fault=rule.stream_fault)
            reply.status = rule.status
        elif isinstance(rule.body, str):
            reply = Reply(rule.status, rule.body.encode(), "text/plain; charset=utf-8")
        else:
            body = rule.body if rule.body is not None else {"error": HTTPStatus(rule.status).phrase}
            reply = json_reply(rule.status, body)
            if isinstance(body.get("error"), str):  # the HF layer's family carries X-Error-Message
                reply.headers["x-error-message"] = body["error"]
        for name, value in rule.headers.items():
            if name.lower() == "content-type":
                reply.content_type = value
            else:
                reply.headers[name.lower()] = value
        if rule.provider and "x-inference-provider" not in reply.headers:
            reply.headers["x-inference-provider"] = rule.provider
        reply.fault = rule.fault
        return reply

    def catalog_serves(self, repo: str, provider: str) -> bool:
        entry = self.scenario.catalog_entry(repo)
        return entry is not None and any(o.provider == provider and o.status == "live" for o in entry.providers)

    def completion(self, model: str, payload: dict, must_be_served: bool, provider_route: bool = False,
                   stream_fault: str | None = None) -> Reply:
        repo, _, suffix = model.partition(":")
        provider = choose_provider(self.scenario, repo, suffix)
        if provider == "hf-inference" and suffix.lower() == "hf-inference" and not self.catalog_serves(repo, provider):
            provider = None  # a mapping may still list hf-inference for an LLM it no longer serves
        if provider is None and must_be_served and suffix.lower() == "hf-inference":
            # CPU-focused since 2025-07: most LLMs are not served there (router-api.md §1-§2).
            if provider_route:
                return hf_error(404, f"Model {repo} is not served by hf-inference")
            reply = hf_error(400, HF_INFERENCE_NOT_SUPPORTED)
            reply.headers["x-inference-provider"] = "hf-inference"
            return reply
        if provider is None and must_be_served:
            return openai_error(400, f"The requested model '{model}' is not supported by any provider you have "
                                     "enabled.", "model", "model_not_supported")
        mapping = (self.scenario.provider_mapping(repo) or {}).get(provider or "", {})
        completion_id = "chatcmpl-" + stable_id(f"{self.scenario.name}:{next(self._completions)}")
        served_model, created = mapping.get("providerId") or repo, int(self.clock())
        headers = {"x-inference-provider": provider} if provider else {}
        if payload.get("stream") and stream_fault != "not_sse":
            events = completion_events(completion_id, created, served_model, stream_fault)
            return Reply(200, b"".join(events), "text/event-stream; charset=utf-8",
                         {**headers, "cache-control": "no-cache"}, events=events,
                         hold_first_token=stream_fault == "slow_first_token", cut=stream_fault == "cut")
        # not_sse: a provider (or a proxy) that ignores stream: true and answers the whole completion as JSON
        return Reply(200, completion_body(completion_id, created, served_model, stream=False), headers=headers)
