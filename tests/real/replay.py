"""A loopback "replay server": canned real answers, served by (method, path pattern, model, bill-to).

Deliberately independent of hftui.sim: the simulator is what hftui was written against, so it
cannot judge it. Here every status, header and body is a real one (from tests/real/recorded/, or
quoted from the real examples in router-api.md §2–§3), and the first canned answer that matches a
request is sent verbatim. What no canned answer matches gets the Hub's plain 404.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

RECORDED = Path(__file__).parent / "recorded"
ANY: Any = object()  # Canned.bill_to: whatever X-HF-Bill-To says, or none
# Hop-by-hop and length headers describe the recorded connection, not the answer: the server sets its own.
_CONNECTION_HEADERS = {"content-length", "transfer-encoding", "connection"}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def with_headers(self, *extra: tuple[str, str]) -> Answer:
        return Answer(self.status, (*self.headers, *extra), self.body)


def answer(status: int, body: Any, headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> Answer:
    """An answer from a status, a body (bytes and str verbatim, anything else as compact JSON) and headers."""
    pairs = tuple(headers.items() if isinstance(headers, Mapping) else headers)
    if isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = json.dumps(body, separators=(",", ":")).encode()
        if not any(name.lower() == "content-type" for name, _ in pairs):
            pairs += (("Content-Type", "application/json; charset=utf-8"),)
    return Answer(status, pairs, data)


def recorded(name: str, index: int) -> Answer:
    """Interaction `index` of tests/real/recorded/<name>.yaml: its status, headers and body, as recorded."""
    interaction = yaml.safe_load((RECORDED / f"{name}.yaml").read_text())["interactions"][index]
    response = interaction["response"]
    headers = tuple((header, value) for header, values in response["headers"].items()
                    if header.lower() not in _CONNECTION_HEADERS for value in values)
    return Answer(response["status"]["code"], headers, response["body"]["string"].encode())


@dataclass(frozen=True)
class Canned:
    """Answer `method` + a path matching `path` (a regex, the whole path, query excluded) with `answer`.
    `model` (an fnmatch glob, chat only) and `bill_to` (ANY, None for no header, or the exact value)
    narrow it down; `query` (a substring) too."""

    method: str
    path: str
    answer: Answer
    model: str | None = None
    bill_to: Any = ANY
    query: str | None = None
    stream: Any = ANY  # ANY, or whether the request's body says "stream": true

    def matches(self, method: str, path: str, query: str, model: str | None, bill_to: str | None,
                stream: bool = False) -> bool:
        return (method == self.method and re.fullmatch(self.path, path) is not None
                and (self.query is None or self.query in query)
                and (self.model is None or (model is not None and fnmatchcase(model, self.model)))
                and (self.bill_to is ANY or self.bill_to == bill_to)
                and (self.stream is ANY or self.stream == stream))


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: str

    @property
    def model(self) -> str | None:
        try:
            return json.loads(self.body).get("model")
        except (ValueError, AttributeError):
            return None

    @property
    def stream(self) -> bool:
        try:
            return json.loads(self.body).get("stream") is True
        except (ValueError, AttributeError):
            return False


NOT_FOUND = answer(404, {"error": "Not Found"})


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the tests own the terminal
        pass

    def do_GET(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        headers = {name.lower(): value for name, value in self.headers.items()}
        seen = Seen(self.command, self.path, headers, body)
        self.server.seen.append(seen)
        parts = urlsplit(self.path)
        reply = next((canned.answer for canned in self.server.canned
                      if canned.matches(self.command, parts.path, parts.query, seen.model, headers.get("x-hf-bill-to"),
                                        seen.stream)),
                     NOT_FOUND)
        self.send_response_only(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_POST = do_GET


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, canned: list[Canned]) -> None:
        self.canned = canned
        self.seen: list[Seen] = []
        super().__init__(("127.0.0.1", 0), _Handler)


@dataclass
class ReplayServer:
    """`with ReplayServer(canned) as replay: ... replay.url ... replay.seen`"""

    canned: list[Canned]
    seen: list[Seen] = field(default_factory=list)
    _server: _Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ReplayServer:
        self._server = _Server(self.canned)
        self.seen = self._server.seen
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
