"""The rules: one function per case, most specific first, each citing its evidence.

RULES ends with INCONCLUSIVE, which matches whatever no other rule explains; `verdict.diagnose`
takes the first match and keeps the others as alternatives. A rule returns a seed letter only when
its case has more than one (provider_policy: A or B); otherwise the case's own letter is used.
"""

from __future__ import annotations

from collections.abc import Callable

from hftui.core.cases import Case
from hftui.core.facts import Facts, Finding, Hint, describe
from hftui.core.outcomes import Outcome, when_to_retry
from hftui.core.status import StepStatus
from hftui.core.steps import StepId
from hftui.core.tokens import CLEANABLE

UNREACHABLE = (Outcome.NETWORK, Outcome.TIMEOUT)
REJECTED = (Outcome.UNAUTHORIZED, Outcome.MODEL_NOT_SUPPORTED, Outcome.FORBIDDEN, Outcome.CLIENT_ERROR)
# Where the app's user picks a provider or an org: the Provider pane, by its current key.
_ROUTE_LIST = "the Route list (Provider pane, {app.focus_provider})"
_BILL_TO_LIST = "Bill to (Provider pane, {app.focus_provider})"


def rule_no_token(f: Facts) -> Finding | None:
    if f.token is not None:
        return None
    return Finding(
        "No Hugging Face token was found in any source, so no call can be authenticated.",
        (),
        ("Create a token with the 'Make calls to Inference Providers' permission at hf.co/settings/tokens.",
         Hint("Set it where the app's runtime reads it: export HF_TOKEN=hf_..., or `hf auth login` for the token "
              "file (hftui's own keyring entry is read by hftui only).",
              "Paste it in the Credentials pane ({app.focus_credentials}) to test it, then set it where your app "
              "reads it: HF_TOKEN, or the token file ({token.write_file} writes it). hftui's keyring entry "
              "({token.save_keyring}) is read by hftui only."),),
    )


def rule_network_error(f: Facts) -> Finding | None:
    router_steps = [s for s in (StepId.CATALOG, StepId.AS_CONFIGURED, StepId.KNOWN_GOOD) if f.outcome(s) is not None]
    router_down = bool(router_steps) and all(f.outcome(s) in UNREACHABLE for s in router_steps)
    hub_down = f.outcome(StepId.WHOAMI) in UNREACHABLE and f.outcome(StepId.MAPPING) in (None, *UNREACHABLE)
    if hub_down and not router_down and f.chat_calls_ok():
        return None  # the user's call works; a slow Hub is a side note of the ok verdict, not the cause
    if not (router_down or hub_down):
        return None
    down = [name for name, flag in (("router", router_down), ("Hub", hub_down)) if flag]
    evidence = tuple(f.evidence(s) for s in (*router_steps, StepId.WHOAMI) if f.outcome(s) in UNREACHABLE)
    return Finding(
        f"The {' and the '.join(down)} could not be reached from this machine, so nothing about the "
        f"token or the account can be concluded yet.",
        evidence,
        (f"Check the URLs in use: router {f.inputs.router_url}, Hub {f.inputs.hub_url}.",
         "Check DNS, firewall and proxy settings (HTTPS_PROXY, NO_PROXY) in the app's environment.",
         "Re-run hftui once the connection works."),
    )


def rule_token_malformed(f: Facts) -> Finding | None:
    token = f.token
    if token is None or not token.is_malformed or f.status(StepId.WHOAMI_RAW) in (None, StepStatus.OK,
                                                                                  StepStatus.SKIPPED):
        return None
    problems = [p.explanation for p in token.problems if p in CLEANABLE]
    raw = describe(f.results[StepId.WHOAMI_RAW])
    evidence = [f.evidence(StepId.WHOAMI_RAW, f"{raw} (raw value from {token.source})")]
    cleaned_ok = f.ok(StepId.WHOAMI)
    if cleaned_ok:
        evidence.append(f.evidence(StepId.WHOAMI, "the same token, cleaned, is accepted"))
    summary = (f"The token in {token.source} {'; it '.join(problems)}. "
               + ("Sent as the app sends it, it fails; cleaned, it works: the transport of the token is the problem."
                  if cleaned_ok else "Sent as the app sends it, it fails (and cleaned it fails too, see alternatives)."))
    return Finding(summary, tuple(evidence), (
        f"Fix the value where it is set ({token.source}): no quotes, no 'Bearer ' prefix, no trailing newline or spaces.",
        "If the app reads it from a file or .env, strip it when loading: token = value.strip().",
    ))


def rule_token_invalid(f: Facts) -> Finding | None:
    if f.outcome(StepId.WHOAMI) is not Outcome.UNAUTHORIZED:
        return None
    token = f.token
    note = ""
    if token is not None and any(p.value in ("org_token", "not_hf_token") for p in token.problems):
        note = " It does not even look like a user token (hf_...)."
    return Finding(
        f"The Hub rejects the token from {token.source if token else 'the runtime'} ({token.suffix if token else ''}): "
        f"it is revoked, mistyped, or an old token still set in this environment.{note}",
        (f.evidence(StepId.WHOAMI),),
        ("Compare the suffix shown here with the token list at hf.co/settings/tokens.",
         "Look for an older token shadowing the new one (HF_TOKEN in a shell profile, .env, service unit).",
         "Create a new token with 'Make calls to Inference Providers' and set it in the app's runtime."),
    )


def rule_lacks_permission(f: Facts) -> Finding | None:
    denied = [s for s, o in f.chat_outcomes().items() if o is Outcome.NO_INFERENCE_PERMISSION]
    says_no = f.account is not None and f.account.can_call_inference is False
    if not denied and not says_no:
        return None
    evidence = []
    if says_no:
        evidence.append(f.evidence(StepId.WHOAMI, f"fine-grained token '{f.account.token_name or '?'}' lacks "
                                                  f"inference.serverless.write"))
    evidence += [f.evidence(s) for s in denied]
    return Finding(
        "The token is valid but does not have the 'Make calls to Inference Providers' permission.",
        tuple(evidence),
        ("Edit the token at hf.co/settings/tokens and tick 'Make calls to Inference Providers' "
         "(or create a new fine-grained token with it).",),
    )


def rule_bill_to_fixes(f: Facts) -> Finding | None:
    if not f.ok(StepId.BILL_TO):
        return None
    result = f.results[StepId.BILL_TO]
    org = next((attempt.org for attempt in result.attempts if attempt.exchange.ok), f.inputs.bill_to)
    evidence = tuple(f.evidence(s) for s in (result.repeats, StepId.BILL_TO) if s)
    return Finding(
        f"The failing call works when billed to the organization '{org}' (X-HF-Bill-To): personal billing "
        f"is the problem (no credits or no payment method on the personal account).",
        evidence,
        (f"Send X-HF-Bill-To: {org} from the app (InferenceClient(bill_to=\"{org}\") or the header).",
         "Or add credits / a payment method to the personal account at hf.co/settings/billing."),
    )


def rule_credits(f: Facts) -> Finding | None:
    hits = [s for s, o in f.chat_outcomes().items() if o is Outcome.CREDITS]
    if not hits:
        return None
    return Finding(
        "The router says the account's Inference Providers credits are used up (or billing is not set up).",
        tuple(f.evidence(s) for s in hits),
        ("Check usage at hf.co/settings/billing; add credits, a payment method, or subscribe to PRO.",
         Hint("If an organization pays for inference, bill it: --bill-to ORG (X-HF-Bill-To).",
              f"If an organization pays for inference, choose it under {_BILL_TO_LIST}.")),
    )


def rule_rate_limited(f: Facts) -> Finding | None:
    limited = {**f.chat_outcomes(), StepId.WHOAMI: f.outcome(StepId.WHOAMI)}
    hits = [s for s, o in limited.items() if o is Outcome.RATE_LIMITED]
    if not hits:
        return None
    if hits == [StepId.WHOAMI] and f.chat_calls_ok():
        return None  # the Hub limits whoami strictly; the user's call works, so that is a side note of ok
    wait = when_to_retry([f.results[s].exchange.response for s in hits
                          if f.results[s].exchange and f.results[s].exchange.response])
    return Finding(
        f"Calls are being rate limited (429); {wait}.",
        tuple(f.evidence(s) for s in hits),
        ("Wait and retry with exponential backoff; lower the request rate.",
         Hint("If it persists, try another provider (pin it: --model REPO:PROVIDER).",
              f"If it persists, pick another provider in {_ROUTE_LIST}.")),
    )


def rule_model_unavailable(f: Facts) -> Finding | None:
    if not f.failed(StepId.AS_CONFIGURED) or f.ok(StepId.PINNED):
        return None
    said = f.outcome(StepId.AS_CONFIGURED)
    retired = said is Outcome.MODEL_NOT_SUPPORTED and f.results[StepId.AS_CONFIGURED].http_status == 410
    none_live = f.ok(StepId.MAPPING) and not f.live_providers
    said_unsupported = said is Outcome.MODEL_NOT_SUPPORTED and f.providers_known and not f.live_providers
    if not (retired or none_live or said_unsupported):
        return None
    listed = ", ".join(f"{p.provider} ({p.status})" for p in f.providers) or "none"
    evidence = [f.evidence(StepId.AS_CONFIGURED)]
    evidence += [f.evidence(s, f"{f.results[s].title}: live providers for {f.model.repo}: none (listed: {listed})")
                 for s in (StepId.CATALOG, StepId.MAPPING) if f.ok(s)]
    return Finding(
        f"No live provider serves {f.model.repo} right now"
        + (" (the provider retired it)." if retired else "."),
        tuple(evidence),
        ("Pick a model that is served: hf.co/models?inference_provider=all, or GET /v1/models.",
         f"Known-good model to compare: {f.inputs.baseline}."),
    )


def rule_provider_policy(f: Facts) -> Finding | None:
    if not (f.ok(StepId.KNOWN_GOOD) and f.failed(StepId.AS_CONFIGURED)
            and f.outcome(StepId.AS_CONFIGURED) in REJECTED):
        return None
    policy = f.model.policy
    confirmed = f.ok(StepId.PINNED)
    evidence = [f.evidence(StepId.KNOWN_GOOD, f"known-good {f.inputs.baseline} works"),
                f.evidence(StepId.AS_CONFIGURED)]
    if confirmed:
        pinned = f.results[StepId.PINNED]
        evidence.append(f.evidence(StepId.PINNED, pinned.note))
        summary = (f"The account and token are fine: the known-good model works and {pinned.target} works. "
                   f"The ':{policy}' routing picks a provider that does not serve {f.model.repo} for you.")
        steps = (f"Use the pinned model in the app: {pinned.target}.",
                 "Or fix the provider order at hf.co/settings/inference-providers (enable a provider that serves it).")
    else:
        if f.results.get(StepId.PINNED) is not None:
            evidence.append(f.evidence(StepId.PINNED))
        summary = (f"The account works (known-good call succeeds) but {f.model} fails: the ':{policy}' routing policy "
                   f"steers to a provider that does not serve this model for you. A pinned call could not confirm it yet.")
        steps = (_pin_hint(f), "Check the provider order at hf.co/settings/inference-providers.")
    return Finding(summary, tuple(evidence), steps, seed_case="B" if confirmed else "A")


def _pin_hint(f: Facts) -> Hint:
    """How to pin a provider, when one is known to serve the model, and how to find one when none is."""
    repo = f.model.repo
    live = f.live_providers
    if live:
        return Hint(f"Pin a provider that serves the model: --model {repo}:PROVIDER, e.g. {repo}:{live[0].provider}.",
                    f"Pin a provider that serves the model: pick it in {_ROUTE_LIST}.")
    return Hint(f"No provider is known here to serve {repo}: find one on hf.co/{repo}, then pin it: "
                f"--model {repo}:PROVIDER.",
                f"No provider is known here to serve {repo}: find one on hf.co/{repo}, then pin it in the "
                f"Model field ({{app.focus_provider}}): {repo}:PROVIDER.")


def rule_provider_outage(f: Facts) -> Finding | None:
    bad = [s for s in (StepId.AS_CONFIGURED, StepId.PINNED)
           if f.outcome(s) in (Outcome.SERVER_ERROR, Outcome.TIMEOUT)]
    router_answers = any(f.outcome(s) not in (None, *UNREACHABLE) for s in (StepId.CATALOG, StepId.KNOWN_GOOD))
    if not bad or not router_answers:
        return None
    provider = None
    exchange = f.results[bad[0]].exchange
    if exchange and exchange.response:
        provider = exchange.response.header("x-inference-provider")
    return Finding(
        f"The router answers, but the provider{' ' + provider if provider else ''} behind {f.model} fails "
        f"(5xx or no answer in time). This is on the provider's side, not your token.",
        tuple(f.evidence(s) for s in bad)
        + ((f.evidence(StepId.KNOWN_GOOD),) if f.outcome(StepId.KNOWN_GOOD) else ()),
        (Hint("Retry later, or pin another provider that serves the model (--model REPO:PROVIDER).",
              f"Retry later ({{step.retry}} on the failed step), or pick another provider in {_ROUTE_LIST}."),
         "Check status.huggingface.co and the provider's status page."),
    )


def _same_401_everywhere(f: Facts) -> list[StepId] | None:
    calls = [s for s in (StepId.KNOWN_GOOD, StepId.AS_CONFIGURED, StepId.PINNED) if f.outcome(s) is not None]
    if not f.ok(StepId.WHOAMI):
        return None  # the billing and account cases speak of a valid token: whoami must have accepted it
    if not f.failed(StepId.KNOWN_GOOD) or not calls or any(f.outcome(s) is not Outcome.UNAUTHORIZED for s in calls):
        return None
    return calls


def rule_account_fault(f: Facts) -> Finding | None:
    calls = _same_401_everywhere(f)
    if calls is None or not f.failed(StepId.BILL_TO):
        return None
    orgs = ", ".join(attempt.org for attempt in f.results[StepId.BILL_TO].attempts)
    return Finding(
        f"Every chat call fails with the same 401 although the token passes whoami, and billing "
        f"{orgs} does not help either. This points to an account-side fault: contact support with the bundle.",
        tuple(f.evidence(s) for s in (*calls, StepId.WHOAMI, StepId.BILL_TO) if f.results.get(s)),
        (Hint("Export the support bundle (hftui diagnose --report bundle.md) and send it to "
              "api-enterprise@huggingface.co or the forum, with the x-request-ids.",
              "Export the support bundle ({bundle.export}) and send it to api-enterprise@huggingface.co or the "
              "forum, with the x-request-ids."),),
    )


def rule_billing_or_account(f: Facts) -> Finding | None:
    calls = _same_401_everywhere(f)
    if calls is None:
        return None
    return Finding(
        "Both the known-good and the pinned call fail with the same 401 while the token itself is valid: the usual "
        "cause is credits/billing on the personal account (the 401 text does not say so), else an account-side fault.",
        tuple(f.evidence(s) for s in (*calls, StepId.WHOAMI) if f.results.get(s)),
        ("Check credits and payment method at hf.co/settings/billing.",
         Hint("If you belong to an organization that pays for inference, retry with --bill-to ORG.",
              f"If you belong to an organization that pays for inference, choose it under {_BILL_TO_LIST}."),
         Hint("If billing is fine, write the support bundle (--report bundle.md) and contact support.",
              "If billing is fine, export the support bundle ({bundle.export}) and contact support.")),
    )


def rule_ok(f: Facts) -> Finding | None:
    if not f.chat_calls_ok():
        return None
    side_failures = [sid for sid, r in f.results.items() if r.status.failed]
    summary = f"{f.model} answers: the call works from this environment with this token."
    if side_failures:
        summary += (f" Some side probes failed ({', '.join(side_failures)}); they are shown as evidence "
                    f"but do not break the call.")
    return Finding(
        summary,
        tuple(f.evidence(s) for s in (StepId.AS_CONFIGURED, StepId.KNOWN_GOOD, *side_failures) if f.results.get(s)),
        (Hint("If the app still fails, it does not use this token or this environment: compare the token suffix "
              "above with what the app loads (`hftui` lists every token source).",
              "If the app still fails, it does not use this token or this environment: compare the token suffix "
              "with what the app loads (the Credentials pane, {app.focus_credentials}, lists every source)."),),
    )


def rule_inconclusive(f: Facts) -> Finding:
    """Whatever no rule above explains: what failed, or, if nothing did, what has no answer yet."""
    failed = [sid for sid, r in f.results.items() if r.status.failed]
    if failed:
        return Finding(
            "Some probes failed but the pattern matches no known case; the evidence below is what was seen.",
            tuple(f.evidence(s) for s in failed),
            (Hint("Write the support bundle (--report bundle.md) and compare with the cases in the README; run "
                  "again to see if it is transient.",
                  "Export the support bundle ({bundle.export}) and compare with the matrix; retry the failed steps "
                  "({step.retry}) to see if it is transient."),),
        )
    # Nothing failed, yet the user's call has no answer: it was skipped or has not finished.
    return Finding(
        "Nothing failed, but the call as configured has no answer yet (skipped or still running), so there "
        "is nothing to conclude.",
        tuple(f.evidence(sid) for sid, r in f.results.items() if r.status is not StepStatus.OK),
        (Hint("Run hftui again once the call can complete.",
              "Run the plan again ({plan.run}), or retry the skipped steps ({step.retry}), once it can complete."),),
    )


Rule = Callable[[Facts], "Finding | None"]

RULES: tuple[tuple[Case, Rule], ...] = (
    (Case.NO_TOKEN, rule_no_token),
    (Case.TOKEN_MALFORMED, rule_token_malformed),
    (Case.NETWORK_ERROR, rule_network_error),
    (Case.TOKEN_INVALID, rule_token_invalid),
    (Case.TOKEN_LACKS_INFERENCE_PERMISSION, rule_lacks_permission),
    (Case.BILL_TO_FIXES, rule_bill_to_fixes),
    (Case.CREDITS_EXHAUSTED, rule_credits),
    (Case.RATE_LIMITED, rule_rate_limited),
    (Case.MODEL_UNAVAILABLE, rule_model_unavailable),
    (Case.PROVIDER_POLICY, rule_provider_policy),
    (Case.PROVIDER_OUTAGE, rule_provider_outage),
    (Case.ACCOUNT_FAULT, rule_account_fault),
    (Case.BILLING_OR_ACCOUNT, rule_billing_or_account),
    (Case.OK, rule_ok),
    (Case.INCONCLUSIVE, rule_inconclusive),  # last: it matches whatever is left
)
