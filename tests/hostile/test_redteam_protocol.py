"""Red team: bodies and framings built to make hftui's own text handling slow or its HTTP reading confused.
A run against them ends by itself (the subprocess limit is HANG_LIMIT x 2, far above the few seconds
such a run takes), prints a verdict without a traceback, and leaks and forwards nothing."""

from __future__ import annotations

import re

import pytest
from hhelpers import PLANTED, RAW_CONTROL, every_artifact
from hostile_server import respond

from hftui.core.probes import BODY_CAP_BYTES


def body(status: int, content: bytes, content_type: str = "text/plain"):
    return lambda r: respond(status, "Oops", [("content-type", content_type)], content)


# Each was quadratic in hftui: a body of backslashes in the redaction's escape decoding (256 KB: most of
# an hour), `<title`s in the reading of an HTML error page (minutes for a catalog's 8 MB).
SLOW_TEXT = {
    "backslashes": body(500, b"\\" * BODY_CAP_BYTES),
    "backslashes, then an escape": body(500, b"\\" * (BODY_CAP_BYTES - 6) + b"u0041"),
    "title openings": body(502, b"<title" * (BODY_CAP_BYTES // 6), "text/html"),
    "title without an end": body(502, b"<html><title>" * (BODY_CAP_BYTES // 13), "text/html"),
}


@pytest.mark.parametrize("shape", list(SLOW_TEXT))
def test_a_body_shaped_to_make_text_handling_quadratic_ends_the_run(hostile, tmp_path, shape):
    server = hostile({"whoami": SLOW_TEXT[shape], "chat": SLOW_TEXT[shape]})
    artifacts = every_artifact(server.url, PLANTED, tmp_path, "--timeout", "2", curl=())
    artifacts.assert_calm()
    assert artifacts.codes["plain"] == 1 and artifacts.document["verdict"]


def raw(data: bytes):
    return lambda r: data


FRAMINGS = {
    "status 000": raw(b"HTTP/1.1 000 Zero\r\ncontent-length: 2\r\n\r\n{}"),
    "status 999": raw(b"HTTP/1.1 999 Nine\r\ncontent-length: 2\r\n\r\n{}"),
    "only a 1xx, then close": raw(b"HTTP/1.1 100 Continue\r\n\r\n"),
    "HTTP/0.9 (no status line)": raw(b'{"error": "old"}'),
    "no reason phrase": raw(b"HTTP/1.1 401\r\ncontent-length: 2\r\n\r\n{}"),
    "closed mid-headers": raw(b"HTTP/1.1 200 OK\r\ncontent-type: appl"),
    "closed mid-chunk": raw(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n100\r\n{\"data\": ["),
    "content-length too large": raw(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n{}"),
    "content-length negative": raw(b"HTTP/1.1 200 OK\r\ncontent-length: -5\r\n\r\n{}"),
    "content-length twice, conflicting": raw(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 5\r\n\r\n{}"),
    "content-length with an escape": raw(b"HTTP/1.1 200 OK\r\ncontent-length: \x1b[2J\r\n\r\n{}"),
    "transfer-encoding and content-length": raw(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked"
                                                b"\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
    "an unknown transfer-encoding": raw(b"HTTP/1.1 200 OK\r\ntransfer-encoding: \x1b]0;owned\x07\r\n\r\n{}"),
    "a folded header": raw(b"HTTP/1.1 401 No\r\nx-a: a\r\n \x1b[2Jfold\r\ncontent-length: 2\r\n\r\n{}"),
    "a header without a colon": raw(b"HTTP/1.1 401 No\r\nnocolon\x1b[2J\r\ncontent-length: 2\r\n\r\n{}"),
    "TLS on plain http": raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256))),
    "a 1 MB reason phrase": lambda r: respond(401, "a" * (1 << 20) + r.bearer, [], b"{}"),
    "10k headers": lambda r: respond(401, "No", [(f"x-h{i}", r.bearer) for i in range(10_000)], b"{}"),
}


@pytest.mark.parametrize("framing", list(FRAMINGS))
def test_a_broken_framing_is_one_line_per_step_inert_and_leaks_nothing(hostile, tmp_path, framing):
    server = hostile({"*": FRAMINGS[framing]})
    artifacts = every_artifact(server.url, PLANTED, tmp_path, "--timeout", "2", curl=("whoami",))
    artifacts.assert_calm()
    artifacts.assert_no_leak(PLANTED)
    for name, text in artifacts.texts.items():
        assert not re.search(RAW_CONTROL, text), f"{name}: a raw control character"
    for line in artifacts.texts["plain stdout"].splitlines():
        assert len(line) < 2000, f"a step line carries the whole of what the server sent: {line[:200]}…"
