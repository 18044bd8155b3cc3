"""The diagnosis: the verdict first (its title, why, what to do, the evidence), then the cases matrix.

What the user came for is at the top of the pane at every size, down to 80x24: the title, the
summary and the next steps come before the evidence, and the matrix is below them, compact: one line
per seed row (A–D), the matching case if it is another one, and the other cases folded into one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from hftui.core.cases import MATRIX_ROWS, SEEDED_CASES, Case, matrix_key
from hftui.ui.actions import Keys
from hftui.ui.format import Formatter, one_line

if TYPE_CHECKING:
    from hftui.core.diagnosis import Diagnosis

OTHER_CASES: tuple[Case, ...] = tuple(case for case in Case if case not in SEEDED_CASES)
HIT_STYLE = "bold reverse"


class Matrix(Static):
    """Rows A–D, the matching other case (if any), and the other cases on one line. Textual draws it
    again when the mark moves (a reactive: only when it is a different row)."""

    marked: reactive[tuple[str | None, Case | None]] = reactive((None, None), layout=True)  # (row key, case)

    def render(self) -> Text:
        key, case = self.marked
        text = Text(no_wrap=True, overflow="ellipsis")  # one row per line, cut rather than wrapped
        text.append("Cases\n", style="bold underline")
        for letter, meaning in MATRIX_ROWS:
            hit = letter == key
            line = Text(f"{'▶' if hit else ' '} {letter}  {meaning}", style=HIT_STYLE if hit else "")
            if hit and case is not None:
                line.append(f"  [{case.value}]")
            text.append_text(line)
            text.append("\n")
        others = list(OTHER_CASES)
        hit_other = next((other for other in others if other.value == key), None)
        if hit_other is not None:
            text.append(f"▶ ·  {hit_other.title}  [{hit_other.value}]", style=HIT_STYLE)
            text.append("\n")
            others.remove(hit_other)
        text.append(f"  ·  {len(others)} other cases: ", style="dim")
        text.append(", ".join(other.value for other in others), style="dim")
        return text


class DiagnosisPane(VerticalScroll, can_focus=True):
    """The verdict, then the matrix. Everything is drawn from the app's `diagnosis` (and `notice` when
    there is none yet, `keys` for the hints that name a key)."""

    def __init__(self, formatter: Formatter, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._formatter = formatter
        self._fitted_to = (0, 0)

    def on_resize(self) -> None:
        region = self.scrollable_content_region
        if (region.width, region.height) != self._fitted_to:
            self._redraw()

    def compose(self) -> ComposeResult:
        yield Static(id="verdict")
        yield Matrix(id="matrix")

    def on_mount(self) -> None:
        for name in ("diagnosis", "notice", "keys"):
            self.watch(self.app, name, self._redraw, init=name == "diagnosis")

    def _redraw(self) -> None:
        diagnosis: Diagnosis | None = self.app.diagnosis
        if diagnosis is None:
            self.query_one(Matrix).marked = (None, None)
            self.query_one("#verdict", Static).update(Text(self.app.notice, style="italic"))
        else:
            region = self.scrollable_content_region
            self._fitted_to = (region.width, region.height)
            self.query_one(Matrix).marked = (matrix_key(diagnosis.verdict), diagnosis.verdict.case)
            fit = (self.app.console, region.width, region.height) if region.width and region.height else None
            self.query_one("#verdict", Static).update(verdict_view(diagnosis, self.app.keys, self._formatter, fit))


def verdict_view(diagnosis: Diagnosis, keys: Keys, fmt: Formatter,
                 fit: tuple[Console, int, int] | None = None) -> RenderableType:
    """Title, summary, next steps (the app's form of each: panes and keys), evidence, alternatives.
    Numbered items and evidence hang under their first line at any width (a grid, not hard wraps).

    `fit` (console, width, height of the pane): the title, the summary's start and the whole first next
    step must be on the pane's first screen; a summary too long for that is cut there and given in
    full under "Why", after the next steps."""
    verdict = diagnosis.verdict
    done, total = diagnosis.done, len(diagnosis.steps)
    running = done < total
    head = Text()
    head.append(f"▶ {verdict.title}", style="bold")
    head.append(f"  (case {verdict.seed_case})" if verdict.seed_case else f"  ({verdict.case.value})", style="dim")
    if running:
        head.append(f"  … provisional: {done} of {total} steps done", style="yellow")
    summary = Text(one_line(verdict.summary, limit=2000))
    hints = [Text(one_line(keys.fill(getattr(step, "app", step)), limit=2000)) for step in verdict.next_steps]
    shown, cut = _fitted(head, summary, hints[:1], fit)
    parts: list[RenderableType] = [head, shown]
    if hints:
        parts.append(Text("Next steps", style="bold underline"))
        steps = _grid()
        for number, hint in enumerate(hints, 1):
            steps.add_row(f"{number}.", hint)
        parts.append(steps)
    if cut:
        parts += [Text("\nWhy", style="bold underline"), summary]
    if verdict.evidence:
        parts.append(Text("\nEvidence", style="bold underline"))
        evidence = _grid()
        for item in verdict.evidence:
            fact = Text(one_line(item.line, limit=2000))
            rid = fmt.request_id(item.request_id, item.step_id)
            if rid:
                fact.append(f"\nx-request-id {rid}", style="dim")
            evidence.add_row(Text(f"{item.step_id}:", style="bold"), fact)
        parts.append(evidence)
    if verdict.alternatives:
        also = Text("\nAlso consistent with: ", style="bold")
        also.append(", ".join(case.title for case in verdict.alternatives))
        parts.append(also)
    if any(step.status.failed for step in diagnosis.steps) and not running:
        parts.append(Text(f"\nSelect a failed step and press {keys.key('step.retry')} to retry only it; "
                          f"{keys.key('plan.run')} runs the whole plan; {keys.key('steps.open')} opens a "
                          f"step's request and response.", style="dim"))
    parts.append(Text(""))
    return Group(*parts)


def _fitted(head: Text, summary: Text, first: list[Text], fit: tuple[Console, int, int] | None) -> tuple[Text, bool]:
    """(the summary as the top of the pane shows it, whether it was cut to leave room for the first step)."""
    if fit is None:
        return summary, False
    console, width, height = fit
    rows = len(head.wrap(console, width)) + sum(1 + len(hint.wrap(console, max(width - 3, 1))) for hint in first)
    lines = summary.wrap(console, width)
    room = max(height - rows, 1)
    if len(lines) <= room:
        return summary, False
    kept = Text("\n").join(lines[:room])
    kept.rstrip()
    last_space = kept.plain.rfind(" ", kept.plain.rfind("\n") + 1, max(len(kept.plain) - 1, 0))
    kept.truncate(last_space if last_space > 0 else max(kept.cell_len - 2, 0))  # a whole word, or a cut one
    kept.append(" …", style="dim")
    return kept, True


def _grid() -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    return grid
