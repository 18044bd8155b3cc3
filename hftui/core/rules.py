"""The rules: one function per case, most specific first, each citing its evidence.

RULES ends with INCONCLUSIVE, which matches whatever no other rule explains; `verdict.diagnose`
takes the first match and keeps the others as alternatives. A rule returns a seed letter only when
its case has more than one (provider_policy: A or B); otherwise the case's own letter is used.

The evidence hierarchy, which the order and the conditions below follow:

1. **A chat call that answered outranks anything read from whoami.** If the user's own call works,
   the verdict is `ok`, and whatever whoami said against it (a 401, a missing permission, an expiry)
   is a named side note: a different Hub (HF_ENDPOINT), a transient limit, a permission shape that
   moved. `token_invalid` needs whoami's 401 *and* no sign the router authenticated the token;
   `token_expired` needs no chat call that worked.
2. **whoami only explains failing calls.** A permission verdict needs a chat call the router refused;
   when whoami shows the permission the router denies, the verdict says they contradict.
3. **A refused X-HF-Bill-To confirms nothing about billing.** It is explained from whoami (membership,
   the org's canPay/Enterprise, the token's org-scoped permissions, the org's token policy), never
   read as the user's missing permission; `account_fault` needs an org that could pay, billed with a
   token that may bill it, answering the same failure (see `billto`).
4. **A failure with its own cause wins over a refused bill-to**, which is then an alternative.

The rules about the calls (routing, the model, billing) are in `call_rules`.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from hftui.core import app_rules, call_rules
from hftui.core.cases import Case
from hftui.core.facts import ROUTE_LIST, USER_CALLS, Facts, Finding, Hint, describe
from hftui.core.hub import DEFAULT_ROUTER_URL, INFERENCE_PERMISSION
from hftui.core.outcomes import Outcome, error_message, when_to_retry
from hftui.core.status import StepStatus
from hftui.core.steps import StepId
from hftui.core.streaming import StreamFailure
from hftui.core.tokens import CLEANABLE, TokenProblem

UNREACHABLE = (Outcome.NETWORK, Outcome.TIMEOUT)
NOT_HERE = (404, 405, 410)  # what a server that is not the router answers to the router's own routes
CREATE_TOKEN = "Create a token with 'Make calls to Inference Providers' at hf.co/settings/tokens and set it in the app's runtime."


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


def rule_wrong_router_url(f: Facts) -> Finding | None:
    """The router always answers GET /v1/models and POST /v1/chat/completions (200, 4xx with a meaning):
    a server that 404s both (or 405/410s them, or serves a web page for the catalog) is not the router."""
    catalog, known_good = f.results.get(StepId.CATALOG), f.results.get(StepId.KNOWN_GOOD)
    if f.outcome(StepId.CATALOG) is None or f.outcome(StepId.KNOWN_GOOD) is None:
        return None
    page = f.ok(StepId.CATALOG) and catalog.exchange.json is None and not catalog.exchange.response.truncated
    chat = [s for s in (StepId.KNOWN_GOOD, StepId.AS_CONFIGURED) if f.outcome(s) is not None]
    if not ((catalog.http_status in NOT_HERE or page) and all(f.results[s].http_status in NOT_HERE for s in chat)):
        return None
    url = f.inputs.router_url
    said = " ".join(filter(None, (error_message(r.exchange) for r in (catalog, known_good) if r.exchange)))
    hints = []
    host = (urlsplit(url).hostname or "").lower()
    if url.rstrip("/") == f.inputs.hub_url.rstrip("/") or host in ("huggingface.co", "www.huggingface.co", "hf.co"):
        hints.append("that is the Hub's address: HF_ENDPOINT and --hub-url move the Hub, never the router")
    if host.startswith("api-inference.") or "router.huggingface.co" in said:
        hints.append("the legacy Inference API (api-inference.huggingface.co) is gone: its answer points to the router")
    return Finding(
        f"{url} is not the router: GET {url}/v1/models answered {catalog.http_status}"
        f"{' with a web page' if page else ''} and POST {url}/v1/chat/completions answered {known_good.http_status}, "
        f"which the router never does for its own routes" + (f" ({'; '.join(hints)})." if hints else "."),
        tuple(f.evidence(s) for s in (StepId.CATALOG, *chat)),
        (f"Use --router-url {DEFAULT_ROUTER_URL} (or HFTUI_ROUTER_URL). The OpenAI SDK's base_url "
         f"{DEFAULT_ROUTER_URL}/v1 is the same router, and hftui accepts that form too.",
         "Behind a proxy or gateway, give its base URL: the part before /v1/chat/completions."),
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


def rule_token_expired(f: Facts) -> Finding | None:
    token = f.token
    if token is None or not token.expired or f.any_chat_ok():
        return None
    refresh = ("with the refresh token stored beside it" if token.refreshable
               else "only with a refresh token, and none is stored beside it, so only a new login helps")
    return Finding(
        f"The token from {token.source} ({token.suffix}) is a short-lived OAuth access token from a browser login, "
        f"and it expired at {token.expiry_text} (stored_tokens' expires_at). huggingface_hub refreshes it on its "
        f"own, {refresh}; curl, the OpenAI SDK and code that reads the token file send it as it is: expired.",
        tuple(f.evidence(s) for s in (StepId.WHOAMI, *USER_CALLS) if f.failed(s)),
        ("Renew it: run `hf auth login` again (a huggingface_hub call such as `hf auth whoami` also refreshes it "
         "when a refresh token is stored).",
         "For curl, the OpenAI SDK or a server, use a long-lived access token from hf.co/settings/tokens (HF_TOKEN) "
         "instead of the browser login's short-lived one."),
    )


def rule_token_invalid(f: Facts) -> Finding | None:
    """whoami's 401, or an organization's token (which whoami may accept), and no sign the router
    authenticated it: a 401 from whoami while the router does is a different Hub, see rule_ok."""
    token = f.token
    org_token = (token is not None and TokenProblem.ORG_TOKEN in token.problems) or (
        f.account is not None and f.account.kind == "org")
    rejected = f.outcome(StepId.WHOAMI) is Outcome.UNAUTHORIZED or (
        org_token and any(o in (Outcome.UNAUTHORIZED, Outcome.FORBIDDEN) for o in f.user_outcomes().values()))
    if not rejected or f.router_accepted_token():
        return None
    note = ""
    if org_token:
        note = (" It is an organization token (api_org_…): Inference Providers take a user's token "
                "(hf_…), and huggingface_hub's login refuses org tokens too.")
    elif token is not None and TokenProblem.NOT_HF_TOKEN in token.problems:
        note = " It does not even look like a user token (hf_...): a provider's own key goes to that provider, not the router."
    who = "The Hub rejects" if f.outcome(StepId.WHOAMI) is Outcome.UNAUTHORIZED else "The router rejects"
    return Finding(
        f"{who} the token from {token.source if token else 'the runtime'} ({token.suffix if token else ''}), "
        f"and no call shows the router accepting it: "
        + ("an organization's token cannot call Inference Providers." if org_token else
           "it is revoked, mistyped, or an old token still set in this environment.") + note,
        tuple(f.evidence(s) for s in (StepId.WHOAMI, *USER_CALLS) if f.failed(s)),
        (CREATE_TOKEN, "To have an organization pay, send that user token with X-HF-Bill-To: ORG (--bill-to ORG).")
        if org_token else
        ("Compare the suffix shown here with the token list at hf.co/settings/tokens.",
         "Look for an older token shadowing the new one (HF_TOKEN in a shell profile, .env, service unit).",
         CREATE_TOKEN),
    )


def rule_lacks_permission(f: Facts) -> Finding | None:
    """Needs a user call the router refused; whoami explains it, or contradicts it (and the router wins)."""
    user = f.user_outcomes()
    if f.ok(StepId.KNOWN_GOOD) or f.ok(StepId.AS_CONFIGURED):
        return None  # a call billed to the user works: the token has the permission
    denied = [s for s, o in user.items() if o is Outcome.NO_INFERENCE_PERMISSION]
    account = f.account
    says_no = account is not None and account.can_call_inference is False
    refused = [s for s, o in user.items() if o in (Outcome.UNAUTHORIZED, Outcome.FORBIDDEN)]
    if not denied and not (says_no and refused):
        return None
    kind = f" ({account.token_kind}{f' {account.token_name!r}' if account.token_name else ''})" if account else ""
    evidence = [f.evidence(s) for s in denied or refused]
    if says_no:
        evidence.insert(0, f.evidence(StepId.WHOAMI, f"whoami: the token{kind} lacks {INFERENCE_PERMISSION}"))
    summary = f"The token{kind} is valid but does not have the 'Make calls to Inference Providers' permission."
    if denied and account is not None and account.can_call_inference:
        evidence.insert(0, f.evidence(StepId.WHOAMI, f"whoami: the token{kind} has {INFERENCE_PERMISSION}"))
        summary = (f"The router refuses the token{kind} the permission to call Inference Providers (403), while whoami "
                   f"shows {INFERENCE_PERMISSION} on it: they contradict. The router's answer is what counts: the "
                   f"permission may have been removed since, or whoami here is a different Hub (HF_ENDPOINT).")
    return Finding(summary, tuple(evidence), (
        "Edit the token at hf.co/settings/tokens and tick 'Make calls to Inference Providers' "
        "(or create a new fine-grained token with it).",
        *(("An app token carries only what the app was granted: use a user access token for Inference Providers.",)
          if account is not None and account.token_kind.startswith("an app token") else ()),
    ))


def rule_rate_limited(f: Facts) -> Finding | None:
    limited = {**f.chat_outcomes(), StepId.WHOAMI: f.outcome(StepId.WHOAMI)}
    hits = [s for s, o in limited.items() if o is Outcome.RATE_LIMITED]
    if not hits:
        return None
    if hits == [StepId.WHOAMI] and any(f.outcome(s) not in (None, *UNREACHABLE) for s in USER_CALLS):
        return None  # the Hub limits whoami strictly; the router answered the calls, which say more
    wait = when_to_retry([f.results[s].exchange.response for s in hits
                          if f.results[s].exchange and f.results[s].exchange.response])
    return Finding(
        f"Calls are being rate limited (429); {wait}.",
        tuple(f.evidence(s) for s in hits),
        ("Wait and retry with exponential backoff; lower the request rate.",
         Hint("If it persists, try another provider (pin it: --model REPO:PROVIDER).",
              f"If it persists, pick another provider in {ROUTE_LIST}.")),
    )


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
              f"Retry later ({{step.retry}} on the failed step), or pick another provider in {ROUTE_LIST}."),
         "Check status.huggingface.co and the provider's status page."),
    )


def side_notes(f: Facts) -> list[str]:
    """What whoami (or the token's stored expiry) said against calls the router served: named, not hidden."""
    notes = []
    whoami = f.outcome(StepId.WHOAMI)
    if whoami is Outcome.UNAUTHORIZED:
        notes.append(f"The Hub at {f.inputs.hub_url} rejects this token but the router accepts it: a different Hub "
                     f"(HF_ENDPOINT pointing at a mirror or a private Hub; it does not move the router) or a "
                     f"transient limit, not a bad token.")
    elif whoami is Outcome.RATE_LIMITED:
        notes.append(f"whoami at {f.inputs.hub_url} is rate limited (429): the Hub limits it strictly; it says "
                     f"nothing about the token.")
    if f.account is not None and f.account.can_call_inference is False:
        notes.append(f"whoami says the token lacks {INFERENCE_PERMISSION}, yet the router served the call: whoami's "
                     f"permission shape may have moved (it moved once, from 'global' to the user-scoped entry).")
    if f.token is not None and f.token.expired:
        notes.append(f"stored_tokens says this token expired at {f.token.expiry_text}, yet the router accepted it "
                     f"(a clock that is off, or a refreshed token).")
    return notes


# What to do about each way a stream fails where the plain call works.
STREAM_ADVICE = {
    StreamFailure.ERROR_EVENT: "Handle an error event inside the stream (a `data: {\"error\": …}` after the 200): it is the "
                               "provider failing mid-generation. Retry, or pin another provider (--model REPO:PROVIDER; "
                               "--sweep shows which work).",
    StreamFailure.CUT: "The provider, or a proxy between you, closes streams early: retry; if it persists, pin another "
                       "provider, and check the proxy's timeouts for long responses.",
    StreamFailure.ENDED_EARLY: "The stream ends before [DONE] and without a finish_reason: the answer is cut short. Pin "
                               "another provider, or check a proxy in between.",
    StreamFailure.NOT_SSE: "Something answers stream: true with plain JSON: a proxy or gateway rewriting the answer, or a "
                           "provider ignoring the flag. Pin another provider, or call without streaming.",
    StreamFailure.STALLED: "A proxy that buffers responses (nginx proxy_buffering, some corporate proxies) holds streams "
                           "back until they end, or the provider is slow to start: bypass the proxy or turn its buffering "
                           "off for the router, raise the client's read timeout, or pin a faster provider.",
    StreamFailure.HTTP: "The router or the provider refuses stream: true for this route: pin another provider, or call "
                        "without streaming.",
    StreamFailure.NO_ANSWER: "The streamed call got no answer while the plain one did: retry, and check a proxy in "
                             "between (HTTPS_PROXY).",
}


def rule_stream_fails(f: Facts) -> Finding | None:
    """The call works without streaming and fails with stream: true: the failure is the stream's own."""
    result = f.results.get(StepId.STREAM)
    check = result.stream if result is not None else None
    if check is None or not check.failed or not f.ok(StepId.AS_CONFIGURED):
        return None
    return Finding(
        f"Non-streamed calls work; streamed calls fail {check.where}. {f.model} answers without stream: true, so the "
        f"token, the account and the route are fine: what breaks is the stream itself.",
        (f.evidence(StepId.AS_CONFIGURED, f"{f.model} works without streaming"), f.evidence(StepId.STREAM, check.line)),
        (STREAM_ADVICE[check.failure],
         "Until it is fixed, the app can call without streaming (stream: false): that call works."),
    )


def rule_ok(f: Facts) -> Finding | None:
    """The user's own call works: that outranks anything else a probe said (evidence hierarchy, 1)."""
    if not f.ok(StepId.AS_CONFIGURED):
        return None
    side_failures = [sid for sid, r in f.results.items() if r.status.failed]
    streamed = f.results.get(StepId.STREAM)
    also = [f"Streamed, it {streamed.stream.where}."] if streamed and streamed.stream and not streamed.stream.failed else []
    summary = " ".join([f"{f.model} answers: the call works from this environment with this token.", *also,
                        *side_notes(f)])
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
    (Case.TOKEN_MALFORMED, rule_token_malformed),  # the app sends the raw value; the calls send it cleaned
    # The app's own route or token fails while hftui's works: they outrank ok, which would hide them.
    (Case.LEGACY_ENDPOINT, app_rules.rule_legacy_endpoint),
    (Case.RUNTIME_TOKEN_MISMATCH, app_rules.rule_runtime_token_mismatch),
    (Case.STREAM_FAILS, rule_stream_fails),  # the plain call works: a failure only the stream shows
    (Case.OK, rule_ok),  # the user's call works: nothing below outranks that
    (Case.NETWORK_ERROR, rule_network_error),
    (Case.WRONG_ROUTER_URL, rule_wrong_router_url),
    (Case.TOKEN_EXPIRED, rule_token_expired),
    (Case.TOKEN_INVALID, rule_token_invalid),
    (Case.TOKEN_LACKS_INFERENCE_PERMISSION, rule_lacks_permission),
    (Case.BILL_TO_FIXES, call_rules.rule_bill_to_fixes),
    (Case.MODEL_REQUIRES_PAYMENT, call_rules.rule_model_requires_payment),
    (Case.CREDITS_EXHAUSTED, call_rules.rule_credits),
    (Case.RATE_LIMITED, rule_rate_limited),
    (Case.MODEL_UNAVAILABLE, call_rules.rule_model_unavailable),
    (Case.PROVIDER_POLICY, call_rules.rule_provider_policy),
    (Case.PROVIDER_OUTAGE, rule_provider_outage),
    (Case.BILL_TO_REFUSED, call_rules.rule_bill_to_refused),  # decisive only when nothing above has a cause
    (Case.ACCOUNT_FAULT, call_rules.rule_account_fault),
    (Case.BILLING_OR_ACCOUNT, call_rules.rule_billing_or_account),
    (Case.INCONCLUSIVE, rule_inconclusive),  # last: it matches whatever is left
)
