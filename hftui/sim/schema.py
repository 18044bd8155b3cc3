"""The vocabulary scenarios are written in: Scenario, ChatRule, Fault, and the fixed texts.

Everything is frozen data; `server.py` turns a Scenario into HTTP and nothing here does I/O,
so a scenario can be read, compared and printed without starting anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field
from fnmatch import fnmatchcase
from types import MappingProxyType
from typing import Any, Literal, get_args

from hftui.core.cases import Case
from hftui.sim.catalog import FULL_CATALOG, CatalogEntry, provider_model_id

FaultKind = Literal["hang", "reset", "slow_body", "html", "huge_body", "invalid_utf8", "redirect", "body", "echo"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
# How a streamed chat answer (stream: true) misbehaves after its 200: an error event, the connection cut
# before [DONE], a whole JSON completion instead of SSE, the first token held back (STREAM_HOLD_SECONDS).
StreamFault = Literal["error_event", "cut", "not_sse", "slow_first_token"]
STREAM_FAULTS: tuple[str, ...] = get_args(StreamFault)
STREAM_HOLD_SECONDS = 60.0  # slow_first_token: longer than any probe timeout; released when the server stops
ROUTES: tuple[str, ...] = ("whoami", "catalog", "mapping", "chat", "*")

INFERENCE_PERMISSION = "inference.serverless.write"
# Error texts the real services send (router-api.md §2 and §3).
INVALID_USERNAME = "Invalid username or password."
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
REPO_NOT_FOUND = "Repository not found"
CREDITS_EXHAUSTED = ("You have depleted your monthly included credits. Purchase pre-paid credits to continue using "
                     "Inference Providers. Alternatively, subscribe to PRO to get 20x more included credits.")
CREDITS_EXHAUSTED_2025 = ("You have exceeded your monthly included credits for Inference Providers. "
                          "Subscribe to PRO to get 20x more monthly included credits.")
HF_INFERENCE_NOT_SUPPORTED = "Model not supported by provider hf-inference"
LEGACY_GONE = ("https://api-inference.huggingface.co is no longer supported. Please use https://router.huggingface.co "
               "instead.")
OLD_PROXY_GONE = "The inference proxy is no longer supported. Please use https://router.huggingface.co instead."
# What an organization's token policy answers (router-api.md §2), by SimOrg.policy.
ORG_POLICY_TEXTS = {
    "revoked": "Your token has been revoked by the organization administrator, you can no longer access "
               "organization resources.",
    "pending": "Your token is pending approval by the organization administrator, you cannot access organization "
               "resources yet.",
    "denied": "Your token has been denied by the organization administrator, you cannot access organization resources.",
}


def no_permission_text(kind: str, name: str) -> str:
    """The router's 403 for a token without inference.serverless.write for that user or org."""
    return ("This authentication method does not have sufficient permissions to call Inference Providers on behalf "
            f"of {kind} {name}")


@dataclass(frozen=True)
class SimOrg:
    """An organization the user belongs to. X-HF-Bill-To works for it only if it can pay (canPay, or an
    Enterprise plan), the token may act for it (a fine-grained token needs the permission scoped to it),
    and its token policy lets the token in."""

    name: str
    can_pay: bool = True
    is_enterprise: bool = False
    role: str = "admin"
    token_scope: bool = True  # fine-grained tokens: inference.serverless.write scoped to this org
    policy: str | None = None  # None, or a key of ORG_POLICY_TEXTS

    def __post_init__(self) -> None:
        if self.policy is not None and self.policy not in ORG_POLICY_TEXTS:
            raise ValueError(f"unknown org policy {self.policy!r}; expected one of {', '.join(ORG_POLICY_TEXTS)}")


class _Any:
    """ChatRule.bill_to sentinel: any X-HF-Bill-To value, including none at all."""

    def __repr__(self) -> str:
        return "ANY"


ANY: Any = _Any()


class _Auto:
    def __repr__(self) -> str:
        return "AUTO"


AUTO: Any = _Auto()  # Scenario.client_token default: a fixed token derived from the scenario name


def sim_token(seed: str) -> str:
    """A fake but HF-shaped token (37 chars): fixed per seed, so screenshots are deterministic."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    chars = []
    for _ in range(31):
        number, digit = divmod(number, len(alphabet))
        chars.append(alphabet[digit])
    return "hf_sim" + "".join(chars)


def clean_token(raw: str) -> str:
    """What the user meant: the server-side default for valid_tokens. Deliberately independent of
    hftui.core.tokens, so a cleaning bug in the client cannot hide behind the same bug here."""
    value = raw
    while True:
        before = value
        value = value.replace("\ufeff", "").strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
            value = value[1:-1]
        if value[:7].lower() == "bearer ":
            value = value[7:]
        if value == before:
            return value


@dataclass(frozen=True)
class Fault:
    """A way the transport or the edge misbehaves, applied to one route's answer.

    hang · reset (before any answer, or `mid_body`) · slow_body · html (a CloudFront error page) ·
    huge_body · invalid_utf8 · redirect (to `location`, e.g. another origin) · body (serve `body`
    instead: a wrong JSON shape, hostile text, a 429 with `headers`) · echo (a hostile or debugging
    server that reflects the request, Authorization included, in its body and an x-echo-authorization header).
    """

    kind: FaultKind
    status: int | None = None  # html: default 502; redirect: 307; echo: 200; others: the normal status
    size: int = 10 * 1024 * 1024  # huge_body: exact body size in bytes
    bytes_per_second: float = 1.0  # slow_body
    mid_body: bool = False  # reset: after the headers and half the body, instead of before any answer
    location: str | None = None  # redirect: absolute URL or path; "{path}" becomes the request's path and query
    body: Any = None  # body: bytes or str sent verbatim, anything else as JSON
    content_type: str | None = None  # body: default JSON for JSON values, text/plain for str and bytes
    headers: Any = ()  # extra response headers for any kind that answers: a mapping or (name, value) pairs
    times: int | None = None  # only the first N requests it applies to get the fault (None: every one)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if self.kind == "redirect" and not self.location:
            raise ValueError("a redirect fault needs a location")
        pairs = self.headers.items() if isinstance(self.headers, Mapping) else self.headers
        object.__setattr__(self, "headers", tuple((str(name), str(value)) for name, value in pairs))

    def __hash__(self) -> int:  # `body` may be a dict: the generated hash would choke on it
        return hash((self.kind, self.status, self.location))


@dataclass(frozen=True)
class ChatRule:
    """How the router answers chat calls whose model matches `model` (an fnmatch glob on the exact
    string, suffix included). First matching rule wins; auth and permission checks come first."""

    model: str
    _: KW_ONLY
    bill_to: Any = ANY  # ANY, None (header must be absent) or the exact X-HF-Bill-To value
    status: int = 200
    body: dict | str | None = None  # None: a chat completion for 2xx, else {"error": <reason>}
    headers: Mapping[str, str] = field(default_factory=dict)
    fault: Fault | None = None
    provider: str | None = None  # sent as x-inference-provider: the provider the router routed this call to
    stream: bool | None = None  # None: any call; True: only streamed calls (stream: true); False: only the others
    stream_fault: StreamFault | None = None  # a streamed 2xx answer misbehaves so (see STREAM_FAULTS)

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))  # shared values: read-only
        if self.stream_fault is not None and self.stream_fault not in STREAM_FAULTS:
            raise ValueError(f"unknown stream fault {self.stream_fault!r}; expected one of {', '.join(STREAM_FAULTS)}")

    def __hash__(self) -> int:  # the generated hash would choke on the headers mapping
        return hash((self.model, self.status))

    def matches(self, model: str, bill_to: str | None, stream: bool = False) -> bool:
        return (fnmatchcase(model, self.model) and (self.bill_to is ANY or self.bill_to == bill_to)
                and self.stream in (None, stream))


@dataclass(frozen=True)
class Scenario:
    """One situation: who the user is and what token they hold, what the Hub and the router know,
    and how the router answers. Defaults describe a healthy account; each scenario changes a few."""

    name: str
    title: str
    description: str
    expected_case: str  # a Case value: the verdict hftui must reach against this scenario
    expected_seed: str | None = None  # one of that case's seed letters (None for a case without any)
    model: str = "Qwen/Qwen3.5-9B:preferred"  # what the demo configures as the user's model
    bill_to: str | None = None  # what the demo passes as --bill-to
    stream: bool = False  # what the demo passes as --stream: the situation shows only on a streamed call
    sweep: bool = False  # what the demo passes as --sweep: the situation is about which providers work
    client_token: Any = AUTO  # the RAW value the user's environment holds; None: no token at all
    valid_tokens: tuple[str, ...] | None = None  # None: the cleaned client token (or a fresh one)
    # Files the user's HF_HOME holds (name → text: "token", "stored_tokens"). With a "token" file, the
    # token comes from there and not from HF_TOKEN.
    token_files: Mapping[str, str] = field(default_factory=dict)
    # The app's own places (relative path → text: ".env", ".streamlit/secrets.toml") and variables
    # (HUGGINGFACEHUB_API_TOKEN…): the demo writes them to a temporary app directory, never the user's.
    app_files: Mapping[str, str] = field(default_factory=dict)
    app_env: Mapping[str, str] = field(default_factory=dict)
    app_path: str | None = None  # the path the app posts chat to on this server (the demo's --app-url)
    app_hub_version: str | None = None  # the huggingface_hub version the demo's app has installed
    hub_accepts_token: bool = True  # False: the Hub asked (a mirror via HF_ENDPOINT) rejects it, the router does not
    serves_router: bool = True  # False: this URL is not the router; its routes answer 404, as the Hub's site does
    mapping_as_list: bool = False  # serve inferenceProviderMapping as list_models' list instead of a dict
    user: str = "ada-lovelace"
    fullname: str | None = None  # None: derived from `user`
    orgs: tuple[Any, ...] = ()  # SimOrg, or an org's name (an org that can pay, the token scoped to it)
    token_role: str = "fineGrained"  # read | write | fineGrained
    inference_permission: bool = True  # fineGrained only: inference.serverless.write granted
    token_name: str = "laptop"
    is_pro: bool = False
    can_pay: bool = True
    whoami_override: Any = None  # served verbatim (any JSON value, or str) instead of the built body
    catalog: tuple[CatalogEntry, ...] = FULL_CATALOG
    # Hub mapping overrides on top of the one derived from the catalog:
    # repo -> {provider: {"status", "providerId", "task"}}; a None value makes the repo unreadable (401).
    mapping: Mapping[str, Mapping[str, Mapping[str, Any]] | None] = field(default_factory=dict)
    chat_rules: tuple[ChatRule, ...] = ()
    route_faults: Mapping[str, Fault] = field(default_factory=dict)  # keys: see ROUTES
    latency_ms: int = 0
    # Seconds a chat answer from a provider (its x-inference-provider) waits on top of latency_ms: which is
    # fastest is then the scenario's fact, not the machine's mood.
    provider_delays: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        case = Case(self.expected_case)
        if self.expected_seed not in (case.seeds or (None,)):
            raise ValueError(f"{self.name}: expected_seed must be one of {case.value}'s seeds {case.seeds}"
                             if case.seeds else f"{self.name}: {case.value} has no seed letter")
        unknown = set(self.route_faults) - set(ROUTES)
        if unknown:
            raise ValueError(f"{self.name}: unknown route(s) {sorted(unknown)}; expected {ROUTES}")
        if self.client_token is AUTO:
            object.__setattr__(self, "client_token", sim_token(self.name))
        if self.valid_tokens is None:
            token = clean_token(self.client_token) if self.client_token else sim_token(self.name)
            object.__setattr__(self, "valid_tokens", (token,))
        if self.fullname is None:
            object.__setattr__(self, "fullname", self.user.replace("-", " ").title())
        object.__setattr__(self, "orgs", tuple(org if isinstance(org, SimOrg) else SimOrg(org) for org in self.orgs))
        # Scenarios are shared module-level values: make their dicts read-only so no test leaks into another.
        object.__setattr__(self, "mapping", MappingProxyType(dict(self.mapping)))
        object.__setattr__(self, "token_files", MappingProxyType(dict(self.token_files)))
        object.__setattr__(self, "app_files", MappingProxyType(dict(self.app_files)))
        object.__setattr__(self, "app_env", MappingProxyType(dict(self.app_env)))
        object.__setattr__(self, "route_faults", MappingProxyType(dict(self.route_faults)))
        object.__setattr__(self, "provider_delays", MappingProxyType(dict(self.provider_delays)))

    def __hash__(self) -> int:  # names are unique in SCENARIOS; the generated hash would choke on mappings
        return hash(self.name)

    def org(self, name: str | None) -> SimOrg | None:
        return next((org for org in self.orgs if org.name == name), None)

    def catalog_entry(self, repo: str) -> CatalogEntry | None:
        return next((entry for entry in self.catalog if entry.id == repo), None)

    def provider_mapping(self, repo: str) -> dict[str, dict[str, Any]] | None:
        """The Hub's inferenceProviderMapping for a repo; None when the Hub would not show the repo."""
        if repo in self.mapping:
            override = self.mapping[repo]
            return None if override is None else {p: dict(info) for p, info in override.items()}
        entry = self.catalog_entry(repo)
        if entry is None:
            return None
        return {
            offer.provider: {"status": offer.status, "providerId": offer.provider_id or provider_model_id(offer.provider, repo),
                             "task": offer.task, **({"isModelAuthor": True} if offer.is_model_author else {})}
            for offer in entry.providers
        }

    def live_providers(self, repo: str) -> list[str]:
        """Providers the router can route this repo to: live in the catalog, then live in the mapping."""
        entry = self.catalog_entry(repo)
        live = [offer.provider for offer in entry.providers if offer.status == "live"] if entry else []
        for provider, info in (self.provider_mapping(repo) or {}).items():
            if info.get("status") == "live" and provider not in live:
                live.append(provider)
        return live
