"""The cases a diagnosis can end in, their titles, and the matrix rows the UI draws them in.

Only names and words: what the rules decide lives in `verdict`. The app's first frame draws the
matrix from here before the engine (plan, probes, verdict) is loaded.
"""

from __future__ import annotations

from enum import Enum
from typing import Protocol


class Case(str, Enum):
    OK = "ok"
    NO_TOKEN = "no_token"
    TOKEN_MALFORMED = "token_malformed"
    TOKEN_INVALID = "token_invalid"
    TOKEN_LACKS_INFERENCE_PERMISSION = "token_lacks_inference_permission"
    PROVIDER_POLICY = "provider_policy"
    MODEL_UNAVAILABLE = "model_unavailable"
    CREDITS_EXHAUSTED = "credits_exhausted"
    BILLING_OR_ACCOUNT = "billing_or_account"
    BILL_TO_FIXES = "bill_to_fixes"
    ACCOUNT_FAULT = "account_fault"
    RATE_LIMITED = "rate_limited"
    PROVIDER_OUTAGE = "provider_outage"
    NETWORK_ERROR = "network_error"
    INCONCLUSIVE = "inconclusive"


TITLES = {
    Case.OK: "Everything works",
    Case.NO_TOKEN: "No token found",
    Case.TOKEN_MALFORMED: "The runtime token is malformed",
    Case.TOKEN_INVALID: "The token is rejected by the Hub",
    Case.TOKEN_LACKS_INFERENCE_PERMISSION: "The token may not call Inference Providers",
    Case.PROVIDER_POLICY: "Provider routing policy picks a provider that fails",
    Case.MODEL_UNAVAILABLE: "No provider serves this model",
    Case.CREDITS_EXHAUSTED: "Inference credits exhausted",
    Case.BILLING_OR_ACCOUNT: "Every chat call fails the same way: billing or account",
    Case.BILL_TO_FIXES: "Billing the organization fixes it",
    Case.ACCOUNT_FAULT: "Account-side fault: escalate to support",
    Case.RATE_LIMITED: "Rate limited",
    Case.PROVIDER_OUTAGE: "The provider is failing",
    Case.NETWORK_ERROR: "The router or the Hub cannot be reached",
    Case.INCONCLUSIVE: "Inconclusive",
}


# The matrix the UI draws: the seed's four rows, then the other cases.
MATRIX_ROWS: tuple[tuple[str, str], ...] = (
    ("A", "baseline ok, the configured policy fails → provider policy"),
    ("B", "explicit provider also ok → policy confirmed, account fine"),
    ("C", "all fail with the same 401 / credits → billing, token or account"),
    ("D", "X-HF-Bill-To fixes it → billing path"),
)


# Cases whose rules always name one of the rows above; the matrix lists every other case as its own row.
SEEDED_CASES = frozenset({Case.PROVIDER_POLICY, Case.BILL_TO_FIXES, Case.CREDITS_EXHAUSTED,
                          Case.ACCOUNT_FAULT, Case.BILLING_OR_ACCOUNT})


class _Matched(Protocol):
    case: Case
    seed_case: str | None


def matrix_key(verdict: _Matched) -> str:
    """The row a verdict lights up: its seed letter when it has one, else its case."""
    return verdict.seed_case or verdict.case.value
