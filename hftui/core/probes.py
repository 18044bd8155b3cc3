"""One HTTP probe captured: what was sent, what came back, and every failure turned into data.

Secrets never enter an Exchange: request headers and response text are redacted as they are
captured, so whatever renders an Exchange (screen, JSON, bundle) cannot leak the token.

A probe is bounded as a whole (connect, TLS, waiting and a trickling body all count against one
timeout), follows redirects only within the origin it was sent to (so the token never goes
anywhere else), keeps at most BODY_CAP_BYTES of a body, and turns every failure into a sentence
that says where it stopped: which host refused, which phase timed out, which proxy was in the way.
What an answer *means* is not decided here: see `outcomes`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from hftui.core.failures import ErrorKind, ProbeError, Progress, describe_failure, error_kind
from hftui.core.http import import_httpx, port_of, proxy_for, same_origin
from hftui.core.redact import Redactor

if TYPE_CHECKING:
    import httpx

BODY_CAP_BYTES = 256 * 1024
# Read past the cap by this much and redact before cutting, so a secret that straddles the cap is
# masked whole instead of leaving its first characters at the end of the kept body.
_REDACTION_SLACK = 4096
MAX_REDIRECTS = 3


@dataclass(frozen=True)
class ProbeSpec:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # raw: may hold the token
    json_body: dict[str, Any] | None = None


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
    not_utf8: bool = False  # the raw body was not valid UTF-8 (shown with U+FFFD replacements)

    def header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            return None

    @property
    def note(self) -> str | None:
        """What is odd about the body itself, whatever the status: cut at the cap, not UTF-8, not JSON."""
        notes = []
        if self.truncated:
            notes.append(f"body cut at {len(self.body.encode()):,} of {self.body_bytes:,} bytes")
        if self.not_utf8:
            notes.append("body is not valid UTF-8")
        if 200 <= self.status < 300 and self.body.strip() and self.json is None and not self.truncated:
            # Only an answer that should have been data: an error's own message already describes its body.
            notes.append("an HTML page, not JSON" if self.body.lstrip()[:1] == "<" else "body is not JSON")
        return "; ".join(notes) or None


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


async def run_probe(client: httpx.AsyncClient, spec: ProbeSpec, redactor: Redactor, timeout: float,
                    body_cap: int = BODY_CAP_BYTES, on_sent: Callable[[], None] | None = None) -> Exchange:
    """Send one request and capture everything; never raises for network or server faults.
    `on_sent()` is called once the request is out and its answer awaited (not if it never got that far)."""
    body_text = json.dumps(spec.json_body) if spec.json_body is not None else None
    captured_request = CapturedRequest(
        method=spec.method,
        url=redactor(spec.url),
        headers=tuple(redactor.headers(spec.headers)),
        body=redactor(body_text) if body_text is not None else None,
    )
    started_at = datetime.now(timezone.utc)
    start = time.perf_counter()
    progress = Progress(proxy=proxy_for(client, spec.url), on_sent=on_sent)
    parts = urlsplit(spec.url)
    with contextlib.suppress(ValueError):  # until a connection event says otherwise (a reused one says nothing)
        progress.host, progress.port = parts.hostname or "", port_of(parts)

    def elapsed() -> float:
        return round((time.perf_counter() - start) * 1000, 1)

    try:
        # httpx's timeout bounds each read, not the whole answer: a 1 byte/s body would never end.
        async with asyncio.timeout(timeout):
            response = await _send(client, spec, body_text, body_cap, timeout, progress)
    except Exception as exc:  # noqa: BLE001 - every failure becomes data (cancellation is not an Exception)
        kind = ErrorKind.TIMEOUT if isinstance(exc, TimeoutError) else error_kind(exc)
        if progress.proxy and progress.phase == "connect" and kind in (ErrorKind.CONNECT, ErrorKind.DNS):
            kind = ErrorKind.PROXY  # the only connection a proxied request makes is to the proxy
        detail = redactor(describe_failure(exc, kind, timeout, progress, spec.url))
        return Exchange(request=captured_request, started_at=started_at, elapsed_ms=elapsed(),
                        error=ProbeError(kind, detail))
    status, reason, version, headers, raw_body, truncated, total, final_url = response
    try:
        text, not_utf8 = raw_body.decode("utf-8"), False
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the cap is not a fault of the server's.
        not_utf8 = not (truncated and exc.start >= len(raw_body) - 3)
        text = raw_body.decode("utf-8", errors="replace")
    # Redact with the slack still attached, then cut: a secret across the cap is masked whole.
    text = redactor(text)
    if truncated:
        text = text.encode("utf-8")[:body_cap].decode("utf-8", errors="ignore")
    return Exchange(
        request=captured_request,
        started_at=started_at,
        elapsed_ms=elapsed(),
        response=CapturedResponse(
            status=status, reason=reason, http_version=version,
            headers=tuple(redactor.headers(headers)), body=text,
            truncated=truncated, body_bytes=total, final_url=redactor(final_url), not_utf8=not_utf8,
        ),
    )


async def _send(client: httpx.AsyncClient, spec: ProbeSpec, body_text: str | None, body_cap: int,
                timeout: float, progress: Progress | None = None) -> tuple:
    progress = progress or Progress()
    headers = list(spec.headers)
    if body_text is not None:
        headers.append(("Content-Type", "application/json"))
    request = client.build_request(spec.method, spec.url, headers=headers,
                                   content=body_text.encode() if body_text is not None else None,
                                   timeout=timeout, extensions={"trace": progress.trace})
    response = await client.send(request, stream=True, follow_redirects=False)
    # Follow redirects by hand, and only within the origin the probe was sent to: the token is for
    # the configured Hub and router, and a 3xx anywhere else is shown as what it is instead.
    hops = 0
    while response.next_request is not None and same_origin(str(response.next_request.url), spec.url):
        if hops >= MAX_REDIRECTS:
            await response.aclose()
            raise import_httpx().TooManyRedirects(f"more than {MAX_REDIRECTS} redirects", request=response.request)
        next_request = response.next_request
        next_request.extensions = {**next_request.extensions, "trace": progress.trace}
        await response.aclose()
        response = await client.send(next_request, stream=True, follow_redirects=False)
        hops += 1
    progress.phase, progress.status = "body", response.status_code
    try:
        progress.declared = int(response.headers.get("content-length", ""))
    except ValueError:
        progress.declared = None
    try:
        chunks: list[bytes] = []
        keep = body_cap + _REDACTION_SLACK
        kept = total = 0
        async for chunk in response.aiter_raw():
            total += len(chunk)
            progress.received = total
            if kept < keep:
                piece = chunk[: keep - kept]
                chunks.append(piece)
                kept += len(piece)
            elif total > body_cap * 4:
                break  # enough to say how large it is; stop downloading a flood
        truncated = total > body_cap
        if truncated and progress.declared and progress.declared > total:
            total = progress.declared  # stopped early: the size the server declared
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
