"""Text made inert before it reaches a terminal or a file: every control character shown as an escape.

One definition for the screen, the terminal report and the bundle. It imports nothing of the
engine, so the app's first frame can use it too.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, the Unicode bidi overrides/isolates ("Trojan source") and the line/paragraph
# separators: nothing a server sends may move the cursor, recolour, retitle or reorder the user's
# terminal, or start a fake line.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]")
_UNPRINTABLE_KEEP_NEWLINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]")


def printable(text: str, keep_newlines: bool = False) -> str:
    """`text` with every control character shown as an escape (ESC → \\x1b, newline → \\n): literal,
    inert text for a terminal or a Markdown file. Tabs stay; `keep_newlines` keeps \\n (for bodies)."""
    pattern = _UNPRINTABLE_KEEP_NEWLINES if keep_newlines else _UNPRINTABLE
    return pattern.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    named = {"\n": "\\n", "\r": "\\r"}
    if char in named:
        return named[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
