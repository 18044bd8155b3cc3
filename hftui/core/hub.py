"""What the Hub and the router's catalog say, parsed defensively: a wrong shape is 'unknown', not a crash."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

DEFAULT_ROUTER_URL = "https://router.huggingface.co"
DEFAULT_HUB_URL = "https://huggingface.co"
DEFAULT_BASELINE = "openai/gpt-oss-120b:fastest"
POLICIES = ("fastest", "cheapest", "preferred")
INFERENCE_PERMISSION = "inference.serverless.write"

_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_PROVIDER = re.compile(r"^[a-z0-9][a-z0-9\-_.]*$")


class ModelIdError(ValueError):
    pass


@dataclass(frozen=True)
class ModelRef:
    repo: str
    suffix: str | None  # None, a policy, or a provider name

    @classmethod
    def parse(cls, text: str) -> ModelRef:
        value = text.strip()
        repo, sep, suffix = value.partition(":")
        if not _REPO_ID.match(repo):
            raise ModelIdError(
                f"malformed model id {text!r}: expected 'org/name' with an optional ':policy' or ':provider' "
                f"suffix, e.g. 'Qwen/Qwen3.5-9B:preferred'"
            )
        if sep and not _PROVIDER.match(suffix):
            raise ModelIdError(f"malformed suffix {suffix!r} in {text!r}: use :fastest, :cheapest, :preferred or :<provider>")
        return cls(repo=repo, suffix=suffix.lower() if sep else None)

    @property
    def policy(self) -> str:
        """What the router does with it: a policy name, or 'provider'."""
        if self.suffix is None:
            return "fastest"
        return self.suffix if self.suffix in POLICIES else "provider"

    @property
    def provider(self) -> str | None:
        return self.suffix if self.policy == "provider" else None

    def pinned_to(self, provider: str) -> str:
        return f"{self.repo}:{provider}"

    def __str__(self) -> str:
        return f"{self.repo}:{self.suffix}" if self.suffix else self.repo


@dataclass(frozen=True)
class Account:
    name: str
    kind: str  # "user" or "org"
    fullname: str | None
    orgs: tuple[str, ...]
    token_name: str | None
    token_role: str | None  # read | write | fineGrained
    can_call_inference: bool | None  # None: whoami did not say
    is_pro: bool | None
    can_pay: bool | None
    billing_mode: str | None  # prepaid | postpaid

    @property
    def plan_line(self) -> str:
        """What whoami says about paying: PRO or not, a payment method or not, pre- or postpaid."""
        def said(value: object, yes: str, no: str) -> str:
            return "?" if value is None else yes if value else no
        return (f"{said(self.is_pro, 'PRO', 'not PRO')}, {said(self.can_pay, 'can pay', 'cannot pay (no payment method)')}, "
                f"billing {self.billing_mode or '?'}")


def parse_whoami(body: Any) -> Account | None:
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        return None
    auth = body.get("auth") if isinstance(body.get("auth"), dict) else {}
    access = auth.get("accessToken") if isinstance(auth.get("accessToken"), dict) else {}
    role = access.get("role") if isinstance(access.get("role"), str) else None
    orgs = tuple(
        org["name"] for org in body.get("orgs") or [] if isinstance(org, dict) and isinstance(org.get("name"), str)
    )
    return Account(
        name=body["name"],
        kind=str(body.get("type") or "user"),
        fullname=body.get("fullname") if isinstance(body.get("fullname"), str) else None,
        orgs=orgs,
        token_name=access.get("displayName") if isinstance(access.get("displayName"), str) else None,
        token_role=role,
        can_call_inference=_can_call_inference(role, access.get("fineGrained"), body["name"]),
        is_pro=body.get("isPro") if isinstance(body.get("isPro"), bool) else None,
        can_pay=body.get("canPay") if isinstance(body.get("canPay"), bool) else None,
        billing_mode=body.get("billingMode") if isinstance(body.get("billingMode"), str) else None,
    )


def _can_call_inference(role: str | None, fine_grained: Any, user: str) -> bool | None:
    if role in ("read", "write"):
        return True
    if role != "fineGrained":
        return None
    if not isinstance(fine_grained, dict):
        return None
    if INFERENCE_PERMISSION in (fine_grained.get("global") or []):
        return True
    for scoped in fine_grained.get("scoped") or []:
        if isinstance(scoped, dict) and INFERENCE_PERMISSION in (scoped.get("permissions") or []):
            entity = scoped.get("entity") if isinstance(scoped.get("entity"), dict) else {}
            if entity.get("name") in (None, user) or entity.get("type") == "user":
                return True
    return False


@dataclass(frozen=True)
class ProviderOption:
    provider: str
    status: str  # live | staging | error | unknown
    provider_id: str | None = None
    input_price: float | None = None  # USD per 1M tokens
    output_price: float | None = None
    context_length: int | None = None
    in_catalog: bool = False
    in_mapping: bool = False

    @property
    def live(self) -> bool:
        return self.status == "live"


def parse_catalog(body: Any, repo: str) -> list[ProviderOption] | None:
    """Providers the router's /v1/models lists for one repo; None if the catalog's shape is unusable."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None
    for entry in body["data"]:
        if isinstance(entry, dict) and str(entry.get("id", "")).lower() == repo.lower():
            options = []
            for p in entry.get("providers") or []:
                if not isinstance(p, dict) or not isinstance(p.get("provider"), str):
                    continue
                pricing = p.get("pricing") if isinstance(p.get("pricing"), dict) else {}
                options.append(ProviderOption(
                    provider=p["provider"], status=str(p.get("status") or "unknown"),
                    input_price=_number(pricing.get("input")), output_price=_number(pricing.get("output")),
                    context_length=int(p["context_length"]) if isinstance(p.get("context_length"), int) else None,
                    in_catalog=True,
                ))
            return options
    return []


def parse_mapping(body: Any) -> list[ProviderOption] | None:
    if not isinstance(body, dict):
        return None
    mapping = body.get("inferenceProviderMapping")
    if isinstance(mapping, list):  # some Hub versions return a list of {provider, ...}
        mapping = {m.get("provider"): m for m in mapping if isinstance(m, dict)}
    if not isinstance(mapping, dict):
        return [] if "id" in body else None
    options = []
    for provider, info in mapping.items():
        if not isinstance(provider, str) or not isinstance(info, dict):
            continue
        task = info.get("task")
        if task not in (None, "conversational", "text-generation"):
            continue
        options.append(ProviderOption(provider=provider, status=str(info.get("status") or "unknown"),
                                      provider_id=info.get("providerId"), in_mapping=True))
    return options


def merge_providers(catalog: list[ProviderOption] | None, mapping: list[ProviderOption] | None) -> list[ProviderOption]:
    """One row per provider; the router's catalog wins on status since it is what execution uses."""
    merged: dict[str, ProviderOption] = {}
    for option in mapping or []:
        merged[option.provider] = option
    for option in catalog or []:
        known = merged.get(option.provider)
        merged[option.provider] = ProviderOption(
            provider=option.provider, status=option.status,
            provider_id=known.provider_id if known else None,
            input_price=option.input_price, output_price=option.output_price,
            context_length=option.context_length, in_catalog=True, in_mapping=known is not None,
        )
    return list(merged.values())


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
