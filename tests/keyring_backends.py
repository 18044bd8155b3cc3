"""Real keyring backends for tests: selected explicitly (keyring.set_keyring or PYTHON_KEYRING_BACKEND
with tests/ on PYTHONPATH), never picked by keyring's own detection."""

from __future__ import annotations

import json
import threading
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class TestBackend(KeyringBackend):
    viable, priority = False, 1
    __test__ = False  # a backend, not a pytest test class


class MemoryKeyring(TestBackend):
    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError("No such password!")


class FileKeyring(TestBackend):
    """Keeps secrets in the JSON file named by HFTUI_TEST_KEYRING_FILE, so a subprocess reads what a test planted."""

    @property
    def _path(self) -> Path:
        return Path(os.environ["HFTUI_TEST_KEYRING_FILE"])

    def _load(self) -> dict:
        return json.loads(self._path.read_text()) if self._path.exists() else {}

    def get_password(self, service, username):
        return self._load().get(f"{service}/{username}")

    def set_password(self, service, username, password):
        self._path.write_text(json.dumps({**self._load(), f"{service}/{username}": password}))

    def delete_password(self, service, username):
        data = self._load()
        if data.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError("No such password!")
        self._path.write_text(json.dumps(data))


class StuckKeyring(TestBackend):
    """Like gnome-keyring with a locked collection and an unlock prompt nobody answers: every call blocks."""

    def get_password(self, service, username):
        threading.Event().wait()

    set_password = delete_password = get_password


class BytesKeyring(TestBackend):
    """A backend that answers with bytes, as some third-party backends do: HFTUI_TEST_KEYRING_VALUE,
    encoded the way the environment holds it (so a byte that is not UTF-8 survives)."""

    def get_password(self, service, username):
        return os.fsencode(os.environ["HFTUI_TEST_KEYRING_VALUE"])

    def set_password(self, service, username, password):
        raise NotImplementedError

    delete_password = set_password


class NumberKeyring(TestBackend):
    """A backend that answers with something that is neither text nor bytes."""

    def get_password(self, service, username):
        return 42

    def set_password(self, service, username, password):
        raise NotImplementedError

    delete_password = set_password
