"""A pager for long text: lines wrapped to the width, drawn only where they are on screen, searchable.

Made for the evidence viewer, whose bodies can be megabytes: each line is kept as a plain string
with one style, and only the rows in view become `Text` (the Line API), so a 5 MB body costs one
pass to find where its rows break, not a widget or a `Text` per line. Lines are cut at the width
(by cells, as `less` does), never re-flowed word by word.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple

from rich.cells import cell_len, chop_cells
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

MATCH_STYLE = "underline"
CURRENT_MATCH_STYLE = "bold reverse"
MAX_MATCHES = 10_000


class Line(NamedTuple):
    text: str  # inert already: no control characters (printable)
    style: str = ""


class Match(NamedTuple):
    line: int
    start: int
    end: int


class Pager(ScrollView, can_focus=True):
    def __init__(self, lines: list[Line], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines = lines
        self._rows: list[tuple[int, int, int]] = []  # (line, start, end) of each row on screen
        self._first_row: list[int] = []  # the row each line starts on
        self._wrapped_at = -1
        self.matches: list[Match] = []
        self.current: int | None = None  # index into matches
        self._by_line: dict[int, list[Match]] = {}

    # -- layout ------------------------------------------------------------------------------

    def _wrap(self, width: int) -> None:
        if width == self._wrapped_at or width <= 0:
            return
        rows: list[tuple[int, int, int]] = []
        first: list[int] = []
        for index, (text, _) in enumerate(self.lines):
            first.append(len(rows))
            if not text:
                rows.append((index, 0, 0))
            elif text.isascii():
                rows.extend((index, start, min(start + width, len(text))) for start in range(0, len(text), width))
            else:
                start = 0
                for piece in chop_cells(text, width):
                    rows.append((index, start, start + len(piece)))
                    start += len(piece)
        self._rows, self._first_row, self._wrapped_at = rows, first, width
        self.virtual_size = Size(width, len(rows))

    def on_resize(self) -> None:
        self._wrap(self.scrollable_content_region.width)

    def on_mount(self) -> None:
        self._wrap(self.scrollable_content_region.width)

    def row_of(self, line: int, column: int = 0) -> int:
        """The row on which a line's `column` is drawn."""
        self._wrap(self.scrollable_content_region.width)
        row = self._first_row[line]
        while row + 1 < len(self._rows) and self._rows[row + 1][0] == line and self._rows[row + 1][1] <= column:
            row += 1
        return row

    def line_at(self, row: int) -> int:
        """The line drawn on `row` (the first row on screen: `line_at(scroll_offset.y)`)."""
        if not self._rows:
            return 0
        return self._rows[min(max(row, 0), len(self._rows) - 1)][0]

    def show_line(self, line: int, column: int = 0) -> None:
        """Scroll so the row holding `column` of `line` is in view, a third of the way down."""
        row = self.row_of(line, column)
        self.scroll_to(y=max(row - self.scrollable_content_region.height // 3, 0), animate=False)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        self._wrap(width)
        row = self.scroll_offset.y + y
        base = self.rich_style
        if row >= len(self._rows):
            return Strip.blank(width, base)
        index, start, end = self._rows[row]
        text, style = self.lines[index]
        line = Text(text[start:end], style=style, end="", no_wrap=True)
        for match in self._by_line.get(index, ()):
            if match.end > start and match.start < end:
                current = self.current is not None and self.matches[self.current] == match
                line.stylize(CURRENT_MATCH_STYLE if current else MATCH_STYLE,
                             max(match.start, start) - start, min(match.end, end) - start)
        segments = list(line.render(self.app.console))
        strip = Strip(segments, cell_len(line.plain)).extend_cell_length(width, base)
        return strip.apply_style(base) if base != Style() else strip

    # -- search ------------------------------------------------------------------------------

    def search(self, query: str) -> int:
        """Every place `query` occurs (ignoring case), up to MAX_MATCHES; the first at or after the top
        of the view becomes current and is scrolled to. Returns how many were found."""
        self.matches, self._by_line, self.current = [], {}, None
        needle = query.lower()
        if not needle:
            self.refresh()
            return 0
        for index, (text, _) in enumerate(self.lines):
            haystack, probe = text.lower(), needle
            if len(haystack) != len(text):  # lower() changed the length (İ): search the text as it is
                haystack, probe = text, query
            found = haystack.find(probe)
            while found >= 0 and len(self.matches) < MAX_MATCHES:
                match = Match(index, found, found + len(probe))
                self.matches.append(match)
                self._by_line.setdefault(index, []).append(match)
                found = haystack.find(probe, found + max(len(probe), 1))
            if len(self.matches) >= MAX_MATCHES:
                break
        if self.matches:
            top = self.line_at(self.scroll_offset.y)
            starts = [match.line for match in self.matches]
            self.current = min(bisect_right(starts, top - 1), len(self.matches) - 1)
            self._show_current()
        self.refresh()
        return len(self.matches)

    def next_match(self, step: int = 1) -> Match | None:
        """Move to the next (or, with step -1, the previous) match, around the end; None without any."""
        if not self.matches:
            return None
        self.current = 0 if self.current is None else (self.current + step) % len(self.matches)
        self._show_current()
        self.refresh()
        return self.matches[self.current]

    def _show_current(self) -> None:
        match = self.matches[self.current]
        self.show_line(match.line, match.start)

