"""Where the user's HF token is kept: the OS keyring, bounded so it can never hang the app.

`keyring` is imported lazily, inside the worker threads, so importing this module is cheap and
`HFTUI_NO_KEYRING=1` never loads it. Every keyring call (backend detection included) runs
in_background (a daemon thread of its own) and is waited for with a timeout: a locked gnome-keyring
waiting on an unlock prompt blocks forever, and must not keep the process from exiting.
Messages never carry the token.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from hftui.core.background import in_background
from hftui.core.printable import printable
from hftui.core.redact import mask

NO_KEYRING_ENV = "HFTUI_NO_KEYRING"


def keyring_disabled() -> bool:
    """HFTUI_NO_KEYRING set to anything but empty or 0: hftui never touches the OS keyring."""
    return os.environ.get(NO_KEYRING_ENV, "").strip() not in ("", "0")
SERVICE_ENV = "HFTUI_KEYRING_SERVICE"
BACKEND_ENV = "PYTHON_KEYRING_BACKEND"
DEFAULT_SERVICE = "hftui"
_FALLBACK = "use this session only or save to the HF token file"


class KeystoreState(str, Enum):
    AVAILABLE = "available"
    NO_BACKEND = "no_backend"
    LOCKED = "locked"
    TIMED_OUT = "timed_out"
    DISABLED = "disabled"
    INSECURE = "insecure"
    BROKEN_CONFIG = "broken_config"
    ERROR = "error"


@dataclass(frozen=True)
class KeystoreStatus:
    state: KeystoreState
    backend: str  # display name, e.g. "SecretService Keyring", "fail Keyring"; "unknown" if undetected
    message: str  # one plain sentence a user can act on

    @property
    def secure(self) -> bool:
        return self.state is KeystoreState.AVAILABLE


class KeystoreError(Exception):
    """A keyring operation failed; `status` says why, `str(exc)` is the user-facing sentence."""

    def __init__(self, status: KeystoreStatus) -> None:
        super().__init__(status.message)
        self.status = status


class _TimedOut(Exception):
    pass


# States in which the detected backend can be asked for a token at all.
_USABLE = (KeystoreState.AVAILABLE, KeystoreState.INSECURE)
# Detection outcomes worth remembering; a timeout or an odd error is retried next time.
_CACHEABLE = _USABLE + (KeystoreState.NO_BACKEND, KeystoreState.BROKEN_CONFIG)


class Keystore:
    """The HF token in the OS keyring, under (service, username)."""

    def __init__(self, service: str | None = None, username: str = "token", timeout: float = 3.0) -> None:
        self.service = service or os.environ.get(SERVICE_ENV) or DEFAULT_SERVICE
        self.username = username
        self.timeout = timeout
        self._lock = threading.Lock()
        self._status: KeystoreStatus | None = None
        self._backend: Any = None  # the keyring.backend.KeyringBackend instance once detected
        self._stuck: Future | None = None  # a call that timed out and may still hang

    def __repr__(self) -> str:
        return f"Keystore(service={self.service!r}, username={self.username!r}, timeout={self.timeout:g})"

    # -- public API ------------------------------------------------------------------------

    def status(self) -> KeystoreStatus:
        """Which backend keyring would use and whether it can keep a secret (bounded, cached)."""
        if keyring_disabled():
            return KeystoreStatus(
                KeystoreState.DISABLED, "none",
                f"The OS keyring is turned off by {NO_KEYRING_ENV}=1; {_FALLBACK}.",
            )
        with self._lock:
            if self._status is not None:
                return self._status
        if no_backend_can_answer():
            status = _no_backend(_FAIL_BACKEND_NAME)
            with self._lock:
                self._status, self._backend = status, None
            return status
        try:
            backend = self._run(_detect_backend)
        except _TimedOut:
            return self._timed_out("unknown")
        except Exception as exc:  # noqa: BLE001 - the keystore seam catches everything
            status = _status_for_error(exc, "unknown", detecting=True)
        else:
            status = _classify(backend)
        if status.state in _CACHEABLE:
            with self._lock:
                self._status, self._backend = status, backend if status.state in _USABLE else None
        return status

    def read(self) -> str | None:
        """The stored token, or None if there is none; raises KeystoreError, never hangs.

        Some backends return bytes: decoded the way the environment keeps a byte that is not UTF-8
        (a lone surrogate), so the token report flags it instead of anything crashing on it."""
        backend, status = self._usable()
        value = self._call(status, backend.get_password, self.service, self.username)
        if isinstance(value, (bytes, bytearray)):
            return bytes(value).decode("utf-8", errors="surrogateescape")
        if value is not None and not isinstance(value, str):
            raise KeystoreError(KeystoreStatus(
                KeystoreState.ERROR, status.backend,
                f"The keyring ({status.backend}) returned a {type(value).__name__}, not a token; {_FALLBACK}."))
        return value

    def save(self, token: str) -> KeystoreStatus:
        """Store the token (surrounding whitespace dropped) and prove it by reading it back."""
        token = token.strip()
        if not token:
            raise ValueError("refusing to save an empty token")
        backend, status = self._usable()

        def store_and_read_back() -> bool:
            backend.set_password(self.service, self.username, token)
            return backend.get_password(self.service, self.username) == token

        if not self._call(status, store_and_read_back):
            state = KeystoreState.INSECURE if status.state is KeystoreState.INSECURE else KeystoreState.ERROR
            raise KeystoreError(KeystoreStatus(
                state, status.backend,
                f"The keyring ({status.backend}) accepted the token but did not keep it "
                f"(reading it back gave something else); {_FALLBACK}.",
            ))
        saved = f"Saved token {mask(token)} to the OS keyring ({status.backend})"
        if status.state is KeystoreState.INSECURE:
            return KeystoreStatus(status.state, status.backend, f"{saved}, but that backend is not encrypted.")
        return KeystoreStatus(status.state, status.backend, f"{saved}.")

    def delete(self) -> bool:
        """Remove the stored token; True if there was one. Raises KeystoreError."""
        backend, status = self._usable()

        def delete_if_present() -> bool:
            from keyring.errors import PasswordDeleteError

            if backend.get_password(self.service, self.username) is None:
                return False
            try:
                backend.delete_password(self.service, self.username)
            except PasswordDeleteError:  # gone between the two calls
                return False
            return True

        return self._call(status, delete_if_present)

    # -- internals -------------------------------------------------------------------------

    def _usable(self) -> tuple[Any, KeystoreStatus]:
        status = self.status()
        with self._lock:
            backend = self._backend
        if status.state not in _USABLE or backend is None:
            raise KeystoreError(status)
        return backend, status

    def _call(self, status: KeystoreStatus, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return self._run(fn, *args)
        except _TimedOut:
            error = KeystoreError(self._timed_out(status.backend))
        except Exception as exc:  # noqa: BLE001
            error = KeystoreError(_status_for_error(exc, status.backend, detecting=False))
        raise error  # raised outside the except block: no chained context, no token in a traceback

    def _timed_out(self, backend: str) -> KeystoreStatus:
        return KeystoreStatus(
            KeystoreState.TIMED_OUT, backend,
            f"The keyring did not answer within {self.timeout:g} s — it may be locked and waiting "
            f"for an unlock prompt; unlock it and retry, or {_FALLBACK}.",
        )

    def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """fn(*args) in_background, all within one timeout; raises _TimedOut or fn's error."""
        deadline = time.monotonic() + self.timeout
        with self._lock:
            stuck = self._stuck
        if stuck is not None:  # don't stack a second blocked call (and prompt) on the first
            wait([stuck], timeout=max(deadline - time.monotonic(), 0.0))
            if not stuck.done():
                raise _TimedOut
            with self._lock:
                if self._stuck is stuck:
                    self._stuck = None
        call = in_background(fn, *args, name="hftui-keyring")
        wait([call], timeout=max(deadline - time.monotonic(), 0.0))
        if not call.done():
            with self._lock:
                self._stuck = call
            raise _TimedOut
        return call.result()  # fn's own error, if it raised one (a TimeoutError of its own included)


_FAIL_BACKEND_NAME = "fail Keyring"  # keyring.backends.fail.Keyring.name: what keyring picks when none is viable
_DBUS_BINDINGS = ("dbus", "gi")  # dbus-python (KWallet) and PyGObject (libsecret) may find a bus without the variable


def no_backend_can_answer() -> bool:
    """Whether keyring would detect no backend here, known without importing it (~250 ms of CPU: every
    backend it ships, its plugins' entry points, a D-Bus connection attempt).

    True only where every backend keyring ships is certain to refuse: not macOS or Windows; no
    PYTHON_KEYRING_BACKEND and no keyringrc.cfg (either may name any backend); no D-Bus session bus
    address (the Secret Service backend needs DBUS_SESSION_BUS_ADDRESS); no dbus-python or PyGObject
    installed; no other package adding keyring backends; keyring not imported yet (a caller may have
    set one). Otherwise keyring itself decides, as it always did.
    """
    if sys.platform in ("darwin", "win32", "cygwin") or "keyring" in sys.modules:
        return False
    if os.environ.get(BACKEND_ENV) or os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    if os.path.exists(os.path.join(config_home, "python_keyring", "keyringrc.cfg")):
        return False
    import importlib.util

    from hftui.core.installed import declaring

    if any(importlib.util.find_spec(name) is not None for name in _DBUS_BINDINGS):
        return False
    return not set(declaring("keyring.backends")) - {"keyring"}


def _detect_backend() -> Any:
    import keyring  # lazy: only when a keyring is actually wanted

    with _macos_security_unprobed():
        return keyring.get_keyring()


_MACOS_API = "keyring.backends.macOS.api"


@contextlib.contextmanager
def _macos_security_unprobed() -> Iterator[None]:
    """Detection without keyring's macOS backend looking for the Security framework off macOS.

    keyring imports every backend it ships; the macOS one imports its `api`, which calls
    ctypes.util.find_library, and on Linux that runs ldconfig, gcc and ld: 15 processes and ~100 ms
    per detection, for a backend whose priority refuses any system but macOS before it looks at
    `api`. A None entry in sys.modules (the import system's way to make one import fail) makes the
    backend's own `try: from . import api` fail at once; it is removed again after the detection.
    """
    if sys.platform == "darwin" or _MACOS_API in sys.modules:
        yield
        return
    sys.modules[_MACOS_API] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if _MACOS_API in sys.modules and sys.modules[_MACOS_API] is None:
            del sys.modules[_MACOS_API]


def _classify(backend: Any) -> KeystoreStatus:
    """AVAILABLE for a real OS keyring; NO_BACKEND / INSECURE for fail, null and plaintext ones."""
    cls = type(backend)
    module, name = cls.__module__, printable(str(getattr(backend, "name", cls.__name__)))
    if module == "keyring.backends.chainer":
        parts = list(getattr(backend, "backends", []))
        if not parts:
            return _no_backend(name)
        verdicts = [_classify(part) for part in parts]
        joined = " + ".join(v.backend for v in verdicts)
        if any(v.secure for v in verdicts):
            return KeystoreStatus(KeystoreState.AVAILABLE, joined,
                                  f"The OS keyring ({joined}) can keep the token.")
        return KeystoreStatus(KeystoreState.INSECURE, joined,
                              f"None of the keyring backends ({joined}) is secure; {_FALLBACK}.")
    if module == "keyring.backends.fail":
        return _no_backend(name)
    if module == "keyring.backends.null" or "null" in name.lower():
        return KeystoreStatus(
            KeystoreState.INSECURE, name,
            f"The keyring backend is the null keyring ({name}), which accepts a token and keeps "
            f"nothing; {_FALLBACK}.",
        )
    if module.startswith("keyrings.alt") or "plaintext" in name.lower():
        return KeystoreStatus(
            KeystoreState.INSECURE, name,
            f"The keyring backend ({name}) keeps secrets in a plain file, not an encrypted "
            f"keyring; prefer to {_FALLBACK}.",
        )
    return KeystoreStatus(KeystoreState.AVAILABLE, name, f"The OS keyring ({name}) can keep the token.")


def _no_backend(name: str) -> KeystoreStatus:
    return KeystoreStatus(
        KeystoreState.NO_BACKEND, name,
        "No OS keyring is available (no Secret Service on this D-Bus session — usual over SSH). "
        "Use this session only, or save to the HF token file.",
    )


def _status_for_error(exc: BaseException, backend: str, *, detecting: bool) -> KeystoreStatus:
    """Map an exception to a status. Only the exception's type is shown, never its text."""
    kind = type(exc).__name__
    lineage = {cls.__name__ for cls in type(exc).__mro__}  # keyring.errors is never imported here
    if "NoKeyringError" in lineage:
        return _no_backend(backend if backend != "unknown" else "fail Keyring")
    if "KeyringLocked" in lineage:
        return KeystoreStatus(
            KeystoreState.LOCKED, backend,
            f"The keyring ({backend}) is locked and was not unlocked; unlock it (log in to the "
            f"desktop, or run `gnome-keyring-daemon --unlock`) and retry, or {_FALLBACK}.",
        )
    if detecting and isinstance(exc, (RuntimeError, ImportError, AttributeError)):
        configured = printable(os.environ.get(BACKEND_ENV) or "")
        where = f"{BACKEND_ENV}={configured}" if configured else "the keyring config file (keyringrc.cfg)"
        return KeystoreStatus(
            KeystoreState.BROKEN_CONFIG, configured or backend,
            f"{where} names a keyring backend that cannot be loaded ({kind}); fix or unset it.",
        )
    return KeystoreStatus(
        KeystoreState.ERROR, backend,
        f"The keyring ({backend}) failed with {kind}; retry, or {_FALLBACK}.",
    )


def save_to_token_file(path: Path, token: str) -> None:
    """Write the token to the HF token file: parent created 0700, file 0600, no trailing newline."""
    token = token.strip()
    if not token:
        raise ValueError("refusing to save an empty token")
    path = Path(path)
    parent = path.parent
    if not parent.exists():
        parent.mkdir(mode=0o700, parents=True)
        os.chmod(parent, 0o700)  # mkdir's mode is filtered by the umask
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its old mode through os.open
        data = token.encode("utf-8")
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)
