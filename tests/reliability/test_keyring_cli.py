"""`hftui diagnose` when the keyring cannot be used: the run completes, and says so.

tests/core/test_keystore.py covers the keystore itself; these cover the CLI path, with the keyring
enabled (the suite's default HFTUI_NO_KEYRING=1 is removed for the child).
"""

from __future__ import annotations

import pytest
from helpers import assert_no_leak
from rhelpers import GUARD_DIR, HERE, MODEL, TOKEN, assert_calm, hftui

from hftui.core.keystore import Keystore

KEYRINGS = HERE.parent  # tests/keyring_backends.py


def diagnose_with_keyring(url: str, backend: str, *extra: str, token: str | None = TOKEN, json_out: bool = True):
    env = {"HFTUI_NO_KEYRING": None, "PYTHON_KEYRING_BACKEND": backend, "HF_TOKEN": token,
           "PYTHONPATH": f"{GUARD_DIR}:{KEYRINGS}", "HFTUI_KEYRING_SERVICE": "hftui-reliability-test"}
    return hftui("diagnose", *(["--json"] if json_out else []), "--hub-url", url, "--router-url", url,
                 "--model", MODEL, "--timeout", "2", *extra, env=env)


@pytest.mark.parametrize(("backend", "says"), [
    ("keyring.backends.fail.Keyring", "No OS keyring is available"),
    ("no_such_module.Keyring", "PYTHON_KEYRING_BACKEND=no_such_module.Keyring names a keyring backend that cannot "
                               "be loaded (ModuleNotFoundError); fix or unset it."),
    ("keyring.backends.NoSuchClass", "PYTHON_KEYRING_BACKEND=keyring.backends.NoSuchClass names a keyring backend"),
], ids=["fail-backend", "missing-module", "missing-class"])
def test_an_unusable_keyring_is_a_note_and_the_run_goes_on(serve, backend, says):
    url = serve().url
    run = diagnose_with_keyring(url, backend)
    assert_calm(run)
    document = run.document
    assert document["token_sources_unreadable"] == [{"source": "keyring", "why": document[
        "token_sources_unreadable"][0]["why"]}]
    assert says in document["token_sources_unreadable"][0]["why"]
    assert document["token"]["source"] == "env:HF_TOKEN" and document["verdict"]["case"] == "ok"
    assert_no_leak(run.stdout, TOKEN)


def test_the_terminal_report_names_the_unreadable_keyring(serve):
    human = diagnose_with_keyring(serve().url, "no_such_module.Keyring", json_out=False)
    assert human.returncode == 0 and "Traceback" not in human.stderr
    assert ("       keyring could not be read: PYTHON_KEYRING_BACKEND=no_such_module.Keyring names a keyring "
            "backend that cannot be loaded (ModuleNotFoundError); fix or unset it.") in human.stdout


def test_no_token_and_no_keyring_says_both(serve):
    url = serve().url
    run = diagnose_with_keyring(url, "keyring.backends.fail.Keyring", token=None)
    assert_calm(run)
    assert run.verdict["case"] == "no_token"
    assert run.document["token_sources_unreadable"][0]["source"] == "keyring"


def test_a_keyring_stuck_on_an_unlock_prompt_costs_its_timeout_not_a_hang(serve):
    url = serve().url
    run = diagnose_with_keyring(url, "keyring_backends.StuckKeyring")
    limit = Keystore().timeout
    assert_calm(run)  # the backend blocks forever: exiting at all is the "not a hang"
    why = run.document["token_sources_unreadable"][0]["why"]
    assert why.startswith(f"The keyring did not answer within {limit:g} s"), why
    assert run.verdict["case"] == "ok" and run.seconds > limit  # it did wait its timeout out
