"""What the app itself sends to the terminal, made safe at the one place each leaves: notifications, the
clipboard (OSC 52) and the crash report.

Everything the panes draw is already inert (core makes foreign text printable when it captures it);
these three take text the app assembles at the last moment (a path, a curl command, a bundle, an
exception), so they are cleaned on the way out as well: made printable, never parsed as markup, and
redacted with every token the app knows, a pasted one included (no token source lists a paste).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hftui.core.printable import printable
from hftui.core.redact import Redactor
from hftui.core.tokens import TokenCandidate

if TYPE_CHECKING:
    from hftui.core.tokens import TokenReport


class InertOutput:
    """A mixin for the app: `notify`, `copy_to_clipboard` and `_fatal_error` that cannot leak or inject."""

    tokens: TokenReport
    testing: TokenCandidate | None

    @property
    def known_tokens(self) -> tuple[TokenCandidate, ...]:
        """Every token the app holds: the sources, the one under test, and what is in the paste field."""
        known = [*self.tokens.candidates, *([self.testing] if self.testing is not None else [])]
        pasted = self._pasted_value()
        if pasted.strip():
            known.append(TokenCandidate.pasted(pasted))
        return tuple(known)

    def _pasted_value(self) -> str:
        from hftui.ui.widgets.credentials import CredentialsPane

        try:
            return self.query_one(CredentialsPane).pasted_value  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - not mounted (yet, or any more): nothing pasted
            return ""

    @property
    def redactor(self) -> Redactor:
        redactor = Redactor()
        for candidate in self.known_tokens:
            redactor.add_token(candidate)
        return redactor

    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
               markup: bool = True) -> None:
        """Every notification as plain text (never markup: a `[` in an org name stays a `[`), printable,
        and redacted. `markup` is accepted for Textual's signature and ignored."""
        redactor = self.redactor
        super().notify(printable(redactor(message), keep_newlines=True), title=printable(redactor(title)),  # type: ignore[misc]
                       severity=severity, timeout=timeout, markup=False)

    def copy_to_clipboard(self, text: str) -> None:
        """What goes into OSC 52 passes the app's redaction once more, a pasted token included."""
        super().copy_to_clipboard(printable(self.redactor(text), keep_newlines=True))  # type: ignore[misc]

    def _fatal_error(self) -> None:
        """An unhandled error: Textual would print a traceback with every frame's locals (a token among
        them); this one has no locals and no token."""
        import traceback

        from rich.text import Text

        self.bell()  # type: ignore[attr-defined]
        report = printable(self.redactor(traceback.format_exc()), keep_newlines=True)
        self._exit_renderables.append(Text(report))  # type: ignore[attr-defined]
        self._close_messages_no_wait()  # type: ignore[attr-defined]
