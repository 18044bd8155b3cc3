"""Write screenshots/*.svg: the app against the built-in simulator, in frozen (deterministic) mode:
timings, request ids, dates and ports are fixed values that read like real ones (ui/format.py).

    python scripts/screenshots.py            # all of them
    python scripts/screenshots.py main-case-b small-case-b

Nothing here touches the real keyring or token file: tokens come from the scenario only, and the
keyring is keyring's own `fail` backend (what a plain SSH session gets), which stores nothing.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"


@dataclass(frozen=True)
class Shot:
    name: str
    scenario: str
    size: tuple[int, int] = (160, 48)
    action: Callable[..., Awaitable[None]] | None = None
    note: str = ""


async def focus_credentials(pilot) -> None:
    pilot.app.query_one("#sources").focus()
    await pilot.pause()


async def open_failed_step(pilot) -> None:
    tree = pilot.app.query_one("#steps")
    tree.focus()
    tree.select("as-configured")
    await pilot.pause()
    await pilot.press("enter")  # the evidence viewer


async def sweep_every_provider(pilot) -> None:
    await pilot.press("p")  # asks first: each call is billed
    await pilot.pause()
    await pilot.press("y")


SHOTS = [
    *(Shot(f"main-{case}", case, note=f"main screen, {case}") for case in ("case-a", "case-b", "case-c", "case-d")),
    Shot("ssh-case-b", "case-b", size=(80, 24), note="80x24, an SSH session's default size"),
    Shot("small-case-b", "case-b", size=(100, 30), note="100x30"),
    Shot("credentials-token-newline", "token-newline", action=focus_credentials,
         note="credentials pane focused: the runtime token ends with a newline"),
    Shot("evidence-case-b", "case-b", size=(100, 30), action=open_failed_step,
         note="the failing step in the evidence viewer: its whole request and response"),
    Shot("sweep-five-providers", "sweep-five-providers", action=sweep_every_provider,
         note="p: the model pinned to every provider that serves it, the verdict recommending a working one"),
    Shot("sweep-ssh", "sweep-five-providers", size=(80, 24), action=sweep_every_provider,
         note="the sweep table at 80x24"),
]


async def take(shot: Shot) -> str:
    from hftui.core.keystore import Keystore
    from hftui.core.session import Session
    from hftui.sim import SimServer, get_scenario
    from hftui.ui.app import HftuiApp
    from hftui.ui.pilot import settle

    scenario = get_scenario(shot.scenario)
    with SimServer(scenario, port=0) as sim:
        app = HftuiApp(Session.for_simulator(scenario, sim.url), scenario=scenario, frozen=True,
                       keystore=Keystore(service="hftui-screenshots"))
        async with app.run_test(size=shot.size) as pilot:
            await settle(pilot)
            if shot.action is not None:
                await shot.action(pilot)
                await settle(pilot)
            return stable_ids(app.export_screenshot(title=f"hftui demo {shot.scenario}"))


def stable_ids(svg: str) -> str:
    """Rich names the SVG's CSS classes after a hash that can differ between identical renders;
    name them after the content instead, so an unchanged screen gives an unchanged file."""
    import re
    import zlib

    pattern = re.compile(r"terminal-\d+")
    digest = zlib.adler32(pattern.sub("terminal", svg).encode("utf-8"))
    return pattern.sub(f"terminal-{digest}", svg)


def isolate() -> None:
    """The process that takes screenshots sees no real token, keyring, HF cache or hftui settings."""
    import keyring
    from keyring.backends import fail

    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HFTUI_NO_KEYRING", "NO_COLOR"):
        os.environ.pop(name, None)
    os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="hftui-screenshots-")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="hftui-screenshots-config-")  # default keys and theme
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ["HF_HUB_OFFLINE"] = "1"
    keyring.set_keyring(fail.Keyring())


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    isolate()
    wanted = set(argv)
    unknown = wanted - {shot.name for shot in SHOTS}
    if unknown:
        print(f"unknown screenshot(s): {', '.join(sorted(unknown))}; known: {', '.join(s.name for s in SHOTS)}",
              file=sys.stderr)
        return 2
    OUT.mkdir(exist_ok=True)
    for shot in SHOTS:
        if wanted and shot.name not in wanted:
            continue
        svg = asyncio.run(take(shot))
        path = OUT / f"{shot.name}.svg"
        path.write_text(svg, encoding="utf-8")
        print(f"{path.relative_to(ROOT)}  {shot.size[0]}x{shot.size[1]}  {shot.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
