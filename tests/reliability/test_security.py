"""The token goes only where it must, TLS is always verified, files are private, and nothing a
hostile server sends can paint the user's terminal or carry the token back out."""

from __future__ import annotations

import json
import os
import re
import ssl
import stat
import subprocess
from pathlib import Path

import httpx
import pytest
import trustme
from helpers import assert_no_leak
from rhelpers import TOKEN, closed_port, hftui, scenario

from hftui.core.bundle import write_private
from hftui.core.diagnosis import run_diagnosis
from hftui.core.hub import ModelRef
from hftui.core.http import make_client, tls_context
from hftui.core.plan import PlanInputs
from hftui.core.printable import printable
from hftui.core.probes import BODY_CAP_BYTES, ProbeSpec, run_probe
from hftui.core.redact import Redactor
from hftui.core.report import to_text
from hftui.core.session import Settings
from hftui.core.tokens import TokenCandidate, TokenReport, inspect_token
from hftui.sim import ChatRule, Fault

ROOT = Path(__file__).resolve().parents[2]
MODEL = "Qwen/Qwen3.5-9B:preferred"


def args(url: str, *extra: str) -> list[str]:
    return ["diagnose", "--hub-url", url, "--router-url", url, "--model", MODEL, "--timeout", "2", *extra]


# -- the token goes only to the configured origins ------------------------------------------------

async def test_httpx_itself_drops_authorization_on_a_redirect_to_another_origin(serve):
    """What hftui would rely on if anything followed redirects with its client: recorded on the far side."""
    far = serve(scenario())
    elsewhere = far.url.replace("127.0.0.1", "localhost")
    near = serve(scenario(route_faults={"whoami": Fault("redirect", location=elsewhere + "{path}")}))
    async with make_client(2) as client:
        response = await client.get(near.url + "/api/whoami-v2", headers={"Authorization": f"Bearer {TOKEN}"},
                                    follow_redirects=True)
    assert response.status_code == 401  # the far side saw no token
    assert near.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert [r.path for r in far.requests] == ["/api/whoami-v2"]
    assert "authorization" not in far.requests[0].headers


async def test_a_probe_never_sends_anything_to_another_origin(serve):
    far = serve(scenario())
    elsewhere = far.url.replace("127.0.0.1", "localhost")
    near = serve(scenario(route_faults={"chat": Fault("redirect", status=308, location=elsewhere + "{path}")}))
    spec = ProbeSpec("POST", near.url + "/v1/chat/completions",
                     (("Authorization", f"Bearer {TOKEN}"), ("X-HF-Bill-To", "acme")), {"model": MODEL})
    async with make_client(2) as client:
        exchange = await run_probe(client, spec, Redactor([TOKEN]), 2)
    assert exchange.status == 308 and far.requests == []
    assert exchange.response.final_url.startswith(near.url)


def test_plain_http_to_anything_but_loopback_is_warned_about():
    closed = f"http://127.0.0.1:{closed_port()}"
    run = hftui("diagnose", "--json", "--hub-url", "http://hftui-test.invalid", "--router-url", closed,
                "--model", MODEL, "--timeout", "1")
    assert run.stderr.splitlines() == [
        "warning: the Hub URL http://hftui-test.invalid is plain http: the token would cross the network unencrypted"]
    assert json.loads(run.stdout)["verdict"]["case"] == "network_error"
    quiet = hftui("diagnose", "--json", "--hub-url", f"http://localhost:{closed_port()}", "--router-url", closed,
                  "--model", MODEL, "--timeout", "1")
    assert quiet.stderr == ""
    for url, warned in ((f"http://[::1]:{closed_port()}", False), ("https://hftui-test.invalid", False),
                        ("http://10.0.0.1:8000", True), ("http://router.internal", True)):
        settings = Settings(model=MODEL, baseline=MODEL, bill_to=None, hub_url=url, router_url=closed, timeout=1,
                            token_env=None)
        assert bool(settings.warnings) == warned, url


# -- TLS is verified, always ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def tls_server(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


def test_a_self_signed_server_is_refused_and_only_an_explicit_ca_bundle_makes_it_trusted(serve, ca, tmp_path):
    sim = serve(scenario(), ssl_context=tls_server(ca))
    refused = hftui(*args(sim.url, "--json"))
    steps = {s["id"]: s for s in json.loads(refused.stdout)["steps"]}
    assert all(steps[s]["status"] == "error" and "is not trusted" in steps[s]["error"]
               for s in ("whoami", "catalog", "mapping", "as-configured", "known-good")), steps
    assert sim.requests == [], "not one request may be sent over an unverified connection"
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    trusted = hftui(*args(sim.url, "--json"), env={"SSL_CERT_FILE": str(bundle)})
    assert json.loads(trusted.stdout)["verdict"]["case"] == "ok", trusted.stdout[-2000:]


async def test_without_https_origins_no_ca_store_is_read_yet_tls_would_still_be_verified(serve, ca, tmp_path,
                                                                                          monkeypatch):
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    plain = tls_context(["http://127.0.0.1:1", "HTTP://localhost:2"])
    assert plain.cert_store_stats()["x509_ca"] == 0  # nothing read: the ~50 ms saved
    assert tls_context(["http://127.0.0.1:1", "https://router.huggingface.co"]).cert_store_stats()["x509_ca"] > 0
    assert tls_context().cert_store_stats()["x509_ca"] > 0  # origins unknown: ready for https
    sim = serve(scenario(), ssl_context=tls_server(ca))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))  # even a CA that would make it trusted is not read
    async with make_client(2, ["http://127.0.0.1:1"]) as client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.get(sim.url + "/api/whoami-v2")
    assert sim.requests == []


def test_no_code_path_turns_tls_verification_off():
    pattern = r"verify\s*=\s*False|CERT_NONE|check_hostname\s*=\s*False|_create_unverified_context|verify_mode"
    found = subprocess.run(["grep", "-rnE", pattern, str(ROOT / "hftui"), "--include=*.py"],
                           capture_output=True, text=True)
    assert found.stdout == "", found.stdout
    help_text = hftui("diagnose", "--help").stdout + hftui("--help").stdout
    assert not re.search(r"insecure|no-verify|verify|skip-tls|--no-ssl", help_text, re.IGNORECASE)


# -- what hftui writes ----------------------------------------------------------------------------

@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_files_hftui_writes_are_private_whatever_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        fresh = tmp_path / "fresh.md"
        write_private(fresh, "bundle")
        loose = tmp_path / "loose.json"
        loose.write_text("an old, longer bundle")
        loose.chmod(0o666)
        write_private(loose, "new")
    finally:
        os.umask(old)
    assert loose.read_text() == "new"
    for path in (fresh, loose):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)


def test_a_run_writes_the_token_nowhere_and_its_report_is_private(serve, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    sim = serve(scenario())
    env = {"HOME": str(home), "HF_HOME": str(home / "hf"), "XDG_CACHE_HOME": str(home / "cache"), "TMPDIR": str(home)}
    for report in ("bundle.md", "bundle.json"):
        run = hftui(*args(sim.url, "--report", str(home / report)), env=env)
        assert run.returncode == 0, run.stderr
    written = [p for p in home.rglob("*") if p.is_file()]
    assert sorted(p.name for p in written) == ["bundle.json", "bundle.md"]
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert_no_leak(path.read_text(), TOKEN)


# -- hostile text from servers --------------------------------------------------------------------

HOSTILE = "\x1b[31m[bold red]x[/]\x1b]0;owned\x07\x1b[2J\u202egnp.exe\nfake ▶ Everything works  [ok]"
HOSTILE_USER = {"type": "user", "name": "ada\x1b[8m", "orgs": [{"name": "acme\x1b]52;c;cm0gLXJmIH4=\x07"}],
                "auth": {"accessToken": {"displayName": "[link=file:///etc/passwd]laptop[/link]", "role": "write"}}}


def hostile_scenario():
    return scenario(route_faults={"whoami": Fault("body", body=HOSTILE_USER)},
                    chat_rules=(ChatRule("*", bill_to=None, status=500, body={"error": HOSTILE}),
                                ChatRule("*", status=500, body={"error": HOSTILE})))


def test_hostile_text_stays_literal_in_json_and_markdown_and_inert_on_the_terminal(serve, tmp_path):
    sim = serve(hostile_scenario())
    as_json = hftui(*args(sim.url, "--json"))
    document = json.loads(as_json.stdout)
    steps = {s["id"]: s for s in document["steps"]}
    assert json.loads(steps["as-configured"]["response"]["body"]) == {"error": HOSTILE}  # exactly as sent
    # What was read out of the body is printable, here as everywhere: no raw ESC, BEL or RLO in the document.
    assert steps["as-configured"]["error"] == printable(HOSTILE)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", as_json.stdout)
    assert document["account"]["token_name"] == "[link=file:///etc/passwd]laptop[/link]"

    human = hftui(*args(sim.url, "--report", str(tmp_path / "b.md")))
    for text in (human.stdout, (tmp_path / "b.md").read_text()):
        assert "[bold red]x[/]" in text and "[link=file:///etc/passwd]laptop[/link]" in text  # literal markup
        assert "\\x1b[31m" in text and "\\x07" in text and "\\u202e" in text  # escapes shown, not obeyed
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", text), "a raw control character"
    assert not any(line.startswith("fake ▶") for line in human.stdout.splitlines())
    assert "ada\\x1b[8m" in human.stdout and "acme\\x1b]52;c;cm0gLXJmIH4=\\x07" in human.stdout


async def test_with_colour_the_only_escape_sequences_are_hftuis_own(serve):
    sim = serve(hostile_scenario())
    candidate = TokenCandidate("env:HF_TOKEN", TOKEN, tuple(inspect_token(TOKEN)))
    inputs = PlanInputs(model=ModelRef.parse(MODEL), token=candidate, router_url=sim.url, hub_url=sim.url, timeout=2)
    text = to_text(await run_diagnosis(inputs, TokenReport((candidate,))), color=True)
    assert set(re.findall(r"\x1b\[[0-9;]*m", text)) <= {"\x1b[32m", "\x1b[31m", "\x1b[2m", "\x1b[1m", "\x1b[0m"}
    assert not re.search(r"\x1b(?!\[(?:32|31|2|1|0)m)", text)
    assert "\x07" not in text and "\u202e" not in text


# -- a server that sends the token back -----------------------------------------------------------

OTHER_TOKEN = "sk-proj-Reliab1lityNotAnHfToken0123456789xyz"  # a provider key: not HF-shaped, redacted all the same


@pytest.mark.parametrize("token", [TOKEN, OTHER_TOKEN], ids=["hf-token", "provider-key"])
def test_a_body_that_echoes_the_token_is_redacted_in_every_output(serve, tmp_path, token):
    echo = Fault("echo", status=500)
    sim = serve(scenario(client_token=token, route_faults={"whoami": Fault("echo"), "chat": echo,
                                                            "mapping": Fault("echo", status=401)}))
    env = {"HF_TOKEN": token}
    as_json = hftui(*args(sim.url, "--json", "--report", str(tmp_path / "b.json")), env=env)
    human = hftui(*args(sim.url, "--report", str(tmp_path / "b.md")), env=env)
    whoami = {s["id"]: s for s in json.loads(as_json.stdout)["steps"]}["whoami"]
    assert '"authorization": "Bearer \\u2026' in whoami["response"]["body"] or "Bearer …" in whoami["response"]["body"]
    assert sim.requests and all(r.headers.get("authorization") == f"Bearer {token}" for r in sim.requests
                                if r.path.startswith("/api/whoami")), "the echo really carried the token"
    for text in (as_json.stdout, as_json.stderr, human.stdout, human.stderr,
                 (tmp_path / "b.json").read_text(), (tmp_path / "b.md").read_text()):
        assert_no_leak(text, token)


def test_a_token_placed_across_the_body_cap_is_masked_whole(serve, tmp_path):
    """The cap cuts the body: cut first and redact second would keep the token's first characters."""
    body = b"x" * (BODY_CAP_BYTES - 20) + TOKEN.encode() + b" and more"
    sim = serve(scenario(route_faults={"chat": Fault("body", body=body)}))
    run = hftui(*args(sim.url, "--json", "--report", str(tmp_path / "b.md")))
    chat = {s["id"]: s for s in json.loads(run.stdout)["steps"]}["as-configured"]["response"]
    assert chat["truncated"] and len(chat["body"].encode()) <= BODY_CAP_BYTES
    assert_no_leak(run.stdout + (tmp_path / "b.md").read_text(), TOKEN)


@pytest.mark.parametrize("offset", [1, 5, 12, 20, len(TOKEN) - 9, len(TOKEN) - 1])
async def test_redaction_happens_before_the_cut_wherever_the_token_sits(serve, offset):
    body = b"y" * (BODY_CAP_BYTES - offset) + TOKEN.encode()
    sim = serve(scenario(route_faults={"catalog": Fault("body", body=body)}))
    async with make_client(2) as client:
        exchange = await run_probe(client, ProbeSpec("GET", sim.url + "/v1/models"), Redactor([TOKEN]), 2)
    kept = exchange.response.body
    assert exchange.response.truncated and len(kept.encode()) <= BODY_CAP_BYTES
    # Masked whole before the cut: what is left after the padding is (the start of) the mask, never the token's.
    assert ("…" + TOKEN[-8:]).startswith(kept.lstrip("y")), kept[-40:]
    assert_no_leak(kept, TOKEN)


def test_httpx_version_is_the_one_these_guarantees_were_checked_against():
    """Redirect and proxy handling were verified against httpx 0.28 (pyproject pins <0.29)."""
    assert httpx.__version__.startswith("0.28.")


async def test_a_proxy_password_from_the_environment_is_never_shown(monkeypatch):
    port = closed_port()
    monkeypatch.setenv("HTTPS_PROXY", f"http://alice:pr0xy-s3cret@127.0.0.1:{port}")
    async with make_client(2) as client:
        exchange = await run_probe(client, ProbeSpec("GET", "https://hftui-test.invalid/api/whoami-v2"), Redactor(), 2)
    assert str(exchange.error).startswith(f"proxy failed: the proxy http://127.0.0.1:{port} (from HTTPS_PROXY) "
                                          f"refused the connection"), exchange.error
    assert "pr0xy-s3cret" not in str(exchange) and "alice" not in str(exchange)
