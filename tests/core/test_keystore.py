"""The keystore against real keyring backends: tiny KeyringBackend subclasses selected with
keyring.set_keyring, keyring's own fail and null backends, fresh interpreters for the environment
variables, and (marked keyring_it) a real Secret Service — run it with scripts/keyring_it.sh."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail, null
from keyring.errors import KeyringLocked

from helpers import HANG_LIMIT
from keyring_backends import MemoryKeyring, TestBackend

from hftui.core.keystore import Keystore, KeystoreError, KeystoreState, save_to_token_file

REPO = Path(__file__).resolve().parents[2]
TOKEN = "hf_" + "FakeTokenForKeystoreTests0123456789"  # not a real token
NO_KEYRING_HINT = ("No OS keyring is available (no Secret Service on this D-Bus session — usual over SSH). "
                   "Use this session only, or save to the HF token file.")


class HangingKeyring(TestBackend):
    """Like gnome-keyring with a locked collection and an unlock prompt nobody answers."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service, username, password=None):
        # Bounded only so that a keystore which fails to time out gets an answer (None) after a while
        # and its test fails instead of hanging the suite.
        self.release.wait(HANG_LIMIT)

    set_password = get_password


class LockedKeyring(TestBackend):
    def get_password(self, service, username, password=None):
        raise KeyringLocked("Failed to unlock the collection!")

    set_password = delete_password = get_password


class ChokingKeyring(MemoryKeyring):
    """A backend whose error text quotes the secret it was handed."""

    def set_password(self, service, username, password):
        raise ValueError(f"cannot store {password!r}")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("HFTUI_NO_KEYRING", "HFTUI_KEYRING_SERVICE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def use_backend():
    previous = keyring.get_keyring()
    yield lambda backend: keyring.set_keyring(backend) or backend
    if isinstance(stuck := keyring.get_keyring(), HangingKeyring):
        stuck.release.set()  # let the stuck daemon threads finish
    keyring.set_keyring(previous)


def assert_no_token(*things) -> None:
    for thing in things:
        for text in (str(thing), repr(thing)):
            assert TOKEN not in text and TOKEN[:-8] not in text, text


def every_call_fails(ks: Keystore) -> list[KeystoreError]:
    errors = []
    for call in (ks.read, lambda: ks.save(TOKEN), ks.delete):
        with pytest.raises(KeystoreError) as caught:
            call()
        errors.append(caught.value)
    assert_no_token(*errors, *(error.status for error in errors))
    return errors


def fresh_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("HFTUI_", "PYTHON_KEYRING"))}
    full_env.update(env, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=60)


def test_token_saved_to_the_keyring_reads_back_and_deletes(use_backend):
    store = use_backend(MemoryKeyring()).store
    ks = Keystore()
    status = ks.status()
    assert (status.state, status.secure) == (KeystoreState.AVAILABLE, True)
    assert ks.read() is None
    saved = ks.save(TOKEN + "\n")  # a pasted trailing newline is not kept
    assert saved.state is KeystoreState.AVAILABLE and TOKEN[-8:] in saved.message
    assert store == {("hftui", "token"): TOKEN}
    assert ks.read() == TOKEN
    assert ks.delete() is True
    assert ks.read() is None and ks.delete() is False
    assert_no_token(status, saved, ks)


def test_service_name_comes_from_the_environment_and_detection_is_cached(use_backend, monkeypatch):
    store = use_backend(MemoryKeyring()).store
    monkeypatch.setenv("HFTUI_KEYRING_SERVICE", "hftui-dev")
    ks = Keystore()
    first = ks.status()
    ks.save(TOKEN)
    assert ("hftui-dev", "token") in store
    use_backend(fail.Keyring())
    assert ks.status() is first


def test_keyring_waiting_on_an_unlock_prompt_times_out_instead_of_hanging(use_backend):
    use_backend(HangingKeyring())
    ks = Keystore(timeout=0.3)
    for call in (ks.read, lambda: ks.save(TOKEN), ks.read):
        with pytest.raises(KeystoreError) as caught:  # the backend never answers: the error is the timeout's
            call()
        assert caught.value.status.state is KeystoreState.TIMED_OUT
        assert "did not answer within 0.3 s" in str(caught.value) and "unlock" in str(caught.value)
        assert_no_token(caught.value, caught.value.status)
    # the later calls waited on the first stuck call rather than stacking new blocked threads
    assert sum(t.name == "hftui-keyring" and t.is_alive() for t in threading.enumerate()) == 1


def test_a_stuck_keyring_call_does_not_keep_the_process_from_exiting():
    result = fresh_python("""
        import threading, keyring
        from keyring.backend import KeyringBackend
        from hftui.core.keystore import Keystore, KeystoreError
        class Hanging(KeyringBackend):
            viable, priority = False, 1
            def get_password(self, service, username, password=None): threading.Event().wait()
            set_password = get_password
        keyring.set_keyring(Hanging())
        try:
            Keystore(timeout=0.2).read()
        except KeystoreError as exc:
            print(exc.status.state.name)
    """)
    assert (result.returncode, result.stdout.strip()) == (0, "TIMED_OUT"), result.stderr


def test_locked_keyring_says_locked(use_backend):
    use_backend(LockedKeyring())
    for error in every_call_fails(Keystore()):
        assert error.status.state is KeystoreState.LOCKED
        assert "locked" in str(error) and "unlock" in str(error)


def test_no_secret_service_over_ssh_means_no_backend(use_backend):
    use_backend(fail.Keyring())
    ks = Keystore()
    status = ks.status()
    assert (status.state, status.backend, status.message) == (KeystoreState.NO_BACKEND, "fail Keyring", NO_KEYRING_HINT)
    assert not status.secure
    for error in every_call_fails(ks):
        assert error.status == status and str(error) == NO_KEYRING_HINT


def test_null_keyring_accepts_a_save_and_is_caught_not_keeping_it(use_backend):
    use_backend(null.Keyring())
    ks = Keystore()
    status = ks.status()
    assert status.state is KeystoreState.INSECURE and not status.secure and "null" in status.message
    assert ks.read() is None
    with pytest.raises(KeystoreError) as caught:
        ks.save(TOKEN)
    assert caught.value.status.state is KeystoreState.INSECURE
    assert "did not keep it" in str(caught.value)
    assert_no_token(status, caught.value, caught.value.status)


def test_backend_error_names_the_exception_type_but_never_the_token(use_backend):
    use_backend(ChokingKeyring())
    with pytest.raises(KeystoreError) as caught:
        Keystore().save(TOKEN)
    error = caught.value
    assert error.status.state is KeystoreState.ERROR and "ValueError" in str(error)
    assert error.__cause__ is None and error.__context__ is None
    assert_no_token(error, error.status, error.args)


def test_import_is_cheap_and_hftui_no_keyring_never_loads_keyring():
    result = fresh_python("""
        import sys
        from hftui.core.keystore import Keystore, KeystoreError
        print(sorted(m for m in ("keyring", "textual", "secretstorage") if m in sys.modules))
        ks = Keystore()
        print(ks.status().state.name)
        try:
            ks.read()
        except KeystoreError as exc:
            print(exc.status.state.name, "keyring" in sys.modules)
    """, HFTUI_NO_KEYRING="1")
    assert result.stdout.split() == ["[]", "DISABLED", "DISABLED", "False"], result.stderr


@pytest.mark.skipif(sys.platform == "darwin", reason="on macOS the macOS backend is the one to find")
def test_finding_the_backend_runs_no_program_and_picks_what_keyring_picks():
    """keyring's macOS backend used to look for the Security framework with ctypes.util.find_library,
    which on Linux runs ldconfig, gcc and ld (15 processes a detection) for a backend it then refuses."""
    result = fresh_python("""
        import subprocess, sys
        started = []
        popen = subprocess.Popen.__init__
        def recording(self, args, *more, **named):
            started.append(args)
            return popen(self, args, *more, **named)
        subprocess.Popen.__init__ = recording
        from hftui.core.keystore import Keystore
        ours = Keystore().status()
        ran = len(started)
        import keyring
        print(ran, ours.backend == str(keyring.get_keyring().name) or ours.backend)
    """, DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/hftui-test-bus")  # keyring's own detection runs
    assert result.stdout.split() == ["0", "True"], result.stdout + result.stderr


FAST_ANSWER = """
    import sys
    from hftui.core.keystore import Keystore, _classify, no_backend_can_answer
    fast = no_backend_can_answer()
    ours = Keystore().status()
    loaded = "keyring" in sys.modules
    import keyring
    theirs = _classify(keyring.get_keyring())
    print(fast, loaded, ours == theirs)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the shortcut is for Linux without D-Bus")
def test_without_any_way_to_a_keyring_the_answer_is_keyrings_own_without_importing_it(tmp_path):
    """Over SSH (no D-Bus session, no keyring configuration, no plugin) keyring can only answer "fail
    Keyring": hftui says so without importing it (~250 ms of CPU on every start), and says the same."""
    result = fresh_python(FAST_ANSWER, DBUS_SESSION_BUS_ADDRESS="", XDG_CONFIG_HOME=str(tmp_path))
    assert result.stdout.split() == ["True", "False", "True"], result.stdout + result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the shortcut is for Linux without D-Bus")
@pytest.mark.parametrize("way", ["dbus", "env", "config", "plugin"])
def test_any_way_to_a_keyring_leaves_the_detection_to_keyring(tmp_path, way):
    env = {"DBUS_SESSION_BUS_ADDRESS": "", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    code = FAST_ANSWER
    if way == "dbus":
        env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/hftui-test-bus"
    elif way == "env":
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    elif way == "config":
        (tmp_path / "config" / "python_keyring").mkdir(parents=True)
        (tmp_path / "config" / "python_keyring" / "keyringrc.cfg").write_text(
            "[backend]\ndefault-keyring=keyring.backends.null.Keyring\n")
    else:  # an installed package that adds a backend (keyrings.alt and the like): keyring would load it
        plugin = tmp_path / "site" / "keyrings_fake-1.0.dist-info"
        plugin.mkdir(parents=True)
        (plugin / "METADATA").write_text("Metadata-Version: 2.1\nName: keyrings.fake\nVersion: 1.0\n")
        (plugin / "entry_points.txt").write_text("[keyring.backends]\nfake = keyrings_fake_missing\n")
        code = f"import sys; sys.path.append({str(tmp_path / 'site')!r})\n" + textwrap.dedent(FAST_ANSWER)
    result = fresh_python(code, **env)
    fast, loaded, same = result.stdout.split()
    assert (fast, loaded) == ("False", "True"), result.stdout + result.stderr
    assert same == "True", result.stdout + result.stderr


@pytest.mark.parametrize("value", ["no.such.Backend", "keyring.backends.null.NoSuchClass"])
def test_python_keyring_backend_naming_a_missing_class_is_a_broken_config(value):
    result = fresh_python("""
        from hftui.core.keystore import Keystore
        status = Keystore().status()
        print(status.state.name)
        print(status.message)
    """, PYTHON_KEYRING_BACKEND=value)
    state, message = result.stdout.strip().split("\n", 1)
    assert state == "BROKEN_CONFIG", result.stderr
    assert f"PYTHON_KEYRING_BACKEND={value}" in message and "Traceback" not in result.stdout


def test_token_file_fallback_is_private_even_under_a_permissive_umask(tmp_path):
    path = tmp_path / "hf" / "home" / "token"
    old_umask = os.umask(0)
    try:
        save_to_token_file(path, "hf_an_older_and_much_longer_token_value\n")
        path.chmod(0o644)  # a file someone loosened is tightened again on the next save
        save_to_token_file(path, TOKEN)
    finally:
        os.umask(old_umask)
    assert path.read_bytes() == TOKEN.encode()  # no newline, nothing left of the longer value
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


# -- a real Secret Service (gnome-keyring in a throwaway D-Bus session) ----------------------------

def secret_service_test(test):
    skip = pytest.mark.skipif(os.environ.get("HFTUI_KEYRING_IT") != "1",
                              reason="needs a real Secret Service: run scripts/keyring_it.sh")
    return pytest.mark.keyring_it(skip(test))


@secret_service_test
def test_secret_service_is_detected_in_a_fresh_interpreter(capsys):
    result = fresh_python("""
        import time
        from hftui.core.keystore import Keystore
        started = time.monotonic()
        status = Keystore().status()
        print(status.state.name, round((time.monotonic() - started) * 1000), status.backend, sep="|")
    """)
    state, elapsed_ms, backend = result.stdout.strip().split("|")
    with capsys.disabled():
        print(f"\n  detected {backend!r} in {elapsed_ms} ms (fresh interpreter)")
    assert (state, backend) == ("AVAILABLE", "SecretService Keyring"), result.stderr


@pytest.fixture
def secret_service_keystore(use_backend):
    use_backend(keyring.get_keyring())  # restored afterwards, whatever the test does
    ks = Keystore(service=f"hftui-it-{uuid.uuid4().hex[:12]}")
    status = ks.status()
    assert status.state is KeystoreState.AVAILABLE and "SecretService" in status.backend, status
    yield ks
    try:
        ks.delete()
    except KeystoreError:
        pass


@secret_service_test
def test_secret_service_round_trip(secret_service_keystore, capsys):
    ks = secret_service_keystore
    started = time.monotonic()
    assert ks.save(TOKEN).state is KeystoreState.AVAILABLE
    assert ks.read() == TOKEN
    assert ks.delete() is True
    assert ks.read() is None
    with capsys.disabled():
        print(f"\n  save+read+delete+read round trip: {(time.monotonic() - started) * 1000:.0f} ms")


@secret_service_test
@pytest.mark.skipif(not os.environ.get("HFTUI_KEYRING_IT_PASSWORD"),
                    reason="locks the keyring, so only with a throwaway one it can unlock again")
def test_secret_service_locked_collection_says_locked(secret_service_keystore):
    import secretstorage
    from secretstorage.util import DBusAddressWrapper, format_secret, open_session

    ks = secret_service_keystore
    ks.save(TOKEN)
    connection = secretstorage.dbus_init()
    collection = secretstorage.get_default_collection(connection)
    collection.lock()
    try:
        with pytest.raises(KeystoreError) as caught:
            ks.read()
        assert caught.value.status.state is KeystoreState.LOCKED, caught.value
        assert_no_token(caught.value)
    finally:  # gnome-keyring's own unlock call, the one PAM uses; no prompt needed
        path = DBusAddressWrapper("/org/freedesktop/secrets", "org.freedesktop.Secret.Service",
                                  connection).call("ReadAlias", "s", "default")[0]
        password = os.environ["HFTUI_KEYRING_IT_PASSWORD"].encode()
        DBusAddressWrapper("/org/freedesktop/secrets",
                           "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface", connection).call(
            "UnlockWithMasterPassword", "o(oayays)", path, format_secret(open_session(connection), password, "text/plain"))
    assert not collection.is_locked()
    assert ks.read() == TOKEN
