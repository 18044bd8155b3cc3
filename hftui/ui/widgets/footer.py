"""The key footer: Textual's, but it changes the keys it has instead of rebuilding them all.

Textual's `Footer` rebuilds every key on each bindings refresh, and a retry makes two (the plan
goes busy and `r` dims; it goes idle and `r` is back). The rebuilt keys were never freed:
`Footer.compose` binds each key with `data_bind(compact=Footer.compact)`, which keeps (key, setter)
in the *footer's* watcher list, pruned only when `compact` changes, i.e. never
(Textualize/textual#6666); and each new key's styles cache stays in a class-wide `lru_cache` of
Textual's renderer. Here the footer re-composes only when the keys themselves change (a text field
took the focus), without data binding; otherwise it dims or un-dims the keys it has.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

_WATCHERS = "__watchers"  # where textual.reactive._watch keeps (watcher, callback) pairs, by attribute


class KeyFooter(Footer):
    """A Footer that re-composes only when the set of keys changes, and binds no data to its keys."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._layout: tuple | None = None  # what the keys on screen were composed from

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._layout = self._current_layout()
        active = self.screen.active_bindings
        shown = [(binding, enabled, tooltip) for _, binding, enabled, tooltip in active.values() if binding.show]
        if any(binding.group is not None for binding, _, _ in shown):
            yield from super().compose()  # grouped keys: Textual's layout (none of hftui's bindings has a group)
            return
        actions: set[str] = set()
        for binding, enabled, tooltip in shown:
            if binding.action not in actions:  # one key per action, the first bound, as Footer does
                actions.add(binding.action)
                yield self._key(binding, enabled, tooltip)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = active.get(self.app.COMMAND_PALETTE_BINDING)
            if palette is not None:
                binding = palette.binding
                yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                                classes="-command-palette", disabled=not palette.enabled,
                                tooltip=binding.tooltip or binding.description)

    def _key(self, binding: Any, enabled: bool, tooltip: str) -> FooterKey:
        key = FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                        disabled=not enabled, tooltip=tooltip)
        key.set_reactive(FooterKey.compact, self.compact)  # set once: no data_bind, so no watcher on the footer
        return key

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._show_bindings)

    async def _show_bindings(self) -> None:
        if not self.is_attached:
            return
        if self._layout is not None and self._current_layout() == self._layout:
            active = self.screen.active_bindings
            for key in self.query(FooterKey):
                binding = active.get(key.key)
                disabled = binding is None or not binding.enabled
                if disabled != key._disabled:  # FooterKey reads it on click: a bell instead of the key
                    key._disabled = disabled
                    key.set_class(disabled, "-disabled")
            return
        await self.recompose()
        drop_dead_watchers(self)  # only Textual's own compose (grouped keys) binds data to the keys

    def _current_layout(self) -> tuple:
        """Everything the keys are built from, except whether each one is enabled."""
        active = self.screen.active_bindings
        shown = tuple((binding, tooltip) for _, binding, _, tooltip in active.values() if binding.show)
        palette = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            palette = found.binding if found else None
        return shown, palette, self.compact


def drop_dead_watchers(node: object) -> int:
    """Remove the watchers on `node` whose widget has left the DOM; the number removed."""
    dropped = 0
    for watchers in getattr(node, _WATCHERS, {}).values():
        alive = [(watcher, callback) for watcher, callback in watchers
                 if not (getattr(watcher, "_closing", False) or getattr(watcher, "_closed", False))]
        dropped += len(watchers) - len(alive)
        watchers[:] = alive
    return dropped
