"""Modal screens: the help text, and the explicit confirmation before a token is written to a file."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
hftui runs a staged plan of HTTP probes against the Hub and the Inference Providers
router, each step changing one variable, and names the case with its evidence.

Panes (Tab / shift+Tab, or 1-4)
  1 Credentials  every token source, in the order a runtime reads them; enter tests it.
                 Paste a token: it is checked as you paste; enter tests it (this
                 session only, nothing stored).
  2 Provider     the model string exactly as your app sends it, its route (a policy or
                 a provider that serves it), the known-good baseline, the org to bill.
  3 Steps        the plan, live; enter expands a step: request, response, body.
  4 Diagnosis    the verdict, its evidence and next steps, and the matrix (▶ = match).

Keys
  r        retry the selected step only (nothing else re-runs; the verdict updates)
  R        run the whole plan again
  enter    expand / collapse a step, or pick the highlighted option
  c        copy the selected step as curl (uses $HF_TOKEN, never the token itself)
  e        export the support bundle (Markdown, 0600) where hftui was started
  b        copy the support bundle to the clipboard
  s        save the pasted (or tested) token to the OS keyring
  d        delete the token from the OS keyring
  w        write the token to the HF token file (plain text; asks first)
  escape   leave a text field (what you typed stays)
  ? / F1   this help        ctrl+p  command palette        q  quit

Marks: ✓ 2xx · ✗ failed (status, or no answer) · … running · – skipped · · waiting
Over SSH there is usually no OS keyring: test a pasted token for this session, or
write the token file. Copy uses OSC 52 (in tmux: set -s set-clipboard on); the
notification shows what was copied, so you can select it by hand.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close", tooltip="Close the help"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text(HELP))

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "Help"


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question whose default is no: y confirms, anything listed under 'no' cancels."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes, write it", id="confirm.yes", tooltip="Confirm"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", tooltip="Cancel; nothing is written"),
    ]

    def __init__(self, title: str, body: Text) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(self._body)
            yield Static(Text("y: write it    n / escape: cancel", style="bold"))

    def on_mount(self) -> None:
        self.query_one("#confirm").border_title = self._title

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
