"""The terminal report as people read it: wrapped to their terminal, saying when it ran on the simulator,
naming flags (not panes), what whoami says about paying, and ASCII where the output cannot take ✓ ✗."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys

from helpers import HANG_LIMIT, environ, hftui

from hftui.core.report import to_text
from hftui.core.session import Session
from hftui.sim import SimServer, get_scenario


def diagnosis_of(name: str):
    from hftui.core.loop import run_bounded

    scenario = get_scenario(name)
    with SimServer(scenario, port=0) as sim:
        session = Session.for_simulator(scenario, sim.url)
        return run_bounded(session.run())


def test_the_report_wraps_to_the_width_and_continues_under_its_text():
    diagnosis = diagnosis_of("case-c")
    text = to_text(diagnosis, width=80)
    long_words = {word for line in text.splitlines() for word in line.split() if len(word) > 40}
    assert all(len(line) <= 80 or any(w in line for w in long_words) for line in text.splitlines())
    assert re.search(r"^    2\. If you belong to an organization that pays for inference, retry with\n       --bill-to",
                     text, re.M), "a next step's second line hangs under its text"
    unwrapped = to_text(diagnosis)
    assert max(len(line) for line in unwrapped.splitlines()) > 80, "without a width (a pipe): one line per item"


def test_a_terminal_gets_the_report_at_its_width():
    master, slave = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 72, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "hftui", "diagnose", "--sim", "case-c"], stdout=slave,
                               stderr=slave, stdin=slave, env=environ({"NO_COLOR": "1", "COLUMNS": None,
                                                                       "HFTUI_ASCII": None, "LANG": "C.UTF-8",
                                                                       "LC_ALL": None}))
    os.close(slave)
    output = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(timeout=HANG_LIMIT) == 1
    os.close(master)
    lines = output.decode("utf-8").replace("\r\n", "\n").splitlines()
    assert lines and max(len(line) for line in lines if "/" not in line) <= 72


def test_a_sim_run_says_so_in_text_and_json_and_names_its_fake_token():
    text = hftui("diagnose", "--sim", "case-c").stdout
    assert text.startswith("sim    scenario case-c on hftui's built-in simulator")
    assert re.search(r"^token  sim:HF_TOKEN …\w{8} \(37 chars\)", text, re.M)
    document = json.loads(hftui("diagnose", "--sim", "case-c", "--json").stdout)
    assert document["inputs"]["simulator"] == "case-c"
    assert document["token"]["source"] == "sim:HF_TOKEN"


def test_a_real_run_has_no_simulator_in_its_json(tmp_path):
    scenario = get_scenario("ok")
    with SimServer(scenario, port=0) as sim:
        result = hftui("diagnose", "--json", "--hub-url", sim.url, "--router-url", sim.url, "--model",
                       scenario.model, env={"HF_TOKEN": scenario.client_token, "HF_HOME": str(tmp_path)})
    document = json.loads(result.stdout)
    assert document["inputs"]["simulator"] is None and document["token"]["source"] == "env:HF_TOKEN"


def test_the_header_says_what_whoami_says_about_paying():
    text = hftui("diagnose", "--sim", "case-c").stdout
    assert re.search(r"^pays   not PRO, cannot pay \(no payment method\), billing prepaid$", text, re.M)


def test_the_report_names_flags_where_the_app_names_panes_and_keys():
    text = hftui("diagnose", "--sim", "case-c").stdout
    assert "--bill-to ORG" in text and "--report bundle.md" in text
    assert "pane" not in text.lower()
    ok = hftui("diagnose", "--sim", "ok").stdout
    assert "`hftui` lists every token source" in ok and "pane" not in ok.lower()


def test_curl_after_a_sim_run_names_variables_not_the_stopped_simulator():
    result = hftui("diagnose", "--sim", "case-b", "--curl", "as-configured")
    assert result.returncode == 0
    assert result.stdout.startswith('curl -sS -i -X POST "${HFTUI_ROUTER_URL}"/v1/chat/completions')
    assert "127.0.0.1" not in result.stdout
    assert "The simulator this ran against has stopped" in result.stderr
    assert "hftui sim --scenario case-b" in result.stderr
    whoami = hftui("diagnose", "--sim", "case-b", "--curl", "whoami")
    assert whoami.stdout.startswith('curl -sS -i -X GET "${HF_ENDPOINT}"/api/whoami-v2')


def test_ascii_output_where_the_marks_cannot_be_shown():
    forced = hftui("diagnose", "--sim", "case-c", env={"HFTUI_ASCII": "1"})
    assert forced.stdout.isascii()
    assert re.search(r"^\+ whoami\s+200", forced.stdout, re.M) and re.search(r"^x known-good\s+401", forced.stdout,
                                                                              re.M)
    assert "> Every chat call fails the same way" in forced.stdout
    document = hftui("diagnose", "--sim", "case-c", "--json", env={"HFTUI_ASCII": "1"}).stdout
    assert document.isascii() and json.loads(document)["verdict"]["evidence"][0]["fact"].startswith("✗ 401")
    by_locale = hftui("diagnose", "--sim", "case-c", env={"LC_ALL": "C", "HFTUI_ASCII": None})
    assert by_locale.stdout.isascii() and "x known-good" in by_locale.stdout
