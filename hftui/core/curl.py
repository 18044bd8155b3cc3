"""Copy-as-curl: the exact request of a step, with `$HF_TOKEN` where the token was."""

from __future__ import annotations

import shlex

from hftui.core.probes import CapturedRequest

_SKIP_HEADERS = {"host", "content-length", "accept-encoding", "connection", "user-agent"}


def to_curl(request: CapturedRequest, token_variable: str = "HF_TOKEN") -> str:
    """A shell command reproducing `request`; the token is referenced, never written."""
    parts = ["curl", "-sS", "-i", "-X", request.method, _quote_url(request.url)]
    for name, value in request.headers:
        if name.lower() in _SKIP_HEADERS:
            continue
        if name.lower() == "authorization":
            # Double quotes so the shell expands the variable; nothing else in it needs quoting.
            parts += ["-H", f'"Authorization: Bearer ${token_variable}"']
        else:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if request.body is not None:
        if not any(n.lower() == "content-type" for n, _ in request.headers):
            parts += ["-H", shlex.quote("Content-Type: application/json")]
        parts += ["--data-raw", shlex.quote(request.body)]
    return " \\\n  ".join(_group(parts))


def _quote_url(url: str) -> str:
    """Quoted for the shell; a URL that starts with a variable ("${HF_ENDPOINT}/api/whoami-v2") keeps it
    expandable: the variable in double quotes, the rest in single quotes."""
    if url.startswith("${") and "}" in url:
        variable, rest = url.split("}", 1)
        if variable[2:].isidentifier():
            return f'"{variable}}}"' + (shlex.quote(rest) if rest else "")
    return shlex.quote(url)


def _group(parts: list[str]) -> list[str]:
    """One flag with its value per line, so the command reads like a request."""
    lines, current = [], []
    for part in parts:
        if part in ("-H", "--data-raw") and current:
            lines.append(" ".join(current))
            current = []
        current.append(part)
    if current:
        lines.append(" ".join(current))
    return lines
