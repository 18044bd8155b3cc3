"""The support bundle and copy-as-curl, as a user gets them from `hftui diagnose`."""

import json
import os
import re
import shutil
import stat
import subprocess

import pytest
from helpers import hftui

from hftui.sim import SimServer, get_scenario


def test_case_d_bundle_has_what_support_asks_for(tmp_path):
    bundle = tmp_path / "bundle.md"
    result = hftui("diagnose", "--sim", "case-d", "--report", str(bundle))
    assert result.returncode == 1 and f"support bundle written to {bundle}" in result.stderr
    text = bundle.read_text()
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600
    summary, _, rest = text.partition("## What to send support")
    assert "Verdict: Billing the organization fixes it (seed case D)" in summary
    assert "Hugging Face username: ada-lovelace" in rest
    assert "Account: not PRO, can pay, billing " in rest
    assert "X-HF-Bill-To tried: acme-research → 200 (worked); changed the outcome: yes" in rest
    assert len(set(re.findall(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}|[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}",
                              text))) >= 3
    assert '{"error": "Invalid username or password."}' in text or '{"error":"Invalid username or password."}' in text
    assert "Known-good call (openai/gpt-oss-120b:fastest): ✗ 401" in text
    assert "Pinned-provider call: ✗ 401" in text
    assert re.search(r"hftui: \d", text) and "huggingface_hub:" in text and "python:" in text
    token = get_scenario("case-d").client_token
    assert token[3:12] not in text


def test_a_refused_bill_to_is_said_so_in_the_bundle_with_why(tmp_path):
    """A 403 'on behalf of org' is a refusal, not a billing result: the bundle says which, and why, per org."""
    bundle = tmp_path / "bundle.md"
    hftui("diagnose", "--sim", "bill-to-refused", "--report", str(bundle))
    text = bundle.read_text()
    assert "X-HF-Bill-To tried: acme-research → 403 (refused); changed the outcome: yes" in text
    attempt = next(line for line in text.splitlines() if line.startswith("With `X-HF-Bill-To: acme-research`"))
    assert "**refused** — the token (a fine-grained access token) has no inference permission scoped to " \
           "acme-research" in attempt, attempt
    data = json.loads(hftui("diagnose", "--json", "--sim", "bill-to-refused").stdout)
    bill_to = next(step for step in data["steps"] if step["id"] == "bill-to")
    assert [attempt["reading"] for attempt in bill_to["attempts"]] == ["refused"]


def test_json_bundle_adds_versions_billing_and_isolating_calls(tmp_path):
    bundle = tmp_path / "bundle.json"
    hftui("diagnose", "--sim", "case-d", "--report", str(bundle))
    data = json.loads(bundle.read_text())
    assert data["verdict"]["seed_case"] == "D"
    assert data["bundle"]["billing"]["changed_outcome"] is True
    assert data["bundle"]["isolating_calls"]["known-good"].startswith("✗ 401")
    assert data["account"]["name"] == "ada-lovelace" and data["account"]["orgs"] == ["acme-research"]
    assert (data["account"]["is_pro"], data["account"]["can_pay"]) == (False, True)
    assert all(s["started_at"] for s in data["steps"] if s["status"] != "skipped")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize(("scenario_name", "step"), [("case-d", "as-configured"), ("case-d", "bill-to"),
                                                      ("case-b", "pinned"), ("case-b", "whoami")])
def test_copied_curl_reproduces_the_same_status(scenario_name, step):
    scenario = get_scenario(scenario_name)
    with SimServer(scenario, port=0) as sim:
        env = {"HF_TOKEN": scenario.client_token}
        common = ["--hub-url", sim.url, "--router-url", sim.url, "--model", scenario.model]
        steps = {s["id"]: s for s in json.loads(hftui("diagnose", "--json", *common, env=env).stdout)["steps"]}
        command = hftui("diagnose", *common, "--curl", step, env=env).stdout
        assert "$HF_TOKEN" in command and scenario.client_token[3:12] not in command
        replay = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30,
                                env={**os.environ, "HF_TOKEN": scenario.client_token})
    status_line = replay.stdout.splitlines()[0]
    assert status_line.split()[1] == str(steps[step]["http_status"]), status_line


def test_report_to_a_missing_folder_is_refused_before_any_probe(tmp_path):
    result = hftui("diagnose", "--sim", "ok", "--report", str(tmp_path / "nope" / "b.md"))
    assert result.returncode == 2 and "does not exist" in result.stderr
