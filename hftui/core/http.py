"""The HTTP plumbing every probe shares: httpx (imported lightly), the one client, proxies, origins.

Nothing here knows what an answer means (that is `outcomes`) or how a probe is captured (`probes`).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit

if TYPE_CHECKING:
    import ssl

    import httpx


def import_httpx():
    """httpx, without importing its command-line client.

    httpx/__init__ does `from ._main import main` inside `try/except ImportError`: the fallback it
    ships for installs without the `httpx[cli]` extra. `httpx._main` imports click, pygments and
    rich (70-200 ms on a small machine), and hftui never runs httpx's CLI. A None entry in
    sys.modules is the import system's documented way to make one import raise ImportError, so
    httpx takes its own fallback (`httpx.main` then prints "install httpx[cli]"); the entry is
    removed at once, so a later `import httpx._main` still works. No-op if httpx is already loaded.
    """
    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        sys.modules["httpx._main"] = None  # type: ignore[assignment]
        try:
            import httpx
        finally:
            if "httpx._main" in sys.modules and sys.modules["httpx._main"] is None:
                del sys.modules["httpx._main"]
        _fail_fast_if_missing("sniffio")
        return httpx
    import httpx

    return httpx


# Only what core/decoding.py decompresses with a bound: with brotli or zstandard installed httpx would
# also ask for br and zstd, and a bomb in those would be decoded whole.
ACCEPTED_ENCODINGS = "gzip, deflate"


def _fail_fast_if_missing(module: str) -> None:
    """When `module` is not installed, every later `import module` fails at once instead of searching
    sys.path again: httpcore tries `import sniffio` for each lock and connection it sets up (42 times
    in a diagnose, ~0.15 ms of path scanning each), and without sniffio it falls back, as it then does.
    The None entry in sys.modules is the import system's documented way to say "not importable"."""
    if module not in sys.modules and importlib.util.find_spec(module) is None:
        sys.modules[module] = None  # type: ignore[assignment]


def make_client(timeout: float, urls: Iterable[str] | None = None) -> httpx.AsyncClient:
    """The one client every probe shares: connection reuse makes the plan's round trips cheap.

    `urls`: the origins it will be sent to (the Hub and the router); None: any, https included."""
    from http.cookiejar import CookieJar, DefaultCookiePolicy

    httpx = import_httpx()

    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        # run_probe follows redirects itself, within the probe's own origin only: the token is for the
        # configured Hub and router, never for wherever a 3xx points. TLS is verified (httpx's default;
        # SSL_CERT_FILE / SSL_CERT_DIR name a CA bundle, there is no switch to turn it off).
        follow_redirects=False,
        verify=tls_context(urls),
        headers={"User-Agent": "hftui", "Accept-Encoding": ACCEPTED_ENCODINGS},
        # No cookie jar: a cookie one answer sets would ride along on the next probes (to the Hub and
        # the router alike), so a step would change more than its one variable and its curl would lie.
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
    )


def tls_context(urls: Iterable[str] | None = None) -> ssl.SSLContext:
    """The client's TLS context, built once for all its transports (one per proxy from the environment).

    httpx builds one per transport from the CA store: ~50 ms each, however many. When no URL is https
    none is needed: the client only goes to these origins (redirects stay within them) and TLS to an
    https proxy uses httpcore's own context. What is given then still verifies, with no CA to trust:
    were it ever used, the handshake would fail, never go unchecked.
    """
    import ssl

    if urls is not None and all(urlsplit(url).scheme.lower() == "http" for url in urls):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and check_hostname: its defaults
    return import_httpx().create_ssl_context()  # verify=True as httpx reads it: certifi, SSL_CERT_FILE/DIR


def proxy_for(client: httpx.AsyncClient, url: str) -> str | None:
    """The proxy httpx will use for `url` (HTTPS_PROXY/HTTP_PROXY/ALL_PROXY minus NO_PROXY), or None.

    httpx keeps no public record of it, so this asks the client which transport serves the URL
    (httpx 0.28 internals); if they change, the message just names no proxy.
    """
    try:
        httpx = import_httpx()
        transport = client._transport_for_url(httpx.URL(url))
        proxy = getattr(getattr(transport, "_pool", None), "_proxy_url", None)
        if proxy is None:
            return None
        port = f":{proxy.port}" if proxy.port else ""
        # httpcore's URL carries no user:password (proxy auth travels in a header): safe to show.
        return f"{proxy.scheme.decode()}://{proxy.host.decode()}{port}"
    except Exception:  # noqa: BLE001 - a best-effort detail, never a failure of its own
        return None


def same_origin(url: str, other: str) -> bool:
    return origin(url) == origin(other)


def origin(url: str) -> str:
    """scheme://host:port, the port spelled out even when it is the scheme's default."""
    parts = urlsplit(url)
    try:
        port = port_of(parts)
    except ValueError:
        port = None
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"


def port_of(parts: SplitResult) -> int | None:
    """The URL's port, or its scheme's default; ValueError for a port that is not a number."""
    return parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
