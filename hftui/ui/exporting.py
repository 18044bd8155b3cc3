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
    from hftui.ui.actions import Keys


class BundleExport:
    """Actions e (export the bundle to a file) and b (copy it to the clipboard)."""

    diagnosis: Diagnosis | None
    keys: Keys
    export_directory: Path | None = None  # None: the working directory hftui was started in

    def _bundle(self) -> str | None:
        if self.diagnosis is None or not any(s.status.done for s in self.diagnosis.steps):
            self.notify("Run the plan first: the bundle is made of its results.", severity="warning")
            return None
        from hftui.core.bundle import render_bundle  # importlib.metadata and platform: only for a bundle

        return render_bundle(self.diagnosis, "md")

    def action_export_bundle(self) -> None:
        text = self._bundle()
        if text is None:
            return
        name = f"hftui-bundle-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}.md"
        if self.is_web:
            self.deliver_text(io.StringIO(text), save_filename=name, mime_type="text/markdown")
            self.notify(f"Support bundle {name} sent to your browser.", title="Exported", markup=False)
            return
        path = (self.export_directory or Path.cwd()) / name
        from hftui.core.bundle import write_private

        try:
            write_private(path, text)
        except OSError as exc:
            self.notify(f"Could not write {path}: {exc.strerror or exc}. "
                        f"Use {self.keys.key('bundle.copy')} to copy the bundle instead.",
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
