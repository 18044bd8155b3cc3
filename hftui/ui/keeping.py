"""Keeping a token: the OS keyring (bounded, off the event loop) and the HF token file (asks first).

A mixin for the app, so the app module stays about planning; it only reads the credentials pane
and the app's token state, and reports back through the pane and notifications. After every save,
delete or write (and on R) every token source is read again, so the Credentials pane lists what is
there now: a deleted keyring token goes, a written token file appears.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from hftui.core.background import in_background
from hftui.core.keystore import KeystoreError, KeystoreState, KeystoreStatus, save_to_token_file
from hftui.core.printable import printable
from hftui.core.redact import mask
from hftui.core.tokens import PASTED, TokenCandidate, hf_token_paths
from hftui.ui.screens import ConfirmScreen
from hftui.ui.widgets.credentials import CredentialsPane

if TYPE_CHECKING:
    from hftui.core.keystore import Keystore
    from hftui.core.session import Session
    from hftui.core.tokens import TokenReport
    from hftui.ui.actions import Keys


class TokenKeeping:
    """Actions s (save to keyring), d (delete from keyring), w (write the token file)."""

    keystore: Keystore
    keystore_status: KeystoreStatus | None
    testing: TokenCandidate | None
    tokens: TokenReport
    scenario: Any
    keys: Keys
    _token_file: Path | None
    _keyring_reader: Callable[[], str | None] | None  # set until the keyring's token has been read
    keyring_answered: Callable[[Callable[[], str | None]], None]
    session: Session
    _auto_token: bool
    _rereading: bool = False  # every token source is being read again: the plan waits for it

    def token_to_store(self) -> str | None:
        """The pasted value if there is one, else the tested token; cleaned (what the user meant)."""
        pasted = self.query_one(CredentialsPane).pasted_value
        if pasted.strip():
            return TokenCandidate.pasted(pasted).cleaned or None
        return (self.testing.cleaned or None) if self.testing else None

    @property
    def keyring_usable(self) -> bool:
        status = self.keystore_status
        return status is not None and status.state in (KeystoreState.AVAILABLE, KeystoreState.INSECURE)

    def _in_thread(self, name: str, job: Callable[[], Any], done: Callable[[Any, BaseException | None], None]) -> None:
        """Run a keyring call in_background (never a Textual thread worker: a hung keyring would keep
        the app from exiting) and hand the result back on the event loop."""
        def hand_back(future: Future) -> None:
            error = future.exception()
            try:
                self.call_from_thread(done, None if error else future.result(), error)
            except RuntimeError:
                pass  # the app has already exited

        in_background(job, name=f"hftui-{name}", then=hand_back)

    def _check_keystore(self) -> None:
        """Which backend the keyring has and, while the token report waits for it, the token it keeps."""
        reader = self._keyring_reader

        def status_and_token() -> tuple[KeystoreStatus, Callable[[], str | None] | None]:
            status = self.keystore.status()
            if reader is None:
                return status, None
            try:
                token = reader()
            except Exception as exc:  # noqa: BLE001 - the token report lists the keyring as unreadable
                return status, _raising(exc)
            return status, lambda: token

        self._in_thread("keyring-status", status_and_token, self._keystore_checked)

    def _keystore_checked(self, result: tuple | None, error: BaseException | None) -> None:
        status, read = result if result is not None else (None, None)
        self._set_keystore_status(status)
        if self._keyring_reader is not None:
            self.keyring_answered(read or _raising(error or RuntimeError("the keyring did not answer")))

    def _set_keystore_status(self, status: KeystoreStatus | None) -> None:
        self.keystore_status = status  # the credentials pane watches it
        self.update_bindings()

    def reread_tokens(self, replan: bool = False) -> None:
        """Read every token source again, off the event loop (the keyring may take its timeout), then
        show them; `replan`: run the whole plan once they are read (as Run all does)."""
        if self._keyring_reader is not None:  # the first read has not answered: it will list them
            if replan:
                self._replan(force=True)
            return
        keyring = self.keystore.read if self.keyring_usable else None
        token_path = self._token_file if self.scenario is not None else None  # the demo's throwaway file

        def read() -> TokenReport:
            return self.session.reread_tokens(keyring_reader=keyring, token_path=token_path)

        self._rereading = True
        self._refresh_phase()
        self._in_thread("token-sources", read, lambda report, error: self._tokens_reread(report, replan))

    def _tokens_reread(self, report: TokenReport | None, replan: bool) -> None:
        self._rereading = False
        if report is not None:
            self.tokens = report
            if self._auto_token:
                self.testing = report.active
            elif self.testing is not None and self.testing.source != PASTED:
                self.testing = report.by_source(self.testing.source) or self.testing
        self._refresh_phase()
        if replan:
            self._replan(force=True)
        else:
            self._replan()  # only if the tested token changed
        self._snapshot()

    def action_save_keyring(self) -> None:
        token = self.token_to_store()
        if token is None:
            self.notify(f"Paste a token first (Credentials pane, {self.keys.key('app.focus_credentials')}).",
                        severity="warning")
            return
        self.query_one(CredentialsPane).show_keystore_result(f"saving {mask(token)} to the keyring…", ok=None)
        self._in_thread("keyring-save", lambda: self.keystore.save(token), self._keystore_saved)

    def _keystore_saved(self, status: KeystoreStatus | None, error: BaseException | None) -> None:
        self._keystore_done(status.message if status else "", error)

    def action_delete_keyring(self) -> None:
        self._in_thread("keyring-delete", self.keystore.delete, self._keystore_deleted)

    def _keystore_deleted(self, deleted: bool | None, error: BaseException | None) -> None:
        service = self.keystore.service
        message = (f"Deleted the token from the OS keyring (service {service})." if deleted
                   else f"There was no token in the OS keyring under service {service}.")
        self._keystore_done(message, error)

    def _keystore_done(self, message: str, error: BaseException | None) -> None:
        pane = self.query_one(CredentialsPane)
        if error is not None:
            message = str(error) if isinstance(error, (KeystoreError, ValueError)) else f"{type(error).__name__}"
            if isinstance(error, KeystoreError):
                self._set_keystore_status(error.status)
            pane.show_keystore_result(message, ok=False)
            self.notify(message, title="Keyring", severity="error", markup=False, timeout=10)
            return
        pane.show_keystore_result(message, ok=True)
        self.notify(message, title="Keyring", markup=False)
        self.reread_tokens()

    @property
    def token_file(self) -> Path:
        if self._token_file is None:
            if self.scenario is not None:  # the demo's token is fake: never over the user's real file
                self._token_file = Path(tempfile.mkdtemp(prefix="hftui-demo-")) / "token"
            else:
                self._token_file = hf_token_paths(os.environ)[0]
        return self._token_file

    def action_write_token_file(self) -> None:
        token = self.token_to_store()
        if token is None:
            self.notify(f"Paste a token first (Credentials pane, {self.keys.key('app.focus_credentials')}).",
                        severity="warning")
            return
        path = self.token_file
        body = Text()
        body.append(f"Write the token {mask(token)} to\n  {printable(str(path))}\n\n", style="bold")
        body.append("⚠ In plain text (file mode 0600). Anyone who can read your files — root, backups, a shared "
                    "home — can read the token. huggingface_hub and most apps read this file when HF_TOKEN is not set.")
        current = next((c for c in self.tokens.candidates if c.source == "file:token"), None)
        if current is not None:
            body.append(f"\n\nIt replaces the token now in that file ({current.suffix}).")
        if self.scenario is not None:
            body.append("\n\nDemo: this is a throwaway file, not your real token file.", style="dim")
        self.push_screen(ConfirmScreen("Write the HF token file?", body, self.keys),
                         lambda answer: self._write_token_file(path, token) if answer else None)

    def _write_token_file(self, path: Path, token: str) -> None:
        try:
            save_to_token_file(path, token)
        except (OSError, ValueError) as exc:
            self._keystore_done("", ValueError(f"Could not write {path}: {getattr(exc, 'strerror', None) or exc}"))
            return
        self._keystore_done(f"Wrote {mask(token)} to {path} (mode 0600).", None)


def _raising(error: BaseException) -> Callable[[], str | None]:
    """A keyring reader that fails the way the real read did, for the token report to record."""
    def read() -> str | None:
        raise error

    return read
