"""`hftui diagnose` as a script would run it: a subprocess, the simulator on loopback, real HTTP."""

import json
import re

import pytest
from helpers import assert_no_leak, fake_venv, hftui

from hftui.cli import build_parser
from hftui.sim import SCENARIOS, SimServer, get_scenario


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_scenario_gives_its_verdict_over_real_http(name, tmp_path):
    scenario = get_scenario(name)
    env = {"HF_HOME": str(tmp_path)}
    for file_name, text in scenario.token_files.items():  # e.g. a browser login's token and stored_tokens
        (tmp_path / file_name).write_text(text)
    if scenario.client_token is not None and "token" not in scenario.token_files:
        env["HF_TOKEN"] = scenario.client_token
    env.update(scenario.app_env)
    app = tmp_path / "app"  # the app's directory, where the user runs hftui: its .env, its secrets, its venv
    for file_name, text in scenario.app_files.items():
        (app / file_name).parent.mkdir(parents=True, exist_ok=True)
        (app / file_name).write_text(text)
    (app / ".git").mkdir(parents=True)  # the repository root: no .env above it is read
    if scenario.app_hub_version:
        fake_venv(app / ".venv", scenario.app_hub_version)
    with SimServer(scenario, port=0) as sim:
        args = ["diagnose", "--json", "--hub-url", sim.url, "--router-url", sim.url, "--model", scenario.model,
                "--timeout", "3"]
        if scenario.bill_to:
            args += ["--bill-to", scenario.bill_to]
        args += [flag for flag, asked in (("--sweep", scenario.sweep), ("--stream", scenario.stream)) if asked]
        if scenario.app_path:
            args += ["--app-url", sim.url + scenario.app_path]
        result = hftui(*args, env=env, cwd=app)
    assert result.stderr == ""
    document = json.loads(result.stdout)
    verdict = document["verdict"]
    assert (verdict["case"], verdict["seed_case"]) == (scenario.expected_case, scenario.expected_seed), verdict
    assert result.returncode == (0 if scenario.expected_case == "ok" else 1)
    assert document["schema"] == 1 and verdict["summary"] and verdict["next_steps"]
    assert {s["id"] for s in document["steps"]} >= {"whoami", "catalog", "mapping", "as-configured", "known-good",
                                                     "pinned", "bill-to"}
    assert_no_leak(result.stdout + result.stderr, scenario.client_token)


def test_json_steps_carry_request_ids_and_redacted_authorization(tmp_path):
    scenario = get_scenario("case-b")
    with SimServer(scenario, port=0) as sim:
        result = hftui("diagnose", "--json", "--hub-url", sim.url, "--router-url", sim.url, "--model", scenario.model,
                       env={"HF_TOKEN": scenario.client_token})
    steps = {s["id"]: s for s in json.loads(result.stdout)["steps"]}
    whoami = steps["whoami"]
    assert whoami["status"] == "ok" and whoami["http_status"] == 200 and whoami["request_id"].startswith("Root=1-")
    assert whoami["request"]["headers"]["Authorization"] == "Bearer …" + scenario.client_token.strip()[-8:]
    assert steps["as-configured"]["status"] == "failed" and steps["as-configured"]["http_status"] == 401
    assert "Invalid username or password." in steps["as-configured"]["response"]["body"]
    assert steps["pinned"]["status"] == "ok"


def test_human_output_is_a_table_and_a_verdict_without_colour_when_piped():
    result = hftui("diagnose", "--sim", "case-b")
    assert result.returncode == 1
    out = result.stdout
    assert "\x1b[" not in out
    assert re.search(r"^✓ whoami\s+200", out, re.MULTILINE)
    assert re.search(r"^✗ as-configured\s+401 .*Invalid username or password\.", out, re.MULTILINE)
    assert "▶ Provider routing policy picks a provider that fails (case B)" in out
    assert_no_leak(out, get_scenario("case-b").client_token)


def test_trailing_newline_token_is_named_as_the_cause():
    result = hftui("diagnose", "--sim", "token-newline")
    assert "token_malformed" in result.stdout and "line break" in result.stdout
    assert "cleaned, it works" in result.stdout


def test_token_env_reads_that_variable_raw_first(tmp_path):
    scenario = get_scenario("ok")
    with SimServer(scenario, port=0) as sim:
        result = hftui("diagnose", "--json", "--hub-url", sim.url, "--router-url", sim.url, "--model", scenario.model,
                       "--token-env", "MY_APP_TOKEN",
                       env={"MY_APP_TOKEN": scenario.client_token + "\n", "HF_TOKEN": scenario.client_token})
    document = json.loads(result.stdout)
    assert document["token"]["source"] == "env:MY_APP_TOKEN"
    assert "newline" in document["token"]["problems"]
    assert document["verdict"]["case"] == "token_malformed"


@pytest.mark.parametrize(("args", "message"), [
    (["diagnose", "--bogus"], "unrecognized arguments: --bogus"),
    (["diagnose", "--sim", "ok", "--model", "not a model"], "malformed model id"),
    (["diagnose", "--model", "a/b", "--router-url", "ftp://x"], "is not an http(s) URL"),
    (["diagnose", "--model", "a/b", "--timeout", "-1"], "must be between 0 and 600"),
    (["diagnose", "--sim", "no-such-scenario"], "no-such-scenario"),
    (["diagnose", "--model", "a/b", "--token-env", "UNSET_VAR_XYZ"], "UNSET_VAR_XYZ: that environment variable is not set"),
    (["--model", "a/b", "--token-env", "UNSET_VAR_XYZ"], "UNSET_VAR_XYZ: that environment variable is not set"),
    (["diagnose", "--sim", "ok", "--curl", "nope"], "no such step"),
    (["diagnose", "--sim", "ok", "--report", "bundle.pdf"], "use a .md or .json"),
])
def test_bad_input_is_one_clear_line_and_exit_2(args, message):
    result = hftui(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_unreachable_router_is_a_network_error_verdict_not_a_crash(tmp_path):
    result = hftui("diagnose", "--json", "--model", "a/b", "--router-url", "http://127.0.0.1:9",
                   "--hub-url", "http://127.0.0.1:9", "--timeout", "2",
                   env={"HF_TOKEN": "hf_" + "x" * 34})
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["verdict"]["case"] == "network_error"


def test_version_and_help_are_fast_and_plain():
    result = hftui("--version")
    assert result.returncode == 0 and result.stdout.startswith("hftui ")


@pytest.mark.parametrize("argv", [
    ["--model", "a/b", "--timeout", "5", "diagnose"],
    ["diagnose", "--model", "a/b", "--timeout", "5"],
    ["--model", "x/y", "--timeout", "9", "diagnose", "--model", "a/b", "--timeout", "5"],
])
def test_shared_flags_count_before_or_after_the_command_the_later_one_winning(argv):
    args = build_parser().parse_args(argv)
    assert (args.model, args.timeout) == ("a/b", 5.0)


def test_any_no_keyring_value_but_0_turns_the_keyring_off_for_the_token_list_too(tmp_path):
    with SimServer(get_scenario("ok"), port=0) as sim:
        result = hftui("diagnose", "--json", "--model", sim.scenario.model, "--hub-url", sim.url,
                       "--router-url", sim.url, env={"HFTUI_NO_KEYRING": "true", "HF_HOME": str(tmp_path),
                                                     "HF_TOKEN": sim.scenario.client_token})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["token_sources_unreadable"] == [], "not read, so not listed as unreadable"
