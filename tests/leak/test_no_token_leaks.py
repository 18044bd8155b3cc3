"""Plant distinctive tokens in every source, run every command, and scan every artifact for them.

A leak is any 9-character piece of a token's secret part (after `hf_`); the last 8 characters
are the one part hftui is allowed to show.
"""

import dataclasses
import json
import os
from pathlib import Path

import pytest
from helpers import hftui, leaked_pieces

from hftui.core.tokens import clean_token
from hftui.sim import SCENARIOS, SimServer, get_scenario

ROOT = Path(__file__).resolve().parents[2]
ENV_TOKEN = "hf_LEAKenvQ7w2e9r4t6y8u1i3o5p0aZsXdCf"
KEYRING_TOKEN = "hf_LEAKkeyringM3n5b7v9c1x2z4l6k8j0hGf"
FILE_TOKEN = "hf_LEAKfileT4r6e8w0q2y1u3i5o7p9aSdFgH"
PLANTED = (ENV_TOKEN, KEYRING_TOKEN, FILE_TOKEN)


def test_the_scan_itself_finds_a_leak():
    assert leaks(f"prefix {ENV_TOKEN[5:16]} suffix") and not leaks("…" + ENV_TOKEN[-8:])


def leaks(text: str, tokens=PLANTED) -> int:
    """How many pieces leaked (a count: a failing assert must not print the pieces themselves)."""
    return len(leaked_pieces(text, tokens))


@pytest.fixture
def planted(tmp_path, monkeypatch):
    hf_home = tmp_path / "hf"
    hf_home.mkdir()
    (hf_home / "token").write_text(FILE_TOKEN + "\n")
    (hf_home / "stored_tokens").write_text(f"[old]\nhf_token = {FILE_TOKEN}\n")
    keyring_file = tmp_path / "keyring.json"
    keyring_file.write_text(json.dumps({"hftui-leak-test/token": KEYRING_TOKEN}))
    return {
        "HF_HOME": str(hf_home), "HF_TOKEN": ENV_TOKEN, "HFTUI_NO_KEYRING": "0",
        "HFTUI_KEYRING_SERVICE": "hftui-leak-test", "HFTUI_TEST_KEYRING_FILE": str(keyring_file),
        "PYTHON_KEYRING_BACKEND": "keyring_backends.FileKeyring",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]),
    }


def run(args, env) -> str:
    result = hftui(*args, env=env)
    return result.stdout + result.stderr


@pytest.mark.parametrize("base", ["case-d", "token-newline", "case-b"])
def test_every_cli_output_and_file_is_free_of_every_planted_token(base, planted, tmp_path):
    scenario = dataclasses.replace(get_scenario(base), client_token=ENV_TOKEN, valid_tokens=(ENV_TOKEN,))
    with SimServer(scenario, port=0) as sim:
        common = ["--hub-url", sim.url, "--router-url", sim.url, "--model", scenario.model, "--timeout", "3"]
        outputs = {
            "human": run(["diagnose", *common], planted),
            "json": run(["diagnose", "--json", *common], planted),
            "report-md": run(["diagnose", *common, "--report", str(tmp_path / "b.md")], planted),
            "report-json": run(["diagnose", *common, "--report", str(tmp_path / "b.json")], planted),
            **{f"curl {s}": run(["diagnose", *common, "--curl", s], planted)
               for s in ("whoami", "catalog", "mapping", "as-configured", "known-good", "pinned", "bill-to")},
            "bad usage": run(["diagnose", *common, "--curl", "nope"], planted),
        }
    outputs["bundle.md"] = (tmp_path / "b.md").read_text()
    outputs["bundle.json"] = (tmp_path / "b.json").read_text()
    document = json.loads(outputs["json"])
    sources = {s["source"] for s in document["token_sources"]}
    assert {"env:HF_TOKEN", "keyring", "file:token", "stored_tokens:old"} <= sources, "every source was planted"
    assert "…" + ENV_TOKEN[-8:] in outputs["human"]
    for name, text in outputs.items():
        assert not leaks(text), f"{name} leaks a token"


def test_the_keyring_token_is_used_and_masked_when_it_is_the_active_one(planted):
    env = {**planted, "HF_TOKEN": ""}
    scenario = dataclasses.replace(get_scenario("ok"), client_token=KEYRING_TOKEN, valid_tokens=(KEYRING_TOKEN,))
    with SimServer(scenario, port=0) as sim:
        out = run(["diagnose", "--json", "--hub-url", sim.url, "--router-url", sim.url, "--model", scenario.model],
                  env)
    document = json.loads(out)
    assert document["token"]["source"] == "keyring"
    # The keyring is hftui's own: an app reads the token file, whose (planted, unknown) token fails.
    assert document["verdict"]["case"] == "runtime_token_mismatch" and "file:token" in document["verdict"]["summary"]
    assert not leaks(out)


def test_committed_screenshots_and_snapshots_hold_no_scenario_token():
    images = list((ROOT / "screenshots").glob("*.svg")) + list((ROOT / "tests").rglob("*.svg"))
    tokens = [clean_token(s.client_token) for s in SCENARIOS.values() if s.client_token]
    for image in images:
        assert not leaks(image.read_text(errors="replace"), tokens), image.name


def test_a_keyring_read_in_the_background_still_flags_the_env_token_as_shadowing(planted):
    scenario = dataclasses.replace(get_scenario("ok"), client_token=ENV_TOKEN, valid_tokens=(ENV_TOKEN,))
    with SimServer(scenario, port=0) as sim:
        out = run(["diagnose", "--json", "--hub-url", sim.url, "--router-url", sim.url, "--model", scenario.model],
                  planted)
    document = json.loads(out)
    assert document["token"]["source"] == "env:HF_TOKEN"
    assert "differs_from_other_source" in document["token"]["problems"]
    assert [s["source"] for s in document["token_sources"]][:3] == ["env:HF_TOKEN", "keyring", "file:token"]


DOTENV_TOKEN = "hf_LEAKdotenvR5t7y9u1i3o5p7a9sDfGhJk"
SECRETS_TOKEN = "hf_LEAKsecretsZ2x4c6v8b0n1m3q5w7eRtY"
LANGCHAIN_TOKEN = "hf_LEAKlcTokP0o9i8u7y6t5r4e3wQaZxCvB"
OPENAI_HF_TOKEN = "hf_LEAKopenaiK1j2h3g4f5d6s7a8l9zXcVb"
APP_PLANTED = (*PLANTED, DOTENV_TOKEN, SECRETS_TOKEN, LANGCHAIN_TOKEN, OPENAI_HF_TOKEN)


def test_tokens_from_the_apps_own_places_are_checked_and_never_leak(planted, tmp_path):
    app = tmp_path / "app"
    (app / ".streamlit").mkdir(parents=True)
    (app / ".git").mkdir()
    (app / ".env").write_text(f'HF_TOKEN="{DOTENV_TOKEN}"\n')
    (app / ".streamlit" / "secrets.toml").write_text(f'[huggingface]\ntoken = "{SECRETS_TOKEN}"\n')
    env = {**planted, "HUGGINGFACEHUB_API_TOKEN": LANGCHAIN_TOKEN, "OPENAI_API_KEY": OPENAI_HF_TOKEN}
    scenario = dataclasses.replace(get_scenario("hostile-server"), client_token=ENV_TOKEN,
                                   valid_tokens=(ENV_TOKEN, DOTENV_TOKEN))
    with SimServer(scenario, port=0) as sim:
        common = ["--hub-url", sim.url, "--router-url", sim.url, "--model", scenario.model, "--timeout", "3",
                  "--app-url", f"{sim.url}/api/inference-proxy/together"]
        outputs = {
            "human": hftui("diagnose", *common, env=env, cwd=app),
            "json": hftui("diagnose", "--json", *common, env=env, cwd=app),
            "report": hftui("diagnose", *common, "--report", str(tmp_path / "b.json"), env=env, cwd=app),
            "curl": hftui("diagnose", *common, "--curl", "token-checks", env=env, cwd=app),
            "chosen": hftui("diagnose", "--json", *common, "--token-source", ".streamlit/secrets.toml:huggingface.token",
                            env=env, cwd=app),
        }
    texts = {name: result.stdout + result.stderr for name, result in outputs.items()}
    texts["bundle"] = (tmp_path / "b.json").read_text()
    document = json.loads(texts["json"])
    sources = {s["source"]: s for s in document["token_sources"]}
    assert {"env:HUGGINGFACEHUB_API_TOKEN", "env:OPENAI_API_KEY", ".env:HF_TOKEN",
            ".streamlit/secrets.toml:huggingface.token"} <= set(sources)
    assert sources[".env:HF_TOKEN"]["checked"]["http_status"] == 200
    assert sources[".streamlit/secrets.toml:huggingface.token"]["checked"]["http_status"] == 401
    assert json.loads(texts["chosen"])["token"]["source"] == ".streamlit/secrets.toml:huggingface.token"
    for name, text in texts.items():
        assert not leaks(text, APP_PLANTED), f"{name} leaks a token"
