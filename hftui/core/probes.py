"""One HTTP probe: what was sent, what came back, and every failure turned into data.

Secrets never enter an Exchange: request headers and response text are redacted as they are
captured, so whatever renders an Exchange (screen, JSON, bundle) cannot leak the token.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import TYPE_CHECKING, Any

from hftui.core.redact import Redactor

if TYPE_CHECKING:
    import httpx

BODY_CAP_BYTES = 256 * 1024
USER_AGENT = "hftui (diagnostics; +https://github.com/hftui)"


@dataclass(frozen=True)
class ProbeSpec:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # raw: may hold the token
    json_body: dict[str, Any] | None = None


class ErrorKind(str, Enum):
    CONNECT = "connect"
    DNS = "dns"
    TLS = "tls"
    TIMEOUT = "timeout"
    PROTOCOL = "protocol"
    PROXY = "proxy"
    HEADER_REFUSED = "header_refused"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    OTHER = "other"

    @property
    def meaning(self) -> str:
        return _ERROR_MEANINGS[self]


_ERROR_MEANINGS = {
    ErrorKind.CONNECT: "could not connect (refused or unreachable)",
    ErrorKind.DNS: "the host name does not resolve (DNS)",
    ErrorKind.TLS: "the TLS handshake failed (certificate not trusted, or not HTTPS)",
    ErrorKind.TIMEOUT: "no complete answer within the timeout",
    ErrorKind.PROTOCOL: "the server broke the HTTP exchange (reset or malformed answer)",
    ErrorKind.PROXY: "the proxy (HTTPS_PROXY/HTTP_PROXY) could not be used",
    ErrorKind.HEADER_REFUSED: "the HTTP client refused to send the header (the token holds a character headers cannot carry)",
    ErrorKind.TOO_MANY_REDIRECTS: "the server kept redirecting",
    ErrorKind.OTHER: "the request failed",
}


@dataclass(frozen=True)
class ProbeError:
    kind: ErrorKind
    detail: str

    def __str__(self) -> str:
        return f"{self.kind.meaning}: {self.detail}" if self.detail else self.kind.meaning


@dataclass(frozen=True)
class CapturedRequest:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]  # redacted
    body: str | None


@dataclass(frozen=True)
class CapturedResponse:
    status: int
    reason: str
    http_version: str
    headers: tuple[tuple[str, str], ...]  # redacted
    body: str  # redacted, capped at BODY_CAP_BYTES
    truncated: bool = False
    body_bytes: int = 0
    final_url: str = ""

    def header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            return None


@dataclass(frozen=True)
class Exchange:
    request: CapturedRequest
    started_at: datetime
    elapsed_ms: float
    response: CapturedResponse | None = None
    error: ProbeError | None = None

    @property
    def status(self) -> int | None:
        return self.response.status if self.response else None

    @property
    def ok(self) -> bool:
        return self.response is not None and 200 <= self.response.status < 300

    @property
    def request_id(self) -> str | None:
        return self.response.header("x-request-id") if self.response else None

    @property
    def json(self) -> Any:
        return self.response.json if self.response else None


class Outcome(str, Enum):
    """What an exchange means, by status *and* wording, tolerant of wording drift."""

    OK = "ok"
    UNAUTHORIZED = "unauthorized"
    NO_INFERENCE_PERMISSION = "no_inference_permission"
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
            title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
            message = f"HTML page: {title.group(1).strip()}" if title else "HTML page instead of JSON"
        else:
            message = text.splitlines()[0] if text else (response.reason or f"HTTP {response.status}")
    message = message if isinstance(message, str) else json.dumps(message)
    return message[:300]


def _error_kind(exc: BaseException) -> ErrorKind:
    import httpx

    if isinstance(exc, (asyncio.TimeoutError, httpx.TimeoutException)):
        return ErrorKind.TIMEOUT
    if isinstance(exc, httpx.ProxyError):
        return ErrorKind.PROXY
    if isinstance(exc, httpx.TooManyRedirects):
        return ErrorKind.TOO_MANY_REDIRECTS
    if isinstance(exc, httpx.LocalProtocolError) and "header" in str(exc).lower():
        return ErrorKind.HEADER_REFUSED
    if isinstance(exc, (UnicodeEncodeError, ValueError)) and not isinstance(exc, httpx.HTTPError):
        return ErrorKind.HEADER_REFUSED
    cause = exc
    chain = []
    while cause is not None and len(chain) < 8:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(c, ssl.SSLError) for c in chain):
        return ErrorKind.TLS
    text = " ".join(str(c) for c in chain).lower()
    if any(s in text for s in ("name or service not known", "nodename nor servname", "name resolution",
                               "getaddrinfo", "no address associated")):
        return ErrorKind.DNS
    if "ssl" in text or "certificate" in text:
        return ErrorKind.TLS
    if isinstance(exc, httpx.ConnectError):
        return ErrorKind.CONNECT
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return ErrorKind.PROTOCOL
    return ErrorKind.OTHER


async def run_probe(client: httpx.AsyncClient, spec: ProbeSpec, redactor: Redactor, timeout: float,
                    body_cap: int = BODY_CAP_BYTES) -> Exchange:
    """Send one request and capture everything; never raises for network or server faults."""
    body_text = json.dumps(spec.json_body) if spec.json_body is not None else None
    captured_request = CapturedRequest(
        method=spec.method,
        url=redactor(spec.url),
        headers=tuple(redactor.headers(spec.headers)),
        body=redactor(body_text) if body_text is not None else None,
    )
    started_at = datetime.now(timezone.utc)
    start = time.perf_counter()

    def elapsed() -> float:
        return round((time.perf_counter() - start) * 1000, 1)

    try:
        # httpx's timeout bounds each read, not the whole answer: a 1 byte/s body would never end.
        async with asyncio.timeout(timeout):
            response = await _send(client, spec, body_text, body_cap, timeout)
    except Exception as exc:  # noqa: BLE001 - every failure becomes data (cancellation is not an Exception)
        kind = ErrorKind.TIMEOUT if isinstance(exc, TimeoutError) else _error_kind(exc)
        detail = redactor(_describe(exc, kind, timeout))
        return Exchange(request=captured_request, started_at=started_at, elapsed_ms=elapsed(),
                        error=ProbeError(kind, detail))
    status, reason, version, headers, raw_body, truncated, total, final_url = response
    text = raw_body.decode("utf-8", errors="replace")
    return Exchange(
        request=captured_request,
        started_at=started_at,
        elapsed_ms=elapsed(),
        response=CapturedResponse(
            status=status, reason=reason, http_version=version,
            headers=tuple(redactor.headers(headers)), body=redactor(text),
            truncated=truncated, body_bytes=total, final_url=redactor(final_url),
        ),
    )


async def _send(client: httpx.AsyncClient, spec: ProbeSpec, body_text: str | None, body_cap: int,
                timeout: float) -> tuple:
    headers = list(spec.headers)
    if body_text is not None:
        headers.append(("Content-Type", "application/json"))
    request = client.build_request(spec.method, spec.url, headers=headers,
                                   content=body_text.encode() if body_text is not None else None,
                                   timeout=timeout)
    response = await client.send(request, stream=True)
    try:
        chunks: list[bytes] = []
        kept = total = 0
        async for chunk in response.aiter_raw():
            total += len(chunk)
            if kept < body_cap:
                piece = chunk[: body_cap - kept]
                chunks.append(piece)
                kept += len(piece)
            elif total > body_cap * 4:
                break  # enough to say how large it is; stop downloading a flood
        truncated = total > body_cap
        body = b"".join(chunks)
        if response.headers.get("content-encoding") and not truncated:
            body = _decode(body, response.headers.get("content-encoding", ""))
    finally:
        await response.aclose()
    return (response.status_code, response.reason_phrase, response.http_version,
            list(response.headers.multi_items()), body, truncated, total, str(response.url))


def _decode(body: bytes, encoding: str) -> bytes:
    import gzip
    import zlib

    try:
        if "gzip" in encoding:
            return gzip.decompress(body)
        if "deflate" in encoding:
            return zlib.decompress(body)
    except (OSError, zlib.error):
        pass
    return body


def _describe(exc: BaseException, kind: ErrorKind, timeout: float) -> str:
    if kind is ErrorKind.TIMEOUT:
        return f"no answer within {timeout:g} s"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
