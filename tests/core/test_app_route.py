"""What the app really sends: its route classified by host and path, and its client libraries read in its
own interpreter (a subprocess, never an import)."""

import sys
from pathlib import Path

import pytest
from helpers import fake_venv

from hftui.core.appclient import default_python, read_client
from hftui.core.approute import RouteKind, classify

ROUTER = "https://router.huggingface.co"
QWEN = "Qwen/Qwen3.5-9B"


@pytest.mark.parametrize(("url", "kind", "provider", "posted"), [
    (f"{ROUTER}/v1", RouteKind.ROUTER, None, f"{ROUTER}/v1/chat/completions"),
    (f"{ROUTER}/v1/chat/completions", RouteKind.ROUTER, None, f"{ROUTER}/v1/chat/completions"),
    ("http://127.0.0.1:8000/v1", RouteKind.ROUTER, None, "http://127.0.0.1:8000/v1/chat/completions"),
    (f"{ROUTER}/together/v1", RouteKind.PROVIDER, "together", f"{ROUTER}/together/v1/chat/completions"),
    ("http://127.0.0.1:8/groq", RouteKind.PROVIDER, "groq", "http://127.0.0.1:8/groq/openai/v1/chat/completions"),
    (f"{ROUTER}/hf-inference/v1", RouteKind.HF_INFERENCE, "hf-inference",
     f"{ROUTER}/hf-inference/models/{QWEN}/v1/chat/completions"),
    (f"https://api-inference.huggingface.co/models/{QWEN}", RouteKind.LEGACY, None,
     f"https://api-inference.huggingface.co/models/{QWEN}/v1/chat/completions"),
    (f"http://10.0.0.5/proxy/models/{QWEN}/v1/chat/completions", RouteKind.LEGACY, None,
     f"http://10.0.0.5/proxy/models/{QWEN}/v1/chat/completions"),  # behind a proxy: by its path
    ("https://huggingface.co/api/inference-proxy/together", RouteKind.OLD_PROXY, "together",
     "https://huggingface.co/api/inference-proxy/together/v1/chat/completions"),
    ("https://example.com/llm", RouteKind.UNKNOWN, None, "https://example.com/llm/v1/chat/completions"),
])
def test_a_route_is_classified_by_its_path_as_well_as_its_host(url, kind, provider, posted):
    route = classify(url)
    assert (route.kind, route.provider, route.request_url(QWEN)) == (kind, provider, posted)
    assert route.documented == (kind is RouteKind.ROUTER)
    if not route.documented:
        assert 'base_url="https://router.huggingface.co/v1"' in route.fix


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX venv layout")
def test_the_apps_venv_is_found_and_its_old_huggingface_hub_read_without_importing_it(tmp_path):
    fake_venv(tmp_path / ".venv", "0.30.2")
    assert default_python(tmp_path) == ".venv/bin/python"
    client = read_client(None, tmp_path)
    assert not client.own and client.error is None
    assert client.version("huggingface_hub") == "0.30.2" and client.version("openai") is None
    assert client.hub_route is RouteKind.PROVIDER
    assert "picks the provider itself" in client.summary and "huggingface_hub>=1.0" in client.summary
    assert client.refreshes_oauth is False and "does not refresh an expired browser-login token" in client.summary


@pytest.mark.parametrize(("version", "route"), [("0.27.1", RouteKind.LEGACY), ("0.36.0", RouteKind.PROVIDER),
                                                ("1.0.0rc1", RouteKind.ROUTER), (None, None)])
def test_each_huggingface_hub_version_maps_to_the_route_it_sends(tmp_path, version, route):
    python = fake_venv(tmp_path / "env", version)
    client = read_client(str(python))
    assert client.hub_route is route
    assert client.refreshes_oauth is (None if version is None else False), "refreshing is assumed from 2.x"


def test_an_interpreter_that_is_not_there_or_hangs_is_a_reason_not_a_crash(tmp_path):
    missing = read_client(str(tmp_path / "nope" / "python"))
    assert missing.error and missing.hub_route is None
    sleeper = tmp_path / "python"
    sleeper.write_text("#!/bin/sh\nsleep 30\n")
    sleeper.chmod(0o755)
    hung = read_client(str(sleeper), timeout=0.5)
    assert "did not answer" in hung.error


def test_without_a_venv_hftuis_own_python_is_described_and_said_to_be_its_own(tmp_path):
    client = read_client(None, tmp_path)
    assert client.own and "hftui's own Python" in client.summary


def test_the_venv_hftui_runs_in_is_read_without_a_second_interpreter(monkeypatch):
    """hftui started from a checkout whose ./.venv is its own: the same packages, read here (no subprocess)."""
    import subprocess

    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests do not run in a venv")
    venv = Path(sys.prefix)

    def no_subprocess(*args, **kwargs):
        raise AssertionError("a second interpreter was started")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    client = read_client(None, venv.parent) if venv.name in (".venv", "venv") else read_client(sys.executable)
    assert client.own and client.error is None
    assert dict(client.versions)["huggingface_hub"]
