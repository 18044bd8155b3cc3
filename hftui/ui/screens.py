"""Modal screens: the help text, and the explicit confirmation before a token is written to a file.

Every key the help names comes from the action table (actions.py), with the user's keymap applied."""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from hftui.ui.actions import DEFAULT_KEYS, Keys, Scope, help_lines

HELP_WIDTH = 88  # inside the help box (hftui.tcss #help)
INTRO = """\
hftui runs a staged plan of HTTP probes against the Hub and the Inference Providers
router, each step changing one variable, and names the case with its evidence."""

PANES = (
    ("credentials", "Credentials", "every token source, in the order a runtime reads them; enter tests it.\n"
                                   "Paste a token: it is checked as you paste; enter tests it (this\n"
                                   "session only, nothing stored)."),
    ("provider", "Provider", "the model string exactly as your app sends it, its route (a policy or\n"
                             "a provider that serves it), the known-good baseline, the org to bill."),
    ("steps", "Steps", "the plan, live; expand a step: request, response, body."),
    ("diagnosis", "Diagnosis", "the verdict, its evidence and next steps, and the matrix (▶ = match)."),
)

NOTES = """\
Marks: ✓ 2xx · ✗ failed (status, or no answer) · … running · – skipped · · waiting
Over SSH there is usually no OS keyring: test a pasted token for this session, or
write the token file. Copy uses OSC 52 (in tmux: set -s set-clipboard on); the
notification shows what was copied, so you can select it by hand.
Change a key in {config}: under [keymap], "action.id" = "key"."""


def help_text(keys: Keys, config: str = "~/.config/hftui/config.toml") -> Text:
    """The help screen: what hftui does, the panes with the key that focuses each, every key."""
    text = Text(INTRO + "\n\n")
    text.append("Panes (Tab / shift+Tab, or the key before each)\n", style="bold")
    for pane, title, about in PANES:
        key = keys.key(f"app.focus_{pane}")
        prefix = f"  {key} {title:<12} "
        lines = about.splitlines()
        text.append(prefix + lines[0] + "\n")
        for line in lines[1:]:
            text.append(" " * len(prefix) + line + "\n")
    text.append("\nKeys ", style="bold")
    text.append("(and the action id a keymap names)\n", style="dim")
    lines = help_lines(keys)
    width = max(len(shown) for shown, _, _ in lines) + 2
    indent = " " * (2 + width)
    for shown, sentence, action_ids in lines:
        wrapped = textwrap.wrap(sentence, HELP_WIDTH - len(indent))
        ids = f" ({action_ids})"
        if len(indent) + len(wrapped[-1]) + len(ids) > HELP_WIDTH:
            wrapped.append("")
            ids = ids.lstrip()
        for number, line in enumerate(wrapped):
            text.append((f"  {shown:<{width}}" if number == 0 else indent) + line)
            if number == len(wrapped) - 1:
                text.append(ids, style="dim")
            text.append("\n")
    text.append("\n" + NOTES.format(config=config))
    return text


class HelpScreen(ModalScreen[None]):
    BINDINGS = DEFAULT_KEYS.bindings(Scope.HELP)

    def __init__(self, keys: Keys = DEFAULT_KEYS, config: str = "~/.config/hftui/config.toml") -> None:
        super().__init__()
        self._keys = keys
        self._config = config

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(help_text(self._keys, self._config))

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "Help"


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question whose default is no: y confirms, anything listed under 'no' cancels."""

    BINDINGS = DEFAULT_KEYS.bindings(Scope.CONFIRM)

    def __init__(self, title: str, body: Text, keys: Keys = DEFAULT_KEYS) -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(self._body)
            yield Static(Text(f"{self._keys.show('confirm.yes')}: write it    "
                              f"{self._keys.show('confirm.no')}: cancel", style="bold"))

    def on_mount(self) -> None:
        self.query_one("#confirm").border_title = self._title

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
