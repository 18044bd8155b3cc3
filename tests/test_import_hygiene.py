"""The headless paths never pay for the TUI: proved in a fresh interpreter, as harlequin does."""

import os
import subprocess
import sys

import pytest


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


@pytest.mark.parametrize("module", ["hftui.core.tokens", "hftui.core.plan", "hftui.core.verdict", "hftui.core.cases",
                                    "hftui.core.status", "hftui.core.loop", "hftui.core.printable",
                                    "hftui.core.diagnosis", "hftui.core.report", "hftui.core.keystore", "hftui.sim"])
def test_core_imports_no_textual(module):
    loaded = _modules_after(f"import {module}")
    assert module in loaded
    assert not any(m == "textual" or m.startswith("textual.") for m in loaded)


def test_diagnose_help_imports_no_textual_and_no_http_stack():
    code = ("import sys; sys.argv = ['hftui', 'diagnose', '--help']\n"
            "from hftui.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")
    loaded = _modules_after(code)
    assert "hftui.cli" in loaded
    assert not any(m.startswith("textual") for m in loaded)
    assert "httpx" not in loaded and "huggingface_hub" not in loaded


def test_the_app_paints_its_first_frame_before_loading_the_engine_and_the_http_stack(tmp_path):
    """What is imported when the first frame is on screen: the engine (plan, probes, verdict) and
    httpx come after it, in the client's loading thread (they are ~100 ms of the start-up)."""
    code = ("import sys\n"
            "from textual.app import App\n"
            "import hftui.ui.launch as launch\n"
            "run, resume = App.run, launch.resume_collector\n"
            "def first_frame_done():\n"
            "    print('LOADED ' + ' '.join(sorted(sys.modules)), flush=True)\n"
            "    resume()\n"
            "    App.exit(launch_app[0])\n"
            "launch_app = []\n"
            "def headless_run(self, *args, **kwargs):\n"
            "    launch_app.append(self)\n"
            "    return run(self, *args, headless=True, size=(120, 40))\n"
            "App.run = headless_run\n"
            "launch.resume_collector = first_frame_done\n"
            "from hftui.cli import main\n"
            "main(['--model', 'Qwen/Qwen3.5-9B:preferred', '--hub-url', 'http://127.0.0.1:9',"
            " '--router-url', 'http://127.0.0.1:9'])\n")
    env = {**os.environ, "HF_HOME": str(tmp_path), "HFTUI_NO_KEYRING": "1", "HF_TOKEN": "hf_" + "x" * 34}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env).stdout
    loaded = set(out.split("LOADED ", 1)[1].split())
    assert "hftui.ui.app" in loaded and "textual.app" in loaded
    engine = {"hftui.core.plan", "hftui.core.probes", "hftui.core.verdict", "hftui.core.diagnosis", "httpx"}
    assert not engine & loaded, f"loaded before the first frame: {sorted(engine & loaded)}"
