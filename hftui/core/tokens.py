"""Token sources and hygiene: where a token came from and what is wrong with its raw value.

Everything here works on the *raw* value, because that is what the user's app sends; the
cleaned value is what huggingface_hub would send after stripping.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from hftui.core.redact import mask


class TokenProblem(str, Enum):
    LEADING_WHITESPACE = "leading_whitespace"
    TRAILING_WHITESPACE = "trailing_whitespace"
    NEWLINE = "newline"
    QUOTED = "quoted"
    BEARER_PREFIX = "bearer_prefix"
    BOM = "bom"
    ORG_TOKEN = "org_token"
    NOT_HF_TOKEN = "not_hf_token"
    EMPTY = "empty"
    DIFFERS_FROM_OTHER_SOURCE = "differs_from_other_source"

    @property
    def explanation(self) -> str:
        return _EXPLANATIONS[self]


_EXPLANATIONS = {
    TokenProblem.LEADING_WHITESPACE: "starts with whitespace",
    TokenProblem.TRAILING_WHITESPACE: "ends with whitespace",
    TokenProblem.NEWLINE: "contains a line break (\\n or \\r), e.g. from `echo` into a file or a .env loader",
    TokenProblem.QUOTED: "is wrapped in quotes, e.g. copied from a .env file or YAML",
    TokenProblem.BEARER_PREFIX: "already starts with 'Bearer ', so the header becomes 'Bearer Bearer ...'",
    TokenProblem.BOM: "starts with a byte-order mark (U+FEFF), typical of files saved by Windows editors",
    TokenProblem.ORG_TOKEN: "is an organization token (api_org_...), not a user token",
    TokenProblem.NOT_HF_TOKEN: "does not start with hf_ (a provider key? huggingface_hub sends such keys to the provider directly)",
    TokenProblem.EMPTY: "is empty",
    TokenProblem.DIFFERS_FROM_OTHER_SOURCE: "differs from the token in another source (an old token may shadow a new one)",
}

# Problems that cleaning removes: the same token, badly transported.
CLEANABLE = frozenset(
    {
        TokenProblem.LEADING_WHITESPACE,
        TokenProblem.TRAILING_WHITESPACE,
        TokenProblem.NEWLINE,
        TokenProblem.QUOTED,
        TokenProblem.BEARER_PREFIX,
        TokenProblem.BOM,
    }
)

_QUOTES = ("\"", "'", "`")
_BOM = "\ufeff"


def clean_token(raw: str) -> str:
    """The token the user meant: no BOM, whitespace, quotes or 'Bearer ' prefix.

    Peels layers (quotes inside whitespace inside quotes, ...) until none is left, so cleaning is
    idempotent; it moves two indices instead of copying, so even a huge value costs linear time.
    """
    value = raw.replace(_BOM, "")  # a BOM is never part of a token, wherever it sits
    start, end = 0, len(value)
    while True:
        before = (start, end)
        while start < end and value[start].isspace():
            start += 1
        while end > start and value[end - 1].isspace():
            end -= 1
        if end - start >= 2 and value[start] == value[end - 1] and value[start] in _QUOTES:
            start, end = start + 1, end - 1
        if value[start:min(start + 7, end)].lower() == "bearer ":
            start += 7
        if (start, end) == before:
            return value[start:end]


def inspect_token(raw: str) -> list[TokenProblem]:
    """Problems of one raw value, in a stable order; never raises."""
    problems: list[TokenProblem] = []
    if not raw.strip():
        return [TokenProblem.EMPTY]
    if raw.startswith(_BOM):
        problems.append(TokenProblem.BOM)
    body = raw.replace(_BOM, "")
    if body[:1].isspace():
        problems.append(TokenProblem.LEADING_WHITESPACE)
    if body[-1:].isspace():
        problems.append(TokenProblem.TRAILING_WHITESPACE)
    if "\n" in raw or "\r" in raw:
        problems.append(TokenProblem.NEWLINE)
    stripped = body.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in _QUOTES:
        problems.append(TokenProblem.QUOTED)
    if any(part[:7].lower() == "bearer " for part in (stripped, stripped.strip("\"'`"))):
        problems.append(TokenProblem.BEARER_PREFIX)
    cleaned = clean_token(raw)
    if cleaned.startswith("api_org_"):
        problems.append(TokenProblem.ORG_TOKEN)
    elif cleaned and not cleaned.startswith("hf_"):
        problems.append(TokenProblem.NOT_HF_TOKEN)
    if not cleaned:
        problems.append(TokenProblem.EMPTY)
    return problems


PASTED = "pasted"  # the source of a token the user pasted into the app


@dataclass(frozen=True)
class TokenCandidate:
    """One token found in one place, as raw as the place holds it."""

    source: str  # e.g. "env:HF_TOKEN", "keyring", "file:~/.cache/huggingface/token", "stored_tokens:work"
    raw: str = field(repr=False)
    problems: tuple[TokenProblem, ...] = ()
    note: str = ""  # where exactly, e.g. the file path

    @classmethod
    def pasted(cls, raw: str) -> TokenCandidate:
        """A value the user pasted, exactly as pasted: tested for this session only, never stored."""
        return cls(source=PASTED, raw=raw, problems=tuple(inspect_token(raw)), note="this session only")

    @property
    def cleaned(self) -> str:
        return clean_token(self.raw)

    @property
    def suffix(self) -> str:
        return mask(self.cleaned)

    @property
    def length(self) -> int:
        return len(self.raw)

    @property
    def is_malformed(self) -> bool:
        """The raw value differs from what the user meant: the app sends something else."""
        return self.raw != self.cleaned

    def __str__(self) -> str:
        return f"{self.source} {self.suffix}"


@dataclass(frozen=True)
class TokenReport:
    candidates: tuple[TokenCandidate, ...]
    unreadable: tuple[tuple[str, str], ...] = ()  # (source, why): a source that exists but could not be read

    @property
    def active(self) -> TokenCandidate | None:
        return self.candidates[0] if self.candidates else None

    def by_source(self, source: str) -> TokenCandidate | None:
        return next((c for c in self.candidates if c.source == source), None)

    @property
    def keyring_cannot_win(self) -> bool:
        """An environment variable holds the active token: the keyring comes after the environment, so
        its token cannot be the one a runtime uses (a caller may read it later, in the background)."""
        return self.active is not None and self.active.source.startswith("env:")


KeyringReader = Callable[[], "str | None"]


@dataclass(frozen=True)
class TokenLocations:
    """Where to look; injected so tests and the demo never touch the user's real files."""

    env: Mapping[str, str]
    token_env: str | None = None  # --token-env NAME: read that variable raw, first
    keyring_reader: KeyringReader | None = None
    token_path: Path | None = None
    stored_tokens_path: Path | None = None

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str] | None = None, token_env: str | None = None,
        keyring_reader: KeyringReader | None = None,
    ) -> TokenLocations:
        env = dict(os.environ if env is None else env)
        token_path, stored_path = hf_token_paths(env)
        return cls(env=env, token_env=token_env, keyring_reader=keyring_reader,
                   token_path=token_path, stored_tokens_path=stored_path)


def hf_token_paths(env: Mapping[str, str]) -> tuple[Path, Path]:
    """The token file and stored_tokens, resolved the way huggingface_hub resolves them.

    Computed from `env` rather than read from huggingface_hub.constants, which freezes
    the process environment at import time and would ignore an injected one.
    """
    hf_home = env.get("HF_HOME") or os.path.join(
        env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface"
    )
    hf_home = os.path.expanduser(hf_home)
    token_path = Path(os.path.expanduser(env.get("HF_TOKEN_PATH") or os.path.join(hf_home, "token")))
    stored_path = token_path.parent / "stored_tokens"
    return token_path, stored_path


def discover_tokens(where: TokenLocations) -> TokenReport:
    """Every candidate, in precedence order: the first one is what the run will use."""
    found: list[tuple[str, str, str]] = []  # (source, raw, note)
    unreadable: list[tuple[str, str]] = []

    env_names = ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"]
    if where.token_env and where.token_env not in env_names:
        env_names.insert(0, where.token_env)
    elif where.token_env:
        env_names.remove(where.token_env)
        env_names.insert(0, where.token_env)
    for name in env_names:
        value = where.env.get(name)
        if value is not None and value != "":
            found.append((f"env:{name}", value, ""))

    if where.keyring_reader is not None:
        try:
            value = where.keyring_reader()
        except Exception as exc:  # a keyring that cannot answer is a finding, not a crash
            unreadable.append(("keyring", str(exc) or type(exc).__name__))
        else:
            if value:
                found.append(("keyring", value, ""))

    if where.token_path is not None:
        _read_token_file(where.token_path, found, unreadable)
    if where.stored_tokens_path is not None:
        _read_stored_tokens(where.stored_tokens_path, found, unreadable)

    # stored_tokens is a library of named tokens, not something a runtime loads, so only the
    # sources a runtime would pick count as shadowing each other.
    runtime_values = {clean_token(raw) for source, raw, _ in found if not source.startswith("stored_tokens:")}
    candidates = []
    for source, raw, note in found:
        problems = inspect_token(raw)
        if len(runtime_values) > 1 and not source.startswith("stored_tokens:"):
            problems.append(TokenProblem.DIFFERS_FROM_OTHER_SOURCE)
        candidates.append(TokenCandidate(source=source, raw=raw, problems=tuple(problems), note=note))
    return TokenReport(candidates=tuple(candidates), unreadable=tuple(unreadable))


def _read_token_file(path: Path, found: list, unreadable: list) -> None:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError) as exc:
        unreadable.append((f"file:{path}", f"cannot read: {type(exc).__name__}"))
        return
    if raw.strip():
        # A file ends with a newline by convention and huggingface_hub strips it, so only
        # what is left after one final newline counts as the file's raw token.
        found.append(("file:token", raw[:-1] if raw.endswith("\n") else raw, str(path)))


def _read_stored_tokens(path: Path, found: list, unreadable: list) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError) as exc:
        unreadable.append((f"stored_tokens:{path}", f"cannot parse: {type(exc).__name__}"))
        return
    import configparser  # only when there is a file to parse: most users have none, and every start paid for it

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        unreadable.append((f"stored_tokens:{path}", f"cannot parse: {type(exc).__name__}"))
        return
    for name in parser.sections():
        value = parser.get(name, "hf_token", fallback=None)
        if value:
            found.append((f"stored_tokens:{name}", value, str(path)))
