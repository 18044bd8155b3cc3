"""The user's settings file: `$XDG_CONFIG_HOME/hftui/config.toml` (default ~/.config/hftui/config.toml).

    theme = "nord"

    [keymap]            # action id = keys (see the help screen, ? in the app)
    "step.retry" = "x"
    "app.quit" = "f10,q"

Read once at start; a file that does not parse, or names an unknown action or theme, costs one line
of notification and its defaults, never the app. Only the theme is written back, when the user picks
one: into a file that parses (a broken file is the user's to fix, not ours to overwrite), by a
temporary file renamed over it, the rest of the file kept as it was. No Textual here.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hftui.ui.actions import check_keymap

# Only for writing the theme back: compiled then, not on the way to the first frame.
_THEME_LINE = r"^[ \t]*theme[ \t]*=.*$"
_TABLE_HEADER = r"^[ \t]*\["


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or ""
    root = Path(base) if os.path.isabs(base) else Path.home() / ".config"  # the spec: a relative value is ignored
    return root / "hftui" / "config.toml"


@dataclass(frozen=True)
class Config:
    path: Path
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # each a short phrase; `summary` makes them one line

    @property
    def summary(self) -> str | None:
        if not self.problems:
            return None
        return f"{self.path}: {'; '.join(self.problems)}."


def read_config(path: Path, themes: Collection[str] | None = None) -> Config:
    """The config at `path` (none there: the defaults, silently). `themes`: the names a theme may take."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path)
    except (OSError, UnicodeDecodeError) as exc:
        return Config(path, problems=(f"could not be read ({getattr(exc, 'strerror', None) or exc}), defaults used",))
    document, error = _parse(text)
    if document is None:
        return Config(path, problems=(f"does not parse ({error}), defaults used",))
    problems: list[str] = []
    theme = document.get("theme")
    if theme is not None and not isinstance(theme, str):
        problems.append("theme must be a name in quotes, the default theme is used")
        theme = None
    elif theme is not None and themes is not None and theme not in themes:
        problems.append(f"unknown theme {theme!r}, the default theme is used")
        theme = None
    keymap_table = document.get("keymap", {})
    if not isinstance(keymap_table, dict):
        problems.append("[keymap] must be a table of action id = keys, default keys used")
        keymap_table = {}
    keymap, keymap_problems = check_keymap(keymap_table)
    problems += [f"{problem}, left out" for problem in keymap_problems]
    unknown = sorted(set(document) - {"theme", "keymap"})
    if unknown:
        problems.append(f"unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} ignored")
    return Config(path, theme, keymap, tuple(problems))


def save_theme(path: Path, theme: str) -> str | None:
    """Remember `theme` in the config file; None when done, else why not (one phrase).

    The file keeps everything else it says, comments included: only the top-level `theme` line is
    replaced (or added first). The new text must parse to the old settings with the new theme before
    it replaces the file."""
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = ""
    except (OSError, UnicodeDecodeError) as exc:
        return f"could not read {path}: {getattr(exc, 'strerror', None) or exc}"
    before, error = _parse(old)
    if before is None:
        return f"{path} does not parse ({error}); the theme was not saved, so nothing of yours is overwritten"
    import json
    import re

    line = f"theme = {json.dumps(theme)}"
    header = re.search(_TABLE_HEADER, old, re.MULTILINE)
    top_end = header.start() if header else len(old)
    current = re.compile(_THEME_LINE, re.MULTILINE).search(old, 0, top_end)
    if current is not None:
        new = old[:current.start()] + line + old[current.end():]
    else:
        new = f"{line}\n{old}"
    after, _ = _parse(new)
    if after != {**before, "theme": theme}:
        return f"{path} is laid out in a way hftui does not edit; the theme was not saved"
    try:
        _replace(path, new)
    except OSError as exc:
        return f"could not write {path}: {exc.strerror or exc}"
    return None


def _parse(text: str) -> tuple[dict | None, str | None]:
    import tomllib  # only when there is a file: the first frame does not pay for the parser

    try:
        return tomllib.loads(text), None
    except tomllib.TOMLDecodeError as exc:
        return None, str(exc)


def _replace(path: Path, text: str) -> None:
    """Write a temporary file beside `path`, then rename it over: a reader sees the old file or the new."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
