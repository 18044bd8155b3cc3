"""Every token an app could be reading: other variable names, .env files up to the repository root,
Streamlit's secrets; parsed, never executed; bad files listed as unreadable with the reason."""

import os
from pathlib import Path

import pytest

from hftui.core.appfiles import dotenv_files, parse_dotenv
from hftui.core.tokens import TokenLocations, TokenProblem, discover_tokens

GOOD = "hf_" + "a" * 30 + "GOODTOKN"
OLD = "hf_" + "b" * 30 + "OLDTOKEN"


def report_at(app_dir: Path, env=None, **changes):
    return discover_tokens(TokenLocations(env=env or {}, app_dir=app_dir, app_root=changes.pop("app_root", app_dir),
                                          **changes))


@pytest.mark.parametrize(("text", "expected"), [
    ("HF_TOKEN=hf_x", [("HF_TOKEN", "hf_x")]),
    ("export HF_TOKEN=hf_x  # my token\n", [("HF_TOKEN", "hf_x")]),
    ("HF_TOKEN=hf_x#not-a-comment", [("HF_TOKEN", "hf_x#not-a-comment")]),
    ('HF_TOKEN="hf_x\\n"', [("HF_TOKEN", "hf_x\n")]),  # double quotes: escapes are decoded
    ("HF_TOKEN='hf_x\\n'", [("HF_TOKEN", "hf_x\\n")]),  # single quotes: literal
    ('HF_TOKEN="hf_x" # comment', [("HF_TOKEN", "hf_x")]),
    ("HF_TOKEN=hf_x\r\nB=2\r\n", [("HF_TOKEN", "hf_x"), ("B", "2")]),  # a CRLF file
    ('A="one\ntwo"\nB=3', [("A", "one\ntwo"), ("B", "3")]),  # a quoted value spans lines
    ("# only a comment\n\nnot a setting\nC=${HOME}", [("C", "${HOME}")]),  # no interpolation
])
def test_the_dotenv_parser_reads_what_python_dotenv_loads(text, expected):
    assert parse_dotenv(text) == expected


def test_app_variable_names_are_listed_after_huggingface_hubs_and_not_tested():
    env = {"HF_TOKEN": GOOD, "HUGGINGFACEHUB_API_TOKEN": OLD, "HF_API_KEY": GOOD, "OPENAI_API_KEY": "sk-openai-1234",
           "HUGGINGFACE_TOKEN": OLD}
    report = discover_tokens(TokenLocations(env=env))
    assert [c.source for c in report.candidates] == [
        "env:HF_TOKEN", "env:HUGGINGFACEHUB_API_TOKEN", "env:HF_API_KEY", "env:HUGGINGFACE_TOKEN"]
    assert report.active.source == "env:HF_TOKEN"
    assert report.by_source("env:HUGGINGFACEHUB_API_TOKEN").app_source
    assert TokenProblem.DIFFERS_FROM_OTHER_SOURCE in report.active.problems, "an old token in LangChain's name differs"


def test_an_hf_token_in_openai_api_key_is_listed():
    report = discover_tokens(TokenLocations(env={"OPENAI_API_KEY": GOOD}))
    assert [c.source for c in report.candidates] == ["env:OPENAI_API_KEY"]
    assert report.active.source == "env:OPENAI_API_KEY", "with nothing else, what the app holds is tested"


def test_dotenv_files_from_the_app_directory_up_to_the_repository_root(tmp_path):
    repo = tmp_path / "repo"
    app = repo / "apps" / "chat"
    app.mkdir(parents=True)
    (repo / ".git").mkdir()
    (tmp_path / ".env").write_text(f"HF_TOKEN={OLD}\n")  # above the repository: not read
    (repo / ".env").write_text(f"HF_TOKEN={OLD}\nDATABASE_URL=postgres://x\n")
    (app / ".env").write_text(f'export HF_TOKEN="{GOOD}"\n[huggingface]\n')
    assert dotenv_files(app) == [app / ".env", repo / ".env"]
    report = report_at(app, app_root=None)
    assert [c.source for c in report.candidates] == [".env:HF_TOKEN", "../../.env:HF_TOKEN"]
    assert report.candidates[0].raw == GOOD and report.candidates[0].note == str(app / ".env")
    assert all(TokenProblem.DIFFERS_FROM_OTHER_SOURCE in c.problems for c in report.candidates)


def test_streamlit_secrets_top_level_and_one_table_deep(tmp_path):
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        f'HF_TOKEN = "{OLD}"\npassword = "hunter2"\n[huggingface]\ntoken = "{GOOD}"\n[db]\nuser = "x"\n'
        f'[deep.table]\nHF_TOKEN = "{GOOD}"\n')
    report = report_at(tmp_path, env={"HF_TOKEN": GOOD})
    assert [c.source for c in report.candidates] == [
        "env:HF_TOKEN", ".streamlit/secrets.toml:HF_TOKEN", ".streamlit/secrets.toml:huggingface.token"]
    secret = report.by_source(".streamlit/secrets.toml:HF_TOKEN")
    assert secret.app_source and secret.raw == OLD and report.active.source == "env:HF_TOKEN"


@pytest.mark.parametrize(("where", "content", "why"), [
    (".streamlit/secrets.toml", b"HF_TOKEN = \n", "is not TOML"),
    (".streamlit/secrets.toml", b"\x00\x01binary", "binary data"),
    (".env", b"HF_TOKEN=hf_" + b"x" * 300_000, "far more than a settings file"),
    (".env", b'HF_TOKEN="never closed\n', "never closed"),
])
def test_a_bad_file_is_listed_as_unreadable_with_the_reason(tmp_path, where, content, why):
    path = tmp_path / where
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    report = report_at(tmp_path)
    assert report.candidates == ()
    [(source, reason)] = report.unreadable
    assert source == where and why in reason


def test_a_fifo_named_dotenv_is_not_waited_for(tmp_path):
    os.mkfifo(tmp_path / ".env")
    report = report_at(tmp_path)
    assert report.unreadable[0][0] == ".env" and "FIFO" in report.unreadable[0][1]


def test_a_quoted_or_newline_token_in_dotenv_keeps_what_the_loader_gives(tmp_path):
    (tmp_path / ".env").write_text(f"HF_TOKEN=\"'{GOOD}'\"\nHF_API_TOKEN=\"{GOOD}\\n\"\n")
    report = report_at(tmp_path)
    assert TokenProblem.QUOTED in report.by_source(".env:HF_TOKEN").problems
    assert TokenProblem.NEWLINE in report.by_source(".env:HF_API_TOKEN").problems
