"""The diagnosis: explicit rules over step results, one function per case, each citing its evidence.

Rules are listed most specific first; the first that matches is the verdict and every other
match is kept as an alternative, so an ambiguous run says so instead of guessing silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hftui.core.cases import TITLES, Case
from hftui.core.hub import Account, ModelRef, ProviderOption
from hftui.core.plan import PlanInputs, StepResult
from hftui.core.probes import Outcome, classify
from hftui.core.status import MARKS, StepStatus
from hftui.core.tokens import CLEANABLE, TokenCandidate


@dataclass(frozen=True)
class Evidence:
    step_id: str
    fact: str
    http_status: int | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class Verdict:
    case: Case
    seed_case: str | None
    summary: str
    evidence: tuple[Evidence, ...]
    next_steps: tuple[str, ...]
    alternatives: tuple[Case, ...] = ()

    @property
    def title(self) -> str:
        return TITLES[self.case]

    @property
    def is_ok(self) -> bool:
        return self.case is Case.OK


@dataclass(frozen=True)
class Finding:
    summary: str
    evidence: tuple[Evidence, ...]
    next_steps: tuple[str, ...]
    seed_case: str | None = None


class Facts:
    """Read-only view of one run's results that the rules ask questions of."""

    def __init__(self, inputs: PlanInputs, results: Mapping[str, StepResult], account: Account | None,
                 providers: list[ProviderOption]) -> None:
        self.inputs = inputs
        self.results = results
        self.account = account
        self.providers = providers

    @property
    def token(self) -> TokenCandidate | None:
        return self.inputs.token

    @property
    def model(self) -> ModelRef:
        return self.inputs.model

    def status(self, step_id: str) -> StepStatus | None:
        result = self.results.get(step_id)
        return result.status if result else None

    def outcome(self, step_id: str) -> Outcome | None:
        result = self.results.get(step_id)
        if result is None or result.exchange is None or not result.status.done or result.status is StepStatus.SKIPPED:
            return None
        return classify(result.exchange)

    def ok(self, step_id: str) -> bool:
        return self.status(step_id) is StepStatus.OK

    def failed(self, step_id: str) -> bool:
        status = self.status(step_id)
        return status is not None and status.failed

    def chat_outcomes(self) -> dict[str, Outcome]:
        return {sid: o for sid in ("as-configured", "known-good", "pinned", "bill-to")
                if (o := self.outcome(sid)) is not None}

    def chat_calls_ok(self) -> bool:
        """The user's call works and no other chat call failed."""
        return self.ok("as-configured") and not any(self.failed(s) for s in ("known-good", "pinned", "bill-to"))

    def evidence(self, step_id: str, fact: str | None = None) -> Evidence:
        result = self.results[step_id]
        exchange = result.exchange
        if fact is None:
            fact = describe(result)
        return Evidence(step_id, fact, exchange.status if exchange else None, exchange.request_id if exchange else None)

    @property
    def live_providers(self) -> list[ProviderOption]:
        return [p for p in self.providers if p.live]

    @property
    def providers_known(self) -> bool:
        return self.ok("catalog") or self.ok("mapping")


def describe(result: StepResult) -> str:
    """One line for a step: mark, status, what it said."""
    mark = MARKS[result.status]
    if result.status is StepStatus.SKIPPED:
        return f"{mark} skipped: {result.skip_reason}"
    if result.status is StepStatus.OK:
        return f"{mark} {result.http_status} {result.title}"
    if result.exchange and result.exchange.error:
        return f"{mark} {result.title}: {result.message}"
    return f"{mark} {result.http_status} {result.title}: {result.message}"


# --- rules, most specific first ----------------------------------------------------------------

UNREACHABLE = (Outcome.NETWORK, Outcome.TIMEOUT)
REJECTED = (Outcome.UNAUTHORIZED, Outcome.MODEL_NOT_SUPPORTED, Outcome.FORBIDDEN, Outcome.CLIENT_ERROR)


def rule_no_token(f: Facts) -> Finding | None:
    if f.token is not None:
        return None
    return Finding(
        "No Hugging Face token was found in any source, so no call can be authenticated.",
        (),
        ("Create a token with the 'Make calls to Inference Providers' permission at hf.co/settings/tokens.",
         "Set it for the app's runtime: export HF_TOKEN=hf_... (or save it to the keyring in hftui).",),
    )


def rule_network_error(f: Facts) -> Finding | None:
    router_steps = [s for s in ("catalog", "as-configured", "known-good") if f.outcome(s) is not None]
    router_down = bool(router_steps) and all(f.outcome(s) in UNREACHABLE for s in router_steps)
    hub_down = f.outcome("whoami") in UNREACHABLE and f.outcome("mapping") in (None, *UNREACHABLE)
    if hub_down and not router_down and f.chat_calls_ok():
        return None  # the user's call works; a slow Hub is a side note of the ok verdict, not the cause
    if not (router_down or hub_down):
        return None
    down = [name for name, flag in (("router", router_down), ("Hub", hub_down)) if flag]
    evidence = tuple(f.evidence(s) for s in (*router_steps, "whoami") if f.outcome(s) in UNREACHABLE)
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
    if token is None or not token.is_malformed or f.status("whoami-raw") in (None, StepStatus.OK, StepStatus.SKIPPED):
        return None
    problems = [p.explanation for p in token.problems if p in CLEANABLE]
    evidence = [f.evidence("whoami-raw", f"{describe(f.results['whoami-raw'])} (raw value from {token.source})")]
    cleaned_ok = f.ok("whoami")
    if cleaned_ok:
        evidence.append(f.evidence("whoami", f"✓ {f.results['whoami'].http_status} the same token, cleaned, is accepted"))
    summary = (f"The token in {token.source} {'; it '.join(problems)}. "
               + ("Sent as the app sends it, it fails; cleaned, it works: the transport of the token is the problem."
                  if cleaned_ok else "Sent as the app sends it, it fails (and cleaned it fails too, see alternatives)."))
    return Finding(summary, tuple(evidence), (
        f"Fix the value where it is set ({token.source}): no quotes, no 'Bearer ' prefix, no trailing newline or spaces.",
        "If the app reads it from a file or .env, strip it when loading: token = value.strip().",
    ))


def rule_token_invalid(f: Facts) -> Finding | None:
    if f.outcome("whoami") is not Outcome.UNAUTHORIZED:
        return None
    token = f.token
    note = ""
    if token is not None and any(p.value in ("org_token", "not_hf_token") for p in token.problems):
        note = " It does not even look like a user token (hf_...)."
    return Finding(
        f"The Hub rejects the token from {token.source if token else 'the runtime'} ({token.suffix if token else ''}): "
        f"it is revoked, mistyped, or an old token still set in this environment.{note}",
        (f.evidence("whoami"),),
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
        evidence.append(f.evidence("whoami", f"✓ {f.results['whoami'].http_status} fine-grained token "
                                             f"'{f.account.token_name or '?'}' lacks inference.serverless.write"))
    evidence += [f.evidence(s) for s in denied]
    return Finding(
        "The token is valid but does not have the 'Make calls to Inference Providers' permission.",
        tuple(evidence),
        ("Edit the token at hf.co/settings/tokens and tick 'Make calls to Inference Providers' "
         "(or create a new fine-grained token with it).",),
    )


def rule_bill_to_fixes(f: Facts) -> Finding | None:
    if not f.ok("bill-to"):
        return None
    result = f.results["bill-to"]
    failing = result.repeats
    org = next((label for label, ex in result.attempts if ex.ok), f.inputs.bill_to)
    evidence = tuple(f.evidence(s) for s in (failing, "bill-to") if s)
    return Finding(
        f"The failing call works when billed to the organization '{org}' (X-HF-Bill-To): personal billing "
        f"is the problem (no credits or no payment method on the personal account).",
        evidence,
        (f"Send X-HF-Bill-To: {org} from the app (InferenceClient(bill_to=\"{org}\") or the header).",
         "Or add credits / a payment method to the personal account at hf.co/settings/billing."),
        seed_case="D",
    )


def rule_credits(f: Facts) -> Finding | None:
    hits = [s for s, o in f.chat_outcomes().items() if o is Outcome.CREDITS]
    if not hits:
        return None
    return Finding(
        "The router says the account's Inference Providers credits are used up (or billing is not set up).",
        tuple(f.evidence(s) for s in hits),
        ("Check usage at hf.co/settings/billing; add credits, a payment method, or subscribe to PRO.",
         "If an organization pays for inference, bill it: --bill-to ORG (X-HF-Bill-To)."),
        seed_case="C",
    )


def rule_rate_limited(f: Facts) -> Finding | None:
    hits = [s for s, o in {**f.chat_outcomes(), "whoami": f.outcome("whoami")}.items() if o is Outcome.RATE_LIMITED]
    if not hits:
        return None
    if hits == ["whoami"] and f.chat_calls_ok():
        return None  # the Hub limits whoami strictly; the user's call works, so that is a side note of ok
    wait = _retry_hint([f.results[s].exchange.response for s in hits
                        if f.results[s].exchange and f.results[s].exchange.response])
    return Finding(
        f"Calls are being rate limited (429); {wait}.",
        tuple(f.evidence(s) for s in hits),
        ("Wait and retry with exponential backoff; lower the request rate.",
         "If it persists, try another provider (pin it: --model REPO:PROVIDER)."),
    )


_RATELIMIT_RESET = re.compile(r"(?:^|[;,\s])(?:reset|t)=(\d+)")


def _retry_hint(responses) -> str:
    """When to retry, from Retry-After, else the RateLimit / x-ratelimit-reset* headers, else a default."""
    for response in responses:
        retry = response.header("retry-after")
        if retry:
            return f"the server asks to wait {retry.strip()[:40]}" + (" s" if retry.strip().isdigit() else "")
    for response in responses:
        reset = _RATELIMIT_RESET.search(response.header("ratelimit") or "")
        if reset:
            return f"no Retry-After, but its RateLimit header says the limit resets in {reset.group(1)} s"
        for name, value in response.headers:
            if name.lower() in ("ratelimit-reset", "x-ratelimit-reset") or name.lower().startswith("x-ratelimit-reset-"):
                return f"no Retry-After, but {name.lower()}: {value.strip()[:40]} says when the limit resets"
    return "no Retry-After was given; back off (e.g. 30 s, doubling)"


def rule_model_unavailable(f: Facts) -> Finding | None:
    if not f.failed("as-configured") or f.ok("pinned"):
        return None
    retired = f.outcome("as-configured") is Outcome.MODEL_NOT_SUPPORTED and f.results["as-configured"].http_status == 410
    none_live = f.ok("mapping") and not f.live_providers
    said_unsupported = (f.outcome("as-configured") is Outcome.MODEL_NOT_SUPPORTED and f.providers_known
                        and not f.live_providers)
    if not (retired or none_live or said_unsupported):
        return None
    listed = ", ".join(f"{p.provider} ({p.status})" for p in f.providers) or "none"
    evidence = [f.evidence("as-configured")]
    evidence += [f.evidence(s, f"✓ {f.results[s].http_status} {f.results[s].title}: live providers for "
                               f"{f.model.repo}: none (listed: {listed})") for s in ("catalog", "mapping") if f.ok(s)]
    return Finding(
        f"No live provider serves {f.model.repo} right now"
        + (" (the provider retired it)." if retired else "."),
        tuple(evidence),
        ("Pick a model that is served: hf.co/models?inference_provider=all, or GET /v1/models.",
         f"Known-good model to compare: {f.inputs.baseline}."),
    )


def rule_provider_policy(f: Facts) -> Finding | None:
    if not (f.ok("known-good") and f.failed("as-configured") and f.outcome("as-configured") in REJECTED):
        return None
    policy = f.model.policy
    confirmed = f.ok("pinned")
    evidence = [f.evidence("known-good", f"✓ {f.results['known-good'].http_status} known-good {f.inputs.baseline} works"),
                f.evidence("as-configured")]
    if confirmed:
        evidence.append(f.evidence("pinned", f"✓ {f.results['pinned'].http_status} {f.results['pinned'].note}"))
        pinned_model = f.results["pinned"].target
        summary = (f"The account and token are fine: the known-good model works and {pinned_model} works. "
                   f"The ':{policy}' routing picks a provider that does not serve {f.model.repo} for you.")
        steps = (f"Use the pinned model in the app: {pinned_model}.",
                 "Or fix the provider order at hf.co/settings/inference-providers (enable a provider that serves it).")
    else:
        pinned = f.results.get("pinned")
        if pinned is not None:
            evidence.append(f.evidence("pinned"))
        summary = (f"The account works (known-good call succeeds) but {f.model} fails: the ':{policy}' routing policy "
                   f"steers to a provider that does not serve this model for you. A pinned call could not confirm it yet.")
        steps = ("Pin a provider that serves the model: --model REPO:PROVIDER (see the provider pane or GET /v1/models).",
                 "Check the provider order at hf.co/settings/inference-providers.")
    return Finding(summary, tuple(evidence), steps, seed_case="B" if confirmed else "A")


def rule_provider_outage(f: Facts) -> Finding | None:
    bad = [s for s in ("as-configured", "pinned") if f.outcome(s) in (Outcome.SERVER_ERROR, Outcome.TIMEOUT)]
    router_answers = any(f.outcome(s) not in (None, *UNREACHABLE) for s in ("catalog", "known-good"))
    if not bad or not router_answers:
        return None
    provider = None
    exchange = f.results[bad[0]].exchange
    if exchange and exchange.response:
        provider = exchange.response.header("x-inference-provider")
    return Finding(
        f"The router answers, but the provider{' ' + provider if provider else ''} behind {f.model} fails "
        f"(5xx or no answer in time). This is on the provider's side, not your token.",
        tuple(f.evidence(s) for s in bad) + ((f.evidence("known-good"),) if f.outcome("known-good") else ()),
        ("Retry later, or pin another provider that serves the model (--model REPO:PROVIDER).",
         "Check status.huggingface.co and the provider's status page."),
    )


def _same_401_everywhere(f: Facts) -> list[str] | None:
    calls = [s for s in ("known-good", "as-configured", "pinned") if f.outcome(s) is not None]
    if not f.failed("known-good") or not calls or any(f.outcome(s) is not Outcome.UNAUTHORIZED for s in calls):
        return None
    return calls


def rule_account_fault(f: Facts) -> Finding | None:
    calls = _same_401_everywhere(f)
    if calls is None or not f.failed("bill-to"):
        return None
    orgs = ", ".join(label for label, _ in f.results["bill-to"].attempts)
    return Finding(
        f"Every chat call fails with the same 401 although the token passes whoami, and billing "
        f"{orgs} does not help either. This points to an account-side fault: contact support with the bundle.",
        tuple(f.evidence(s) for s in (*calls, "whoami", "bill-to") if f.results.get(s)),
        ("Export the support bundle (hftui diagnose --report bundle.md) and send it to api-enterprise@huggingface.co "
         "or the forum, with the x-request-ids.",),
        seed_case="C",
    )


def rule_billing_or_account(f: Facts) -> Finding | None:
    calls = _same_401_everywhere(f)
    if calls is None:
        return None
    return Finding(
        "Both the known-good and the pinned call fail with the same 401 while the token itself is valid: the usual "
        "cause is credits/billing on the personal account (the 401 text does not say so), else an account-side fault.",
        tuple(f.evidence(s) for s in (*calls, "whoami") if f.results.get(s)),
        ("Check credits and payment method at hf.co/settings/billing.",
         "If you belong to an organization that pays for inference, retry with --bill-to ORG.",
         "If billing is fine, export the support bundle and contact support."),
        seed_case="C",
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
        tuple(f.evidence(s) for s in ("as-configured", "known-good", *side_failures) if f.results.get(s)),
        ("If the app still fails, it does not use this token or this environment: compare the token suffix with "
         "what the app loads (the credentials pane lists every source).",),
    )


RULES: tuple[tuple[Case, Callable[[Facts], Finding | None]], ...] = (
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
)


def diagnose(inputs: PlanInputs, results: Mapping[str, StepResult], account: Account | None = None,
             providers: list[ProviderOption] | None = None) -> Verdict:
    facts = Facts(inputs, results, account, providers or [])
    matches = [(case, finding) for case, rule in RULES if (finding := rule(facts)) is not None]
    if not matches:
        failed = [s for s, r in results.items() if r.status.failed]
        if failed:
            return Verdict(
                Case.INCONCLUSIVE, None,
                "Some probes failed but the pattern matches no known case; the evidence below is what was seen.",
                tuple(facts.evidence(s) for s in failed),
                ("Export the support bundle and compare with the matrix; re-run the failed steps to see if it is "
                 "transient.",),
            )
        # Nothing failed, yet the user's call has no answer: it was skipped or has not finished.
        open_steps = [s for s, r in results.items() if r.status is not StepStatus.OK]
        return Verdict(
            Case.INCONCLUSIVE, None,
            "Nothing failed, but the call as configured has no answer yet (skipped or still running), so there "
            "is nothing to conclude.",
            tuple(facts.evidence(s, None if results[s].status is StepStatus.SKIPPED
                                 else f"… {results[s].title}: {results[s].status.value}") for s in open_steps),
            ("Run the plan (or the skipped steps) again once it can complete.",),
        )
    (case, finding), rest = matches[0], matches[1:]
    return Verdict(case, finding.seed_case, finding.summary, finding.evidence, finding.next_steps,
                   tuple(c for c, _ in rest))


def run_verdict(run) -> Verdict:
    """Verdict of a finished (or partly finished) PlanRun."""
    return diagnose(run.inputs, run.results, run.account, run.providers)
