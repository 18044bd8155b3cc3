"""The app's client libraries: their versions, read in the app's own interpreter, and the route the
installed huggingface_hub sends (router-api.md §4).

The versions are read with importlib.metadata in a subprocess bounded by a timeout: the packages
are never imported (importing one runs its code, and may hang). Without `--app-python` and without
`./.venv` or `./venv`, hftui's own interpreter is described, and said to be hftui's own (so is a
`./.venv` that is the venv hftui runs in: read in this process, no second interpreter).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from hftui.core.approute import UPGRADE, RouteKind
from hftui.core.printable import printable

PACKAGES = ("huggingface_hub", "openai", "langchain-huggingface", "litellm", "smolagents",
            "python-dotenv", "streamlit", "langchain")  # the last three: which token source the app reads
READ_TIMEOUT = 10.0
OAUTH_REFRESH_SINCE = (2, 0)  # uncertain (router-api.md §4 dates the refresh, not the release)
OUTPUT_CAP = 16 * 1024
_SCRIPT = ("import json, sys\nfrom importlib import metadata\nfound = {}\nfor name in sys.argv[1:]:\n"
           "    try:\n        found[name] = metadata.version(name)\n    except Exception:\n        found[name] = None\n"
           "print(json.dumps(found))\n")


@dataclass(frozen=True)
class AppClient:
    """What the app's interpreter has installed (None: not installed), or why it could not be read."""

    python: str  # the interpreter, as given or found
    own: bool  # hftui's own interpreter: the app's is not known
    versions: tuple[tuple[str, str | None], ...]  # (package, version or None), in PACKAGES order
    error: str | None = None

    def version(self, package: str) -> str | None:
        return dict(self.versions).get(package)

    def has(self, package: str) -> bool:
        return self.version(package) is not None

    @property
    def hub_route(self) -> RouteKind | None:
        """The route the installed huggingface_hub posts chat to: LEGACY (≤0.28), PROVIDER (0.29–0.36: the
        client picks the provider from the mapping), ROUTER (≥1.0); None when it is not installed."""
        parts = _release(self.version("huggingface_hub"))
        if parts is None:
            return None
        if parts < (0, 29):
            return RouteKind.LEGACY
        return RouteKind.PROVIDER if parts < (1, 0) else RouteKind.ROUTER

    @property
    def refreshes_oauth(self) -> bool | None:
        """Whether that huggingface_hub refreshes a browser login's expired OAuth token itself (the 2026-06
        login stores a refresh token; which release began refreshing is uncertain: 2.x is assumed)."""
        parts = _release(self.version("huggingface_hub"))
        return None if parts is None else parts >= OAUTH_REFRESH_SINCE

    @property
    def origin(self) -> str:
        """The words that say which client sends what: "huggingface_hub 0.30.2 in .venv/bin/python"."""
        return f"huggingface_hub {self.version('huggingface_hub')} in {self.where}"

    @property
    def where(self) -> str:
        return f"hftui's own Python ({self.python}): pass --app-python for the app's" if self.own else self.python

    @property
    def summary(self) -> str:
        if self.error:
            return f"{self.where}: could not read its packages ({self.error})"
        listed = ", ".join(f"{name} {version}" for name, version in self.versions if version) or "none of them"
        route = self.hub_route
        said = {RouteKind.LEGACY: f"; that huggingface_hub posts to the legacy api-inference host (gone): {UPGRADE}",
                RouteKind.PROVIDER: "; that huggingface_hub picks the provider itself from the Hub mapping and posts "
                                    f"to its provider-scoped route: {UPGRADE}",
                RouteKind.ROUTER: "; that huggingface_hub posts to the documented /v1/chat/completions"}.get(route, "")
        refresh = self.refreshes_oauth
        if refresh is not None:
            said += ("; it refreshes an expired browser-login token itself" if refresh else
                     "; it does not refresh an expired browser-login token (hf auth login again)")
        return f"{self.where}: {listed}{said}"


def _release(version: str | None) -> tuple[int, int] | None:
    """(major, minor) of a version string like 0.30.2 or 1.0.0rc1; None when it has none."""
    match = re.match(r"\s*v?(\d+)\.(\d+)", version or "")
    return (int(match[1]), int(match[2])) if match else None


def default_python(cwd: Path) -> str | None:
    """./.venv/bin/python or ./venv/bin/python (Scripts/python.exe on Windows) when present."""
    for folder in (".venv", "venv"):
        for relative in ("bin/python", "Scripts/python.exe"):
            if (cwd / folder / relative).exists():
                return str(Path(folder) / relative)
    return None


def read_client(python: str | None, cwd: Path | None = None, timeout: float = READ_TIMEOUT) -> AppClient:
    """The packages installed for `python` (None: the default in `cwd`, else hftui's own)."""
    chosen = python or (default_python(cwd) if cwd is not None else None)
    own = chosen is None or _is_this_interpreter(chosen, cwd)
    if own:
        from hftui.core.installed import versions  # importlib.metadata's answer, without its ~70 ms of CPU

        found = versions(PACKAGES)
        return AppClient(printable(sys.executable), True,
                         tuple((name, printable(found[name]) if found[name] else None) for name in PACKAGES))
    return _read_in(chosen, cwd, timeout)  # type: ignore[arg-type]


def _is_this_interpreter(python: str, cwd: Path | None) -> bool:
    """Whether `python` is a venv's interpreter and that venv is the one hftui runs in: its packages are
    then read here, without a second interpreter (hftui started from its own checkout, as in a dev setup)."""
    path = Path(python) if Path(python).is_absolute() else (cwd or Path.cwd()) / python
    try:
        return path.parent.parent.resolve() == Path(sys.prefix).resolve() and sys.prefix != sys.base_prefix
    except OSError:
        return False


def _read_in(python: str, cwd: Path | None, timeout: float) -> AppClient:
    shown = printable(python)
    empty = tuple(dict.fromkeys(PACKAGES).items())
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    try:
        done = subprocess.run([python, "-I", "-c", _SCRIPT, *PACKAGES], capture_output=True, timeout=timeout,
                              cwd=cwd, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return AppClient(shown, False, empty, f"did not answer within {timeout:g} s")
    except OSError as exc:
        return AppClient(shown, False, empty, printable(exc.strerror or type(exc).__name__))
    try:
        answer = json.loads(done.stdout[:OUTPUT_CAP].decode("utf-8", errors="replace"))
    except ValueError:
        return AppClient(shown, False, empty, f"not a Python that answers (exit {done.returncode})")
    if not isinstance(answer, dict):
        return AppClient(shown, False, empty, "an answer not in its shape")
    versions = tuple((name, printable(answer[name]) if isinstance(answer.get(name), str) else None) for name in PACKAGES)
    return AppClient(shown, False, versions)


def simulated_client(hub_version: str) -> AppClient:
    """The demo app's libraries: only huggingface_hub, at `hub_version` (no interpreter is asked)."""
    versions = tuple((name, hub_version if name == "huggingface_hub" else None) for name in PACKAGES)
    return AppClient("the demo app's Python", False, versions)
