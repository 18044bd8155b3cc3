"""The tokens an app may read besides huggingface_hub's own sources: other environment names, `.env`
files and Streamlit's secrets. They are listed and checked, never tested unless chosen (a runtime
using huggingface_hub never reads them; the app may).

The files are parsed, never executed or sourced: `.env` by a small parser of the dotenv format
(an `export` prefix, single quotes literal, double quotes with backslash escapes, inline comments
after whitespace, no `${VAR}` interpolation), `secrets.toml` with the standard library's tomllib.
Each is read bounded (localfiles): a huge, binary, unreadable or malformed file is listed as
unreadable with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from hftui.core.localfiles import Unreadable, read_small_file
from hftui.core.printable import printable

# Variable names apps read a Hugging Face token from (router-api.md §4), after huggingface_hub's own.
APP_ENV_NAMES = ("HUGGINGFACEHUB_API_TOKEN", "HF_API_TOKEN", "HF_API_KEY", "HUGGINGFACE_API_KEY", "HUGGINGFACE_TOKEN")
OPENAI_KEY = "OPENAI_API_KEY"  # counts only when it holds an hf_ token (an OpenAI-SDK app on the router)
HF_ENV_NAMES = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
TOKEN_NAMES = frozenset(name.lower() for name in (*HF_ENV_NAMES, *APP_ENV_NAMES))
DOTENV = ".env"
SECRETS = Path(".streamlit") / "secrets.toml"
APP_FILE_CAP = 256 * 1024  # a .env or secrets.toml holds a few dozen settings
MAX_DOTENV_LEVELS = 32  # directories walked up from the app's at most


class Malformed(Exception):
    """The file was read but does not parse; str() says where, in a few words."""


def wanted(key: str, value: str) -> bool:
    """Whether `key = value` in an app's settings is a Hugging Face token: a name apps read one from,
    or any value that is an HF user token (`[huggingface] token = "hf_…"`, OPENAI_API_KEY = hf_…)."""
    name = key.rsplit(".", 1)[-1].lower()
    return (name in TOKEN_NAMES and name != OPENAI_KEY.lower()) or _looks_like_hf_token(value)


def _looks_like_hf_token(value: str) -> bool:
    return value.strip().strip("\"'`").removeprefix("Bearer ").startswith("hf_")


def env_sources(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """(source, raw) for each app variable name set in `env`, in APP_ENV_NAMES order."""
    found = [(f"env:{name}", env[name]) for name in APP_ENV_NAMES if env.get(name)]
    if env.get(OPENAI_KEY) and _looks_like_hf_token(env[OPENAI_KEY]):
        found.append((f"env:{OPENAI_KEY}", env[OPENAI_KEY]))
    return found


def dotenv_files(start: Path, stop: Path | None = None) -> list[Path]:
    """`.env` in `start` and each parent up to the repository root (the first directory holding .git),
    or `stop`, the home directory or the filesystem root, whichever comes first; nearest first."""
    found, here = [], start
    home = Path(os.path.expanduser("~"))
    for _ in range(MAX_DOTENV_LEVELS):
        candidate = here / DOTENV
        if os.path.lexists(candidate):
            found.append(candidate)
        if here == stop or here == home or os.path.lexists(here / ".git") or here.parent == here:
            break
        here = here.parent
    return found


def relative_name(path: Path, cwd: Path) -> str:
    """How the user would name the file from where they run hftui: `.env`, `../.env`, `.streamlit/secrets.toml`."""
    try:
        return printable(os.path.relpath(path, cwd))
    except ValueError:  # another drive (Windows)
        return printable(str(path))


def read_dotenv(path: Path) -> list[tuple[str, str]]:
    """(key, value) of every token setting in a .env file; raises Unreadable or Malformed."""
    return [(key, value) for key, value in parse_dotenv(_read_text(path)) if wanted(key, value)]


def read_secrets(path: Path) -> list[tuple[str, str]]:
    """(key, value) of every token in a Streamlit secrets file: top-level keys, and keys one table deep
    as `table.key`; raises Unreadable or Malformed."""
    import tomllib  # ~20 ms of regex compiling, for a file few apps have

    try:
        document = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise Malformed(f"is not TOML ({printable(str(exc))})") from None
    found = []
    for key, value in document.items():
        if isinstance(value, str) and wanted(key, value):
            found.append((printable(key), value))
        elif isinstance(value, dict):
            found += [(printable(f"{key}.{inner}"), text) for inner, text in value.items()
                      if isinstance(text, str) and wanted(inner, text)]
    return found


def _read_text(path: Path) -> str:
    text = read_small_file(path, cap=APP_FILE_CAP, kind="a settings file")
    if text is None:
        raise Unreadable("is gone (it was there a moment ago)")
    if "\x00" in text:
        raise Unreadable("holds a NUL byte: binary data, not a text file; not read")
    return text


# -- the dotenv format ----------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "'": "'", "$": "$"}


def parse_dotenv(text: str) -> list[tuple[str, str]]:
    """(key, value) pairs as python-dotenv loads them. Raises Malformed for a quote never closed.

    `KEY=value # comment` → "value"; `export KEY=value`; `KEY="a\\nb"` → a newline; `KEY='a\\nb'`
    → backslash and n; a quoted value may span lines; an unquoted one is stripped of surrounding
    whitespace (a CRLF file's \\r too). A line without `=` is skipped, as python-dotenv skips it.
    """
    pairs: list[tuple[str, str]] = []
    position, length = 0, len(text)
    while position < length:
        line_end = _line_end(text, position)
        line = text[position:line_end].lstrip(" \t\ufeff")
        if not line.strip() or line.startswith("#"):
            position = line_end + 1
            continue
        if line.startswith("export ") or line.startswith("export\t"):
            line = line[7:].lstrip(" \t")
        key, sep, rest = line.partition("=")
        key = key.strip()
        if not sep or not key:
            position = line_end + 1
            continue
        value, position = _value(text, line_end - len(rest), line_end)
        pairs.append((key, value))
    return pairs


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end


def _value(text: str, start: int, line_end: int) -> tuple[str, int]:
    """The value starting at `start`, and where the next line starts."""
    while start < line_end and text[start] in " \t":
        start += 1
    quote = text[start] if start < line_end else ""
    if quote not in ("'", '"'):
        raw = text[start:line_end]
        cut = _comment_at(raw)
        return raw[:cut].strip(), line_end + 1
    chars: list[str] = []
    position = start + 1
    while position < len(text):
        char = text[position]
        if char == quote:
            return "".join(chars), _line_end(text, position) + 1
        if char == "\\" and quote == '"' and position + 1 < len(text):
            following = text[position + 1]
            chars.append(_ESCAPES.get(following, "\\" + following))
            position += 2
            continue
        if char == "\\" and quote == "'" and text[position + 1:position + 2] == "'":
            chars.append("'")
            position += 2
            continue
        chars.append(char)
        position += 1
    raise Malformed(f"a {'double' if quote == chr(34) else 'single'}-quoted value is never closed")


def _comment_at(raw: str) -> int:
    """Where an inline comment starts in an unquoted value: a # after whitespace."""
    for index, char in enumerate(raw):
        if char == "#" and (index == 0 or raw[index - 1] in " \t"):
            return index
    return len(raw)


def app_sources(env: Mapping[str, str], app_dir: Path | None, stop: Path | None = None,
                ) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """(found: (source, raw, note), unreadable: (source, why)) for the app's own places: its variable names,
    then `.env` files nearest first, then `.streamlit/secrets.toml` in `app_dir` (None: no directory)."""
    found = [(source, raw, "") for source, raw in env_sources(env)]
    unreadable: list[tuple[str, str]] = []
    if app_dir is None:
        return found, unreadable
    files = [(path, read_dotenv) for path in dotenv_files(app_dir, stop)]
    files.append((app_dir / SECRETS, read_secrets))
    for path, reader in files:
        name = relative_name(path, app_dir)
        try:
            pairs = reader(path) if os.path.lexists(path) else []
        except (Unreadable, Malformed) as exc:
            unreadable.append((name, printable(str(exc))))
            continue
        found += [(f"{name}:{printable(key)}", value, printable(str(path))) for key, value in pairs]
    return found, unreadable
