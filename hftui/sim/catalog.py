"""The router's catalog as data: which providers serve which model, at what price and speed.

The Hub's provider mapping is derived from it by default (Scenario.provider_mapping), so one
table keeps discovery (/v1/models) and the Hub (/api/models/{repo}) consistent.

DEFAULT_CATALOG holds the models the scenarios talk about; FULL_CATALOG adds generated ones
(deterministic) up to the real catalog's size: 150+ models, over 300 KB of JSON, which a client
that caps bodies small would cut (router-api.md §1).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class ProviderOffer:
    """One provider serving one model, as the router's catalog lists it (prices: USD per 1M tokens)."""

    provider: str
    input_price: float | None = None
    output_price: float | None = None
    throughput: float | None = None  # tokens/s; ':fastest' picks the highest
    first_token_latency_ms: int | None = None
    status: str = "live"  # live | error
    context_length: int | None = 131072
    supports_tools: bool = True
    supports_structured_output: bool = True
    is_model_author: bool = False
    provider_id: str | None = None  # None: the provider's usual naming, see provider_model_id()
    task: str = "conversational"


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    providers: tuple[ProviderOffer, ...]
    created: int = 1754006400  # fixed: deterministic output

    @property
    def owned_by(self) -> str:
        return self.id.split("/")[0]


def provider_model_id(provider: str, repo: str) -> str:
    """How each provider tends to name a Hub repo (the Hub mapping's providerId)."""
    name = repo.split("/", 1)[-1]
    if provider == "fireworks-ai":
        return f"accounts/fireworks/models/{name.lower().replace('.', 'p')}"
    if provider == "cerebras":
        return name.lower()
    if provider in ("novita", "groq"):
        return repo.lower()
    return repo


DEFAULT_CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry("openai/gpt-oss-120b", (
        ProviderOffer("groq", 0.15, 0.75, throughput=480, first_token_latency_ms=190),
        ProviderOffer("cerebras", 0.25, 0.69, throughput=2100, first_token_latency_ms=260),
        ProviderOffer("together", 0.15, 0.60, throughput=140, first_token_latency_ms=420),
        ProviderOffer("fireworks-ai", 0.15, 0.60, throughput=260, first_token_latency_ms=330),
        ProviderOffer("novita", 0.10, 0.50, throughput=95, first_token_latency_ms=780),
    )),
    CatalogEntry("openai/gpt-oss-20b", (
        ProviderOffer("groq", 0.075, 0.30, throughput=900, first_token_latency_ms=150),
        ProviderOffer("together", 0.05, 0.20, throughput=210, first_token_latency_ms=380),
        ProviderOffer("fireworks-ai", 0.07, 0.30, throughput=300, first_token_latency_ms=310),
    )),
    CatalogEntry("Qwen/Qwen3.5-9B", (
        ProviderOffer("together", 0.18, 0.18, throughput=160, first_token_latency_ms=350,
                      provider_id="Qwen/Qwen3.5-9B-Instruct-Turbo"),
        ProviderOffer("featherless-ai", 0.10, 0.10, throughput=40, first_token_latency_ms=900,
                      context_length=32768, supports_tools=False),
        ProviderOffer("novita", 0.06, 0.12, throughput=75, first_token_latency_ms=640),
    )),
    CatalogEntry("meta-llama/Llama-3.1-8B-Instruct", (
        ProviderOffer("novita", 0.02, 0.05, throughput=110, first_token_latency_ms=520),
        ProviderOffer("cerebras", 0.10, 0.10, throughput=2200, first_token_latency_ms=210),
        ProviderOffer("featherless-ai", 0.10, 0.10, throughput=45, first_token_latency_ms=880, context_length=16384),
        ProviderOffer("nscale", 0.03, 0.09, throughput=90, first_token_latency_ms=600),
    )),
    CatalogEntry("zai-org/GLM-4.6", (
        ProviderOffer("zai-org", 0.60, 2.20, throughput=70, first_token_latency_ms=700, is_model_author=True,
                      context_length=204800),
        ProviderOffer("novita", 0.60, 2.20, throughput=50, first_token_latency_ms=950, context_length=204800),
    )),
)


# Routable providers only: none removed in 2026-07, not `openai` (direct only).
_ROUTABLE = ("together", "novita", "fireworks-ai", "groq", "cerebras", "nscale", "featherless-ai", "scaleway",
             "deepinfra", "ovhcloud", "publicai", "baseten", "zai-org", "cohere", "hf-inference")
_FAMILIES = (("meta-llama", "Llama-4-Scout"), ("Qwen", "Qwen3-Coder"), ("deepseek-ai", "DeepSeek-V3.2"),
             ("mistralai", "Mistral-Small"), ("google", "gemma-3"), ("microsoft", "Phi-5"),
             ("NousResearch", "Hermes-4"), ("zai-org", "GLM-4.5"), ("moonshotai", "Kimi-K2"), ("allenai", "OLMo-3"),
             ("ibm-granite", "granite-4.0"), ("CohereLabs", "command-a"), ("baidu", "ERNIE-4.5"),
             ("tencent", "Hunyuan-A13B"), ("swiss-ai", "Apertus"), ("HuggingFaceTB", "SmolLM3"))
_SIZES = ("1B", "3B", "7B", "8B", "14B", "24B", "32B", "70B", "120B", "235B-A22B")
_VARIANTS = ("Instruct", "Instruct-2507", "Thinking", "Chat", "it", "Instruct-FP8")


def generated_catalog(count: int) -> tuple[CatalogEntry, ...]:
    """`count` plausible catalog entries, the same every time (seeded by their index)."""
    entries = []
    for index in range(count):
        digest = hashlib.sha256(f"hftui-catalog-{index}".encode()).digest()
        org, family = _FAMILIES[index % len(_FAMILIES)]
        size, variant = _SIZES[(index // len(_FAMILIES)) % len(_SIZES)], _VARIANTS[digest[0] % len(_VARIANTS)]
        edition = index // (len(_FAMILIES) * len(_SIZES))
        repo = f"{org}/{family}-{size}-{variant}" + (f"-v{edition + 1}" if edition else "")
        providers = tuple(dict.fromkeys(_ROUTABLE[(digest[1] + step * (digest[2] % 5 + 1)) % len(_ROUTABLE)]
                                        for step in range(3 + digest[3] % 5)))
        entries.append(CatalogEntry(repo, tuple(
            ProviderOffer(provider, round(0.02 + digest[4 + n] / 255, 2), round(0.05 + digest[10 + n] / 100, 2),
                          throughput=30 + digest[16 + n] * 8, first_token_latency_ms=120 + digest[22 + n] * 4,
                          status="error" if digest[28 + n % 4] % 11 == 0 else "live",
                          context_length=(32768, 65536, 131072, 262144)[digest[n] % 4],
                          supports_tools=digest[n + 1] % 3 != 0, is_model_author=provider == "zai-org" and org == "zai-org")
            for n, provider in enumerate(providers)), created=1740000000 + int.from_bytes(digest[:3]) % 20000000))
    return tuple(entries)


FULL_CATALOG: tuple[CatalogEntry, ...] = DEFAULT_CATALOG + generated_catalog(260)


def without(catalog: tuple[CatalogEntry, ...], *repos: str) -> tuple[CatalogEntry, ...]:
    return tuple(entry for entry in catalog if entry.id not in repos)


