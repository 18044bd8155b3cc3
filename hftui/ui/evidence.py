"""The evidence viewer: one step's request and response in full, on a screen of their own.

Enter on a step (or on its request, its response, a bill-to attempt) opens it there; it scrolls like
`less` (j/k, space, g/G), `/` searches (n and N move between matches), `c` copies the request as curl
and `b` the response body, esc or q goes back. Every key is the action table's (Scope.EVIDENCE).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from hftui.ui.actions import DEFAULT_KEYS, Keys, Scope
from hftui.ui.evidence_text import Document, step_document
from hftui.ui.format import Formatter
from hftui.ui.widgets.footer import KeyFooter
from hftui.ui.widgets.pager import Pager

if TYPE_CHECKING:
    from hftui.core.hub import Account
    from hftui.core.plan import StepResult


class EvidenceScreen(ModalScreen[None]):
    BINDINGS = DEFAULT_KEYS.bindings(Scope.EVIDENCE)

    def __init__(self, result: StepResult, purpose: str, formatter: Formatter, *, keys: Keys = DEFAULT_KEYS,
                 timeout: float | None = None, part: str | None = None, org: str | None = None,
                 account: Account | None = None) -> None:
        """`part` ("request", "response" or "attempt") and `org`: where to open it (default: the top).
        `account`: whoami's answer, which says what each bill-to attempt means."""
        super().__init__()
        self.result = result
        self.document: Document = step_document(result, purpose, formatter, timeout, account)
        self._keys = keys
        self._start = self.document.anchors.get((part, org)) if part else None
        self._found: str = ""

    def compose(self) -> ComposeResult:
        yield Static(id="evidence-title")
        yield Pager(self.document.lines, id="evidence-pager")
        yield Input(id="evidence-search", placeholder="search the request and the response; enter finds")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = False
        self._show_title()
        pager = self.query_one(Pager)
        pager.focus()
        if self._start:
            self.call_after_refresh(pager.show_line, self._start)

    def _show_title(self) -> None:
        result = self.result
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(" Evidence ", style="bold reverse")
        if self._found:  # first: the title is cut at the right edge of a narrow terminal
            title.append(f" {self._found} ·", style="bold")
        title.append(f" {result.step_id} · {result.title}")
        self.query_one("#evidence-title", Static).update(title)

    # -- actions (the table's Scope.EVIDENCE) ------------------------------------------------

    def action_close(self) -> None:
        """Back to the main screen; from the search field, back to the text (what was found stays)."""
        if isinstance(self.focused, Input):
            self.query_one(Pager).focus()
            return
        self.dismiss(None)

    def action_search(self) -> None:
        field = self.query_one(Input)
        field.value = ""  # a new search, as in less
        field.add_class("-open")
        field.focus()

    @on(Input.Submitted, "#evidence-search")
    def _searched(self, event: Input.Submitted) -> None:
        event.stop()
        pager = self.query_one(Pager)
        count = pager.search(event.value)
        self._found = self._where(pager) if count else (f"no match for {event.value!r}" if event.value else "")
        self._show_title()
        pager.focus()

    def action_next_match(self) -> None:
        self._move(1)

    def action_previous_match(self) -> None:
        self._move(-1)

    def _move(self, step: int) -> None:
        pager = self.query_one(Pager)
        if pager.next_match(step) is None:
            self.notify(f"Nothing searched yet: {self._keys.key('evidence.search')} searches.", timeout=4)
            return
        self._found = self._where(pager)
        self._show_title()

    @staticmethod
    def _where(pager: Pager) -> str:
        more = "+" if len(pager.matches) >= 10_000 else ""
        return f"match {pager.current + 1} of {len(pager.matches)}{more}"

    def _section(self):
        pager = self.query_one(Pager)
        return self.document.section_at(pager.line_at(pager.scroll_offset.y))

    def action_copy_curl(self) -> None:
        section = self._section()
        if section is None:
            self.notify("This step sent no request.", severity="warning")
            return
        from hftui.core.curl import to_curl

        command = to_curl(section.exchange.request)
        self.app.copy_to_clipboard(command)
        first = command.splitlines()[0]
        self.notify(f"{first} … ({len(command.splitlines())} lines)", title="Copied the request as curl",
                    markup=False, timeout=6)

    def action_copy_body(self) -> None:
        section = self._section()
        response = section.exchange.response if section else None
        if response is None or not response.body:
            self.notify("There is no response body to copy.", severity="warning")
            return
        self.app.copy_to_clipboard(response.body)
        cut = f" (cut at {len(response.body.encode()):,} of {response.body_bytes:,})" if response.truncated else ""
        self.notify(f"{len(response.body.encode()):,} bytes{cut}", title="Copied the response body", timeout=6)

    def action_scroll_down(self) -> None:
        self.query_one(Pager).scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.query_one(Pager).scroll_up(animate=False)

    def action_page_down(self) -> None:
        self.query_one(Pager).scroll_page_down(animate=False)

    def action_scroll_home(self) -> None:
        self.query_one(Pager).scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.query_one(Pager).scroll_end(animate=False)
