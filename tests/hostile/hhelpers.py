"""Running hftui against a hostile server and collecting every artifact it produces, to scan them all."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from helpers import HANG_LIMIT, assert_no_leak_in_any_form, hftui
from hostile_server import MODEL

# Distinct from every simulator token, with no run of 9 characters in common with any other text.
PLANTED = "hf_PLANTxQ7w2e9r4t6y8u1i3o5p0aZsXdCf"
PROVIDER_KEY = "sk-proj-H0stileN0tAnHfTok3nQ9w8e7r6t5y4"
RAW_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"


@dataclass
class Artifacts:
    """Everything one set of runs wrote: each stream and file by name."""

    texts: dict[str, str] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)

    def assert_no_leak(self, token: str) -> None:
        for name, text in self.texts.items():
            assert_no_leak_in_any_form(text, token, name)

    def assert_calm(self) -> None:
        """Every run exited by itself with 0, 1 (a verdict) or 2 (a usage line), never with a traceback."""
        for name, text in self.texts.items():
            assert "Traceback" not in text, f"{name}: {text[-3000:]}"
        for name, code in self.codes.items():
            assert code in (0, 1, 2), (name, code)

    @property
    def document(self) -> dict:
        return json.loads(self.texts["json stdout"])


def run(*args: str, env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess:
    return hftui(*args, env={"NO_COLOR": "1", **(env or {})}, timeout=HANG_LIMIT * 2)


def every_artifact(url: str, token: str, tmp_path: Path, *extra: str, curl: tuple[str, ...] = ("whoami",),
                   env: dict[str, str | None] | None = None, token_file: str | None = None) -> Artifacts:
    """diagnose against `url` with `token` in HF_TOKEN (or only in the token file): the plain table with the
    Markdown bundle, --json with the JSON bundle, and --curl of `curl` steps; every stream and file."""
    common = ["--hub-url", url, "--router-url", url, "--model", MODEL, "--timeout", "5", *extra]
    env = {"HF_TOKEN": token if token_file is None else None, **(env or {})}
    if token_file is not None:
        env["HF_TOKEN_PATH"] = token_file
    artifacts = Artifacts()
    runs = {"plain": ["diagnose", *common, "--report", str(tmp_path / "bundle.md")],
            "json": ["diagnose", "--json", *common, "--report", str(tmp_path / "bundle.json")],
            **{f"curl {step}": ["diagnose", *common, "--curl", step] for step in curl}}
    for name, args in runs.items():
        result = run(*args, env=env)
        artifacts.texts[f"{name} stdout"] = result.stdout
        artifacts.texts[f"{name} stderr"] = result.stderr
        artifacts.codes[name] = result.returncode
    for name in ("bundle.md", "bundle.json"):
        path = tmp_path / name
        artifacts.texts[name] = path.read_text(errors="backslashreplace") if path.exists() else ""
    return artifacts


def screen_text(app) -> str:
    """What the app's screen shows right now, as plain text (its notifications and the palette included)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, color_system="truecolor",
                      record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()
