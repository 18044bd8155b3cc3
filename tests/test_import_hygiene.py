"""The headless paths never pay for the TUI: proved in a fresh interpreter, as harlequin does."""

import subprocess
import sys

import pytest


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


@pytest.mark.parametrize("module", ["hftui.core.tokens", "hftui.core.plan", "hftui.core.verdict",
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
