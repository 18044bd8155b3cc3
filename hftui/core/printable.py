"""Text made inert before it reaches a terminal or a file: every control character shown as an escape.

The one boundary for foreign text. Whatever came from a server (reason phrase, header names and
values, body, every string of a parsed JSON body, the failure text of the HTTP library) or from a
local source (token sources, their notes, why one could not be read) goes through `printable` once,
in core, when it is captured; views only ever build text from what came out of it.

It imports nothing of the engine, so the app's first frame can use it too.
"""

from __future__ import annotations

import functools
import re
from typing import Any

# C0 and C1 controls, DEL, the bidi marks, overrides and isolates ("Trojan source"), the line and
# paragraph separators, zero-width and invisible format characters, the BOM, lone surrogates (what a
# byte that is not UTF-8 becomes in an environment variable: unencodable, it would crash a write) and
# the invisible tag characters: nothing foreign may move the cursor, recolour, retitle, reorder or
# hide part of the user's screen, start a fake line, or stop a report from being written.
_INVISIBLE = ("\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
              "\ud800-\udfff\U000e0000-\U000e007f")
UNPRINTABLE = re.compile(f"[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f{_INVISIBLE}]")
_UNPRINTABLE_KEEP_NEWLINES = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_INVISIBLE}]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def printable(text: str, keep_newlines: bool = False) -> str:
    """`text` with every control character shown as an escape (ESC → \\x1b, newline → \\n): literal,
    inert text for a terminal or a Markdown file. Tabs stay; `keep_newlines` keeps \\n (for bodies)."""
    pattern = _UNPRINTABLE_KEEP_NEWLINES if keep_newlines else UNPRINTABLE
    if pattern.search(text) is None:
        return text
    # One pass in C: a body of 256 KB of NULs is a million characters of escapes, not 256 K calls.
    return text.translate(_escapes(keep_newlines))


def is_printable(text: str, keep_newlines: bool = False) -> bool:
    """Whether `text` is already inert (printable() would leave it as it is)."""
    pattern = _UNPRINTABLE_KEEP_NEWLINES if keep_newlines else UNPRINTABLE
    return pattern.search(text) is None


def printable_tree(value: Any, clean=printable) -> Any:
    """A parsed JSON value with `clean` applied to every string in it, keys included."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [printable_tree(item, clean) for item in value]
    if isinstance(value, dict):
        return {clean(key) if isinstance(key, str) else key: printable_tree(item, clean)
                for key, item in value.items()}
    return value


def _escape(code: int) -> str:
    char = chr(code)
    if char in _NAMED:
        return _NAMED[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _table(pattern: re.Pattern[str]) -> dict[int, str]:
    codes = [*range(0x100), *range(0x0600, 0x0700), 0x180E, *range(0x2000, 0x2070), *range(0xD800, 0xE000),
             *range(0xFEFF, 0xFF00), *range(0xFFF0, 0x10000), *range(0xE0000, 0xE0080)]
    return {code: _escape(code) for code in codes if pattern.match(chr(code))}


@functools.cache
def _escapes(keep_newlines: bool) -> dict[int, str]:
    """The translate table, built when first needed: ~8 ms of matching at import, on every start."""
    return _table(_UNPRINTABLE_KEEP_NEWLINES if keep_newlines else UNPRINTABLE)
