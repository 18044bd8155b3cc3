"""Entry point the CLI calls: `run_app(settings, locations=...)`, or with `tokens=` and `scenario=` for the demo."""

from __future__ import annotations

import gc
from dataclasses import replace
from typing import Any

from hftui.core.tokens import TokenLocations, TokenReport, discover_tokens


def run_app(settings: Any, tokens: TokenReport | None = None, scenario: Any = None,
            locations: TokenLocations | None = None) -> int:
    """Open the app on `settings` (the CLI's Settings) and block until the user quits; 0 on quit.

    Give `tokens`, or `locations` to look in: then the app opens on every source but the keyring,
    and reads the keyring (its import and backend detection take ~100 ms) after its first frame."""
    # Until the first frame nearly everything allocated (modules, classes, Textual's tables, the widgets)
    # lives as long as the app: collecting would walk it again and again for nothing (~15 ms).
    gc.disable()
    try:
        from hftui.ui.app import HftuiApp  # Textual is imported here, not when the CLI starts

        if tokens is None:
            assert locations is not None, "run_app needs the tokens or where to find them"
            tokens = discover_tokens(replace(locations, keyring_reader=None))
        app = HftuiApp(settings, tokens, scenario=scenario, pending_keyring=locations,
                       after_first_frame=resume_collector)
        from hftui.core.loop import bounded_loop  # a hung DNS lookup must not hold up quitting

        app.run(loop=bounded_loop())
    finally:
        gc.enable()
    return app.return_code or 0


def resume_collector() -> None:
    """After the first frame: what exists now is moved out of the collector's sight, then it runs again."""
    gc.freeze()
    gc.enable()
