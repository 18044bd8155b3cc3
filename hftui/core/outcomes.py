"""What an exchange means: HF's statuses *and* wordings turned into an Outcome, the one line a person
would quote from a failure, and when a rate-limited server says to try again.

Tolerant of wording drift: a status decides first, words refine it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from hftui.core.failures import ErrorKind
from hftui.core.http import origin, same_origin

if TYPE_CHECKING:
    from hftui.core.probes import CapturedResponse, Exchange


class Outcome(str, Enum):
    """What an exchange means, by status *and* wording, tolerant of wording drift."""

    OK = "ok"
    UNAUTHORIZED = "unauthorized"
    NO_INFERENCE_PERMISSION = "no_inference_permission"
    ORG_REFUSED = "org_refused"  # the token may not act for that org: "on behalf of org X", revoked, approval
    FORBIDDEN = "forbidden"
    CREDITS = "credits"
    MODEL_NOT_SUPPORTED = "model_not_supported"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    CLIENT_ERROR = "client_error"
    REDIRECT = "redirect"
    TIMEOUT = "timeout"
    NETWORK = "network"
    HEADER_REFUSED = "header_refused"


_CREDIT_WORDS = re.compile(
    r"credit|quota|billing|payment|pre-?paid|subscribe to pro|insufficient (funds|balance)|exceeded your",
    re.IGNORECASE,
)
_PERMISSION_WORDS = re.compile(r"sufficient permissions|not have (the )?permission|inference.?providers? on behalf",
                               re.IGNORECASE)
# An org's refusal, not the user's: a token without that org in its scope, or the org's token policy.
_ORG_WORDS = re.compile(
    r"on behalf of (the )?org(ani[sz]ation)?\b|organi[sz]ation (administrator|admin|resources)"
    r"|organi[sz]ation.{0,80}\b(revoked|pending|approval|denied)|\b(revoked|approval|denied)\b.{0,80}organi[sz]ation",
    re.IGNORECASE | re.DOTALL,
)
_MODEL_WORDS = re.compile(
    r"model_not_supported|not supported by any provider|model .*(not found|does not exist|is not available|retired|deprecated)"
    r"|no provider|not (served|available) (by|on)",
    re.IGNORECASE,
)


def classify(exchange: Exchange) -> Outcome:
    if exchange.error is not None:
        if exchange.error.kind is ErrorKind.TIMEOUT:
            return Outcome.TIMEOUT
        if exchange.error.kind is ErrorKind.HEADER_REFUSED:
            return Outcome.HEADER_REFUSED
        return Outcome.NETWORK
    status = exchange.status or 0
    text = error_message(exchange) or ""
    if 200 <= status < 300:
        return Outcome.OK
    if 300 <= status < 400:
        return Outcome.REDIRECT
    if status == 402 or (400 <= status < 500 and status != 429 and _CREDIT_WORDS.search(text)):
        return Outcome.CREDITS
    if status in (401, 403) and _ORG_WORDS.search(text):
        return Outcome.ORG_REFUSED
    if status == 403 and _PERMISSION_WORDS.search(text):
        return Outcome.NO_INFERENCE_PERMISSION
    if status == 401:
        return Outcome.UNAUTHORIZED
    if status == 403:
        return Outcome.FORBIDDEN
    if status == 429:
        return Outcome.RATE_LIMITED
    if status in (404, 410) or (400 <= status < 500 and _MODEL_WORDS.search(text)):
        return Outcome.MODEL_NOT_SUPPORTED
    if status >= 500:
        return Outcome.SERVER_ERROR
    return Outcome.CLIENT_ERROR


def error_message(exchange: Exchange) -> str | None:
    """The one line a person would quote from a failure, whatever the body's family."""
    if exchange.error is not None:
        return str(exchange.error)
    response = exchange.response
    if response is None or 200 <= response.status < 300:
        return None
    if 300 <= response.status < 400 and response.header("location"):
        return redirect_message(exchange)
    body = response.json
    message: Any = None
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            message = err.get("message") or err.get("code")
        elif isinstance(err, str):
            message = err
        message = message or body.get("message") or body.get("detail")
    message = message or response.header("x-error-message")
    if not message:
        text = response.body.strip()
        if text.lstrip()[:1] == "<":
            title = _TITLE.search(text)
            message = (f"an HTML page instead of JSON: \"{' '.join(title.group(1).split())}\"" if title
                       else "an HTML page instead of JSON")
        else:
            message = text.splitlines()[0] if text else (response.reason or f"HTTP {response.status}")
    message = message if isinstance(message, str) else json.dumps(message)
    hint = retry_hint(response) if response.status == 429 else None
    if hint is not None and hint.header == RETRY_AFTER:  # the one line quotes what a client obeys
        message = f"{message[:260]} (Retry-After: {hint.value[:30]})"
    return message[:300]


def redirect_message(exchange: Exchange) -> str:
    """A 3xx that was not followed: where it pointed, and why hftui stopped there."""
    location = exchange.response.header("location") if exchange.response else None
    if location and urlsplit(location).scheme and not same_origin(location, exchange.request.url):
        return (f"redirected to another origin, {origin(location)}: not followed, so the token was not "
                f"sent there (Location: {location[:200]})")
    return f"redirected to {location[:200] if location else '?'}"


RETRY_AFTER = "retry-after"
# Bounded: `<title[^>]*>` tried at each of 40 000 `<title`s of a body, each scan to its end, took minutes.
_TITLE = re.compile(r"<title[^<>]{0,200}>([^<]{0,300})</title>", re.IGNORECASE)
_RATELIMIT_RESET = re.compile(r"(?:^|[;,\s])(?:reset|t)=(\d+)")


@dataclass(frozen=True)
class RetryHint:
    """When a rate-limited server says the limit lifts, and which header said it."""

    header: str  # lower-case: retry-after, ratelimit, x-ratelimit-reset-tokens, ...
    value: str  # as sent, stripped (for `ratelimit`: its reset seconds)

    @property
    def sentence(self) -> str:
        if self.header == RETRY_AFTER:
            return f"the server asks to wait {self.value[:40]}" + (" s" if self.value.isdigit() else "")
        if self.header == "ratelimit":
            return f"no Retry-After, but its RateLimit header says the limit resets in {self.value} s"
        return f"no Retry-After, but {self.header}: {self.value[:40]} says when the limit resets"


def retry_hint(response: CapturedResponse) -> RetryHint | None:
    """Retry-After, else the RateLimit header's reset, else an x-ratelimit-reset* header, else None."""
    retry = response.header(RETRY_AFTER)
    if retry:
        return RetryHint(RETRY_AFTER, retry.strip())
    reset = _RATELIMIT_RESET.search(response.header("ratelimit") or "")
    if reset:
        return RetryHint("ratelimit", reset.group(1))
    for name, value in response.headers:
        if name.lower() in ("ratelimit-reset", "x-ratelimit-reset") or name.lower().startswith("x-ratelimit-reset-"):
            return RetryHint(name.lower(), value.strip())
    return None


def when_to_retry(responses: list[CapturedResponse]) -> str:
    """For the verdict: a Retry-After from any of them first, else the first reset header, else a default."""
    hints = [hint for response in responses if (hint := retry_hint(response)) is not None]
    best = next((hint for hint in hints if hint.header == RETRY_AFTER), hints[0] if hints else None)
    return best.sentence if best else "no Retry-After was given; back off (e.g. 30 s, doubling)"
