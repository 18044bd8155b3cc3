"""The rules about the calls themselves: the routing, the model, credits and billing an org.

Part of `rules.RULES` (whose docstring states the evidence hierarchy these follow). A 402 on the
user's model while the known-good call works is the model's (or its provider's) need for paid usage,
not the account's credits; a refused X-HF-Bill-To is explained, never read as a billing result.
"""

from __future__ import annotations

from dataclasses import replace

from hftui.core.billto import Reading
from hftui.core.facts import BILL_TO_LIST, ROUTE_LIST, USER_CALLS, Facts, Finding, Hint
from hftui.core.hub import REMOVED_ON, REMOVED_PROVIDERS
from hftui.core.outcomes import Outcome, error_message
from hftui.core.steps import StepId, routed_provider
from hftui.core.sweep import recommendations, working
from hftui.core.sweep import summary as sweep_summary

REJECTED = (Outcome.UNAUTHORIZED, Outcome.MODEL_NOT_SUPPORTED, Outcome.FORBIDDEN, Outcome.CLIENT_ERROR)
# What a refused or a really tried bill-to can follow: the failures billing could have changed.
BILLING_FAILURES = (Outcome.UNAUTHORIZED, Outcome.FORBIDDEN, Outcome.CREDITS)
SUPPORT = Hint("Export the support bundle (hftui diagnose --report bundle.md) and send it to "
               "api-enterprise@huggingface.co or the forum, with the x-request-ids.",
               "Export the support bundle ({bundle.export}) and send it to api-enterprise@huggingface.co or the "
               "forum, with the x-request-ids.")


def rule_bill_to_fixes(f: Facts) -> Finding | None:
    worked = f.bill_to_read(Reading.WORKED)
    if not worked:
        return None
    result = f.results[StepId.BILL_TO]
    org = worked[0].org
    evidence = tuple(f.evidence(s) for s in (result.repeats, StepId.BILL_TO) if s)
    return Finding(
        f"The failing call works when billed to the organization '{org}' (X-HF-Bill-To): personal billing "
        f"is the problem (no credits or no payment method on the personal account).",
        evidence,
        (f"Send X-HF-Bill-To: {org} from the app (InferenceClient(bill_to=\"{org}\") or the header).",
         "Or add credits / a payment method to the personal account at hf.co/settings/billing."),
    )


def rule_model_requires_payment(f: Facts) -> Finding | None:
    """402 (or credit wording) on the user's model or provider while the known-good call answers 200."""
    if f.outcome(StepId.AS_CONFIGURED) is not Outcome.CREDITS or not f.ok(StepId.KNOWN_GOOD):
        return None
    said = error_message(f.results[StepId.AS_CONFIGURED].exchange) or "402"
    provider = routed_provider(f.results[StepId.AS_CONFIGURED]) or f.model.provider
    pinned = f.results.get(StepId.PINNED)
    works = f" Pinned elsewhere it works: {pinned.target}." if f.ok(StepId.PINNED) and pinned else ""
    return Finding(
        f"{f.model} gets {f.results[StepId.AS_CONFIGURED].http_status} (\"{said[:240]}\") while the known-good "
        f"{f.inputs.baseline} works, so the account's credits are not what stops every call: this model"
        f"{f' or its provider ({provider})' if provider else ''} needs paid usage. On a free account some models "
        f"answer 402 while others work; and a custom key for a provider set in your settings replaces HF credits "
        f"for that provider, whose own 402 then comes back.{works}",
        tuple(f.evidence(s) for s in (StepId.AS_CONFIGURED, StepId.KNOWN_GOOD, StepId.PINNED) if f.results.get(s)
              and f.outcome(s) is not None),
        ((f"Use {pinned.target}, which works." if works else "Use a model or provider that answers for your account."),
         "Check custom provider keys at hf.co/settings/inference-providers; add pre-paid credits or subscribe to PRO "
         "at hf.co/settings/billing for paid usage."),
    )


def rule_credits(f: Facts) -> Finding | None:
    """Every call billed to the user is out of credits (402 or the credit wording): account-wide."""
    hits = [s for s, o in f.user_outcomes().items() if o is Outcome.CREDITS]
    if not hits or f.ok(StepId.KNOWN_GOOD):
        return None
    refused = f.bill_to_read(Reading.REFUSED)
    also = (f" Billing an organization was refused ({'; '.join(a.why for a in refused[:3])}), which confirms "
            f"nothing about its billing." if refused else "")
    return Finding(
        "The router says the account's Inference Providers credits are used up (or billing is not set up)." + also,
        tuple(f.evidence(s) for s in hits) + ((f.evidence(StepId.BILL_TO),) if refused else ()),
        ("Check usage at hf.co/settings/billing; add pre-paid credits, a payment method, or subscribe to PRO.",
         Hint("If an organization pays for inference, bill it: --bill-to ORG (X-HF-Bill-To)"
              + (", with a token allowed to act for it." if refused else "."),
              f"If an organization pays for inference, choose it under {BILL_TO_LIST}"
              + (", with a token allowed to act for it." if refused else "."))),
    )


def rule_model_unavailable(f: Facts) -> Finding | None:
    if not f.failed(StepId.AS_CONFIGURED) or f.ok(StepId.PINNED):
        return None
    said = f.outcome(StepId.AS_CONFIGURED)
    retired = said is Outcome.MODEL_NOT_SUPPORTED and f.results[StepId.AS_CONFIGURED].http_status == 410
    none_live = f.mapping_read and not f.live_providers
    said_unsupported = said is Outcome.MODEL_NOT_SUPPORTED and f.providers_known and not f.live_providers
    if not (retired or none_live or said_unsupported):
        return None
    listed = ", ".join(f"{p.provider} ({'removed from routing' if p.removed else p.status})" for p in f.providers[:20])
    listed = (listed + (f", … {len(f.providers) - 20:,} more" if len(f.providers) > 20 else "")) or "none"
    evidence = [f.evidence(StepId.AS_CONFIGURED)]
    evidence += [f.evidence(s, f"{f.results[s].title}: live providers for {f.model.repo}: none (listed: {listed})")
                 for s, read in ((StepId.CATALOG, f.catalog_read), (StepId.MAPPING, f.mapping_read)) if read]
    evidence += [f.evidence(s, f"{f.results[s].title}: could not read it, so what it lists is unknown")
                 for s, read in ((StepId.CATALOG, f.catalog_read), (StepId.MAPPING, f.mapping_read))
                 if f.ok(s) and not read]
    return Finding(
        f"No live provider serves {f.model.repo} right now" + (" (the provider retired it)." if retired else ".")
        + _removed(f),
        tuple(evidence),
        ("Pick a model that is served: hf.co/models?inference_provider=all, or GET /v1/models.",
         f"Known-good model to compare: {f.inputs.baseline}."),
    )


def _removed(f: Facts) -> str:
    provider = f.model.provider
    if provider not in REMOVED_PROVIDERS:
        return ""
    return (f" The suffix pins {provider}, which was removed from Inference Providers routing on {REMOVED_ON}: "
            f"':{f.model.suffix}' cannot work any more.")


def rule_provider_policy(f: Facts) -> Finding | None:
    if not (f.ok(StepId.KNOWN_GOOD) and f.failed(StepId.AS_CONFIGURED)
            and f.outcome(StepId.AS_CONFIGURED) in REJECTED):
        return None
    swept = working(f.sweep)  # a pinned call that works, made by the sweep
    confirmed = f.ok(StepId.PINNED) or bool(swept)
    evidence = [f.evidence(StepId.KNOWN_GOOD, f"known-good {f.inputs.baseline} works"),
                f.evidence(StepId.AS_CONFIGURED)]
    routing, model = f.model.routing, f.model
    routed = routed_provider(f.results[StepId.AS_CONFIGURED])
    via = f" (it was routed to {routed})" if routed and not model.provider else ""
    picks = f"{routing} picks a provider{via} that" if model.provider is None else routing
    case = (f" Provider names are lower-case: the suffix is written ':{model.suffix}'."
            if model.provider and model.suffix != model.provider else "")
    if routed and f.outcome(StepId.AS_CONFIGURED) is Outcome.UNAUTHORIZED:
        case += (f" A 401 from a call routed to {routed} can also be a custom key for {routed} in your settings "
                 f"(hf.co/settings/inference-providers): it replaces HF credits there, and {routed}'s own 401 comes back.")
    cause = _removed(f) or f" {picks[0].upper()}{picks[1:]} does not serve {model.repo} for you."
    if confirmed:
        pinned = f.results[StepId.PINNED] if f.ok(StepId.PINNED) else None
        if pinned is not None:
            evidence.append(f.evidence(StepId.PINNED, pinned.note))
        works = pinned.target if pinned is not None else model.pinned_to(swept[0].provider)
        summary = (f"The account and token are fine: the known-good model works and {works} works."
                   f"{cause}{case}")
        steps = (*(recommendations(model.policy, f.sweep, model.repo)
                   or (f"Use the pinned model in the app: {works}.",)),
                 Hint("Or pin another provider that serves it (--model REPO:PROVIDER; GET /v1/models lists them).",
                      f"Or pick another provider that serves it in {ROUTE_LIST}.") if model.provider
                 else "Or fix the provider order at hf.co/settings/inference-providers (enable a provider that serves it).")
    else:
        if f.results.get(StepId.PINNED) is not None:
            evidence.append(f.evidence(StepId.PINNED))
        summary = (f"The account works (known-good call succeeds) but {model} fails: {routing}{via} steers to a "
                   f"provider that does not serve this model for you. A pinned call could not confirm it yet."
                   f"{_removed(f)}{case}")
        steps = (_pin_hint(f), "Check the provider order at hf.co/settings/inference-providers.")
    return Finding(summary, tuple(evidence), steps, seed_case="B" if confirmed else "A")


def _pin_hint(f: Facts) -> Hint:
    """How to pin a provider, when one is known to serve the model, and how to find one when none is."""
    repo = f.model.repo
    live = f.live_providers
    if live:
        return Hint(f"Pin a provider that serves the model: --model {repo}:PROVIDER, e.g. {repo}:{live[0].provider}.",
                    f"Pin a provider that serves the model: pick it in {ROUTE_LIST}.")
    return Hint(f"No provider is known here to serve {repo}: find one on hf.co/{repo}, then pin it: "
                f"--model {repo}:PROVIDER.",
                f"No provider is known here to serve {repo}: find one on hf.co/{repo}, then pin it in the "
                f"Model field ({{app.focus_provider}}): {repo}:PROVIDER.")


def with_sweep(f: Facts, finding: Finding) -> Finding:
    """The verdict with what the sweep found, when it ran: which providers work (none, some, every one),
    cited as evidence, and the best working route for the user's policy as a next step."""
    if not f.sweep or any(e.step_id is StepId.SWEEP for e in finding.evidence):
        return finding
    said = sweep_summary(f.sweep)
    advice = [line for line in recommendations(f.model.policy, f.sweep, f.model.repo) if line not in finding.next_steps]
    return replace(finding, summary=f"{finding.summary} {said}", evidence=(*finding.evidence, f.evidence(StepId.SWEEP, said)),
                   next_steps=(*finding.next_steps, *advice))


def _same_401_everywhere(f: Facts) -> list[StepId] | None:
    calls = [s for s in USER_CALLS if f.outcome(s) is not None]
    if f.outcome(StepId.WHOAMI) is Outcome.UNAUTHORIZED:
        return None  # the billing and account cases speak of a valid token (or one whoami could not check)
    if not f.failed(StepId.KNOWN_GOOD) or not calls or any(f.outcome(s) is not Outcome.UNAUTHORIZED for s in calls):
        return None
    return calls


def rule_bill_to_refused(f: Facts) -> Finding | None:
    """Every org billed refused it: a finding of its own, decisive when the personal calls fail with the
    generic 401; listed among the alternatives when the personal failure has a cause of its own."""
    refused = f.bill_to_read(Reading.REFUSED)
    result = f.results.get(StepId.BILL_TO)
    if not refused or f.bill_to_read(Reading.WORKED) or f.bill_to_read(Reading.TRIED) or result is None:
        return None
    if result.repeats is None or f.outcome(result.repeats) not in BILLING_FAILURES:
        return None  # billing could not have changed what the repeated call got
    orgs = ", ".join(attempt.org for attempt in refused)
    reasons = "; ".join(attempt.why for attempt in refused[:4]) + ("; …" if len(refused) > 4 else "")
    not_tried = f"; not tried: {', '.join(org for org, _ in result.orgs_not_tried)}" if result.orgs_not_tried else ""
    calls = _same_401_everywhere(f)
    return Finding(
        ("Every chat call billed to you fails with the same 401, and billing an organization was refused, which "
         if calls else "Billing an organization was refused, which ")
        + f"confirms nothing about billing (tried {orgs}{not_tried}): {reasons}. Until an org can be billed, the "
        "personal account's credits and billing are what to check.",
        tuple(f.evidence(s) for s in (*(calls or ()), StepId.WHOAMI, StepId.BILL_TO) if f.results.get(s)),
        ("To bill an org, its admin needs a Team/Enterprise plan that can pay, and your token needs the "
         "'Make calls to Inference Providers' permission scoped to that org (hf.co/settings/tokens, "
         "fine-grained: the org's section), or ask the org's admin to approve or restore the token.",
         "Meanwhile check credits and the payment method of the personal account at hf.co/settings/billing.",
         Hint("If both are fine and the 401 persists, write the support bundle (hftui diagnose --report bundle.md).",
              "If both are fine and the 401 persists, export the support bundle ({bundle.export}).")),
    )


def rule_account_fault(f: Facts) -> Finding | None:
    """Only when the billing path was really tried: an org that could pay, a token that may bill it, the same 401."""
    calls = _same_401_everywhere(f)
    tried = f.bill_to_read(Reading.TRIED)
    if calls is None or not tried or f.bill_to_read(Reading.WORKED) or not f.ok(StepId.WHOAMI):
        return None
    orgs = ", ".join(attempt.org for attempt in tried)
    return Finding(
        f"Every chat call fails with the same 401 although the token passes whoami, and billing {orgs} "
        f"(which can pay, with a token that may bill it) does not help either. This points to an account-side "
        f"fault: contact support with the bundle.",
        tuple(f.evidence(s) for s in (*calls, StepId.WHOAMI, StepId.BILL_TO) if f.results.get(s)),
        (SUPPORT,),
    )


def rule_billing_or_account(f: Facts) -> Finding | None:
    calls = _same_401_everywhere(f)
    if calls is None:
        return None
    valid = ("while the token itself is valid" if f.ok(StepId.WHOAMI)
             else "(whoami did not answer, so the token's validity is not confirmed)")
    return Finding(
        f"Both the known-good and the pinned call fail with the same 401 {valid}: the usual "
        "cause is credits/billing on the personal account (the 401 text does not say so), else an account-side fault.",
        tuple(f.evidence(s) for s in (*calls, StepId.WHOAMI) if f.results.get(s)),
        ("Check credits and payment method at hf.co/settings/billing.",
         Hint("If you belong to an organization that pays for inference, retry with --bill-to ORG.",
              f"If you belong to an organization that pays for inference, choose it under {BILL_TO_LIST}."),
         Hint("If billing is fine, write the support bundle (--report bundle.md) and contact support.",
              "If billing is fine, export the support bundle ({bundle.export}) and contact support.")),
    )
