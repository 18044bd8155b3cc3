"""The top line: the verdict first (it is what the user came for), then where the probes go."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from hftui.core.diagnosis import Diagnosis


class TopBar(Static):
    """Watches the app's `waiting`, `busy` and `diagnosis`; `where` is the fixed tail (router and hub,
    or the demo's scenario)."""

    def __init__(self, where: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._where = where

    def on_mount(self) -> None:
        for name in ("waiting", "busy", "diagnosis"):
            self.watch(self.app, name, self._redraw, init=False)
        self._redraw()

    def _redraw(self) -> None:
        app = self.app
        waiting: str | None = app.waiting
        diagnosis: Diagnosis | None = app.diagnosis
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" hftui ", style="bold reverse")
        if waiting is not None:
            text.append(f" … {waiting} ", style="bold yellow")
        elif diagnosis is not None:
            verdict = diagnosis.verdict
            key = f"case {verdict.seed_case}" if verdict.seed_case else verdict.case.value
            if app.busy:
                text.append(f" … running {diagnosis.done}/{len(diagnosis.steps)} ", style="bold yellow")
                text.append(f" so far ▶ {key}", style="dim")
            else:
                text.append(f" ▶ {key}: {verdict.title} ", style="bold")
        text.append(f" · {self._where}", style="dim")
        self.update(text)
