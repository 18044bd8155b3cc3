"""The action table at work in the app: the config's keymap and theme, which keys apply now (the
footer, the palette and the keys ask the same question), and the actions that are only a line each.

A mixin for the app. The keys themselves are declared in actions.py, once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.widgets import Input

from hftui.core.printable import printable
from hftui.core.tokens import TokenCandidate
from hftui.ui.actions import ACTIONS, Keys, Scope, display
from hftui.ui.config import Config, save_theme
from hftui.ui.screens import HelpScreen
from hftui.ui.widgets.credentials import CredentialsPane

if TYPE_CHECKING:
    from textual.theme import Theme

    from hftui.core.plan import PlanRun

PANES = {"credentials": "#sources", "provider": "#model", "steps": "#steps", "diagnosis": "#diagnosis"}
PANE_TITLES = {"credentials": "Credentials", "provider": "Provider", "steps": "Steps", "diagnosis": "Diagnosis"}
SHOWN_ACTIONS = tuple(dict.fromkeys(a.name for a in ACTIONS if a.show and a.scope is Scope.APP))


class KeyedActions:
    """Keys, theme and the small actions; `keys` is the app's reactive attribute panes watch for hints."""

    keys: Keys
    model: Any
    baseline: Any
    diagnosis: Any
    plan_run: PlanRun | None
    plan_busy: bool
    selected_step_id: str | None
    applicable: tuple
    ascii_only: bool

    def _apply_config(self, config: Config) -> None:
        """The theme and the keymap of the settings file; what cannot be used is said once, on mount."""
        if config.theme is not None and config.theme not in self.available_themes:
            config = replace(config, theme=None,
                             problems=(*config.problems, f"unknown theme {config.theme!r}, the default theme is used"))
        if config.theme is not None:
            self.theme = config.theme
        self.config = config
        self._remembered_theme = self.theme  # the theme the file already says (or the default): not written
        if config.keymap:
            self.set_keymap(config.keymap)
        if config.keymap or self.ascii_only:
            self.set_reactive(type(self).keys, Keys.of(config.keymap, plain=self.ascii_only))
        self._typed = self.keys.typed_methods()

    def _title_panes(self) -> None:
        for name, title in PANE_TITLES.items():
            self.query_one(f"#{name}").border_title = f"{self.keys.key(f'app.focus_{name}')} {title}"

    def _theme_changed(self, theme: Theme) -> None:
        """The user picked a theme (the palette's theme picker): remember it for the next start."""
        if theme.name == self._remembered_theme:
            return
        self._remembered_theme = theme.name
        problem = save_theme(self.config.path, theme.name)
        if problem is not None:
            self.notify(problem, title="Theme not remembered", severity="warning", markup=False, timeout=10)

    def watch_keys(self, keys: Keys) -> None:
        self._typed = keys.typed_methods()
        self.set_keymap(dict(keys.keymap))

    def get_key_display(self, binding: Binding) -> str:
        """Keys read the same in the footer, the help and every hint: actions.display decides."""
        return binding.key_display or display(binding.key, self.keys.plain)

    def update_bindings(self) -> None:
        """What applies now, into the app's `applicable`: a reactive with `bindings=True`, so the footer is
        told only when it changed (a highlight moves often; what the keys can do rarely changes)."""
        if not self.screen_stack:
            return  # quitting: a worker that ends now has no footer left to tell
        self.applicable = (type(self.focused).__name__,) + tuple(self.check_action(a, ()) for a in SHOWN_ACTIONS)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        typing = isinstance(self.focused, Input)
        if action in self._typed and typing:
            return False  # the key types into the field instead
        if action == "leave_field":
            return typing
        return True if self.action_applies(action) else None  # None: shown dimmed

    def action_applies(self, action: str) -> bool:
        """Whether `action` can do something now, whatever has the focus: the keys, the footer and the
        command palette all ask here."""
        if action == "retry_step":
            sid = self.selected_step_id
            ready = sid is not None and self.plan_run is not None and self.plan_run.results[sid].status.done
            return ready and not self.plan_busy
        if action == "run_plan":
            return self.model is not None and self.baseline is not None
        if action == "copy_curl":
            return self._selected_exchange() is not None
        if action == "save_keyring":
            return bool(self.token_to_store()) and self.keyring_usable
        if action == "write_token_file":
            return bool(self.token_to_store())
        if action == "use_pasted":
            return bool(self.query_one(CredentialsPane).pasted_value.strip())
        if action in ("export_bundle", "copy_bundle"):
            return self.diagnosis is not None and not self.plan_busy
        if action == "delete_keyring":
            return self.keyring_usable
        return True

    def action_retry_step(self) -> None:
        if self.selected_step_id is not None:
            self.retry(self.selected_step_id)

    def action_run_plan(self) -> None:
        self.reread_tokens(replan=True)  # a token saved or written since is listed, and tested if it wins

    def action_copy_curl(self) -> None:
        selected = self._selected_exchange()
        if selected is None:
            self.notify("Select a step that sent a request first.", severity="warning")
            return
        self.copy_step(*selected)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.keys, printable(str(self.config.path))))

    def action_help_anywhere(self) -> None:
        self.action_help()

    async def action_quit_anywhere(self) -> None:
        self.exit()

    async def action_copy_or_quit(self) -> None:
        """ctrl+c as lazygit and k9s read it: copy what is selected (in a field, or on the screen); with
        nothing selected, quit."""
        focused = self.focused
        selected = focused.selected_text if isinstance(focused, Input) else self.screen.get_selected_text()
        if selected and isinstance(focused, Input) and focused.password:
            self.notify("The token field is never copied.", title="Not copied", severity="warning", timeout=4)
            return
        if selected:
            self.copy_to_clipboard(selected)
            if not isinstance(focused, Input):
                self.screen.clear_selection()
            self.notify(f"{len(selected)} characters", title="Copied the selection", timeout=4)
            return
        self.exit()

    def action_leave_field(self) -> None:
        self.action_focus_pane("steps")

    def action_focus_pane(self, name: str) -> None:
        self.query_one(PANES[name]).focus()

    def action_use_pasted(self) -> None:
        value = self.query_one(CredentialsPane).pasted_value
        if value.strip():
            self.choose_token(TokenCandidate.pasted(value))
