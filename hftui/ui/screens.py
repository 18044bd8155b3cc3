"""Modal screens: the help text, and the explicit confirmation before a token is written to a file.

Every key the help names comes from the action table (actions.py), with the user's keymap applied.
Nothing here is hard-wrapped: the help reflows to the terminal's width."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from hftui.ui.actions import DEFAULT_KEYS, Keys, Scope, help_lines

MIN_WIDTH, MIN_HEIGHT = 60, 16  # below this the panes cannot be drawn usefully: a message instead (README)

INTRO = ("hftui runs a staged plan of HTTP probes against the Hub and the Inference Providers router, each "
         "step changing one variable, and names the case with its evidence.")

PANES = (
    ("credentials", "Credentials", "every token source, in the order a runtime reads them, and which runtime "
                                   "reads which; enter tests one. Paste a token: it is checked as you paste; "
                                   "enter tests it (this session only, nothing stored)."),
    ("provider", "Provider", "the model string exactly as your app sends it, its route (a policy or a provider "
                             "that serves it), the known-good baseline, the org to bill."),
    ("steps", "Steps", "the plan, live: a running step counts up and says how long it may still wait."),
    ("diagnosis", "Diagnosis", "the verdict, what to do next, its evidence, and the cases matrix (▶ = this run)."),
)

NOTES = ("Marks: ✓ 2xx · ✗ failed (status, or no answer) · … running · – skipped · · waiting. Where the "
         "terminal cannot show them, hftui draws + x ~ - . instead (HFTUI_ASCII=1 forces it).",
         "Over SSH there is usually no OS keyring: test a pasted token for this session, or write the token "
         "file. Copy uses OSC 52 (in tmux: set -s set-clipboard on); the notification shows what was copied.",
         "The support bundle is written in the directory hftui was started in; copying it to the clipboard "
         "writes no file.",
         "Change a key in {config}: under [keymap], \"action.id\" = \"key\".")


def help_text(keys: Keys, config: str = "~/.config/hftui/config.toml") -> Group:
    """The help screen: every key first (what people open help for), then the evidence viewer's keys,
    the panes with the key that focuses each, and notes. Grids and paragraphs: it reflows at any width."""
    parts: list = [Text(INTRO + "\n")]
    parts.append(Text.assemble(("Keys ", "bold"), ("(and the action id a keymap names)", "dim")))
    parts.append(_keys_grid(help_lines(keys)))
    parts.append(Text.assemble(("\nIn the evidence viewer ", "bold"),
                               (f"({keys.key('steps.open')} on a step)", "dim")))
    parts.append(_keys_grid(help_lines(keys, (Scope.EVIDENCE,))))
    parts.append(Text.assemble(("\nPanes ", "bold"), ("(Tab / shift+Tab, or the key before each)", "dim")))
    panes = Table.grid(padding=(0, 1))
    panes.add_column(no_wrap=True)
    panes.add_column(ratio=1)
    for pane, title, about in PANES:
        panes.add_row(f"{keys.key(f'app.focus_{pane}')} {title}", about)
    parts.append(panes)
    parts += [Text("\n" + note.format(config=config)) for note in NOTES]
    return Group(*parts)


def _keys_grid(lines: list[tuple[str, str, str]]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for shown, sentence, action_ids in lines:
        grid.add_row(shown, Text.assemble(sentence, (f" ({action_ids})", "dim")))
    return grid


class TooSmallScreen(ModalScreen[None]):
    """Shown while the terminal is smaller than MIN_WIDTH x MIN_HEIGHT; gone as soon as it is large enough."""

    def __init__(self, keys: Keys = DEFAULT_KEYS) -> None:
        super().__init__()
        self._keys = keys

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")

    def on_mount(self) -> None:
        self.show_size(*self.app.size)

    def show_size(self, width: int, height: int) -> None:
        text = Text(justify="center")
        text.append(f"hftui needs at least {MIN_WIDTH}x{MIN_HEIGHT}", style="bold")
        text.append(f"; this terminal is {width}x{height}. Make it larger (80x24 shows everything), or quit: "
                    f"{self._keys.key('app.quit')} / {self._keys.key('app.quit_anywhere')}.")
        self.query_one("#too-small", Static).update(text)


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
