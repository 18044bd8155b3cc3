"""Token sources and hygiene: where a token came from and what is wrong with its raw value.

Everything here works on the *raw* value, because that is what the user's app sends; the
cleaned value is what huggingface_hub would send after stripping.
"""

from __future__ import annotations

import os
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

from hftui.core.appfiles import app_sources
from hftui.core.localfiles import Unreadable, read_small_file
from hftui.core.printable import printable
from hftui.core.redact import mask


class TokenProblem(str, Enum):
    LEADING_WHITESPACE = "leading_whitespace"
    TRAILING_WHITESPACE = "trailing_whitespace"
    NEWLINE = "newline"
    QUOTED = "quoted"
    STRAY_QUOTE = "stray_quote"
    BEARER_PREFIX = "bearer_prefix"
    BOM = "bom"
    ORG_TOKEN = "org_token"
    NOT_HF_TOKEN = "not_hf_token"
    EMPTY = "empty"
    DIFFERS_FROM_OTHER_SOURCE = "differs_from_other_source"
    EXPIRED = "expired"
    NOT_UTF8 = "not_utf8"
    ODD_CHARACTER = "odd_character"

    @property
    def explanation(self) -> str:
        return _EXPLANATIONS[self]


_EXPLANATIONS = {
    TokenProblem.LEADING_WHITESPACE: "starts with whitespace",
    TokenProblem.TRAILING_WHITESPACE: "ends with whitespace",
    TokenProblem.NEWLINE: "contains a line break (\\n or \\r), e.g. from `echo` into a file or a .env loader",
    TokenProblem.QUOTED: "is wrapped in quotes, e.g. copied from a .env file or YAML",
    TokenProblem.STRAY_QUOTE: "starts or ends with a lone quote, e.g. half of a quoted value copied from a .env file",
    TokenProblem.BEARER_PREFIX: "already starts with 'Bearer ', so the header becomes 'Bearer Bearer ...'",
    TokenProblem.BOM: "starts with a byte-order mark (U+FEFF), typical of files saved by Windows editors",
    TokenProblem.ORG_TOKEN: "is an organization token (api_org_...), not a user token",
    TokenProblem.NOT_HF_TOKEN: "does not start with hf_ (a provider key? huggingface_hub sends such keys to the provider directly)",
    TokenProblem.EMPTY: "is empty",
    TokenProblem.DIFFERS_FROM_OTHER_SOURCE: "differs from the token in another source (an old token may shadow a new one)",
    TokenProblem.EXPIRED: "is a short-lived OAuth access token whose stored expires_at has passed",
    TokenProblem.NOT_UTF8: "holds a byte that is not UTF-8 (a file or variable saved in another encoding); "
                           "no HTTP library can send it",
    TokenProblem.ODD_CHARACTER: "holds a character no token has (from a rich-text paste, a keyboard layout, "
                                "an escape sequence…)",
}

OIDC_VARIABLE = "HF_OIDC_RESOURCE"
OIDC_NOTE = ("huggingface_hub's first source: an OIDC resource it exchanges for a short-lived token; hftui cannot "
             "exchange it, so it tests the next source (an app using huggingface_hub gets the exchanged token)")

# Problems that cleaning removes: the same token, badly transported.
CLEANABLE = frozenset(
    {
        TokenProblem.LEADING_WHITESPACE,
        TokenProblem.TRAILING_WHITESPACE,
        TokenProblem.NEWLINE,
        TokenProblem.QUOTED,
        TokenProblem.STRAY_QUOTE,
        TokenProblem.BEARER_PREFIX,
        TokenProblem.BOM,
    }
)

_QUOTES = ("\"", "'", "`")
_BOM = "\ufeff"
# What tokens and provider keys are made of; anything else inside the cleaned value is named.
_TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/=:")
_CONTROL_NAMES = {0x00: "NUL", 0x09: "TAB", 0x0A: "LINE FEED (\\n)", 0x0B: "VERTICAL TAB", 0x0C: "FORM FEED",
                  0x0D: "CARRIAGE RETURN (\\r)", 0x1B: "ESCAPE", 0x7F: "DELETE"}
MAX_CHARACTER_NOTES = 5


def clean_token(raw: str) -> str:
    """The token the user meant: no BOM, whitespace, quotes (a pair, or a lone one at either end: a token
    never holds a quote) or 'Bearer ' prefix.

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
        elif start < end and value[start] in _QUOTES:
            start += 1
        elif start < end and value[end - 1] in _QUOTES:
            end -= 1
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
    elif stripped[:1] in _QUOTES or stripped[-1:] in _QUOTES:
        problems.append(TokenProblem.STRAY_QUOTE)
    if any(part[:7].lower() == "bearer " for part in (stripped, stripped.strip("\"'`"))):
        problems.append(TokenProblem.BEARER_PREFIX)
    cleaned = clean_token(raw)
    if cleaned.startswith("api_org_"):
        problems.append(TokenProblem.ORG_TOKEN)
    elif cleaned and not cleaned.startswith("hf_"):
        problems.append(TokenProblem.NOT_HF_TOKEN)
    if not cleaned:
        problems.append(TokenProblem.EMPTY)
    odd = [char for char in cleaned if char not in _TOKEN_CHARACTERS]
    if any(_not_utf8(char) for char in raw):
        problems.append(TokenProblem.NOT_UTF8)
    if any(not _not_utf8(char) and char not in "\n\r" for char in odd):
        problems.append(TokenProblem.ODD_CHARACTER)
    return problems


def _not_utf8(char: str) -> bool:
    """A byte that was not UTF-8, as Python keeps it in os.environ and in surrogateescape-decoded text."""
    return "\udc80" <= char <= "\udcff"


def odd_characters(raw: str) -> list[str]:
    """Each character of the cleaned value that no token has, said in words: where, its code, its name."""
    cleaned = clean_token(raw)
    offset = raw.find(cleaned) if cleaned else 0
    notes: list[str] = []
    odd = [(index, char) for index, char in enumerate(cleaned) if char not in _TOKEN_CHARACTERS]
    for index, char in odd[:MAX_CHARACTER_NOTES]:
        notes.append(f"character {offset + index + 1}: {describe_character(char)}")
    if len(odd) > MAX_CHARACTER_NOTES:
        notes.append(f"and {len(odd) - MAX_CHARACTER_NOTES} more")
    return notes


def describe_character(char: str) -> str:
    """'U+00E9 é LATIN SMALL LETTER E WITH ACUTE', 'U+000B VERTICAL TAB', 'byte 0xFF (not UTF-8)'."""
    if _not_utf8(char):
        return f"byte 0x{ord(char) - 0xDC00:02X} (not UTF-8)"
    code = ord(char)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(char, "")
    category = unicodedata.category(char)
    if not name:
        name = "a control character" if category == "Cc" else "an unnamed character"
    shown = f" '{char}'" if category[0] not in "CZ" else ""  # the glyph only when it is a visible one
    return printable(f"U+{code:04X}{shown} {name}")


PASTED = "pasted"  # the source of a token the user pasted into the app
STORED_PREFIX = "stored_tokens:"
SIMULATED = "sim"  # "sim:HF_TOKEN": a simulator scenario's fake token (demo, `diagnose --sim`)


def read_by(source: str) -> str:
    """Which runtimes read a source: the keyring entry is hftui's own, and nobody else's."""
    if source in ("env:HF_TOKEN", "env:HUGGING_FACE_HUB_TOKEN"):
        first = "first" if source == "env:HF_TOKEN" else "after HF_TOKEN"
        return f"read by huggingface_hub ({first}) and by apps that read the variable themselves"
    if source.startswith("env:"):
        return "read by the apps told to read this variable (--token-env)"
    if source == "keyring":
        return "hftui's own entry: read by hftui only, never by huggingface_hub or your app"
    if source == "file:token" or source.startswith("file:"):
        return "read by huggingface_hub when HF_TOKEN is not set (written by `hf auth login`)"
    if source.startswith(STORED_PREFIX):
        return "a saved token: read by no runtime until `hf auth switch` makes it the token file"
    if source == PASTED:
        return "tested by hftui in this session only; no runtime reads it"
    if source.startswith(f"{SIMULATED}:"):
        return "the simulator's fake token"
    return ""


@dataclass(frozen=True)
class TokenCandidate:
    """One token found in one place, as raw as the place holds it."""

    source: str  # e.g. "env:HF_TOKEN", "keyring", "file:~/.cache/huggingface/token", "stored_tokens:work"
    raw: str = field(repr=False)
    problems: tuple[TokenProblem, ...] = ()
    note: str = ""  # where exactly, e.g. the file path
    # From stored_tokens (browser OAuth login): when this value expires (unix s), and whether a refresh
    # token is stored beside it. Any source holding the same value carries them.
    expires_at: int | None = None
    refreshable: bool = False
    # A place an app may read and huggingface_hub never does (another variable name, .env, Streamlit's
    # secrets): listed and checked, tested only when chosen or when no runtime source holds a token.
    app_source: bool = False

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
    def expired(self) -> bool:
        return TokenProblem.EXPIRED in self.problems

    @property
    def expiry_text(self) -> str:
        """When it expired (or expires), in UTC; '' when no source says."""
        if self.expires_at is None:
            return ""
        return datetime.fromtimestamp(self.expires_at, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    @property
    def odd_characters(self) -> list[str]:
        """The characters no token has, in words (ODD_CHARACTER and NOT_UTF8 say which)."""
        return odd_characters(self.raw)

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
        """What a runtime would use: the first candidate, never one from stored_tokens, which no runtime
        reads first (`hf auth switch` copies one into the token file); an app's own source (a .env, say,
        which python-dotenv loads into HF_TOKEN) only when huggingface_hub's sources hold none."""
        runtime = [c for c in self.candidates if not c.source.startswith(STORED_PREFIX)]
        return next((c for c in runtime if not c.app_source), None) or next(iter(runtime), None)

    @property
    def stored(self) -> tuple[TokenCandidate, ...]:
        return tuple(c for c in self.candidates if c.source.startswith(STORED_PREFIX))

    def by_source(self, source: str) -> TokenCandidate | None:
        return next((c for c in self.candidates if c.source == source), None)

    @property
    def keyring_cannot_win(self) -> bool:
        """An environment variable holds the active token: the keyring comes after the environment, so
        its token cannot be the one a runtime uses (a caller may read it later, in the background)."""
        active = self.active
        return active is not None and active.source.startswith("env:") and not active.app_source


KeyringReader = Callable[[], "str | None"]


@dataclass(frozen=True)
class TokenLocations:
    """Where to look; injected so tests and the demo never touch the user's real files."""

    env: Mapping[str, str]
    token_env: str | None = None  # --token-env NAME: read that variable raw, first
    keyring_reader: KeyringReader | None = None
    token_path: Path | None = None
    stored_tokens_path: Path | None = None
    clock: Callable[[], float] = time.time  # what "now" is when a stored expires_at is compared with it
    app_dir: Path | None = None  # where the app runs: its .env (and its parents'), its .streamlit/secrets.toml
    app_root: Path | None = None  # where the search for .env files stops (None: the repository root or home)

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str] | None = None, token_env: str | None = None,
        keyring_reader: KeyringReader | None = None,
    ) -> TokenLocations:
        env = dict(os.environ if env is None else env)
        token_path, stored_path = hf_token_paths(env)
        try:
            app_dir: Path | None = Path.cwd()
        except OSError:  # the current directory was removed
            app_dir = None
        return cls(env=env, token_env=token_env, keyring_reader=keyring_reader,
                   token_path=token_path, stored_tokens_path=stored_path, app_dir=app_dir)


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
    expiries: dict[str, tuple[int | None, bool]] = {}  # cleaned value -> (expires_at, refresh token stored)
    if where.env.get(OIDC_VARIABLE):
        unreadable.append((f"env:{OIDC_VARIABLE}", OIDC_NOTE))

    env_names = ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"]
    if where.token_env and where.token_env not in env_names:
        env_names.insert(0, where.token_env)
    elif where.token_env:
        env_names.remove(where.token_env)
        env_names.insert(0, where.token_env)
    for name in env_names:
        value = where.env.get(name)
        if value is not None and value != "":
            found.append((f"env:{printable(name)}", value, ""))

    if where.keyring_reader is not None:
        try:
            value = as_text(where.keyring_reader())
        except Exception as exc:  # a keyring that cannot answer is a finding, not a crash
            unreadable.append(("keyring", printable(str(exc) or type(exc).__name__)))
        else:
            if value:
                found.append(("keyring", value, ""))

    if where.token_path is not None:
        _read_token_file(where.token_path, found, unreadable)
    if where.stored_tokens_path is not None:
        _read_stored_tokens(where.stored_tokens_path, found, unreadable, expiries)
    app_found, app_unreadable = app_sources(where.env, where.app_dir, where.app_root)
    app_found = [item for item in app_found if item[0] != f"env:{where.token_env}"]  # already first
    found += app_found
    unreadable += app_unreadable
    from_app = {source for source, _, _ in app_found}
    now = where.clock()

    # stored_tokens is a library of named tokens, not something a runtime loads, so only the
    # sources a runtime would pick count as shadowing each other.
    runtime_values = {clean_token(raw) for source, raw, _ in found if not source.startswith(STORED_PREFIX)}
    candidates = []
    for source, raw, note in found:
        problems = inspect_token(raw)
        if len(runtime_values) > 1 and not source.startswith(STORED_PREFIX):
            problems.append(TokenProblem.DIFFERS_FROM_OTHER_SOURCE)
        candidate = TokenCandidate(source=source, raw=raw, problems=tuple(problems), note=note,
                                   app_source=source in from_app)
        expires_at, refreshable = expiries.get(candidate.cleaned, (None, False))
        if expires_at is not None and expires_at <= now:
            problems.append(TokenProblem.EXPIRED)
        candidates.append(replace(candidate, problems=tuple(problems), expires_at=expires_at, refreshable=refreshable))
    return TokenReport(candidates=tuple(candidates), unreadable=tuple(unreadable))


def as_text(value: object) -> str | None:
    """A keyring's answer as text: bytes (some backends return them) decoded the way the environment
    keeps a byte that is not UTF-8, so it is flagged instead of crashing; anything else is an error."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="surrogateescape")
    raise TypeError(f"the keyring returned a {type(value).__name__}, not text")


def _read_token_file(path: Path, found: list, unreadable: list) -> None:
    try:
        raw = read_small_file(path)
    except Unreadable as exc:
        unreadable.append((f"file:{printable(str(path))}", printable(str(exc))))
        return
    if raw is not None and raw.strip():
        # A file ends with a newline by convention and huggingface_hub strips it, so only
        # what is left after one final newline counts as the file's raw token.
        found.append(("file:token", raw[:-1] if raw.endswith("\n") else raw, printable(str(path))))


def _read_stored_tokens(path: Path, found: list, unreadable: list, expiries: dict) -> None:
    try:
        text = read_small_file(path)
    except Unreadable as exc:
        unreadable.append((f"stored_tokens:{printable(str(path))}", printable(str(exc))))
        return
    if text is None:
        return
    import configparser  # only when there is a file to parse: most users have none, and every start paid for it

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        unreadable.append((f"stored_tokens:{printable(str(path))}", f"cannot parse: {type(exc).__name__}"))
        return
    for name in parser.sections():
        value = parser.get(name, "hf_token", fallback=None)
        if value:
            found.append((f"{STORED_PREFIX}{printable(name)}", value, printable(str(path))))
            # Browser OAuth login (2026-06+) stores a short-lived token with its refresh token and expiry.
            expires_at = _unix_seconds(parser.get(name, "expires_at", fallback=None))
            refreshable = bool(parser.get(name, "refresh_token", fallback=None))
            if expires_at is not None or refreshable:
                expiries[clean_token(value)] = (expires_at, refreshable)


def _unix_seconds(text: str | None) -> int | None:
    """expires_at as huggingface_hub writes it (unix seconds), or an ISO 8601 time; None if neither."""
    if not text or not text.strip():
        return None
    try:
        return int(float(text.strip()))
    except (ValueError, OverflowError):  # not a number, or inf/nan
        pass
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp())
