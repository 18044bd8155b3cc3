"""Plain data → `rich.text.Text` for the widgets: one place that decides how things read on screen.

Everything a server said is put into `Text` as plain characters (`Text(str)` / `Text.append`), never
parsed as markup, so a hostile body like "[red]..." shows literally. Every status has a text mark
beside its colour (✓ ✗ … – ·) so the screen reads the same under NO_COLOR and 256 colours.

`Formatter(frozen=True)` is the deterministic mode for snapshots and screenshots: timings, request
ids, dates and loopback ports are fixed values that look like real ones (derived from the step they
belong to), so two runs of the same scenario render identically and a screenshot reads like a real run.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from hftui.core.printable import printable
from hftui.core.status import MARKS, StepStatus
from hftui.core.timing import WIDTH, seconds_left, short_duration

if TYPE_CHECKING:
    from datetime import datetime

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
_LOOPBACK_PORT = re.compile(r"(//(?:127\.0\.0\.1|localhost|\[::1\])):\d+")
FROZEN_PORT = 8000  # what `hftui sim` listens on by default
FROZEN_DATE = "Tue, 03 Mar 2026 10:15:02 GMT"
FROZEN_HEADERS = {"date": FROZEN_DATE, "age": "0", "expires": FROZEN_DATE, "last-modified": FROZEN_DATE,
                  "x-amz-cf-id": "k3Vq0mXbZ1sA8pTn4yR7cW2eHdJ6uLfGi9oQ5vBx0NaMzKtYwE1rSg==",
                  "cf-ray": "9a7f3c2e1b4d5a6f-IAD"}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
BODY_LINES = 60  # lines of a body shown in the tree; the rest is in the evidence viewer
LINE_CHARS = 400
STEP_ID_WIDTH = 13  # "as-configured": the ids line up in a column after the status
PREFIX_WIDTH = 2 + 4 + WIDTH + 1  # "✓ 200 312 ms ", "✗ 401 1.7 s  ", "… run  12 s  "


@dataclass(frozen=True)
class Formatter:
    """`frozen`: values that differ from run to run (timings, request ids, dates, ports) are replaced by
    fixed ones that read like real ones, derived from what they belong to (`key`: the step, the org)."""

    frozen: bool = False

    # -- volatile values ---------------------------------------------------------------------

    def elapsed(self, ms: float | None, key: str = "") -> str:
        if ms is None:
            return ""
        if self.frozen:  # the simulator answers in milliseconds, but never the same ones
            ms = 60 + _stable(key) % 1500
        return short_duration(ms)

    def running(self, seconds: float, timeout: float | None) -> tuple[str, str | None]:
        """(how long a running step has been waiting, how long it may still wait) as the row says them:
        whole seconds, so the line changes once a second."""
        return f"{int(seconds)} s", (seconds_left(seconds, timeout) if timeout else None)

    def request_id(self, rid: str | None, key: str = "") -> str | None:
        if rid is None:
            return None
        if not self.frozen:
            return rid
        digest = f"{_stable(key):08x}{_stable(key + '/'):08x}{_stable('/' + key):08x}{_stable(key * 2):08x}"
        if _UUID.fullmatch(rid):  # the router's ids since 2026 are UUIDs; the Hub's are still Root=1-…
            return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"
        return f"Root=1-69a6b4c6-{digest[:24]}"

    def header_value(self, name: str, value: str, key: str = "") -> str:
        if not self.frozen:
            return value
        lowered = name.lower()
        if lowered == "x-request-id":
            return self.request_id(value, key) or value
        return FROZEN_HEADERS.get(lowered, value)

    def url(self, url: str) -> str:
        """The simulator listens on a random port; frozen, every loopback port reads as the default one."""
        return _LOOPBACK_PORT.sub(rf"\1:{FROZEN_PORT}", url) if self.frozen else url

    def started(self, when: datetime) -> str:
        return "2026-03-03 10:15:02 UTC" if self.frozen else f"{when:%Y-%m-%d %H:%M:%S} UTC"

    # -- steps -------------------------------------------------------------------------------

    def step_label(self, result: StepResult, running_for: float | None = None, timeout: float | None = None) -> Text:
        """One line: mark and status first (a scannable column), the step's id, then what it said.
        A running step says how long it has waited and how long it may still wait (`running_for`)."""
        status = result.status
        style = STATUS_STYLE[status]
        text = Text(no_wrap=True, overflow="ellipsis")
        left = None
        if status is StepStatus.RUNNING:
            waited, left = self.running(running_for or 0.0, timeout)
            prefix = f"{MARKS[status]} run {waited:>{WIDTH}}"
        elif status is StepStatus.PENDING:
            prefix = f"{MARKS[status]} waiting"
        elif status is StepStatus.SKIPPED:
            prefix = f"{MARKS[status]} skipped"
        else:
            exchange = result.exchange
            code = str(result.http_status) if result.http_status else "err"
            elapsed = self.elapsed(exchange.elapsed_ms if exchange else None, result.step_id)
            prefix = f"{MARKS[status]} {code:<3} {elapsed:>{WIDTH}}"
        text.append(f"{prefix:<{PREFIX_WIDTH}}", style=style)
        text.append(f"{result.step_id:<{STEP_ID_WIDTH}} ", style="bold")
        if left:
            text.append(f"{left} · ", style="yellow")
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

    def exchange_lines(self, exchange: Exchange, key: str = "", more: str = "") -> tuple[list[Text], list[Text]]:
        """(request lines, response lines), each already redacted by the core; shown verbatim. `more`: what
        the line after a long body's first BODY_LINES says (where to read the rest)."""
        req = exchange.request
        request = [Text(f"{req.method} {self.url(req.url)}")]
        request += [_header(name, value) for name, value in req.headers]
        if req.body is not None:
            request += [Text("body:", style="bold")] + body_lines(req.body, more)
        response: list[Text] = []
        if exchange.error is not None:
            response.append(Text(f"no HTTP answer: {one_line(str(exchange.error))}", style="red"))
            return request, response
        res = exchange.response
        assert res is not None
        rid = self.request_id(exchange.request_id, key)
        response.append(Text(f"{res.http_version} {res.status} {res.reason}".strip()))
        if rid:
            response.append(_header("x-request-id", rid, style="bold"))
        response += [_header(name, self.header_value(name, value, key)) for name, value in res.headers
                     if name.lower() != "x-request-id"]  # said once, above
        size = f"{res.body_bytes:,} bytes" + (f"; {res.note}" if res.note else "")
        response.append(Text(f"body ({size}):", style="bold"))
        response += body_lines(res.body, more) if res.body else [Text("(empty)", style="dim")]
        return request, response

    def response_summary(self, exchange: Exchange, key: str = "") -> Text:
        if exchange.error is not None:
            return Text(f"response: none ({exchange.error.kind.meaning})", style="red")
        res = exchange.response
        assert res is not None
        text = Text(f"response {res.status} {res.reason}".rstrip())
        rid = self.request_id(exchange.request_id, key)
        if rid:
            text.append(f"  x-request-id {rid}", style="dim")
        return text


def _stable(key: str) -> int:
    """A number that depends only on `key`: the same fake timing or id on every run."""
    return zlib.crc32(key.encode("utf-8"))


def _header(name: str, value: str, style: str = "") -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{name}: ", style="bold" if not style else style)
    text.append(one_line(value))
    return text


def one_line(value: str, limit: int = LINE_CHARS) -> str:
    """Control characters made visible (so a newline in a value cannot forge another line), cut at `limit`."""
    flat = printable(value.replace("\t", " "))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def body_lines(body: str, more: str = "") -> list[Text]:
    """A body as leaves: pretty JSON when it parses, else its lines; capped at BODY_LINES."""
    import json

    try:
        pretty = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        pretty = body
    lines = pretty.splitlines() or [""]
    shown = [Text(one_line(line), no_wrap=True, overflow="ellipsis") for line in lines[:BODY_LINES]]
    if len(lines) > BODY_LINES:
        shown.append(Text(f"… {len(lines) - BODY_LINES:,} more lines{': ' + more if more else ''}", style="dim"))
    return shown


def price(value: float | None) -> str:
    return "   ?" if value is None else f"${value:.2f}"


def context(value: int | None) -> str:
    if value is None:
        return "?"
    return f"{value // 1000}k" if value >= 1000 else str(value)
