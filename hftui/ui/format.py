"""Plain data → `rich.text.Text` for the widgets: one place that decides how things read on screen.

Everything a server said is put into `Text` as plain characters (`Text(str)` / `Text.append`), never
parsed as markup, so a hostile body like "[red]..." shows literally. Every status has a text mark
beside its colour (✓ ✗ … – ·) so the screen reads the same under NO_COLOR and 256 colours.

`Formatter(frozen=True)` is the deterministic mode for snapshots and screenshots: timings are
bucketed, request ids and dates are hidden, so two runs of the same scenario render identically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from hftui.core.printable import printable
from hftui.core.status import MARKS, StepStatus

if TYPE_CHECKING:
    from hftui.core.plan import StepResult
    from hftui.core.probes import Exchange

STATUS_STYLE = {
    StepStatus.OK: "bold green",
    StepStatus.FAILED: "bold red",
    StepStatus.ERROR: "bold red",
    StepStatus.SKIPPED: "dim",
    StepStatus.RUNNING: "bold yellow",
    StepStatus.PENDING: "dim",
}
FROZEN_ID = "Root=1-‹frozen›"
_LOOPBACK_PORT = re.compile(r"(//(?:127\.0\.0\.1|localhost|\[::1\])):\d+")
_VOLATILE_HEADERS = {"x-request-id", "date", "x-amz-cf-id", "cf-ray", "age", "expires", "last-modified", "set-cookie"}
BODY_LINES = 60  # lines of a body shown in the tree; the rest is one "… N more lines" leaf
LINE_CHARS = 400
PREFIX_WIDTH = 13  # "✓ 200 312 ms " — marks line up in one column


@dataclass(frozen=True)
class Formatter:
    frozen: bool = False

    # -- volatile values ---------------------------------------------------------------------

    def elapsed(self, ms: float | None) -> str:
        if ms is None:
            return ""
        if self.frozen:  # the simulator answers in milliseconds, but never the same ones
            return "‹ms›"
        return f"{ms:.0f} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"

    def request_id(self, rid: str | None) -> str | None:
        if rid is None:
            return None
        return FROZEN_ID if self.frozen else rid

    def header_value(self, name: str, value: str) -> str:
        if self.frozen and name.lower() in _VOLATILE_HEADERS:
            return "‹frozen›"
        return value

    def url(self, url: str) -> str:
        """The simulator listens on a random port; frozen, every loopback port reads the same."""
        return _LOOPBACK_PORT.sub(r"\1:‹port›", url) if self.frozen else url

    # -- steps -------------------------------------------------------------------------------

    def step_label(self, result: StepResult) -> Text:
        """One line: mark and status first (a scannable column), then the step, then what it said."""
        status = result.status
        style = STATUS_STYLE[status]
        text = Text(no_wrap=True, overflow="ellipsis")
        if status is StepStatus.RUNNING:
            prefix = f"{MARKS[status]} running"
        elif status is StepStatus.PENDING:
            prefix = f"{MARKS[status]} waiting"
        elif status is StepStatus.SKIPPED:
            prefix = f"{MARKS[status]} skipped"
        else:
            exchange = result.exchange
            code = str(result.http_status) if result.http_status else "err"
            elapsed = self.elapsed(exchange.elapsed_ms if exchange else None)
            prefix = f"{MARKS[status]} {code} {elapsed:>6}"
        text.append(f"{prefix:<{PREFIX_WIDTH}}", style=style)
        text.append(result.title)
        if result.run_count > 1:
            text.append(f" (run {result.run_count})", style="dim")
        detail = None
        if status is StepStatus.SKIPPED:
            detail = result.skip_reason
        elif status.failed:
            detail = result.message
        elif status is StepStatus.OK and result.note:
            detail = result.note
        if detail:
            text.append(" — ", style="dim")
            text.append(one_line(detail), style="red" if status.failed else "dim")
        return text

    def exchange_lines(self, exchange: Exchange) -> tuple[list[Text], list[Text]]:
        """(request lines, response lines), each already redacted by the core; shown verbatim."""
        req = exchange.request
        request = [Text(f"{req.method} {self.url(req.url)}")]
        request += [_header(name, value) for name, value in req.headers]
        if req.body is not None:
            request += [Text("body:", style="bold")] + body_lines(req.body)
        response: list[Text] = []
        if exchange.error is not None:
            response.append(Text(f"no HTTP answer: {exchange.error}", style="red"))
            return request, response
        res = exchange.response
        assert res is not None
        rid = self.request_id(exchange.request_id)
        response.append(Text(f"{res.http_version} {res.status} {res.reason}".strip()))
        if rid:
            response.append(_header("x-request-id", rid, style="bold"))
        response += [_header(name, self.header_value(name, value)) for name, value in res.headers]
        size = f"{res.body_bytes} bytes" + (", truncated" if res.truncated else "")
        response.append(Text(f"body ({size}):", style="bold"))
        response += body_lines(res.body) if res.body else [Text("(empty)", style="dim")]
        return request, response

    def response_summary(self, exchange: Exchange) -> Text:
        if exchange.error is not None:
            return Text(f"response: none ({exchange.error.kind.meaning})", style="red")
        res = exchange.response
        assert res is not None
        text = Text(f"response {res.status} {res.reason}".rstrip())
        rid = self.request_id(exchange.request_id)
        if rid:
            text.append(f"  x-request-id {rid}", style="dim")
        return text


def _header(name: str, value: str, style: str = "") -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{name}: ", style="bold" if not style else style)
    text.append(one_line(value))
    return text


def one_line(value: str, limit: int = LINE_CHARS) -> str:
    """Control characters made visible (so a newline in a value cannot forge another line), cut at `limit`."""
    flat = printable(value.replace("\t", " "))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def body_lines(body: str) -> list[Text]:
    """A body as leaves: pretty JSON when it parses, else its lines; capped."""
    import json

    try:
        pretty = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        pretty = body
    lines = pretty.splitlines() or [""]
    shown = [Text(one_line(line), no_wrap=True, overflow="ellipsis") for line in lines[:BODY_LINES]]
    if len(lines) > BODY_LINES:
        shown.append(Text(f"… {len(lines) - BODY_LINES} more lines (copy as curl to see all)", style="dim"))
    return shown


def price(value: float | None) -> str:
    return "   ?" if value is None else f"${value:.2f}"


def context(value: int | None) -> str:
    if value is None:
        return "?"
    return f"{value // 1000}k" if value >= 1000 else str(value)
