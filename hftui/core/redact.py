"""The one redaction used by every output path: screen, JSON, bundle, curl, logs, errors.

A secret is found in any form a server or a library may give it back in, not only as it was sent:
split by control characters (`b'Bearer hf_…\\n…'` in the HTTP library's own message), escaped
(`\\n`, `\\x..`, `\\u....`, percent-encoding, HTML character references), upper-cased, or only a
piece of it: any run of PIECE characters of a secret is the secret. The text is searched in a folded
view (escapes decoded, control and invisible characters dropped, ASCII lower-cased) that remembers
where each of its characters came from, and what matched is cut out of the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from hftui.core.printable import is_printable, printable, printable_tree

if TYPE_CHECKING:
    from hftui.core.tokens import TokenCandidate

SUFFIX_LENGTH = 8
SHORT_SECRET = 16  # below this, the last 8 characters would be half the secret: at most SHORT_SHOWN shown
SHORT_SHOWN = 4
# This many characters of a secret in a row are the secret (a prefix, a suffix, any middle part): as many
# as the leak scans look for, one more than a mask shows. A token is random, so 9 of its characters in a
# row never occur in other text by chance (62^9 to one).
PIECE = 9
MIN_SECRET = 4  # shorter values are not searched for (every "abc" in a body would go)
_MASK = "…"
_SENSITIVE_HEADERS = ("authorization", "proxy-authorization", "cookie", "set-cookie")

# Anything shaped like an HF token (user, org, OAuth) is a secret even when we did not plant it.
_TOKEN_SHAPE = re.compile(r"\b(hf_|api_org_|hf_oauth_)[A-Za-z0-9]{20,}")

# What the folded view drops, then decodes: raw control and invisible characters; backslash escapes
# (any number of backslashes, so an escape escaped again still decodes), percent-encoding (double
# encoding too), HTML character references; then the backslashes left over. A run of backslashes is
# matched once, from its first one, without backtracking (no escape letter is a backslash): tried from
# each of its backslashes, a body of 256 KB of them took most of an hour (quadratic).
_DROPPED = "\\x00-\\x1f\\x7f-\\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
_DROPPED_RUN = re.compile(f"[{_DROPPED}]+")
_ESCAPE = re.compile(
    r"(?<!\\)\\++(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|x([0-9a-fA-F]{2})|([0-7]{1,3})|([nrtvfbae]))"
    r"|%(?:25)*([0-9a-fA-F]{2})"
    r"|&#[xX]([0-9a-fA-F]{1,6});|&#([0-9]{1,7});"
)
_BACKSLASHES = re.compile(r"\\+")
_DROPPED_CHAR = re.compile(f"[{_DROPPED}]")
_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
_DELETE_DROPPED = dict.fromkeys(
    [*range(0x20), *range(0x7F, 0xA0), 0x61C, 0x180E, *range(0x200B, 0x2010), *range(0x2028, 0x202F),
     *range(0x2060, 0x2070), 0xFEFF, *range(0xFFF9, 0xFFFC)])


def mask(token: str) -> str:
    """Only the end of a secret, the way the Hub's own settings page identifies a token: its last 8
    characters, at most 4 of a secret shorter than 16, none of one of 8 or fewer."""
    token = token.strip()
    if not token:
        return "(empty)"
    shown = SUFFIX_LENGTH if len(token) >= SHORT_SECRET else max(0, min(SHORT_SHOWN, len(token) - SUFFIX_LENGTH))
    if not shown:
        return _MASK * 2  # too short to show any of it safely
    return printable(_MASK + token[-shown:])


def _decoded(match: re.Match[str]) -> str:
    """What one escape stands for in the folded view ('' for a control character, which is dropped)."""
    hex4, hex8, hex2, octal, letter, percent, html_hex, html_dec = match.groups()
    if letter:
        return ""  # \n, \t…
    if octal or html_dec:
        code = int(octal, 8) if octal else int(html_dec)
    else:
        code = int(hex4 or hex8 or hex2 or percent or html_hex, 16)
    if code > 0x10FFFF:
        return ""
    char = chr(code)
    return "" if _DROPPED_CHAR.match(char) else char


def _stages(text: str) -> list[tuple[re.Pattern[str], object]]:
    if "\\" in text or "%" in text or "&#" in text:
        return [(_DROPPED_RUN, ""), (_ESCAPE, _decoded), (_BACKSLASHES, "")]
    return [(_DROPPED_RUN, "")]


def fold(text: str) -> str:
    """The folded view of `text`: control and invisible characters dropped, escapes decoded, ASCII
    lower-cased. Two texts that carry the same secret in different forms fold to the same characters."""
    stages = _stages(text)
    text = text.translate(_DELETE_DROPPED)  # the first stage, without a regular expression: ~10x faster
    for pattern, replacement in stages[1:]:
        text = pattern.sub(replacement, text)
    return text.translate(_ASCII_LOWER)


def _fold_with_origins(text: str) -> tuple[str, list[int], list[int]]:
    """fold(text), and for each of its characters the span [start, end) of `text` it came from."""
    starts, ends = list(range(len(text))), list(range(1, len(text) + 1))
    for pattern, replacement in _stages(text):
        text, starts, ends = _rewrite(text, starts, ends, pattern, replacement)
    return text.translate(_ASCII_LOWER), starts, ends


def _rewrite(text: str, starts: list[int], ends: list[int], pattern: re.Pattern[str],
             replacement) -> tuple[str, list[int], list[int]]:
    """pattern.sub(replacement, text) (a replacement is at most one character), carrying the origins along."""
    parts: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    position = 0
    for match in pattern.finditer(text):
        start, end = match.span()
        parts.append(text[position:start])
        new_starts += starts[position:start]
        new_ends += ends[position:start]
        char = replacement(match) if callable(replacement) else replacement
        if char:
            parts.append(char)
            new_starts.append(starts[start])
            new_ends.append(ends[end - 1])
        position = end
    parts.append(text[position:])
    new_starts += starts[position:]
    new_ends += ends[position:]
    return "".join(parts), new_starts, new_ends


class _Secret:
    """One secret as searched for: its folded form, its pieces (or only itself, whole), what replaces it."""

    def __init__(self, secret: str, folded: str, pieces: bool = True) -> None:
        self.folded = folded
        self.width = min(PIECE, len(folded)) if pieces else len(folded)
        self.masked = mask(secret)
        # Any run of `width` characters of the secret contains one of these probes (a stride of 4, each
        # probe 3 shorter than a piece): a cheap first look; a hit is then checked piece by piece.
        stride = 4 if self.width >= 8 else 1
        probe = self.width - stride + 1
        self.probes = {folded[i:i + probe] for i in range(0, len(folded) - probe + 1, stride)}
        self.pieces = [folded[i:i + self.width] for i in range(len(folded) - self.width + 1)]

    def maybe_in(self, folded_text: str) -> bool:
        return any(probe in folded_text for probe in self.probes)

    def spans(self, folded_text: str) -> list[tuple[int, int, str]]:
        """(start, end, replacement) in the folded text, for every run of pieces of this secret."""
        hits: list[tuple[int, int]] = []
        for piece in set(self.pieces):
            at = folded_text.find(piece)
            while at >= 0:
                hits.append((at, at + self.width))
                at = folded_text.find(piece, at + 1)
        spans: list[tuple[int, int, str]] = []
        for start, end in _merged(sorted(hits)):
            found = folded_text[start:end]
            whole = self.folded in found or found.endswith(self.folded[-SUFFIX_LENGTH:])
            spans.append((start, end, self.masked if whole else _MASK))
        return spans


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class Redactor:
    """Replaces every known secret, in any form, (and anything token-shaped) with its masked form."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: dict[str, _Secret] = {}
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None, pieces: bool = True) -> None:
        """`secret`, and any PIECE of its characters in a row (`pieces`), in any form."""
        if not secret:
            return
        for variant in {secret, secret.strip()}:
            folded = fold(variant)
            known = self._secrets.get(folded)
            if len(folded) >= MIN_SECRET and (known is None or (pieces and known.width > PIECE)):
                self._secrets[folded] = _Secret(variant, folded, pieces)

    def add_token(self, candidate: TokenCandidate) -> None:
        """A token candidate as cleaned, and any piece of it; as found (quotes, 'Bearer ', whitespace
        around it), only whole: a piece of 'Bearer hf_…' would be 'Bearer hf', which is no secret."""
        self.add(candidate.cleaned)
        self.add(candidate.raw, pieces=False)

    def __call__(self, text: str) -> str:
        if not text:
            return text
        if self._secrets:
            folded = fold(text)
            suspects = [secret for secret in self._secrets.values() if secret.maybe_in(folded)]
            if suspects:
                text = self._cut(text, suspects)
        if "hf_" in text or "api_org_" in text:  # the pattern alone scans slowly
            text = _TOKEN_SHAPE.sub(lambda m: mask(m.group(0)), text)
        return text

    def _cut(self, text: str, suspects: list[_Secret]) -> str:
        folded, starts, ends = _fold_with_origins(text)
        spans = sorted(span for secret in suspects for span in secret.spans(folded))
        if not spans:
            return text
        cuts: list[tuple[int, int, str]] = []  # in the original text, overlapping ones merged
        for start, end, replacement in spans:
            begin, finish = starts[start], ends[end - 1]
            if cuts and begin <= cuts[-1][1]:
                last = cuts[-1]
                cuts[-1] = (last[0], max(last[1], finish), last[2] if last[2] != _MASK else replacement)
            else:
                cuts.append((begin, finish, replacement))
        out, position = [], 0
        for begin, finish, replacement in cuts:
            out += [text[position:begin], replacement]
            position = finish
        out.append(text[position:])
        return "".join(out)

    def inert(self, text: str, keep_newlines: bool = False) -> str:
        """Redacted, then made printable: how every foreign string is captured."""
        return printable(self(text), keep_newlines=keep_newlines)

    def tree(self, value: Any) -> Any:
        """A parsed JSON value with every string in it (keys too) redacted and made printable.

        A catalog holds ~20,000 strings: looked at one by one they cost ~150 ms. Joined by spaces (no
        token holds one, and no escape form spans one), a secret or a control character in any of them is
        in the whole, so one look at the whole says when every string can stay as it is."""
        strings: list[str] = []
        _strings_of(value, strings)
        whole = " ".join(strings)
        if is_printable(whole) and self(whole) == whole:
            return value
        return printable_tree(value, self.inert)

    def header_value(self, name: str, value: str) -> str:
        if name.lower() in _SENSITIVE_HEADERS:
            scheme, _, credential = value.partition(" ")
            if credential and scheme.lower() == "bearer":
                return f"Bearer {mask(credential)}"
            return mask(value)
        return self.inert(value)

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Names and values redacted and made printable: a server may put the token in either."""
        return [(self.inert(name), self.header_value(name, value)) for name, value in headers]


def _strings_of(value: Any, into: list[str]) -> None:
    """Every string of a parsed JSON value, keys included, in `into`."""
    if isinstance(value, str):
        into.append(value)
    elif isinstance(value, list):
        for item in value:
            _strings_of(item, into)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                into.append(key)
            _strings_of(item, into)
