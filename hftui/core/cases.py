"""The cases a diagnosis can end in: one table, each case with its title and its seed letter(s), and
the matrix rows the UI draws from it.

Only names and words: what the rules decide lives in `rules`. The app's first frame draws the
matrix from here before the engine (plan, probes, verdict) is loaded, so this imports nothing.
"""

from __future__ import annotations

from enum import Enum
from typing import Protocol


class Case(str, Enum):
    """A case, its title, and the rows of the seed's A–D matrix it lights (none: a row of its own)."""

    title: str  # shadows str.title(), which a case has no use for
    seeds: tuple[str, ...]

    def __new__(cls, value: str, title: str, seeds: str = "") -> Case:
        case = str.__new__(cls, value)
        case._value_ = value
        case.title = title
        case.seeds = tuple(seeds)
        return case

    OK = "ok", "Everything works"
    NO_TOKEN = "no_token", "No token found"
    TOKEN_MALFORMED = "token_malformed", "The runtime token is malformed"
    TOKEN_EXPIRED = "token_expired", "The OAuth token has expired"
    TOKEN_INVALID = "token_invalid", "The token is rejected by the Hub"
    TOKEN_LACKS_INFERENCE_PERMISSION = "token_lacks_inference_permission", "The token may not call Inference Providers"
    PROVIDER_POLICY = "provider_policy", "Provider routing policy picks a provider that fails", "AB"
    MODEL_UNAVAILABLE = "model_unavailable", "No provider serves this model"
    MODEL_REQUIRES_PAYMENT = "model_requires_payment", "This model or provider needs paid usage"
    CREDITS_EXHAUSTED = "credits_exhausted", "Inference credits exhausted", "C"
    BILLING_OR_ACCOUNT = "billing_or_account", "Every chat call fails the same way: billing or account", "C"
    BILL_TO_FIXES = "bill_to_fixes", "Billing the organization fixes it", "D"
    BILL_TO_REFUSED = "bill_to_refused", "Billing the organization was refused", "C"
    ACCOUNT_FAULT = "account_fault", "Account-side fault: escalate to support", "C"
    RATE_LIMITED = "rate_limited", "Rate limited"
    PROVIDER_OUTAGE = "provider_outage", "The provider is failing"
    NETWORK_ERROR = "network_error", "The router or the Hub cannot be reached"
    WRONG_ROUTER_URL = "wrong_router_url", "This URL is not the router"
    LEGACY_ENDPOINT = "legacy_endpoint", "The app posts to a route that no longer works"
    RUNTIME_TOKEN_MISMATCH = "runtime_token_mismatch", "The app likely reads another token, and that one fails"
    STREAM_FAILS = "stream_fails", "Streamed calls fail where plain ones work"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


# What each seed letter means: a row of the matrix.
SEED_MEANINGS = {
    "A": "baseline ok, the configured policy fails → provider policy",
    "B": "explicit provider also ok → policy confirmed, account fine",
    "C": "all fail with the same 401 / credits → billing, token or account",
    "D": "X-HF-Bill-To fixes it → billing path",
}

# The matrix the UI draws: the seed's rows (every letter a case names), then the other cases.
MATRIX_ROWS: tuple[tuple[str, str], ...] = tuple(
    (letter, SEED_MEANINGS[letter]) for letter in sorted({seed for case in Case for seed in case.seeds}))

# Cases whose verdicts always name one of the rows above; the matrix lists every other case as its own row.
SEEDED_CASES = frozenset(case for case in Case if case.seeds)


class _Matched(Protocol):
    case: Case
    seed_case: str | None


def matrix_key(verdict: _Matched) -> str:
    """The row a verdict lights up: its seed letter when it has one, else its case."""
    return verdict.seed_case or verdict.case.value
