"""Why a probe got no answer, in words: the kinds of failure, how far the request got, the sentence.

run_probe (probes.py) follows one request through httpx's trace events (Progress) and, when it
fails, asks this module for the kind (error_kind) and the sentence (describe_failure): which host
refused, which phase timed out, which proxy from the environment (http.proxy_for) was in the way,
what to do next.
"""

from __future__ import annotations

import errno
import os
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from hftui.core.http import import_httpx


class ErrorKind(str, Enum):
    CONNECT = "connect"
    DNS = "dns"
    TLS = "tls"
    TIMEOUT = "timeout"
    PROTOCOL = "protocol"
    PROXY = "proxy"
    HEADER_REFUSED = "header_refused"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    OTHER = "other"

    @property
    def meaning(self) -> str:
        return _ERROR_MEANINGS[self]


# Short labels: shown alone ("response: none (timed out)") and as the prefix of the detail sentence.
_ERROR_MEANINGS = {
    ErrorKind.CONNECT: "could not connect",
    ErrorKind.DNS: "host name not found (DNS)",
    ErrorKind.TLS: "TLS failed",
    ErrorKind.TIMEOUT: "timed out",
    ErrorKind.PROTOCOL: "connection broken",
    ErrorKind.PROXY: "proxy failed",
    ErrorKind.HEADER_REFUSED: "the HTTP client refused to send the header (the token holds a character headers cannot carry)",
    ErrorKind.TOO_MANY_REDIRECTS: "too many redirects",
    ErrorKind.OTHER: "request failed",
}


@dataclass(frozen=True)
class ProbeError:
    kind: ErrorKind
    detail: str

    def __str__(self) -> str:
        return f"{self.kind.meaning}: {self.detail}" if self.detail else self.kind.meaning


def error_kind(exc: BaseException) -> ErrorKind:
    """The kind of a failure, from the exception and its causes."""
    httpx = import_httpx()

    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        return ErrorKind.TIMEOUT
    if isinstance(exc, httpx.ProxyError):
        return ErrorKind.PROXY
    if isinstance(exc, httpx.TooManyRedirects):
        return ErrorKind.TOO_MANY_REDIRECTS
    if isinstance(exc, httpx.LocalProtocolError) and "header" in str(exc).lower():
        return ErrorKind.HEADER_REFUSED
    if isinstance(exc, (UnicodeEncodeError, ValueError)) and not isinstance(exc, httpx.HTTPError):
        return ErrorKind.HEADER_REFUSED
    chain = _cause_chain(exc)
    if any(isinstance(c, ssl.SSLError) for c in chain):
        return ErrorKind.TLS
    text = " ".join(str(c) for c in chain).lower()
    if any(s in text for s in ("name or service not known", "nodename nor servname", "name resolution",
                               "getaddrinfo", "no address associated")):
        return ErrorKind.DNS
    if "ssl" in text or "certificate" in text:
        return ErrorKind.TLS
    if isinstance(exc, httpx.ConnectError):
        return ErrorKind.CONNECT
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return ErrorKind.PROTOCOL
    return ErrorKind.OTHER


@dataclass
class Progress:
    """How far one request got, from httpx's trace events: the words a failure is told in."""

    phase: str = "connect"  # connect → tls → wait → body
    host: str = ""  # what the TCP connection went to (the proxy, when one is used)
    port: int | None = None
    status: int | None = None
    received: int = 0
    declared: int | None = None  # Content-Length, when the server sent one
    proxy: str | None = None
    on_sent: Callable[[], None] | None = field(default=None, repr=False)  # once the whole request is out

    async def trace(self, event: str, info: dict[str, Any]) -> None:
        if event.endswith("connect_tcp.started"):
            self.phase, self.host, self.port = "connect", str(info.get("host") or ""), info.get("port")
        elif event.endswith("start_tls.started"):
            self.phase = "tls"
        elif event.endswith(("send_request_headers.started", "receive_response_headers.started")):
            self.phase = "wait"
        if event.endswith("receive_response_headers.started") and self.on_sent is not None:
            sent, self.on_sent = self.on_sent, None
            sent()

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}" if self.host and self.port else self.host or "the server"


def _proxy_variable(url: str) -> str:
    scheme = urlsplit(url).scheme.lower()
    for name in (f"{scheme}_proxy", "all_proxy"):
        for variant in (name.upper(), name):
            if os.environ.get(variant):
                return variant
    return "the environment"


def describe_failure(exc: BaseException, kind: ErrorKind, timeout: float, progress: Progress | None = None,
                     url: str = "") -> str:
    """One sentence: where the exchange stopped and what the user can do about it."""
    progress = progress or Progress()
    root = _root_cause(exc)
    host = urlsplit(url).hostname or progress.host or "the server"
    if kind is ErrorKind.TIMEOUT:
        return _describe_timeout(timeout, progress)
    if kind is ErrorKind.PROXY:
        via = f"the proxy {progress.proxy} (from {_proxy_variable(url)})" if progress.proxy else "the proxy"
        why = _connect_failure(root) if progress.phase == "connect" else f"failed: {_first_line(exc)}"
        return f"{via} {why}; fix or unset it, or add {host} to NO_PROXY if no proxy is needed"
    if kind is ErrorKind.DNS:
        return f"{host} does not resolve ({_strip_errno(root)}); check the URL, or DNS on this machine"
    if kind is ErrorKind.CONNECT:
        return f"{progress.where} {_connect_failure(root)}"
    if kind is ErrorKind.TLS:
        text = _first_line(root)
        reason = getattr(root, "verify_message", None) or _strip_errno(root)
        if isinstance(root, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in text:
            return (f"the certificate of {progress.where} is not trusted ({reason}); hftui always verifies TLS. "
                    f"Behind a TLS-inspecting proxy, point SSL_CERT_FILE at its CA bundle")
        if "WRONG_VERSION_NUMBER" in text:
            return f"{progress.where} does not speak TLS on this port (should the URL be http://?)"
        return f"TLS with {progress.where} failed: {reason}"
    if kind is ErrorKind.PROTOCOL:
        why = _strip_errno(root) if root is not exc else _first_line(exc)
        if progress.phase == "body" and progress.status is not None:
            size = f" of {progress.declared}" if progress.declared else ""
            return f"the answer (HTTP {progress.status}) stopped after {progress.received}{size} bytes ({why})"
        return f"dropped before any answer ({why}), by the server, a proxy or a firewall"
    if kind is ErrorKind.TOO_MANY_REDIRECTS:
        return f"{_first_line(exc)} within {host}"
    return _first_line(exc)


def _describe_timeout(timeout: float, progress: Progress) -> str:
    limit = f"{timeout:g} s"
    via = f" through the proxy {progress.proxy}" if progress.proxy else ""
    if progress.phase == "connect":
        return f"could not connect to {progress.where}{via} within {limit} (DNS lookup or TCP connect hung)"
    if progress.phase == "tls":
        return f"connected to {progress.where}, but the TLS handshake did not finish within {limit}"
    if progress.phase == "wait":
        return f"connected to {progress.where}{via} and sent the request, but no answer came within {limit}"
    size = f" of {progress.declared}" if progress.declared else ""
    return (f"the answer started (HTTP {progress.status}) but its body was still arriving after {limit}: "
            f"{progress.received}{size} bytes so far")


def _cause_chain(exc: BaseException) -> list[BaseException]:
    """`exc`, what caused it, what caused that…: at most 8, and a cycle ends it."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 8 and all(cause is not seen for seen in chain):
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain


def _root_cause(exc: BaseException) -> BaseException:
    return _cause_chain(exc)[-1]


def _connect_failure(root: BaseException) -> str:
    code = getattr(root, "errno", None)
    if code == errno.ECONNREFUSED:
        return "refused the connection (nothing listens on that port)"
    if code in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "is unreachable (no route to the host)"
    return f"could not be reached ({_strip_errno(root)})"


def _strip_errno(exc: BaseException) -> str:
    """The readable part of an OSError or SSLError: no '[Errno 111]', '[SSL: X]' or '(_ssl.c:1006)'."""
    text = exc.strerror if isinstance(exc, OSError) and isinstance(exc.strerror, str) else _first_line(exc)
    text = re.sub(r"^\[(Errno -?\d+|SSL: [A-Z_]+)\]\s*", "", text)
    return re.sub(r"\s*\(_ssl\.c:\d+\)$", "", text).strip() or type(exc).__name__


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
