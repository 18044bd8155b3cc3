"""hftui: why a Hugging Face Inference Providers call fails, with evidence.

Kept import-free so `hftui --version`, `--help` and `hftui diagnose` never pay for the TUI; the Python
API (`hftui.diagnose`, `hftui.explain`, …, from hftui.api) is loaded on first use (PEP 562).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing would cost `hftui --version` ~10 ms
__version__ = "0.1.0"

_API = ("Diagnosis", "FailedCall", "NotAFailedCall", "SettingsError", "diagnose", "diagnose_async", "explain",
        "explain_async", "read_failed_call")
__all__ = ["__version__", *_API]

if TYPE_CHECKING:
    from hftui.api import (Diagnosis, FailedCall, NotAFailedCall, SettingsError, diagnose, diagnose_async, explain,
                           explain_async, read_failed_call)


def __getattr__(name: str) -> object:
    if name in _API:
        from hftui import api

        return getattr(api, name)
    raise AttributeError(f"module 'hftui' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
