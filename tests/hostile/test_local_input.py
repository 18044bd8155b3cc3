"""Bad local input gets one clear line and exit 2, or is listed with what is wrong with it: never a
traceback, a hang, or a request sent somewhere it should not go."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from helpers import environ, until
from hhelpers import PLANTED, run
from hostile_server import MODEL

from hftui.core.session import Session, Settings
from hftui.core.tokens import TokenLocations, TokenProblem, discover_tokens, inspect_token

TESTS = Path(__file__).resolve().parents[1]
PASSWORD = "s3cretPassw0rdQ7"


def diagnose(url: str, *extra: str, env=None, model: str = MODEL):
    return run("diagnose", "--hub-url", url, "--router-url", url, "--model", model, "--timeout", "5", *extra,
               env={"HF_TOKEN": PLANTED, **(env or {})})


def usage_line(result) -> str:
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("hftui: error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize(("flag", "url", "says"), [
    ("--hub-url", "http://[::1", "is not a valid URL (Invalid IPv6 URL)"),
    ("--hub-url", "http://127.0.0.1:99999", "Port out of range"),
    ("--router-url", "http://127.0.0.1:0", "port 0"),
    ("--router-url", f"http://user:{PASSWORD}@127.0.0.1:1", "holds credentials"),
    ("--hub-url", f"http://:{PASSWORD}@127.0.0.1:1", "holds credentials"),
    ("--router-url", "http://127.0.0.1:1/\x1b]0;owned\x07", "control character"),
])
@pytest.mark.parametrize("command", ["diagnose", "app"])
def test_a_bad_url_is_one_line_and_exit_2_before_anything_is_sent(hostile, flag, url, says, command):
    server = hostile()
    others = {"--hub-url": server.url, "--router-url": server.url, flag: url}
    args = [arg for name, value in others.items() for arg in (name, value)]
    result = run(*(["diagnose"] if command == "diagnose" else []), *args, "--model", MODEL,
                 env={"HF_TOKEN": PLANTED})
    line = usage_line(result)
    assert flag in line and says in line
    assert PASSWORD not in result.stdout + result.stderr and "\x1b" not in result.stderr
    assert server.requests == []


def test_credentials_in_the_environment_url_are_refused_naming_the_variable(hostile):
    result = run("diagnose", "--model", MODEL, env={"HF_TOKEN": PLANTED,
                                                    "HF_ENDPOINT": f"https://ada:{PASSWORD}@hub.example"})
    assert "$HF_ENDPOINT" in usage_line(result) and PASSWORD not in result.stderr


@pytest.mark.parametrize(("flag", "value"), [("--bill-to", "acme\r\n"), ("--model", MODEL + "\n"),
                                             ("--model", " " + MODEL), ("--baseline", "openai/gpt-oss-120b\t")])
def test_a_control_character_or_whitespace_in_a_name_is_refused_naming_the_flag(hostile, flag, value):
    server = hostile()
    result = diagnose(server.url, flag, value) if flag != "--model" else diagnose(server.url, model=value)
    line = usage_line(result)
    assert line.startswith(f"hftui: error: {flag} ") and "token" not in line.lower()
    assert server.requests == []


def test_an_endless_token_file_and_a_fifo_are_listed_as_unreadable_never_a_hang(hostile, tmp_path):
    home = tmp_path / "hf"
    home.mkdir()
    os.mkfifo(home / "token")  # nobody ever writes to it: open() would wait forever
    server = hostile()
    fifo = diagnose(server.url, "--json", env={"HF_TOKEN": None, "HF_HOME": str(home)})
    endless = diagnose(server.url, "--json", env={"HF_TOKEN": None, "HF_TOKEN_PATH": "/dev/zero"})
    huge = home / "big"
    huge.write_bytes(b"hf_" + b"x" * 200_000)
    big = diagnose(server.url, "--json", env={"HF_TOKEN": None, "HF_TOKEN_PATH": str(huge)})
    for result, why in ((fifo, "is a FIFO (named pipe), not a regular file"),
                        (endless, "is a character device, not a regular file"),
                        (big, "far more than a token file")):
        assert result.returncode in (0, 1), result.stderr[-2000:]
        document = json.loads(result.stdout)
        [unreadable] = document["token_sources_unreadable"]
        assert why in unreadable["why"], unreadable
        assert document["verdict"]["case"] == "no_token"


def test_stored_tokens_alone_are_listed_but_never_tested(hostile, tmp_path):
    home = tmp_path / "hf"
    home.mkdir()
    (home / "stored_tokens").write_text(f"[work]\nhf_token = {PLANTED}\n\n[old]\nhf_token = hf_{'o' * 34}\n")
    server = hostile()
    env = {"HF_TOKEN": None, "HF_HOME": str(home)}
    document = json.loads(diagnose(server.url, "--json", env=env).stdout)
    assert document["verdict"]["case"] == "no_token" and document["token"] is None
    assert [s["source"] for s in document["token_sources"]] == ["stored_tokens:work", "stored_tokens:old"]
    assert not any(s["active"] for s in document["token_sources"])
    assert all("authorization" not in r.headers for r in server.requests), "a stored token was sent"
    plain = diagnose(server.url, env=env).stdout
    assert "stored_tokens holds work, old" in plain


@pytest.mark.parametrize(("char", "named"), [("é", "U+00E9 'é' LATIN SMALL LETTER E WITH ACUTE"),
                                             ("\t", "U+0009 TAB"), ("\v", "U+000B VERTICAL TAB"),
                                             ("\x1b", "U+001B ESCAPE"), ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
                                             ("\u200b", "U+200B ZERO WIDTH SPACE")])
def test_a_token_with_a_character_no_token_has_is_flagged_with_what_the_character_is(hostile, char, named):
    raw = PLANTED[:12] + char + PLANTED[12:]
    assert TokenProblem.ODD_CHARACTER in inspect_token(raw)
    report = discover_tokens(TokenLocations(env={"HF_TOKEN": raw}))
    assert report.active.odd_characters == [f"character 13: {named}".replace("\\", "\\")]
    plain = diagnose(hostile().url, env={"HF_TOKEN": raw})
    assert "odd_character" in plain.stdout and named in plain.stdout, plain.stdout[:600]
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202e]", plain.stdout)


def test_a_byte_that_is_not_utf8_is_its_own_problem():
    problems = inspect_token(PLANTED + "\udcff")
    assert TokenProblem.NOT_UTF8 in problems and TokenProblem.ODD_CHARACTER not in problems
    report = discover_tokens(TokenLocations(env={"HF_TOKEN": PLANTED + "\udcff"}))
    assert report.active.odd_characters == ["character 37: byte 0xFF (not UTF-8)"]


def test_a_token_file_with_a_byte_that_is_not_utf8_is_read_and_flagged(tmp_path):
    (tmp_path / "token").write_bytes(PLANTED.encode() + b"\xfe\n")
    report = discover_tokens(TokenLocations(env={}, token_path=tmp_path / "token"))
    assert TokenProblem.NOT_UTF8 in report.active.problems and report.unreadable == ()


def keyring_env(backend: str, value: str = PLANTED) -> dict:
    return {"HF_TOKEN": None, "HFTUI_NO_KEYRING": "0", "PYTHON_KEYRING_BACKEND": f"keyring_backends.{backend}",
            "HFTUI_TEST_KEYRING_VALUE": value,
            "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}


def test_a_keyring_that_returns_bytes_is_read_as_text_and_a_stray_byte_flagged(hostile):
    server = hostile()
    clean = diagnose(server.url, "--json", env=keyring_env("BytesKeyring"))
    assert clean.returncode in (0, 1) and "Traceback" not in clean.stderr, clean.stderr[-2000:]
    document = json.loads(clean.stdout)
    assert document["token"]["source"] == "keyring" and document["token"]["problems"] == []
    stray = diagnose(server.url, "--json", env=keyring_env("BytesKeyring", PLANTED + "\udcff"))
    assert "not_utf8" in json.loads(stray.stdout)["token"]["problems"]
    weird = diagnose(server.url, "--json", env=keyring_env("NumberKeyring"))
    assert weird.returncode in (0, 1) and "Traceback" not in weird.stderr
    [unreadable] = json.loads(weird.stdout)["token_sources_unreadable"]
    assert unreadable["source"] == "keyring" and "returned a int, not a token" in unreadable["why"]


async def test_the_app_does_not_wait_forever_for_a_keyring_that_returns_bytes(hostile):
    from hftui.ui.app import HftuiApp

    server = hostile()
    where = TokenLocations(env={}, keyring_reader=lambda: PLANTED.encode())
    settings = Settings.resolve(model=MODEL, hub_url=server.url, router_url=server.url, timeout=5, env={})
    app = HftuiApp(Session.at(settings, where, defer_keyring=True), frozen=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: not app.keyring_pending and app.plan_run is not None, "the keyring's answer is used")
        assert app.testing.source == "keyring"
        await until(pilot, lambda: not app.plan_busy, "the plan ran on it")


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "utf-8:strict"])
def test_an_output_encoding_that_cannot_hold_the_marks_never_crashes(hostile, encoding, tmp_path):
    server = hostile()
    env = {"PYTHONIOENCODING": encoding, "HF_TOKEN": PLANTED + "\udcff"}
    plain = diagnose(server.url, env=env)
    assert plain.returncode in (0, 1) and "Traceback" not in plain.stderr, plain.stderr[-2000:]
    as_json = diagnose(server.url, "--json", env=env)
    assert as_json.returncode in (0, 1)
    json.loads(as_json.stdout)
    listing = run("demo", "--list", env=env)
    assert listing.returncode == 0 and "Traceback" not in listing.stderr
