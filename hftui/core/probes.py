"""One HTTP probe captured: what was sent, what came back, and every failure turned into data.

Secrets and control characters never enter an Exchange: every string in it (the request's URL,
headers and body; the response's reason phrase, header names and values, body, final URL and every
string of its parsed JSON; the failure's text) is redacted and made printable as it is captured, so
whatever renders an Exchange (screen, JSON, bundle) cannot leak the token or drive a terminal.

A probe is bounded as a whole (connect, TLS, waiting and a trickling body all count against one
timeout), follows redirects only within the origin it was sent to (so the token never goes
anywhere else), keeps at most its spec's `body_cap` of a body, and turns every failure into a
sentence that says where it stopped: which host refused, which phase timed out, which proxy was in the
way. What an answer *means* is not decided here: see `outcomes`.

Bodies are evidence, so the cap depends on what they are: a chat answer is bounded (BODY_CAP_BYTES),
while the router's catalog and the Hub's mapping keep up to EVIDENCE_BODY_CAP_BYTES (the real catalog
lists 100-200+ models, often over 300 KB; cut, it would read as "no provider"). A body is parsed as
JSON once, on first use, and the result kept on the response.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from hftui.core.background import awaited_in_background
from hftui.core.decoding import BodyReader
from hftui.core.failures import ErrorKind, ProbeError, Progress, describe_failure, error_kind
from hftui.core.http import import_httpx, port_of, proxy_for, same_origin
from hftui.core.printable import printable_tree
from hftui.core.redact import Redactor

if TYPE_CHECKING:
    import httpx

BODY_CAP_BYTES = 256 * 1024  # a chat answer: "Reply with exactly OK" in 8 tokens, or an error
EVIDENCE_BODY_CAP_BYTES = 8 * 1024 * 1024  # the catalog and the mapping: read whole, they are what the verdict reads
# Read past the cap by this much and redact before cutting, so a secret that straddles the cap is
# masked whole instead of leaving its first characters at the end of the kept body.
_REDACTION_SLACK = 4096
MAX_REDIRECTS = 3
_FLOOD_MARGIN = 768 * 1024  # past the cap, read at most this much more (or the cap again) to size the body
_STREAM_CLOSE_GRACE = 1.0  # a stream's body is cut at the timeout; closing it may take this much longer


@dataclass(frozen=True)
class ProbeSpec:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # raw: may hold the token
    json_body: dict[str, Any] | None = None
    body_cap: int = BODY_CAP_BYTES  # how much of the answer's body to keep
    # Read the answer as a stream (SSE): when its first token arrived, and a body cut by the connection
    # or by the timeout is kept with why (`CapturedResponse.cut`) instead of becoming "no answer".
    stream: bool = False


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
    body: str  # redacted, capped at the probe's body_cap
    truncated: bool = False
    body_bytes: int = 0
    final_url: str = ""
    not_utf8: bool = False  # the raw body was not valid UTF-8 (shown with U+FFFD replacements)
    content_encoding: str = ""  # as the server declared it, e.g. "gzip"
    undecoded: str | None = None  # why the body is shown as received, still encoded
    parsed: Any = field(default=None, repr=False, compare=False)  # the body's JSON, redacted and printable
    cut: str | None = None  # a streamed read only: why the body stopped before the server ended it

    def header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)

    @cached_property
    def json(self) -> Any:
        """The body's JSON (None if it is not JSON, or was cut), every string in it redacted and printable:
        parsed from what the server sent when captured; else (a response built by hand) from `body`, once."""
        if self.truncated:
            return None  # a cut body may still parse (a cut list of models): half a catalog is not one
        if self.parsed is not None:
            return self.parsed
        return parse_json(self.body, printable_tree)

    @property
    def note(self) -> str | None:
        """What is odd about the body itself, whatever the status: cut at the cap, not UTF-8, not JSON."""
        notes = []
        if self.truncated and self.content_encoding and not self.undecoded:
            notes.append(f"body cut at {len(self.body.encode()):,} bytes: it decompresses ({self.content_encoding}) "
                         f"to more than that")
        elif self.truncated:
            notes.append(f"body cut at {len(self.body.encode()):,} of {self.body_bytes:,} bytes")
        if self.undecoded:
            notes.append(self.undecoded)
        if self.not_utf8:
            notes.append("body is not valid UTF-8")
        from hftui.core.sse import SSE_CONTENT_TYPE  # read after the answers, not before the first request

        streamed = SSE_CONTENT_TYPE in (self.header("content-type") or "").lower()  # events, never one JSON value
        if 200 <= self.status < 300 and self.body.strip() and self.json is None and not self.truncated and not streamed:
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
    ttfb_ms: float | None = None  # time to first byte: until the answer's status and headers arrived
    ttft_ms: float | None = None  # a streamed read only: until the first event carrying a token arrived

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
                    body_cap: int | None = None, on_sent: Callable[[], None] | None = None) -> Exchange:
    """Send one request and capture everything; never raises for network or server faults.
    `on_sent()` is called once the request is out and its answer awaited (not if it never got that far)."""
    body_cap = spec.body_cap if body_cap is None else body_cap
    body_text = json.dumps(spec.json_body) if spec.json_body is not None else None
    captured_request = CapturedRequest(
        method=spec.method,
        url=redactor.inert(spec.url),
        headers=tuple(redactor.headers(spec.headers)),
        body=redactor.inert(body_text, keep_newlines=True) if body_text is not None else None,
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
        # A stream's body is bounded inside _send (so what arrived is kept); this only bounds its close.
        async with asyncio.timeout(timeout + (_STREAM_CLOSE_GRACE if spec.stream else 0)):
            received = await _send(client, spec, body_text, body_cap, timeout, progress, started=start)
    except Exception as exc:  # noqa: BLE001 - every failure becomes data (cancellation is not an Exception)
        kind = ErrorKind.TIMEOUT if isinstance(exc, TimeoutError) else error_kind(exc)
        if progress.proxy and progress.phase == "connect" and kind in (ErrorKind.CONNECT, ErrorKind.DNS):
            kind = ErrorKind.PROXY  # the only connection a proxied request makes is to the proxy
        # The HTTP library's own words may quote the header it refused: `b'Bearer hf_…\n…'`.
        detail = redactor.inert(describe_failure(exc, kind, timeout, progress, spec.url))
        return Exchange(request=captured_request, started_at=started_at, elapsed_ms=elapsed(),
                        error=ProbeError(kind, detail))
    raw_body, truncated = received.body, received.truncated
    try:
        text, not_utf8 = raw_body.decode("utf-8"), False
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the cap is not a fault of the server's.
        not_utf8 = not (truncated and exc.start >= len(raw_body) - 3)
        text = raw_body.decode("utf-8", errors="replace")
    # Redact with the slack still attached, then cut: a secret across the cap is masked whole.
    inert = redactor.inert(text, keep_newlines=True)
    # JSON strings hold no raw control character: without a backslash, each one is written in the text
    # as it is, so a text that needed nothing made inert holds no string that does (the usual catalog).
    clean = redactor.tree if inert != text or "\\" in text else None
    parsed = None if truncated else parse_json(text, clean)
    text = inert
    if truncated:
        text = text.encode("utf-8")[:body_cap].decode("utf-8", errors="ignore")
    return Exchange(
        request=captured_request,
        started_at=started_at,
        elapsed_ms=elapsed(),
        response=CapturedResponse(
            status=received.status, reason=redactor.inert(received.reason),
            http_version=redactor.inert(received.http_version), headers=tuple(redactor.headers(received.headers)),
            body=text, truncated=truncated, body_bytes=received.total, final_url=redactor.inert(received.final_url),
            not_utf8=not_utf8, content_encoding=redactor.inert(received.encoding), undecoded=received.undecoded,
            parsed=parsed, cut=redactor.inert(received.cut) if received.cut else None,
        ),
        ttfb_ms=received.ttfb_ms, ttft_ms=received.ttft_ms,
    )


def parse_json(text: str, clean) -> Any:
    """`text` parsed as JSON with `clean` applied to it (every string made printable, and redacted; None:
    nothing to clean), or None when it is not JSON or nests too deep to walk."""
    if not text.strip():
        return None
    try:
        value = json.loads(text)
        return value if clean is None else clean(value)
    except (ValueError, RecursionError):
        return None


class _Received(NamedTuple):
    """What came back, before it is captured (nothing in it is redacted yet)."""

    status: int
    reason: str
    http_version: str
    headers: list[tuple[str, str]]
    body: bytes
    truncated: bool
    total: int
    final_url: str
    encoding: str = ""
    undecoded: str | None = None
    ttfb_ms: float | None = None
    ttft_ms: float | None = None
    cut: str | None = None


async def _send(client: httpx.AsyncClient, spec: ProbeSpec, body_text: str | None, body_cap: int,
                timeout: float, progress: Progress | None = None, started: float | None = None) -> _Received:
    """One request, its redirects within the origin, and its body. `started`: when the probe started
    (perf_counter), what its times count from. A stream's body is bounded here, keeping what arrived."""
    progress = progress or Progress()
    started = time.perf_counter() if started is None else started
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
    ttfb_ms = _since(started)
    progress.phase, progress.status = "body", response.status_code
    try:
        progress.declared = int(response.headers.get("content-length", ""))
    except ValueError:
        progress.declared = None
    encoding = response.headers.get("content-encoding", "")
    reader = BodyReader(encoding, body_cap + _REDACTION_SLACK)
    arrivals: list[tuple[int, float]] = []  # a stream's read: (body bytes so far, ms since the start) per chunk
    cut = None
    received = 0
    try:
        try:
            async with asyncio.timeout_at(_deadline(started, timeout) if spec.stream else None):
                async for chunk in response.aiter_raw():
                    received += len(chunk)
                    progress.received = received
                    if reader.decoding and not reader.full:
                        # Bounded (never more than the cap comes out), and still off the event loop.
                        await awaited_in_background(reader.feed, chunk, name="hftui-decompress")
                    else:
                        reader.feed(chunk)
                    if spec.stream:
                        arrivals.append((reader.produced, _since(started)))
                    if reader.full and (reader.decoding or received > body_cap + max(body_cap, _FLOOD_MARGIN)):
                        break  # enough to say how large it is; stop downloading a flood
        except Exception as exc:  # noqa: BLE001 - a stream's body that stops early is data, not "no answer"
            if not spec.stream:
                raise
            kind = ErrorKind.TIMEOUT if isinstance(exc, TimeoutError) else error_kind(exc)
            cut = (f"no more data within the {timeout:g} s timeout" if kind is ErrorKind.TIMEOUT
                   else f"the connection broke ({kind.meaning}: {type(exc).__name__})")
    finally:
        await response.aclose()
    truncated = reader.produced > body_cap
    total = reader.produced if reader.decoding else received
    if truncated and not reader.decoding and progress.declared and progress.declared > total:
        total = progress.declared  # stopped early: the size the server declared
    undecoded = None
    if reader.undecoded:
        undecoded = f"body is {reader.undecoded}-encoded, shown as received (hftui asks only for gzip or deflate)"
    elif reader.failed:
        undecoded = f"body is {reader.failed}"
    body = reader.body
    return _Received(response.status_code, response.reason_phrase, response.http_version,
                     list(response.headers.multi_items()), body, truncated, total, str(response.url),
                     ttfb_ms=ttfb_ms, ttft_ms=_first_token_ms(body, arrivals) if spec.stream else None, cut=cut,
                     encoding=encoding, undecoded=undecoded)


def _since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def _deadline(started: float, timeout: float) -> float:
    """The event loop's time when a stream's read must stop: `timeout` after the probe started."""
    return asyncio.get_running_loop().time() + max(timeout - (time.perf_counter() - started), 0)


def _first_token_ms(body: bytes, arrivals: list[tuple[int, float]]) -> float | None:
    """When the chunk that completed the first event carrying a token arrived."""
    from hftui.core.sse import first_token_offset

    offset = first_token_offset(body)
    if offset is None:
        return None
    return next((at for received, at in arrivals if received >= offset), None)
