"""The ASCII fallback: when the terminal (or stdout) cannot show ✓ ✗ ▶ … – ·, every one of them becomes
one ASCII character of the same width, so pass and fail still look different and columns still line up.

One table for the app and the CLI. The CLI passes its whole text through `to_ascii`; the app does the
same to every frame it writes (borders, scrollbars and Textual's own widgets included). Characters
the table does not know become "?" (or "??" when they take two cells; nothing for a zero-width one).

Detected, not guessed per glyph: `HFTUI_ASCII=1` forces it, `HFTUI_ASCII=0` turns it off; otherwise
a locale (LC_ALL, LC_CTYPE or LANG, the first set) that does not say UTF-8, or an output stream whose
encoding cannot encode the marks, asks for ASCII. No Textual here.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from typing import TextIO

ASCII_ENV = "HFTUI_ASCII"
MARKS_SAMPLE = "✓✗▶…–·"

# Each replacement is exactly one cell wide, like what it replaces.
_TABLE = {
    "✓": "+", "✗": "x", "▶": ">", "◀": "<", "▸": ">", "▾": "v", "▏": "|", "…": "~", "–": "-", "—": "-",
    "·": ".", "●": "*", "○": "o", "→": ">", "←": "<", "↑": "^", "↓": "v", "⏎": "@", "⌫": "<", "⚠": "!",
    "‹": "<", "›": ">", "•": "*", "§": "S", "✔": "+", "✘": "x", "❯": ">", "⚡": "!", "\u00a0": " ",
    "“": '"', "”": '"', "‘": "'", "’": "'", "×": "x",
    # Borders, tree guides and scrollbars (Textual's round, solid, heavy, double and block styles)
    "─": "-", "━": "-", "═": "=", "│": "|", "┃": "|", "║": "|", "╭": "+", "╮": "+", "╰": "+", "╯": "+",
    "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "+", "┤": "+", "┬": "+", "┴": "+", "┼": "+",
    "┏": "+", "┓": "+", "┗": "+", "┛": "+", "┣": "+", "┫": "+", "╔": "+", "╗": "+", "╚": "+", "╝": "+",
    "╠": "+", "╣": "+", "╶": "-", "╴": "-", "╵": "|", "╷": "|",
    "▁": "_", "▂": "_", "▃": "=", "▄": "=", "▅": "#", "▆": "#", "▇": "#", "█": "#", "▀": "=", "▔": "-",
    "▌": "|", "▐": "|", "▎": "|", "▍": "|", "▋": "|", "▊": "|", "▉": "#", "▕": "|",
    "░": ".", "▒": ":", "▓": "#", "╱": "/", "╲": "\\",
}


class _Fallback(dict):
    """A str.translate table that knows every character: ASCII stays, the rest is looked up once."""

    def __missing__(self, code: int) -> str | int:
        value: str | int
        if code < 0x80:
            value = code
        else:
            char = chr(code)
            if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
                value = ""
            else:
                value = "??" if unicodedata.east_asian_width(char) in ("W", "F") else "?"
        self[code] = value
        return value


ASCII_TABLE = _Fallback({ord(char): value for char, value in _TABLE.items()})


def to_ascii(text: str) -> str:
    """`text` with every character outside ASCII replaced by its one-cell ASCII stand-in."""
    return text if text.isascii() else text.translate(ASCII_TABLE)


def wants_ascii(stream: TextIO | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether the output should be ASCII: forced by HFTUI_ASCII, else detected from the locale and
    the encoding of `stream` (when given)."""
    env = os.environ if environ is None else environ
    forced = env.get(ASCII_ENV, "").strip().lower()
    if forced in ("1", "true", "yes", "on"):
        return True
    if forced in ("0", "false", "no", "off"):
        return False
    locale = next((env[name] for name in ("LC_ALL", "LC_CTYPE", "LANG") if env.get(name)), "")
    if locale and not _says_utf8(locale):
        return True
    encoding = getattr(stream, "encoding", None) if stream is not None else None
    if encoding:
        try:
            MARKS_SAMPLE.encode(encoding)
        except (UnicodeEncodeError, LookupError):
            return True
    return False


def _says_utf8(locale: str) -> bool:
    return "utf-8" in locale.lower() or "utf8" in locale.lower()
