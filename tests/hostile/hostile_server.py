"""A hostile HTTP server on loopback: it answers with exactly the bytes a test gives it.

The simulator speaks proper HTTP; this one does not have to. A route returns the raw response (status
line, headers, body: any reason phrase, header name, encoding or framing) or an iterable of byte
chunks, and sees the request it answers (its Authorization header included, to echo the token back
in whatever form a test wants). Unrouted paths answer like a healthy Hub and router.
"""

from __future__ import annotations

import gzip
import json
import socket
import socketserver
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

MODEL = "Qwen/Qwen3.5-9B:together"
REPO = MODEL.split(":")[0]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased
    body: bytes = b""

    @property
    def bearer(self) -> str:
        """The credential exactly as sent (after 'Bearer '), decoded as latin-1 like the wire."""
        value = self.headers.get("authorization", "")
        return value[7:] if value.lower().startswith("bearer ") else value


Answer = bytes | Iterable[bytes]
Route = Callable[[Request], Answer]


def respond(status: int = 200, reason: str | bytes = "OK", headers: Iterable[tuple[str | bytes, str | bytes]] = (),
            body: bytes | str = b"", *, length: bool = True) -> bytes:
    """A raw HTTP/1.1 response; names, values and the reason go out as given (str as latin-1 or UTF-8)."""
    def raw(value: str | bytes) -> bytes:
        if isinstance(value, bytes):
            return value
        try:
            return value.encode("latin-1")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogateescape")

    data = body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body
    lines = [b"HTTP/1.1 %d " % status + raw(reason)]
    lines += [raw(name) + b": " + raw(value) for name, value in headers]
    if length:
        lines.append(b"content-length: %d" % len(data))
    lines.append(b"connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + data


def json_answer(document: object, status: int = 200, reason: str = "OK",
                headers: Iterable[tuple[str, str]] = ()) -> bytes:
    return respond(status, reason, [("content-type", "application/json"), *headers], json.dumps(document).encode())


def gzip_bomb(size: int) -> bytes:
    """`size` bytes of zeros, gzipped (about 1 KB per MB), built without holding `size` bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    parts = [compressor.compress(block) for _ in range(size >> 20)]
    parts.append(compressor.compress(b"\0" * (size & ((1 << 20) - 1))))
    parts.append(compressor.flush())
    return b"".join(parts)


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body)


USER = {"type": "user", "name": "ada", "fullname": "Ada", "orgs": [{"name": "acme"}], "isPro": False, "canPay": True,
        "auth": {"accessToken": {"displayName": "laptop", "role": "write"}}}


def healthy(request: Request) -> bytes:
    """What a working Hub and router answer, for every route a test leaves alone."""
    path = request.path
    if path.startswith("/api/whoami"):
        return json_answer(USER)
    if path.startswith("/v1/models"):
        return json_answer({"data": [{"id": REPO, "providers": [{"provider": "together", "status": "live"}]}]})
    if path.startswith("/api/models/"):
        return json_answer({"id": REPO, "inferenceProviderMapping": {
            "together": {"status": "live", "providerId": "x", "task": "conversational"}}})
    if path.startswith("/v1/chat/completions"):
        return json_answer({"choices": [{"message": {"role": "assistant", "content": "OK"}}]})
    return json_answer({"error": "not found"}, 404, "Not Found")


def route_of(path: str) -> str:
    """The route a path belongs to: whoami, catalog, mapping, chat, or other."""
    for prefix, name in (("/api/whoami", "whoami"), ("/v1/models", "catalog"), ("/api/models/", "mapping"),
                         ("/v1/chat/completions", "chat")):
        if path.startswith(prefix):
            return name
    return "other"


class HostileServer:
    """`routes` maps a route name (whoami, catalog, mapping, chat, other, or * for all) to a Route."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes = dict(routes or {})
        self.requests: list[Request] = []
        self._server = _TCPServer(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="hostile-server", daemon=True)

    def answer(self, request: Request) -> Answer:
        self.requests.append(request)
        route = self.routes.get(route_of(request.path)) or self.routes.get("*") or healthy
        return route(request)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    owner: HostileServer


class _Handler(socketserver.StreamRequestHandler):
    server: _TCPServer

    def handle(self) -> None:
        request = self._read()
        if request is None:
            return
        answer = self.server.owner.answer(request)
        try:
            for chunk in [answer] if isinstance(answer, bytes) else answer:
                self.wfile.write(chunk)
                self.wfile.flush()
        except OSError:  # the client gave up (a cap, a timeout): nothing left to do
            return
        try:
            self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _read(self) -> Request | None:
        line = self.rfile.readline(65536).decode("latin-1").strip()
        if not line:
            return None
        method, path, _ = (line.split(" ", 2) + ["", ""])[:3]
        headers: dict[str, str] = {}
        while (header := self.rfile.readline(65536)) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        return Request(method, path, headers, self.rfile.read(length) if length else b"")
