"""The simulator's transport: the Hub and the router on one loopback port, driven by a Scenario.

stdlib only (ThreadingHTTPServer, daemon threads). Each request is recorded, waits the latency,
gets its answer from `service.Service`, and is delivered, possibly through a fault: hang, reset,
slow body, HTML page, huge or non-UTF-8 body, a redirect, a substituted body, an echo of the request.
With an `ssl_context` it serves HTTPS (e.g. a trustme certificate the client does not trust).
stop() returns promptly whatever is in flight.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hftui.sim.scenarios import get_scenario
from hftui.sim.schema import STREAM_HOLD_SECONDS, Fault, Scenario, clean_token
from hftui.sim.service import RecordedRequest, Reply, Service, json_reply
from hftui.sim.views import cloudfront_page

class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive, like the real services
    disable_nagle_algorithm = True  # headers and body go out in two writes: without this, +40 ms per answer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: tests and demos own the terminal
        pass

    def send_response(self, code: int, message: str | None = None) -> None:
        self.send_response_only(code, message)  # no 'Server: BaseHTTP/…' header: the real services send none
        self.send_header("date", formatdate(self.server.service.clock(), usegmt=True))

    def _serve(self) -> None:
        server = self.server
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            return self._deliver(json_reply(400, {"error": "Bad Request"}), None)
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), value)
        request = RecordedRequest(self.command, self.path, headers, body.decode("utf-8", errors="replace"))
        server.record(request)
        with server.in_flight():
            self._answer(request)

    def _answer(self, request: RecordedRequest) -> None:
        server, service = self.server, self.server.service
        route, answer = service.resolve(self.command, self.path)
        faults = service.scenario.route_faults
        fault = faults.get(route) or faults.get("*")
        if server.latency_s and server.stop_event.wait(server.latency_s):
            return self._drop(reset=False)  # stopping: do not answer
        try:
            reply = answer(request)
        except Exception:  # noqa: BLE001 - a simulator bug must be a visible 500, not a silent disconnect
            traceback.print_exc()
            reply = json_reply(500, {"error": "simulator error (see its stderr)"})
        delay = service.scenario.provider_delays.get(reply.headers.get("x-inference-provider", "")) if route == "chat" else None
        if delay and server.stop_event.wait(delay):
            return self._drop(reset=False)  # stopping: do not answer
        self._deliver(reply, fault or reply.fault, request)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _drop(self, reset: bool) -> None:
        """hang: hold the connection until the server stops; reset: RST instead of any answer."""
        self.close_connection = True
        if reset:
            self._reset()
        else:
            self.server.stop_event.wait()

    def _reset(self) -> None:
        # SO_LINGER 0 makes close() send RST; the rfile's reference must go first or the fd stays open.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.connection.close()

    def _deliver(self, reply: Reply, fault: Fault | None, request: RecordedRequest | None = None) -> None:
        service = self.server.service
        path = request.path if request else self.path
        request_id = service.next_id(path)
        fault = self.server.use(fault)
        if fault is not None and (fault.kind == "hang" or (fault.kind == "reset" and not fault.mid_body)):
            return self._drop(reset=fault.kind == "reset")  # no answer at all
        if fault is not None:
            reply = _faulty_reply(reply, fault, request)
        if fault is not None and fault.kind == "html":
            reply = Reply(fault.status or 502, cloudfront_page(fault.status or 502, request_id),
                          "text/html; charset=iso-8859-1", {"x-cache": "Error from cloudfront"})
        elif fault is not None and fault.kind == "huge_body":
            reply = Reply(fault.status or reply.status, _padding(fault.size), reply.content_type, reply.headers)
        elif fault is not None and fault.kind == "invalid_utf8":
            reply = Reply(fault.status or reply.status, b"\xff\xfe" + reply.body + b"\xc3\x28", reply.content_type,
                          reply.headers)
        if fault is not None and fault.headers:
            reply.headers = {**reply.headers, **{name.lower(): value for name, value in fault.headers}}
        streamed = reply.events is not None and fault is None
        self.send_response(reply.status)
        headers = {
            "content-type": reply.content_type,
            **({"transfer-encoding": "chunked"} if streamed else {"content-length": str(len(reply.body))}),
            **service.edge_headers(path, reply.status, request_id),
            **reply.headers,
        }
        for name, value in headers.items():
            # A header value is one latin-1 line: hostile scenarios put any text in X-Error-Message.
            value = str(value).replace("\r", " ").replace("\n", " ").encode("latin-1", "replace").decode("latin-1")
            self.send_header(name, value)
        try:
            self.end_headers()
            if streamed and self.command != "HEAD":
                return self._stream(reply)
            body = b"" if self.command == "HEAD" else reply.body
            if fault is not None and fault.kind == "reset":  # mid_body: half the body, then RST
                self.wfile.write(body[: len(body) // 2])
                time.sleep(0.05)  # let loopback deliver the half before the RST discards unsent bytes
                self.close_connection = True
                return self._reset()
            if fault is not None and fault.kind == "slow_body":
                for index in range(len(body)):
                    self.wfile.write(body[index:index + 1])
                    if self.server.stop_event.wait(1 / fault.bytes_per_second):
                        self.close_connection = True
                        return None
                return None
            self.wfile.write(body)
        except OSError:  # the client went away mid-answer (e.g. it timed out): nothing left to do
            self.close_connection = True
        return None

    def _stream(self, reply: Reply) -> None:
        """A streamed answer as the real router sends one: each event its own chunk, flushed as it goes."""
        for index, event in enumerate(reply.events or ()):
            if index == 1 and reply.hold_first_token and self.server.stop_event.wait(STREAM_HOLD_SECONDS):
                self.close_connection = True
                return  # stopping while the first token is held back
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
        if reply.cut:  # the provider went away mid-stream: no last chunk, the connection just ends
            time.sleep(0.05)  # let loopback deliver what was sent before the connection closes
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")


def _faulty_reply(reply: Reply, fault: Fault, request: RecordedRequest | None) -> Reply:
    """The answer a redirect, body or echo fault sends instead of the normal one (other kinds: unchanged)."""
    if fault.kind == "redirect":
        location = (fault.location or "/").replace("{path}", request.path if request else "/")
        return Reply(fault.status or 307, b"Redirecting to " + location.encode(), "text/plain; charset=utf-8",
                     {"location": location})
    if fault.kind == "body":
        body = fault.body
        if isinstance(body, (bytes, str)):
            data = body if isinstance(body, bytes) else body.encode("utf-8")
            content_type = fault.content_type or "text/plain; charset=utf-8"
        else:
            data = json.dumps(body).encode()
            content_type = fault.content_type or "application/json; charset=utf-8"
        return Reply(fault.status or reply.status, data, content_type)  # instead: none of the normal headers
    if fault.kind == "echo":  # like httpbin's /anything: everything the client sent, secrets included
        echoed = {"method": request.method, "path": request.path, "headers": request.headers,
                  "body": request.body} if request else {}
        headers = {"x-echo-authorization": request.headers.get("authorization", "")} if request else {}
        return Reply(fault.status or 200, json.dumps(echoed).encode(), headers=headers)
    return reply


def _padding(size: int) -> bytes:
    """Valid JSON of exactly `size` bytes (when size >= 15), so only its size is the problem."""
    head, tail = b'{"padding":"', b'"}'
    return head + b"x" * max(size - len(head) - len(tail), 0) + tail


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for a handler that is hanging on purpose

    def __init__(self, address: tuple[str, int], service: Service, latency_ms: int,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.service = service
        self.ssl_context = ssl_context
        self.latency_s = max(latency_ms, 0) / 1000
        self.stop_event = threading.Event()
        self.recorded: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._fault_uses: dict[int, int] = {}  # id(fault) -> requests it was applied to (scenarios keep them alive)
        self.answering = 0  # requests received and not answered yet
        self.peak_answering = 0  # the most at once: how many of a client's calls were really concurrent
        super().__init__(address, _Handler)

    @contextlib.contextmanager
    def in_flight(self) -> Iterator[None]:
        with self._lock:
            self.answering += 1
            self.peak_answering = max(self.peak_answering, self.answering)
        try:
            yield
        finally:
            with self._lock:
                self.answering -= 1

    def use(self, fault: Fault | None) -> Fault | None:
        """The fault, or None once it has been applied `fault.times` times."""
        if fault is None or fault.times is None:
            return fault
        with self._lock:
            used = self._fault_uses.get(id(fault), 0)
            self._fault_uses[id(fault)] = used + 1
        return fault if used < fault.times else None

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), a reverse DNS lookup that can stall without a network.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.recorded.append(request)

    def process_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def finish_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        if self.ssl_context is None:
            return super().finish_request(request, client_address)
        # The handshake runs here, in the connection's own thread, so a client that never finishes
        # it (or refuses the certificate, the point of a TLS test) holds up nobody else.
        request.settimeout(5)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except OSError:  # ssl.SSLError included: the client rejected the certificate or went away
            return None
        tls.settimeout(None)
        with self._lock:
            self._connections.discard(request)
            self._connections.add(tls)
        try:
            return super().finish_request(tls, client_address)
        finally:
            self.shutdown_request(tls)

    def shutdown_request(self, request) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handlers blocked on idle keep-alive connections so their threads end."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        if not isinstance(sys.exc_info()[1], OSError):  # a vanished client is routine; a bug is not
            super().handle_error(request, client_address)


class SimServer:
    """The simulator on 127.0.0.1: `with SimServer(get_scenario("case-b")) as sim: ... sim.url ...`."""

    def __init__(self, scenario: Scenario | str, port: int = 0, latency_ms: int | None = None,
                 host: str = "127.0.0.1", clock: Callable[[], float] | None = None,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.scenario = get_scenario(scenario) if isinstance(scenario, str) else scenario
        self.host = host
        self.port = port
        self.latency_ms = self.scenario.latency_ms if latency_ms is None else latency_ms
        self.clock = clock or time.time
        self.ssl_context = ssl_context  # server side: serve HTTPS with this certificate
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests: list[RecordedRequest] = []

    @property
    def url(self) -> str:
        return f"{'https' if self.ssl_context else 'http'}://{self.host}:{self.port}"

    @property
    def peak_in_flight(self) -> int:
        """The most requests it held at once (received, not yet answered) since it started or reset_peak()."""
        return self._httpd.peak_answering if self._httpd else 0

    def reset_peak(self) -> None:
        if self._httpd is not None:
            with self._httpd._lock:
                self._httpd.peak_answering = self._httpd.answering

    @property
    def token(self) -> str | None:
        """The raw token the scenario's user holds (fake, shaped hf_sim…)."""
        return self.scenario.client_token

    def start(self) -> SimServer:
        if self._httpd is not None:
            raise RuntimeError("the simulator is already running")
        httpd = _HTTPServer((self.host, self.port), Service(self.scenario, self.clock), self.latency_ms,
                            self.ssl_context)
        httpd.recorded = self.requests  # one list: callers read sim.requests while the server appends
        self._httpd, self.port = httpd, httpd.server_address[1]
        # The socket listens from here on, so callers can connect as soon as start() returns.
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"hftui-sim-{self.scenario.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.stop_event.set()  # release hangs, slow bodies and latency sleeps first
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def banner(sim: SimServer) -> str:
    """The one line `hftui sim` prints: where, what, and the (fake) token to use."""
    raw = sim.scenario.client_token
    if raw is None:
        token = "no token (this scenario has none)"
    elif raw == clean_token(raw):
        token = f"token {raw}"
    else:
        token = f"token {raw!r} (raw, as the app holds it)"
    return f"hftui sim on {sim.url} · {sim.scenario.name}: {sim.scenario.title} · model {sim.scenario.model} · {token}"


def serve(scenario: Scenario | str, port: int = 8000, latency_ms: int | None = None, host: str = "127.0.0.1") -> None:
    """Run until Ctrl-C (used by `hftui sim --scenario NAME --port N`)."""
    sim = SimServer(scenario, port=port, latency_ms=latency_ms, host=host).start()
    print(banner(sim), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
