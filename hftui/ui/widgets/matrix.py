"""The diagnosis: the seed's A–D matrix plus every other case, the matching row marked ▶, then the verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from hftui.core.cases import MATRIX_ROWS, SEEDED_CASES, Case, matrix_key
from hftui.ui.actions import Keys
from hftui.ui.format import Formatter

if TYPE_CHECKING:
    from hftui.core.diagnosis import Diagnosis

OTHER_CASES: tuple[Case, ...] = tuple(case for case in Case if case not in SEEDED_CASES)
HIT_STYLE = "bold reverse"
COLUMN_WIDTH = 45  # other cases go into columns of this width when the pane is wide enough


class Matrix(Static):
    """Rows A–D, then the other cases in as many columns as fit the width. Textual draws it again when
    the mark moves (a reactive: only when it is a different row) or the size changes."""

    marked: reactive[tuple[str | None, Case | None]] = reactive((None, None), layout=True)  # (row key, case)

    def render(self) -> Text:
        key, case = self.marked
        width = max(self.size.width, 20)
        text = Text(no_wrap=True, overflow="ellipsis")  # one row per line, cut rather than wrapped
        for letter, meaning in MATRIX_ROWS:
            hit = letter == key
            line = Text(f"{'▶' if hit else ' '} {letter}  {meaning}", style=HIT_STYLE if hit else "")
            if hit and case is not None:
                line.append(f"  [{case.value}]")
            text.append_text(line)
            text.append("\n")
        columns = max(1, width // COLUMN_WIDTH)
        cell = width // columns
        for start in range(0, len(OTHER_CASES), columns):
            for other in OTHER_CASES[start:start + columns]:
                hit = other.value == key
                label = f"{'▶' if hit else ' '} ·  {other.title}"
                label = label[: cell - 2] + "…" if len(label) >= cell else label
                text.append(f"{label:<{cell}}" if columns > 1 else label, style=HIT_STYLE if hit else "")
            text.append("\n")
        text.rstrip()
        return text


class DiagnosisPane(VerticalScroll, can_focus=True):
    """Matrix on top, the verdict's title, summary, evidence (with request ids) and next steps below.

    In a short pane (a 30-row terminal) the verdict comes first: what to do matters more than
    where it sits in the matrix, which is one scroll away and named in the top bar anyway."""

    SHORT = 20  # rows inside the pane below which the verdict goes first

    def __init__(self, formatter: Formatter, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._formatter = formatter

    def on_resize(self) -> None:
        verdict_first = self.scrollable_content_region.height < self.SHORT
        if verdict_first != self.has_class("-verdict-first"):
            matrix, verdict = self.query_one(Matrix), self.query_one("#verdict", Static)
            if verdict_first:
                self.move_child(verdict, before=matrix)
            else:
                self.move_child(matrix, before=verdict)
            self.set_class(verdict_first, "-verdict-first")

    def compose(self) -> ComposeResult:
        yield Matrix(id="matrix")
        yield Static(id="verdict")

    def on_mount(self) -> None:
        for name in ("diagnosis", "notice", "keys"):
            self.watch(self.app, name, self._redraw, init=name == "diagnosis")

    def _redraw(self) -> None:
        diagnosis: Diagnosis | None = self.app.diagnosis
        if diagnosis is None:
            self.query_one(Matrix).marked = (None, None)
            self.query_one("#verdict", Static).update(Text(self.app.notice, style="italic"))
        else:
            self._show(diagnosis)

    def _show(self, diagnosis: Diagnosis) -> None:
        verdict = diagnosis.verdict
        done = diagnosis.done
        total = len(diagnosis.steps)
        running = done < total
        self.query_one(Matrix).marked = (matrix_key(verdict), verdict.case)
        fmt = self._formatter

        text = Text()
        seed = f"case {verdict.seed_case} · " if verdict.seed_case else ""
        text.append(f"▶ {verdict.title}", style="bold")
        text.append(f"  ({seed}{verdict.case.value})", style="dim")
        if running:
            text.append(f"  … provisional: {done} of {total} steps done", style="yellow")
        text.append("\n")
        text.append(verdict.summary)
        text.append("\n")
        if verdict.evidence:
            text.append("\nEvidence\n", style="bold underline")
            for item in verdict.evidence:
                text.append(f"  {item.step_id}: ", style="bold")
                text.append(item.line)  # its mark drawn from its status
                text.append("\n")
                rid = fmt.request_id(item.request_id)
                if rid:
                    text.append(f"      x-request-id {rid}\n", style="dim")
        if verdict.next_steps:
            text.append("\nNext steps\n", style="bold underline")
            for number, step in enumerate(verdict.next_steps, 1):
                text.append(f"  {number}. {step}\n")
        if verdict.alternatives:
            text.append("\nAlso consistent with: ", style="bold")
            text.append(", ".join(case.title for case in verdict.alternatives))
            text.append("\n")
        failed = [s.step_id for s in diagnosis.steps if s.status.failed]
        if failed and not running:
            keys: Keys = self.app.keys
            text.append(f"\nSelect a failed step and press {keys.key('step.retry')} to retry only it; "
                        f"{keys.key('plan.run')} runs the whole plan.", style="dim")
        text.rstrip()
        self.query_one("#verdict", Static).update(text)
