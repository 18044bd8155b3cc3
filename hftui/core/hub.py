"""What the Hub and the router's catalog say, parsed defensively: a wrong shape is 'unknown', not a crash."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_ROUTER_URL = "https://router.huggingface.co"
DEFAULT_HUB_URL = "https://huggingface.co"
DEFAULT_BASELINE = "openai/gpt-oss-120b:fastest"
POLICIES = ("fastest", "cheapest", "preferred")
INFERENCE_PERMISSION = "inference.serverless.write"
# Removed from Inference Providers routing on 2026-07-01; old configs and suffixes still name them.
REMOVED_PROVIDERS = frozenset({"black-forest-labs", "clarifai", "hyperbolic", "nebius", "nvidia", "sambanova"})
REMOVED_ON = "2026-07-01"

_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_PROVIDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_.]*$")


class ModelIdError(ValueError):
    pass


@dataclass(frozen=True)
class ModelRef:
    """The model string as the app sends it. The suffix is kept exactly as written (`:Together` stays
    `:Together`): the as-configured call must be the app's call byte for byte; only `policy` and
    `provider` read it case-insensitively."""

    repo: str
    suffix: str | None  # None, a policy, or a provider name, as written

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
        return cls(repo=repo, suffix=suffix if sep else None)

    @property
    def policy(self) -> str:
        """What the router does with it: a policy name, or 'provider'."""
        if self.suffix is None:
            return "fastest"
        return self.suffix.lower() if self.suffix.lower() in POLICIES else "provider"

    @property
    def provider(self) -> str | None:
        """The provider the suffix pins, by its (lower-case) name; None for a policy."""
        return self.suffix.lower() if self.suffix is not None and self.policy == "provider" else None

    @property
    def routing(self) -> str:
        """How the configured call is routed, in words: "the ':preferred' routing", "the pinned provider together"."""
        if self.provider is None:
            return f"the ':{self.policy}' routing" + ("" if self.suffix else " (no suffix)")
        return f"the pinned provider {self.provider}"

    def pinned_to(self, provider: str) -> str:
        return f"{self.repo}:{provider}"

    def __str__(self) -> str:
        return f"{self.repo}:{self.suffix}" if self.suffix else self.repo


@dataclass(frozen=True)
class Org:
    """An organization as whoami lists it: whether it can pay for inference, and the user's role in it."""

    name: str
    can_pay: bool | None = None
    is_enterprise: bool | None = None
    role: str | None = None  # roleInOrg: admin | write | contributor | read
    plan: str | None = None

    @property
    def could_pay(self) -> bool | None:
        """canPay or Enterprise: the orgs X-HF-Bill-To can bill. None: whoami does not say."""
        if self.can_pay or self.is_enterprise:
            return True
        return None if self.can_pay is None and self.is_enterprise is None else False

    @property
    def facts(self) -> str:
        """What whoami says about it, in words: "can pay, your role: admin"."""
        said = [("can pay" if self.can_pay else "no payment method") if self.can_pay is not None else "",
                "Enterprise" if self.is_enterprise else "", f"your role: {self.role}" if self.role else ""]
        return ", ".join(part for part in said if part) or "whoami says nothing about it"


@dataclass(frozen=True)
class Account:
    name: str
    kind: str  # "user" or "org" (an app token's whoami says "app")
    fullname: str | None
    orgs: tuple[str, ...]
    token_name: str | None
    token_role: str | None  # read | write | fineGrained
    can_call_inference: bool | None  # None: whoami did not say
    is_pro: bool | None
    can_pay: bool | None
    billing_mode: str | None  # prepaid | postpaid
    org_details: tuple[Org, ...] = ()
    auth_type: str | None = None  # access_token | app_token | app_token_as_user | oauth ...
    # Fine-grained tokens only: the permissions scoped to each org (an org absent: none). None: not fine-grained.
    org_permissions: Mapping[str, tuple[str, ...]] | None = None

    def org(self, name: str) -> Org | None:
        return next((org for org in self.org_details if org.name == name), None)

    @property
    def token_kind(self) -> str:
        """The token in words: an app token, an OAuth token, a fine-grained or a read/write access token."""
        auth = (self.auth_type or "").lower()
        if self.kind == "app" or auth.startswith("app_token"):
            return "an app token" + (" acting as the user" if auth == "app_token_as_user" else "")
        if "oauth" in auth:
            return "an OAuth token (browser login)"
        if self.token_role == "fineGrained":
            return "a fine-grained access token"
        if self.token_role in ("read", "write"):
            return f"a {self.token_role} access token"
        return f"a token of type {self.auth_type}" if self.auth_type else "a token whoami does not describe"

    def may_bill(self, org: str) -> bool | None:
        """Whether the token itself may call Inference Providers for `org`, as whoami shows it: a read/write
        token may (for an org the user belongs to), a fine-grained one only with the permission scoped to it.
        None: whoami does not say (an app or OAuth token)."""
        if self.token_role in ("read", "write"):
            return True
        if self.org_permissions is None:
            return None
        return INFERENCE_PERMISSION in self.org_permissions.get(org, ())

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
    details = tuple(_org(org) for org in _list(body.get("orgs")) if isinstance(org, dict) and isinstance(org.get("name"), str))
    orgs = tuple(org.name for org in details)
    fine_grained = access.get("fineGrained") if role == "fineGrained" else None
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
        org_details=details,
        auth_type=auth.get("type") if isinstance(auth.get("type"), str) else None,
        org_permissions=_org_permissions(fine_grained) if role == "fineGrained" else None,
    )


def _org(body: dict[str, Any]) -> Org:
    def flag(key: str) -> bool | None:
        return body.get(key) if isinstance(body.get(key), bool) else None

    def text(key: str) -> str | None:
        return body.get(key) if isinstance(body.get(key), str) else None

    return Org(body["name"], can_pay=flag("canPay"), is_enterprise=flag("isEnterprise"), role=text("roleInOrg"),
               plan=text("plan"))


def _org_permissions(fine_grained: Any) -> dict[str, tuple[str, ...]]:
    """org name → the permissions a fine-grained token's scoped entries give it there."""
    scoped = fine_grained.get("scoped") if isinstance(fine_grained, dict) else None
    permissions: dict[str, tuple[str, ...]] = {}
    for entry in scoped if isinstance(scoped, list) else []:
        entity = entry.get("entity") if isinstance(entry, dict) else None
        if isinstance(entity, dict) and entity.get("type") == "org" and isinstance(entity.get("name"), str):
            granted = entry.get("permissions") if isinstance(entry.get("permissions"), list) else []
            permissions[entity["name"]] = permissions.get(entity["name"], ()) + tuple(
                p for p in granted if isinstance(p, str))
    return permissions


def _can_call_inference(role: str | None, fine_grained: Any, user: str) -> bool | None:
    if role in ("read", "write"):
        return True
    if role != "fineGrained":
        return None
    if not isinstance(fine_grained, dict):
        return None
    if INFERENCE_PERMISSION in _list(fine_grained.get("global")):
        return True
    for scoped in _list(fine_grained.get("scoped")):
        if isinstance(scoped, dict) and INFERENCE_PERMISSION in _list(scoped.get("permissions")):
            entity = scoped.get("entity") if isinstance(scoped.get("entity"), dict) else {}
            if entity.get("type") == "user" or (entity.get("type") != "org" and entity.get("name") in (None, user)):
                return True  # 2026 default tokens: only in the user-scoped entry; 2024 ones: in `global`
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

    @property
    def removed(self) -> bool:
        """Removed from routing: a mapping may still list it as live, the router no longer sends it calls."""
        return self.provider.lower() in REMOVED_PROVIDERS

    @property
    def pinnable(self) -> bool:
        """`repo:<provider>` pins it: a provider's name, not a policy's (`:preferred` routes by policy, and a
        catalog's `x; rm -rf ~` is no provider). One that is not is listed, never called nor suggested."""
        return bool(_PROVIDER.match(self.provider)) and self.provider.lower() not in POLICIES


def parse_catalog(body: Any, repo: str) -> list[ProviderOption] | None:
    """Providers the router's /v1/models lists for one repo; None if the catalog's shape is unusable."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None
    for entry in body["data"]:
        if isinstance(entry, dict) and str(entry.get("id", "")).lower() == repo.lower():
            options = []
            for p in _list(entry.get("providers")):
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
    """The Hub's providers for a model, in the user's order; None if the body is not a model's shape.
    Both forms: a dict keyed by provider (`expand[]=inferenceProviderMapping`), or list_models' list of
    {provider, hfModelId, providerId, status, task}."""
    if not isinstance(body, dict):
        return None
    mapping = body.get("inferenceProviderMapping")
    if isinstance(mapping, list):
        mapping = {m["provider"]: m for m in mapping if isinstance(m, dict) and isinstance(m.get("provider"), str)}
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
                                      provider_id=info.get("providerId") if isinstance(info.get("providerId"), str) else None,
                                      in_mapping=True))
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
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer of 400 digits is valid JSON, and no price
        return None


def _list(value: Any) -> list[Any]:
    """`value` if it is a list, else empty: `in` on a number, or iterating one, would raise."""
    return value if isinstance(value, list) else []
