"""The one redaction used by every output path: screen, JSON, bundle, curl, logs, errors."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hftui.core.tokens import TokenCandidate

SUFFIX_LENGTH = 8
_MASK = "…"

# Anything shaped like an HF token (user, org, OAuth) is a secret even when we did not plant it.
_TOKEN_SHAPE = re.compile(r"\b(hf_|api_org_|hf_oauth_)[A-Za-z0-9]{20,}")


def mask(token: str) -> str:
    """Only the last 8 characters, the way the Hub's own settings page identifies a token."""
    token = token.strip()
    if not token:
        return "(empty)"
    if len(token) <= SUFFIX_LENGTH:
        return _MASK * 2  # too short to show any of it safely
    return _MASK + token[-SUFFIX_LENGTH:]


class Redactor:
    """Replaces every known secret (and anything token-shaped) with its masked form."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if not secret:
            return
        for variant in {secret, secret.strip()}:
            if len(variant) > SUFFIX_LENGTH:
                self._secrets.add(variant)

    def add_token(self, candidate: TokenCandidate) -> None:
        """A token candidate as found and as cleaned: either may show up in what a server sends back."""
        self.add(candidate.raw)
        self.add(candidate.cleaned)

    def __call__(self, text: str) -> str:
        if not text:
            return text
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, mask(secret))
        return _TOKEN_SHAPE.sub(lambda m: mask(m.group(0)), text)

    def header_value(self, name: str, value: str) -> str:
        if name.lower() in ("authorization", "proxy-authorization", "cookie", "set-cookie"):
            scheme, _, credential = value.partition(" ")
            if credential and scheme.lower() == "bearer":
                return f"Bearer {mask(credential)}"
            return mask(value)
        return self(value)

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(name, self.header_value(name, value)) for name, value in headers]
