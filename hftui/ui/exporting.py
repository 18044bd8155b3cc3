"""Handing the support bundle over: `e` writes it next to where hftui was started, `b` copies it.

Over SSH the file lands on the machine that fails, which is where support needs it from; under a
browser (textual-serve) it is delivered as a download instead.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hftui.core.diagnosis import Diagnosis
    from hftui.core.tokens import TokenCandidate
    from hftui.ui.actions import Keys


class BundleExport:
    """Actions e (export the bundle to a file) and b (copy it to the clipboard)."""

    diagnosis: Diagnosis | None
    keys: Keys
    known_tokens: tuple[TokenCandidate, ...]
    export_directory: Path | None = None  # None: the working directory hftui was started in

    def _bundle(self) -> str | None:
        if self.diagnosis is None or not any(s.status.done for s in self.diagnosis.steps):
            self.notify("Run the plan first: the bundle is made of its results.", severity="warning")
            return None
        from hftui.core.bundle import render_bundle  # importlib.metadata and platform: only for a bundle

        try:
            # A pasted token is in no source the diagnosis lists: the bundle is told of it to mask it too.
            return render_bundle(self.diagnosis, "md", extra=self.known_tokens)
        except Exception as exc:  # noqa: BLE001 - a bundle that cannot be made costs a line, not the app
            self.notify(f"The bundle could not be made ({type(exc).__name__}); the run is still on screen.",
                        title="Export failed", severity="error", timeout=10)
            return None

    def action_export_bundle(self) -> None:
        text = self._bundle()
        if text is None:
            return
        name = f"hftui-bundle-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}.md"
        if self.is_web:
            self.deliver_text(io.StringIO(text), save_filename=name, mime_type="text/markdown")
            self.notify(f"Support bundle {name} sent to your browser.", title="Exported", markup=False)
            return
        path = _free_name((self.export_directory or Path.cwd()) / name)
        from hftui.core.bundle import ReportError, write_private

        try:
            write_private(path, text, force=False)  # never over a file that is there, whatever it is
        except ReportError as exc:
            self.notify(f"{exc}. Use {self.keys.key('bundle.copy')} to copy the bundle instead; nothing is lost.",
                        title="Export failed", severity="error", markup=False, timeout=10)
            return
        self.notify(f"{path}\n(only you can read it; the token shows as its last 8 characters; "
                    f"{self.keys.key('bundle.copy')} copies the bundle instead of writing a file)",
                    title="Support bundle written", markup=False, timeout=10)

    def action_copy_bundle(self) -> None:
        text = self._bundle()
        if text is None:
            return
        self.copy_to_clipboard(text)
        first = text.splitlines()[2] if len(text.splitlines()) > 2 else text
        self.notify(f"{len(text.splitlines())} lines of Markdown, starting: {first}\n"
                    f"If nothing arrives, your terminal ignores OSC 52: "
                    f"use {self.keys.key('bundle.export')} to write a file.",
                    title="Copied the support bundle", markup=False, timeout=10)


def _free_name(path: Path) -> Path:
    """`path`, or the first of path-2, path-3… that does not exist (two exports within a second)."""
    candidate, number = path, 1
    while candidate.exists() or candidate.is_symlink():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate
