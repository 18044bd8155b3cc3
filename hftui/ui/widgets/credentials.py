"""Credentials: every token source, which one is tested and why, the account whoami saw, the keyring.

The pane renders what the core computed (TokenReport, inspect_token, Account, KeystoreStatus), read
from the app's reactive attributes (`tokens`, `testing`, `keyring_pending`, `diagnosis`,
`keystore_status`, `keys`), and posts `TokenChosen` when the user picks a source or a pasted value;
it never starts a run itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from hftui.core.keystore import KeystoreState, KeystoreStatus
from hftui.core.redact import mask
from hftui.core.status import StepStatus
from hftui.core.tokens import PASTED, TokenCandidate, TokenReport, read_by
from hftui.ui.actions import Keys
from hftui.ui.messages import TokenChosen
from hftui.ui.widgets.lists import KeyedOptionList, refill

if TYPE_CHECKING:
    from hftui.core.diagnosis import Diagnosis

class TokenInput(Input):
    """A password field that keeps a paste exactly as pasted: a trailing newline is the finding."""

    def _on_paste(self, event: events.Paste) -> None:
        if event.text:
            self.insert_text_at_cursor(event.text)  # Input would keep only the first line
        event.prevent_default()  # Input's own paste handler would insert it again
        event.stop()


class CredentialsPane(VerticalScroll):
    """Four widgets: the sources, what they mean (precedence notes, the account), the paste field, and
    what is known about the token typed there and the keyring. Each text block below a field is one
    Static made of parts: every widget costs the first frame its mount, its styles and its layout."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._candidates: list[TokenCandidate] = []
        self._precedence, self._account = Text(), Text()
        self._paste_check, self._keyring, self._keyring_result = Text(), Text(), Text()

    def compose(self) -> ComposeResult:
        sources = KeyedOptionList(id="sources", markup=False, classes="field first")
        sources.border_title = "Token sources · first found wins"
        yield sources
        yield Static(id="account")
        paste = TokenInput(password=True, placeholder="hf_…", id="token-input", classes="field",
                           validate_on=["submitted"])
        paste.border_title = "Paste a token · enter: test it"
        yield paste
        yield Static(id="token-notes")

    def on_mount(self) -> None:
        self.query_one(TokenInput).cursor_blink = False
        self._check_paste("")
        app = self.app
        for name in ("tokens", "testing", "keyring_pending"):
            self.watch(app, name, self._show_tokens, init=name == "tokens")
        self.watch(app, "diagnosis", self._show_account)
        self.watch(app, "diagnosis", self._show_checks, init=False)
        self.watch(app, "keystore_status", self._show_keystore, init=False)
        self.watch(app, "keys", self._show_keystore)

    # -- what the app calls ------------------------------------------------------------------

    @property
    def pasted_value(self) -> str:
        return self.query_one(TokenInput).value

    def _show_tokens(self) -> None:
        """Every source, the tested one marked; while `keyring_pending` (the keyring has not been read yet)
        a note says a token there would come after the environment's."""
        report: TokenReport = self.app.tokens
        testing: TokenCandidate | None = self.app.testing
        keyring_pending: bool = self.app.keyring_pending
        candidates = list(report.candidates)
        if testing is not None and testing.source == PASTED:
            candidates.insert(0, testing)
        self._candidates = candidates
        diagnosis = self.app.diagnosis
        if diagnosis is not None:
            from hftui.core.checked import checked  # the engine's: loaded once a diagnosis exists
        options = []
        for index, candidate in enumerate(candidates):
            text = _candidate_text(candidate, candidate == testing)
            said = checked(diagnosis, candidate) if diagnosis is not None else None
            if said is not None and said.http_status is not None:
                good = said.http_status == 200 and said.can_call_inference is not False
                text.append(f"\n    {'✓' if good else '✗'} {said.words}", style="green" if good else "bold red")
            options.append(Option(text, id=f"src-{index}"))
        if not candidates:
            options.append(Option(Text("no token found in any source", style="bold red"), disabled=True))
        tested = next((f"src-{index}" for index, c in enumerate(candidates) if c == testing), None)
        refill(self.query_one("#sources", OptionList), options, current=tested)

        text = Text()
        if testing is not None and testing != report.active:
            why = "pasted here, this session only" if testing.source == PASTED else "chosen here"
            text.append(f"testing {testing.source} {testing.suffix} ({why}); ", style="bold")
            text.append(f"a runtime would use {report.active.source if report.active else 'no token'}")
        if keyring_pending:
            text.append("\n" if text.plain else "")
            text.append("… reading the OS keyring (it comes after the environment, before the token file)",
                        style="yellow")
        for source, why in report.unreadable:
            text.append("\n" if text.plain else "")
            text.append(f"✗ {source}: ", style="bold red")
            # The keyring's reason is spelled out under "Keyring" below; say it once.
            text.append("could not be read (see Keyring below)" if source == "keyring" else why)
        self._precedence = text
        self._show_account_block()

    def _show_checks(self, diagnosis: Diagnosis | None) -> None:
        """What whoami said about each source, once a step has finished (whoami's or the other tokens')."""
        if diagnosis is not None and diagnosis.done:
            self._show_tokens()

    def _show_account(self, diagnosis: Diagnosis | None) -> None:
        text = Text()
        text.append("Account (whoami) ", style="bold")
        step = diagnosis.step("whoami") if diagnosis else None
        account = diagnosis.account if diagnosis else None
        if step is None or step.status is StepStatus.PENDING:
            text.append("· not run yet", style="dim")
        elif step.status is StepStatus.RUNNING and account is None:
            text.append("… asking the Hub", style="yellow")
        elif account is not None:
            # Asked again (a retry): what it said last stays, at the same height, until it answers.
            text.append(*("… ", "yellow") if step.status is StepStatus.RUNNING else ("✓ ", "bold green"))
            text.append(account.name, style="bold")
            if account.fullname:
                text.append(f" ({account.fullname})")
            text.append(f"\n  token '{account.token_name or '?'}', role {account.token_role or '?'}")
            can = {True: ("✓ yes", "green"), False: ("✗ no", "bold red"), None: ("? unknown", "yellow")}
            answer, style = can[account.can_call_inference]
            text.append("\n  can call Inference Providers: ")
            text.append(answer, style=style)
            text.append(f"\n  orgs: {', '.join(account.orgs) or 'none'}")
            text.append(f"\n  {account.plan_line}")
        elif step.status is StepStatus.SKIPPED:
            text.append(f"– skipped: {step.skip_reason}", style="dim")
        else:
            code = step.http_status or "no answer"
            text.append(f"✗ {code}: ", style="bold red")
            text.append(step.message or "failed")
        self._account = text
        self._show_account_block()

    def _show_account_block(self) -> None:
        """The precedence notes right under the sources, then a blank line and the account."""
        blocks = [self._precedence] if self._precedence.plain else []
        self.query_one("#account", Static).update(Text("\n").join([*blocks, Text(), self._account]))

    def _show_keystore(self) -> None:
        status: KeystoreStatus | None = self.app.keystore_status
        keys: Keys = self.app.keys
        text = Text()
        text.append("Keyring ", style="bold")
        if status is None:
            text.append("… checking which backend is available", style="yellow")
        else:
            mark, style = (("✓", "green") if status.secure else
                           ("–", "dim") if status.state is KeystoreState.DISABLED else ("✗", "bold red"))
            text.append(f"{mark} {_STATE_WORDS.get(status.state, status.state.value)}", style=style)
            if status.state not in (KeystoreState.NO_BACKEND, KeystoreState.DISABLED):
                text.append(f" ({status.backend})", style="dim")  # "fail Keyring" would only repeat "no keyring"
            text.append(f"\n  {status.message}")
            if status.secure:
                text.append(f"\n  {keys.key('token.save_keyring')}: save the token to the keyring · "
                            f"{keys.key('token.delete_keyring')}: delete it from the keyring (hftui's own "
                            f"entry: huggingface_hub and your app never read it)", style="dim")
            else:
                text.append(f"\n  keys: enter in the paste field = this session only · "
                            f"{keys.key('token.write_file')} = write the HF token file", style="dim")
        self._keyring = text
        self._show_token_notes()

    def show_keystore_result(self, message: str, ok: bool | None) -> None:
        """`ok` None: still going (e.g. saving…)."""
        mark, style = {True: ("✓ ", "bold green"), False: ("✗ ", "bold red"), None: ("… ", "yellow")}[ok]
        text = Text()
        text.append(mark, style=style)
        text.append(message)
        self._keyring_result = text
        self._show_token_notes()
        # The result is the pane's last line: kept in view while the sources above it are read again,
        # until the user scrolls.
        self.anchor()

    # -- events ------------------------------------------------------------------------------

    @on(Input.Changed, "#token-input")
    def _pasted_changed(self, event: Input.Changed) -> None:
        self._check_paste(event.value)

    @on(Input.Submitted, "#token-input")
    def _pasted_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.post_message(TokenChosen(TokenCandidate.pasted(event.value)))

    @on(OptionList.OptionSelected, "#sources")
    def _source_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id and event.option_id.startswith("src-"):
            self.post_message(TokenChosen(self._candidates[int(event.option_id[4:])]))

    def _check_paste(self, value: str) -> None:
        text = Text()
        if not value:
            text.append("checked as you paste (whitespace, quotes, Bearer, BOM); enter tests it for this "
                        "session only, nothing is stored", style="dim")
        else:
            candidate = TokenCandidate.pasted(value)
            text.append(f"{len(value)} chars, {mask(candidate.cleaned)}")
            if not candidate.problems:
                text.append("  ✓ looks like a clean user token", style="green")
            for problem in candidate.problems:
                text.append("\n✗ ", style="bold red")
                text.append(f"the pasted value {problem.explanation}")
            for note in candidate.odd_characters:
                text.append(f"\n    {note}", style="dim")
            if candidate.is_malformed:
                text.append(f"\n  the app would send {len(value)} chars; cleaned it is {len(candidate.cleaned)}",
                            style="dim")
        self._paste_check = text
        self._show_token_notes()

    def _show_token_notes(self) -> None:
        """Under the paste field: the check of what was pasted, a blank line, the keyring and its last result."""
        blocks = [self._paste_check, Text(), self._keyring]
        if self._keyring_result.plain:
            blocks.append(self._keyring_result)
        self.query_one("#token-notes", Static).update(Text("\n").join(blocks))


_STATE_WORDS = {
    KeystoreState.AVAILABLE: "available",
    KeystoreState.NO_BACKEND: "no keyring here",
    KeystoreState.LOCKED: "locked",
    KeystoreState.TIMED_OUT: "not answering",
    KeystoreState.DISABLED: "turned off",
    KeystoreState.INSECURE: "not secure",
    KeystoreState.BROKEN_CONFIG: "misconfigured",
    KeystoreState.ERROR: "failed",
}


def _candidate_text(candidate: TokenCandidate, testing: bool) -> Text:
    text = Text()
    text.append("● " if testing else "○ ", style="bold" if testing else "dim")
    text.append(candidate.source, style="bold" if testing else "")
    text.append(f" {candidate.suffix} {candidate.length} ch")
    if not candidate.problems:
        text.append(" ✓", style="green")
    if testing:
        text.append(" ◀ testing", style="bold")
    for problem in candidate.problems:
        text.append("\n    ✗ ", style="bold red")
        text.append(problem.explanation)
    for note in candidate.odd_characters:
        text.append(f"\n      {note}", style="dim")
    if candidate.note and candidate.source != PASTED:
        text.append(f"\n    {candidate.note}", style="dim")
    runtimes = read_by(candidate.source)
    if runtimes:
        text.append(f"\n    {runtimes}", style="dim italic")
    return text
