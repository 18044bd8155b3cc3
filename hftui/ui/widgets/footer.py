"""The key footer: one widget that draws every key on one line.

Textual's `Footer` is a container of one `FooterKey` widget per key (ten here), rebuilt on each
bindings change: ten widgets to mount, style and lay out before the first frame, rebuilt twice a
retry, and the old keys were kept alive (Textualize/textual#6666). Here the keys are text: a
bindings change repaints one line. Clicks and tooltips find their key by column.

What it lists, the labels and the tooltips come from the bindings, which actions.py makes; the
keys are drawn by `App.get_key_display`, the same words the help and the hints use.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


class FooterEntry(NamedTuple):
    key: str
    action: str
    enabled: bool
    tooltip: str
    start: int  # columns of the line [start, end)
    end: int


class KeyFooter(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        &:hover {
            pointer: pointer;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: tuple[FooterEntry, ...] = ()  # what the last render drew, for clicks and tooltips
        self._hovered: FooterEntry | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen:
            self.refresh()

    def render(self) -> Text:
        active = self.screen.active_bindings
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        line = Text(no_wrap=True, overflow="crop", end="")
        entries: list[FooterEntry] = []

        def add(binding, enabled: bool, tooltip: str, *, separator: str = " ") -> None:
            start = line.cell_len
            hovered = self._hovered is not None and self._hovered.key == binding.key
            line.append(separator)
            line.append(self.app.get_key_display(binding), key_style)
            line.append(f" {binding.description}", description_style)
            span_style = ("reverse" if hovered and enabled else "") + ("" if enabled else " dim")
            if span_style.strip():
                line.stylize(span_style.strip(), start + len(separator), line.cell_len)
            entries.append(FooterEntry(binding.key, binding.action, enabled, tooltip or binding.description,
                                       start, line.cell_len))
            line.append(" ")

        actions: set[str] = set()
        palette = None
        for active_binding in active.values():
            _, binding, enabled, tooltip = active_binding
            if binding.action == "command_palette":
                palette = active_binding
            elif binding.show and binding.action not in actions:  # one key per action, the first bound
                actions.add(binding.action)
                add(binding, enabled, tooltip)
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            _, binding, enabled, _ = palette
            label_width = 2 + len(self.app.get_key_display(binding)) + 1 + len(binding.description)
            gap = self.size.width - line.cell_len - label_width
            if gap >= 1:  # at the right edge, when it fits
                line.append(" " * (gap - 1))
                add(binding, enabled, binding.tooltip, separator="▏")
        self.entries = tuple(entries)
        return line

    def entry_at(self, x: int) -> FooterEntry | None:
        return next((entry for entry in self.entries if entry.start <= x < entry.end), None)

    def on_click(self, event: events.Click) -> None:
        entry = self.entry_at(event.x)
        if entry is None:
            return
        event.stop()
        if entry.enabled:
            self.app.simulate_key(entry.key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        entry = self.entry_at(event.x)
        if entry != self._hovered:
            self._hovered = entry
            self.tooltip = entry.tooltip if entry else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hovered is not None:
            self._hovered = None
            self.tooltip = None
            self.refresh()
