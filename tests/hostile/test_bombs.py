"""Compressed bodies are decoded as they arrive and never past the body cap: a gzip bomb costs what the cap
costs, and what the server says about its encoding is not taken on trust."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zlib

import pytest
from helpers import HANG_LIMIT, environ, until
from hhelpers import PLANTED
from hostile_server import MODEL, gzip_bomb, json_answer, respond

from hftui.core.http import make_client
from hftui.core.probes import BODY_CAP_BYTES, EVIDENCE_BODY_CAP_BYTES, ProbeSpec, run_probe
from hftui.core.redact import Redactor

MB = 1 << 20


def encoded(body: bytes, encoding: str, status: int = 200) -> bytes:
    return respond(status, "OK", [("content-type", "application/json"), ("content-encoding", encoding)], body)


async def probe(url: str, path: str = "/v1/models", timeout: float = 5):
    async with make_client(timeout) as client:
        return await run_probe(client, ProbeSpec("GET", url + path), Redactor([PLANTED]), timeout)


async def test_a_gzip_bomb_is_decoded_only_up_to_the_cap(hostile):
    bomb = gzip_bomb(250 * MB)
    assert len(bomb) < BODY_CAP_BYTES, "small on the wire: a cap on received bytes alone would let it through"
    server = hostile({"catalog": lambda r: encoded(bomb, "gzip")})
    exchange = await probe(server.url)
    response = exchange.response
    assert response.truncated and len(response.body.encode()) <= BODY_CAP_BYTES
    assert response.note.startswith(f"body cut at {BODY_CAP_BYTES:,} bytes: it decompresses (gzip) to more than that")
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize("make", [
    lambda data: (zlib.compress(data), "deflate"),
    lambda data: (zlib.compress(data)[2:-4], "deflate"),  # raw deflate under "deflate", as some servers send
    lambda data: (gzip.compress(data[:10]) + gzip.compress(data[10:]), "gzip"),  # two gzip members
    lambda data: (gzip.compress(gzip.compress(data)), "gzip, gzip"),
], ids=["deflate", "raw-deflate", "gzip-members", "gzip-twice"])
async def test_each_encoding_httpx_would_decode_is_decoded(hostile, make):
    document = {"data": [{"id": "a/b", "providers": []}], "pad": "x" * 5000}
    body, encoding = make(json.dumps(document).encode())
    server = hostile({"catalog": lambda r: encoded(body, encoding)})
    exchange = await probe(server.url)
    assert exchange.json == document and exchange.response.note is None


async def test_a_body_that_is_not_what_its_encoding_says_is_shown_as_received(hostile):
    server = hostile({"catalog": lambda r: encoded(b'{"error": "plain"}', "gzip", 500),
                      "whoami": lambda r: encoded(b"\x1b]52;c;Y3VybA==\x07 compressed?", "br")})
    liar = await probe(server.url)
    assert liar.response.body == '{"error": "plain"}' and "not valid gzip data" in liar.response.note
    brotli = await probe(server.url, "/api/whoami-v2")
    assert "br-encoded, shown as received" in brotli.response.note
    assert brotli.response.body.startswith("\\x1b]52;c;")


async def test_a_bomb_that_never_ends_is_cut_too(hostile):
    def endless(request):
        compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        yield b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\nconnection: close\r\n\r\n"
        while True:
            yield compressor.compress(b"\0" * MB) + compressor.flush(zlib.Z_SYNC_FLUSH)

    exchange = await probe(hostile({"catalog": endless}).url)
    assert exchange.response.truncated and "decompresses (gzip)" in exchange.response.note


def test_a_250_mb_bomb_with_timeout_2_ends_with_a_clear_step_line_and_little_memory(hostile, tmp_path):
    bomb = gzip_bomb(250 * MB)
    server = hostile({"catalog": lambda r: encoded(bomb, "gzip"), "chat": lambda r: encoded(bomb, "gzip")})
    # A fresh parent whose only child is hftui: RUSAGE_CHILDREN's peak RSS is then hftui's.
    measure = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(done.returncode); "
               "sys.stdout.write(done.stdout)")
    args = [sys.executable, "-c", measure, sys.executable, "-m", "hftui", "diagnose", "--hub-url", server.url,
            "--router-url", server.url, "--model", MODEL, "--timeout", "2"]
    result = subprocess.run(args, capture_output=True, text=True, env=environ({"HF_TOKEN": PLANTED, "NO_COLOR": "1"}),
                            timeout=HANG_LIMIT * 2)
    peak_kb, code, *table = result.stdout.splitlines()
    assert code in ("0", "1"), result.stdout + result.stderr
    catalog = next(line for line in table if " catalog " in line)
    # The catalog is read up to the evidence cap (a real catalog is over 300 KB), and no further.
    assert f"body cut at {EVIDENCE_BODY_CAP_BYTES:,} bytes: it decompresses (gzip) to more than that" in catalog
    # A full diagnose peaks near 45 MB; the bomb decoded whole would be 250 MB of bytes and more of text.
    assert int(peak_kb) < 160 * 1024, f"peak RSS {int(peak_kb) // 1024} MB"


async def test_the_app_stays_responsive_to_q_with_a_bomb_for_a_catalog(hostile):
    from hftui.core.session import Session, Settings
    from hftui.core.tokens import TokenLocations
    from hftui.ui.app import HftuiApp

    bomb = gzip_bomb(100 * MB)
    server = hostile({"catalog": lambda r: encoded(bomb, "gzip")})
    settings = Settings.resolve(model=MODEL, hub_url=server.url, router_url=server.url, timeout=5, env={})
    app = HftuiApp(Session.at(settings, TokenLocations(env={"HF_TOKEN": PLANTED})), frozen=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.diagnosis is not None and app.diagnosis.step("catalog").status.done,
                    "the catalog step finished")
        assert app.diagnosis.step("catalog").exchange.response.truncated
        await pilot.press("q")
        await until(pilot, lambda: app.return_code is not None or not app.is_running, "q quit the app")
