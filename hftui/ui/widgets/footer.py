"""The key footer: one widget that draws every key on one line.

Textual's `Footer` is a container of one `FooterKey` widget per key (ten here), rebuilt on each
bindings change: ten widgets to mount, style and lay out before the first frame, rebuilt twice a
retry, and the old keys were kept alive (Textualize/textual#6666). Here the keys are text: a
bindings change repaints one line. Clicks and tooltips find their key by column.

What it lists, the labels and the tooltips come from the bindings, which actions.py makes; the
keys are drawn by `App.get_key_display`, the same words the help and the hints use. When the line is
too short for every key, the way out, help and the palette stay (ESSENTIAL) and the rest that fits
whole is shown in the table's order.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


# Always in the footer, first of each group that is bound and on: how to leave (q, or ^q in a text field;
# the viewer's esc), help (?, or F1 in a field), the command palette.
ESSENTIAL = (("close", "dismiss", "quit", "quit_anywhere"), ("help", "help_anywhere"), ("command_palette",))


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
        """The keys that apply, one per action. How to leave, help and the palette come first: they are
        drawn at the right edge and the others fill what is left, whole or not at all, so a narrow
        terminal loses the least needed keys, never the way out."""
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        essentials, others = self._choose()
        width = self.size.width or 80

        def label_width(binding) -> int:
            return 1 + len(self.app.get_key_display(binding)) + 1 + len(binding.description) + 1

        tail = sum(label_width(binding) for binding, _, _ in essentials) + 1
        shown, used = [], 0
        for item in others:
            if used + label_width(item[0]) + tail <= width:
                shown.append(item)
                used += label_width(item[0])
        line = Text(no_wrap=True, overflow="crop", end="")
        entries: list[FooterEntry] = []

        def add(binding, enabled: bool, tooltip: str, separator: str = " ") -> None:
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

        for binding, enabled, tooltip in shown:
            add(binding, enabled, tooltip)
        gap = width - line.cell_len - tail + 1
        line.append(" " * max(gap - 1, 0))
        for number, (binding, enabled, tooltip) in enumerate(essentials):
            add(binding, enabled, tooltip, separator="▏" if number == 0 else " ")
        self.entries = tuple(entries)
        return line

    def _choose(self) -> tuple[list, list]:
        """(the essential keys: leave, help, palette; the others shown), each (binding, enabled, tooltip)."""
        by_action: dict[str, tuple] = {}
        for _, binding, enabled, tooltip in self.screen.active_bindings.values():
            by_action.setdefault(binding.action, (binding, enabled, tooltip or binding.tooltip))
        essentials = []
        for group in ESSENTIAL:
            chosen = next((by_action[action] for action in group if action in by_action), None)
            if chosen is not None and (chosen[0].action != "command_palette" or self.app.ENABLE_COMMAND_PALETTE):
                essentials.append(chosen)
        taken = {item[0].action for item in essentials}
        others = [item for action, item in by_action.items() if item[0].show and action not in taken
                  and not any(action in group for group in ESSENTIAL)]
        return essentials, others

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
