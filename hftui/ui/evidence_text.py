"""What the evidence viewer shows of one step: its result and timing, then each exchange in full —
the request (method, URL, headers, body) and the response (status, x-request-id, headers, the whole
body as hftui kept it, pretty-printed when it is JSON).

A body that is not text (not UTF-8, a binary content type, mostly control bytes) is never drawn as
text: its size, its type and its first bytes as hex. Every line is made inert (`printable`) before
the pager sees it; the token never appears, the core redacted every exchange as it was captured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hftui.core.billto import read_attempts
from hftui.core.printable import printable
from hftui.core.status import MARKS, StepStatus
from hftui.ui.format import STATUS_STYLE, Formatter
from hftui.ui.widgets.pager import Line

if TYPE_CHECKING:
    from hftui.core.hub import Account
    from hftui.core.plan import StepResult
    from hftui.core.probes import CapturedResponse, Exchange

BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/octet-stream", "application/pdf",
                "application/zip", "application/gzip", "application/x-protobuf", "application/grpc")
HEX_BYTES = 256  # of a body that is not text, shown as hex
PRETTY_LIMIT = 16 * 1024 * 1024  # a JSON body larger than this is shown as sent, not re-indented


@dataclass(frozen=True)
class Section:
    """Where one exchange starts in the document: the viewer copies the one in view."""

    line: int
    exchange: Exchange
    org: str | None = None  # a bill-to attempt's organization


@dataclass(frozen=True)
class Document:
    lines: list[Line]
    sections: tuple[Section, ...]
    anchors: dict[tuple[str, str | None], int]  # ("request" | "response" | "attempt", org) → line

    def section_at(self, line: int) -> Section | None:
        """The exchange whose part of the document `line` is in (the first one above the first)."""
        current = self.sections[0] if self.sections else None
        for section in self.sections:
            if section.line <= line:
                current = section
        return current


def step_document(result: StepResult, purpose: str, fmt: Formatter, timeout: float | None = None,
                  account: Account | None = None) -> Document:
    lines: list[Line] = []
    sections: list[Section] = []
    anchors: dict[tuple[str, str | None], int] = {}

    def add(text: str = "", style: str = "") -> None:
        lines.append(Line(printable(text.expandtabs(4)), style))

    status = result.status
    add(f"{result.step_id} · {result.title}", "bold")
    add(f"changes: {purpose}")
    code = f" {result.http_status}" if result.http_status else ""
    add(f"result: {MARKS[status]}{code} {status.value}" + (f" — {result.message}" if result.message else ""),
        STATUS_STYLE[status])
    for name, value in (("model sent", result.target), ("note", result.note),
                        ("runs", str(result.run_count) if result.run_count > 1 else None)):
        if value:
            add(f"{name}: {value}")
    if status is StepStatus.SKIPPED:
        add("No request was sent.", "dim")
    exchanges = [(org, exchange) for org, exchange in result.attempts] if len(result.attempts) > 1 else (
        [(None, result.exchange)] if result.exchange is not None else [])
    # What each bill-to attempt says, read against whoami (`account`, when it has answered).
    readings = {attempt.org: attempt for attempt in read_attempts(result.attempts, account)}
    for number, (org, exchange) in enumerate(exchanges, 1):
        key = result.step_id + (f"/{org}" if org else "")
        add()
        if org is not None:
            anchors[("attempt", org)] = len(lines)
            add(f"━━ attempt {number} of {len(exchanges)}: X-HF-Bill-To: {org} "
                f"→ {exchange.status or 'no answer'}", "bold")
        if org is None and len(result.attempts) == 1:
            org_of_one = result.attempts[0].org
            add(f"X-HF-Bill-To: {org_of_one}: {readings[org_of_one].reading.value} — {readings[org_of_one].why}")
        elif org is not None:
            add(f"{readings[org].reading.value} — {readings[org].why}")
        sections.append(Section(len(lines), exchange, org))
        _timing(add, exchange, fmt, key, timeout)
        anchors.setdefault(("request", org), len(lines))
        _request(add, exchange, fmt)
        anchors.setdefault(("response", org), len(lines))
        _response(add, exchange, fmt, key)
    return Document(lines, tuple(sections), anchors)


def _timing(add, exchange: Exchange, fmt: Formatter, key: str, timeout: float | None) -> None:
    took = fmt.elapsed(exchange.elapsed_ms, key)
    limit = f" (timeout {timeout:g} s)" if timeout else ""
    add(f"timing: started {fmt.started(exchange.started_at)} · took {took}{limit}")
    rid = fmt.request_id(exchange.request_id, key)
    if rid:
        add(f"x-request-id: {rid}", "bold")


def _request(add, exchange: Exchange, fmt: Formatter) -> None:
    request = exchange.request
    add()
    add("── Request ──", "bold")
    add(f"{request.method} {fmt.url(request.url)}")
    for name, value in request.headers:
        add(f"{name}: {value}")
    if request.body is not None:
        add()
        for text in _text_body(request.body):
            add(text)


def _response(add, exchange: Exchange, fmt: Formatter, key: str) -> None:
    add()
    add("── Response ──", "bold")
    if exchange.error is not None:
        add(f"none: {exchange.error}", "red")
        return
    response = exchange.response
    assert response is not None
    add(f"{response.http_version} {response.status} {response.reason}".strip())
    rid = fmt.request_id(exchange.request_id, key)
    if rid:
        add(f"x-request-id: {rid}", "bold")
    for name, value in response.headers:
        if name.lower() != "x-request-id":  # said once, above
            add(f"{name}: {fmt.header_value(name, value, key)}")
    add()
    content_type = response.header("content-type") or "no content-type"
    about = f"body: {response.body_bytes:,} bytes, {content_type}"
    if response.truncated:
        kept = len(response.body.encode("utf-8"))
        about += f"; cut at {kept:,} of {response.body_bytes:,} bytes (hftui keeps the first {kept:,})"
    if response.not_utf8:
        about += "; not valid UTF-8"
    add(about, "bold")
    if not response.body:
        add("(empty)", "dim")
    elif is_binary(response):
        _hex(add, response.body)
    else:
        for text in _text_body(response.body):
            add(text)


def is_binary(response: CapturedResponse) -> bool:
    """Not to be drawn as text: invalid UTF-8, a binary content type, or mostly control characters."""
    content_type = (response.header("content-type") or "").lower()
    if response.not_utf8 or content_type.startswith(BINARY_TYPES):
        return True
    sample = response.body[:4096]
    odd = sum(1 for char in sample if (char < " " and char not in "\n\r\t") or char == "\ufffd")
    return bool(sample) and odd * 10 > len(sample)


def _hex(add, body: str) -> None:
    data = body.encode("utf-8", errors="replace")[:HEX_BYTES]
    add(f"not text: its first {len(data)} bytes as hex, as hftui decoded them (a byte that was not UTF-8 "
        f"reads ef bf bd)", "dim")
    for offset in range(0, len(data), 16):
        chunk = data[offset:offset + 16]
        hexes = " ".join(f"{byte:02x}" for byte in chunk)
        shown = "".join(chr(byte) if 32 <= byte < 127 else "." for byte in chunk)
        add(f"{offset:04x}  {hexes:<47}  |{shown}|")


def _text_body(body: str) -> list[str]:
    """The body's lines: JSON re-indented when it parses (and is not huge), else as sent."""
    if len(body) <= PRETTY_LIMIT and body.lstrip()[:1] in ("{", "["):
        try:
            return json.dumps(json.loads(body), indent=2, ensure_ascii=False).splitlines()
        except (ValueError, RecursionError):
            pass
    return body.splitlines() or [""]
