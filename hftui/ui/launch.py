"""Entry point the CLI calls: `run_app(session)`, with `scenario=` for the demo."""

from __future__ import annotations

import gc
import signal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hftui.core.session import Session


def run_app(session: Session, scenario: Any = None) -> int:
    """Open the app on `session` and block until the user quits; 0 on quit.

    A session that defers its keyring (`Session.open(..., defer_keyring=True)`) opens on every source
    but the keyring, and the app reads the keyring (its import and backend detection take ~100 ms)
    after its first frame."""
    # Until the first frame nearly everything allocated (modules, classes, Textual's tables, the widgets)
    # lives as long as the app: collecting would walk it again and again for nothing (~15 ms).
    gc.disable()
    try:
        from hftui.ui.headstart import HeadStart

        head_start = HeadStart.begin(session)  # the first plan, when known, starts before Textual loads
        if head_start is not None:
            head_start.wait_for_engine()
        from hftui.ui.app import HftuiApp  # Textual is imported here, not when the CLI starts

        app = HftuiApp(session, scenario=scenario, after_first_frame=resume_collector, head_start=head_start)
        from hftui.core.loop import bounded_loop  # a hung DNS lookup must not hold up quitting

        loop = bounded_loop()
        quit_on_signals(app, loop)
        try:
            app.run(loop=loop)
        finally:
            for signum in QUIT_SIGNALS:
                loop.remove_signal_handler(signum)
    finally:
        gc.enable()
    return app.return_code or 0


# Terminated (kill, a closing tmux pane, systemd), hung up (the SSH connection dropped) or interrupted
# before Textual puts the terminal in raw mode (afterwards ctrl+c is a key): quit the way `q` does, so
# Textual gives the terminal back (no alternate screen, no mouse reporting left on). A KeyboardInterrupt
# raised wherever Textual happens to be while it starts left the app hung in the alternate screen.
QUIT_SIGNALS = {signal.SIGTERM: 128 + signal.SIGTERM, signal.SIGHUP: 128 + signal.SIGHUP,
                signal.SIGINT: 128 + signal.SIGINT}


def quit_on_signals(app: Any, loop: Any) -> None:
    for signum, code in QUIT_SIGNALS.items():
        loop.add_signal_handler(signum, lambda code=code: app.exit(return_code=code))


def resume_collector() -> None:
    """After the first frame: what exists now is moved out of the collector's sight, then it runs again."""
    gc.freeze()
    gc.enable()
