"""What each `X-HF-Bill-To` attempt says: it worked, it was refused, or the billing path was really tried.

A refusal confirms nothing about billing: a 401/403 for an org the user is not a member of, an org
that cannot pay, a fine-grained token without the inference permission scoped to that org, a 403
"…on behalf of org X", or the org's token policy (revoked, approval pending or denied). Only a call the
org could have paid for, with a token that may bill it, has *tried* the billing path; only that one,
answering the same failure, lets the verdict suspect the account (router-api.md §2 and §5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from hftui.core.hub import Account
from hftui.core.outcomes import Outcome, classify, error_message
from hftui.core.probes import Exchange


class Reading(str, Enum):
    WORKED = "worked"
    REFUSED = "refused"  # the org was not billed: nothing about billing is confirmed
    TRIED = "tried"  # the org could pay and the token may bill it: the billing path was really tried
    OTHER = "other"  # an answer that says nothing about billing (no answer, 5xx, 429, a routing 400)


_BILLING_ANSWERS = (Outcome.UNAUTHORIZED, Outcome.FORBIDDEN, Outcome.NO_INFERENCE_PERMISSION, Outcome.CREDITS,
                    Outcome.ORG_REFUSED)
_POLICY = re.compile(r"revoked|approval|pending|denied", re.IGNORECASE)
_ABOUT_THE_ORG = re.compile(r"\borg(ani[sz]ation)?s?\b|bill", re.IGNORECASE)  # e.g. a 400/404 for an unknown org


@dataclass(frozen=True)
class OrgAttempt:
    org: str
    reading: Reading
    why: str  # in words, from the answer and from what whoami says about the org and the token
    exchange: Exchange


def read_attempt(org: str, exchange: Exchange, account: Account | None) -> OrgAttempt:
    if exchange.ok:
        return OrgAttempt(org, Reading.WORKED, f"billing {org} works", exchange)
    outcome = classify(exchange)
    if outcome in (Outcome.CLIENT_ERROR, Outcome.MODEL_NOT_SUPPORTED) and _ABOUT_THE_ORG.search(
            error_message(exchange) or ""):
        return OrgAttempt(org, Reading.REFUSED, f"the router refuses X-HF-Bill-To: {org} "
                                                f"(\"{(error_message(exchange) or '')[:160]}\")", exchange)
    if outcome not in _BILLING_ANSWERS:
        return OrgAttempt(org, Reading.OTHER, f"{org}: {error_message(exchange) or 'no answer'} (not a billing answer)",
                          exchange)
    said = error_message(exchange) or f"HTTP {exchange.status}"
    refused = _refusal(org, outcome, said, account)
    if refused is not None:
        return OrgAttempt(org, Reading.REFUSED, refused, exchange)
    return OrgAttempt(org, Reading.TRIED, f"{org} can pay and the token may bill it, yet it answers {exchange.status} "
                                          f"({said[:120]})", exchange)


def _refusal(org: str, outcome: Outcome, said: str, account: Account | None) -> str | None:
    """Why billing `org` was refused, from the answer and from whoami; None if nothing explains it."""
    if outcome is Outcome.ORG_REFUSED and _POLICY.search(said):
        return (f"{org}'s token policy refuses this token (\"{said[:160]}\"): the organization administrator of {org} "
                f"revoked its access to the organization's resources, or has not approved it (approval pending or "
                f"denied)")
    if account is None:
        return f"{org} answered {said[:120]!r}, and whoami did not answer, so nothing shows whether the token may bill it"
    details = account.org(org)
    if details is None:
        return f"you ({account.name}) are not a member of {org}, per whoami (member of: {', '.join(account.orgs) or 'none'})"
    if details.could_pay is False:
        return f"{org} cannot pay for inference: not a Team or Enterprise plan that can pay (whoami: {details.facts})"
    may_bill = account.may_bill(org)
    if may_bill is False:
        return (f"the token ({account.token_kind}) has no inference permission scoped to {org}, so it may not call "
                f"Inference Providers for {org} (whoami: {details.facts})")
    if outcome is Outcome.ORG_REFUSED:
        return f"the router refuses this token for {org}: \"{said[:160]}\""
    if may_bill is None:
        return f"whoami does not show what {account.token_kind} may do for {org}, and {org} answered \"{said[:120]}\""
    if outcome is Outcome.CREDITS:
        return f"{org}'s own billing refused it: \"{said[:160]}\""
    if outcome in (Outcome.FORBIDDEN, Outcome.NO_INFERENCE_PERMISSION):
        return f"the router refuses this token for {org}: \"{said[:160]}\""
    return None


def read_attempts(attempts, account: Account | None) -> tuple[OrgAttempt, ...]:
    """Every bill-to attempt of a step (its `attempts`: (org, exchange) pairs), read."""
    return tuple(read_attempt(org, exchange, account) for org, exchange in attempts)
