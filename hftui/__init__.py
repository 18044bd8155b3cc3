"""hftui: why a Hugging Face Inference Providers call fails, with evidence.

Kept import-free so `hftui --version`, `--help` and `hftui diagnose` never pay for the TUI.
"""

__version__ = "0.1.0"
