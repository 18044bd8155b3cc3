"""Entry point the CLI calls: `run_app(settings, tokens=..., scenario=...)`."""

from __future__ import annotations

from typing import Any

from hftui.core.tokens import TokenReport


def run_app(settings: Any, tokens: TokenReport, scenario: Any = None) -> int:
    """Open the app on `settings` (the CLI's Settings) and block until the user quits; 0 on quit."""
    from hftui.ui.app import HftuiApp  # Textual is imported here, not when the CLI starts

    app = HftuiApp(settings, tokens, scenario=scenario)
    app.run()
    return app.return_code or 0
