"""Every fault the world throws at one probe, through `hftui diagnose --json` as a user runs it.

Per fault: the process exits by itself, no traceback, the faulty step says what happened in words,
and a verdict still comes out. One fault per run, on one route; the scenario has no organization, so
the only step that waits on another is `pinned` (for the catalog and the mapping), and a run waits
out at most one --timeout: the steps that time out do so side by side, by the run's own timestamps.

Nothing here is timed against the clock: a fault that must cost the timeout shows it in the step's
own words ("timed out: … within 2 s"), a fault that must not shows no step timed out at all. The
runs are independent processes, so they run one per CPU at a time.
"""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import trustme
from helpers import wait_for
from rhelpers import MODEL, PATIENT, TIMEOUT, TOKEN, Run, assert_calm, child_env, closed_port, diagnose, scenario

from hftui.core.probes import EVIDENCE_BODY_CAP_BYTES
from hftui.sim import ChatRule, Fault, SimServer

DEAD = "http://hftui-test.invalid"  # RFC 6761: never resolves (the test guard answers for the resolver)


def untrusted_tls() -> ssl.SSLContext:
    """A server context with a certificate from a CA nobody trusts (the client is never told of it)."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


class Lab:
    """Simulators and addresses for one case; everything it starts is stopped with the module."""

    def __init__(self, tls: ssl.SSLContext) -> None:
        self.tls = tls
        self.sims: list[SimServer] = []
        self.named: dict[str, SimServer] = {}

    def sim(self, name: str = "", tls: bool = False, **changes) -> SimServer:
        sim = SimServer(scenario(**changes), ssl_context=self.tls if tls else None).start()
        self.sims.append(sim)
        if name:
            self.named[name] = sim
        return sim


@dataclass(frozen=True)
class Case:
    """One fault: where it is injected, the step that must show it, and what the user must read."""

    setup: Callable[[Lab], tuple[str, str]]  # -> (hub url, router url)
    step: str
    status: str  # that step's status
    says: str  # in that step's error text (or, for an ok step, in its response's body_note)
    verdict: str
    waits: bool = False  # the fault makes steps wait out --timeout (else no step may time out)
    env: dict = field(default_factory=dict)  # "dead" stands for a closed loopback port
    check: Callable[[Run, Lab], None] | None = None


def noted(step_id: str, text: str) -> Callable[[Run, Lab], None]:
    """A 200 of the wrong shape: the step must say what could not be read from it."""
    def check(run: Run, lab: Lab) -> None:
        assert text in (run.steps[step_id]["note"] or ""), run.steps[step_id]["note"]
    return check


def sim(**changes):
    """Hub and router on one simulator with these scenario changes."""
    def setup(lab: Lab):
        url = lab.sim(**changes).url
        return url, url
    return setup


def split(hub: str | None = None, router: str | None = None):
    """The Hub or the router somewhere broken, the other on a healthy simulator."""
    def setup(lab: Lab):
        pick = {"closed": lambda: f"http://127.0.0.1:{closed_port()}", "dns": lambda: DEAD,
                "tls": lambda: lab.sim(tls=True).url}
        healthy = lab.sim().url
        return (pick[hub]() if hub else healthy), (pick[router]() if router else healthy)
    return setup


def urls(hub: str, router: str):
    return lambda lab: (hub, router)


def rate_limited(headers: dict):
    return sim(chat_rules=(ChatRule("*", status=429, headers=headers, body={"error": "Too many requests"}),))


def cross_origin_redirect(lab: Lab):
    elsewhere = lab.sim("elsewhere").url.replace("127.0.0.1", "localhost")  # same machine, another origin
    url = lab.sim(chat_rules=(ChatRule(MODEL, fault=Fault("redirect", location=elsewhere + "{path}")),)).url
    return url, url


def nothing_reached_the_other_origin(run: Run, lab: Lab) -> None:
    assert lab.named["elsewhere"].requests == [], "hftui must not follow a redirect to another origin at all"
    elsewhere = lab.named["elsewhere"].url.replace("127.0.0.1", "localhost")
    assert run.steps["as-configured"]["error"].startswith(f"redirected to another origin, {elsewhere}")


def same_origin_redirect(lab: Lab):
    """Like the Hub's 307 for a renamed repo: same origin, so the token goes along."""
    url = lab.sim("hub", route_faults={"mapping": Fault("redirect", location="{path}&renamed=1", times=1)}).url
    return url, url


def followed_with_the_token(run: Run, lab: Lab) -> None:
    followed = [r for r in lab.named["hub"].requests if "renamed=1" in r.path]
    assert followed and followed[0].headers["authorization"] == f"Bearer {TOKEN}"


def loop(lab: Lab):
    url = lab.sim("hub", route_faults={"whoami": Fault("redirect", location="/api/whoami-v2")}).url
    return url, url


def four_requests(run: Run, lab: Lab) -> None:
    assert sum(r.path == "/api/whoami-v2" for r in lab.named["hub"].requests) == 4  # the probe and three hops


def truncated_at_the_cap(run: Run, lab: Lab) -> None:
    response = run.steps["catalog"]["response"]
    assert response["truncated"] is True and response["body_bytes"] == 10 * 1024 * 1024
    assert len(response["body"].encode()) == EVIDENCE_BODY_CAP_BYTES


def billed_nothing(run: Run, lab: Lab) -> None:
    """Bill-to does not repeat a call that got no answer: no request ever carried X-HF-Bill-To."""
    assert [r.path for r in lab.sims[0].requests if "x-hf-bill-to" in r.headers] == []


def retry_hint(says: str):
    def check(run: Run, lab: Lab) -> None:
        assert says in run.verdict["summary"], run.verdict["summary"]
    return check


CASES = {
    # -- cannot connect ---------------------------------------------------------------------------
    "refused-router": Case(split(router="closed"), "as-configured", "error",
                           "refused the connection (nothing listens on that port)", "network_error"),
    "refused-hub": Case(split(hub="closed"), "whoami", "error", "refused the connection", "ok"),
    "dns-router": Case(split(router="dns"), "known-good", "error",
                       "hftui-test.invalid does not resolve (Name or service not known)", "network_error"),
    "dns-hub": Case(split(hub="dns"), "mapping", "error", "hftui-test.invalid does not resolve", "ok"),
    # The lookups hang far longer than a run may take (rhelpers.HANG_SECONDS): the process exiting at
    # all proves that a lookup nobody can cancel does not hold up the exit.
    "dns-server-never-answers": Case(urls(DEAD, DEAD), "whoami", "error",
                                     f"could not connect to hftui-test.invalid:80 within {TIMEOUT:g} s (DNS lookup or "
                                     "TCP connect hung)", "network_error", waits=True,
                                     env={"HFTUI_TEST_DNS_DELAY": "600"}),
    "tls-untrusted-router": Case(split(router="tls"), "catalog", "error",
                                 "is not trusted (unable to get local issuer certificate); hftui always verifies TLS",
                                 "network_error"),
    "tls-untrusted-hub": Case(split(hub="tls"), "whoami", "error", "is not trusted", "ok"),
    # -- connected, then nothing or too little -----------------------------------------------------
    "hang-whoami": Case(sim(route_faults={"whoami": Fault("hang")}), "whoami", "error",
                        f"sent the request, but no answer came within {TIMEOUT:g} s", "ok", waits=True),
    "hang-catalog": Case(sim(route_faults={"catalog": Fault("hang")}), "catalog", "error",
                         f"no answer came within {TIMEOUT:g} s", "ok", waits=True),
    "hang-chat": Case(sim(route_faults={"chat": Fault("hang")}), "as-configured", "error",
                      f"no answer came within {TIMEOUT:g} s", "provider_outage", waits=True),
    # Bill-to does not repeat a call that got no answer: the run waits out one timeout, not two.
    "hang-chat-with-an-org": Case(sim(orgs=("acme-research",), route_faults={"chat": Fault("hang")}), "bill-to",
                                  "skipped", "the failing call got no HTTP answer at all", "provider_outage",
                                  waits=True, check=billed_nothing),
    "reset-before-answer": Case(sim(route_faults={"whoami": Fault("reset")}), "whoami", "error",
                                "dropped before any answer (Connection reset by peer)", "ok"),
    "reset-mid-body": Case(sim(route_faults={"chat": Fault("reset", mid_body=True)}), "as-configured", "error",
                           "the answer (HTTP 200) stopped after", "inconclusive"),
    "slow-body-mapping": Case(sim(route_faults={"mapping": Fault("slow_body")}), "mapping", "error",
                              f"the answer started (HTTP 200) but its body was still arriving after {TIMEOUT:g} s",
                              "ok", waits=True),
    "slow-body-chat": Case(sim(route_faults={"chat": Fault("slow_body")}), "known-good", "error",
                           f"still arriving after {TIMEOUT:g} s", "provider_outage", waits=True),
    # -- an answer, but not the one expected -------------------------------------------------------
    "huge-body": Case(sim(route_faults={"catalog": Fault("huge_body")}), "catalog", "ok",
                      f"body cut at {EVIDENCE_BODY_CAP_BYTES:,} of 10,485,760 bytes", "ok", check=truncated_at_the_cap),
    "invalid-utf8": Case(sim(route_faults={"whoami": Fault("invalid_utf8")}), "whoami", "ok",
                         "body is not valid UTF-8", "ok"),
    "invalid-utf8-error-body": Case(sim(chat_rules=(ChatRule("*", status=500, body={"error": "upstream"},
                                                             fault=Fault("invalid_utf8")),)),
                                    "as-configured", "failed", "", "provider_outage"),
    "html-not-json": Case(sim(route_faults={"chat": Fault("html", status=502)}), "as-configured", "failed",
                          'an HTML page instead of JSON: "ERROR: The request could not be satisfied"',
                          "provider_outage"),
    "whoami-without-auth": Case(sim(route_faults={"whoami": Fault("body", body={"type": "user", "name": "ada"})}),
                                "whoami", "ok", "", "ok"),
    "catalog-without-data": Case(sim(route_faults={"catalog": Fault("body", body={"object": "list"})}),
                                 "catalog", "ok", "", "ok",
                                 check=noted("catalog", "without a 'data' list of models: the router's providers are unknown")),
    "providers-null": Case(sim(route_faults={"catalog": Fault("body", body={"data": [
        {"id": "Qwen/Qwen3.5-9B", "providers": None}]})}), "catalog", "ok", "", "ok",
        check=noted("catalog", "the catalog lists no provider for Qwen/Qwen3.5-9B")),
    # -- rate limits --------------------------------------------------------------------------------
    "429-retry-after": Case(rate_limited({"retry-after": "30"}), "as-configured", "failed",
                            "Too many requests (Retry-After: 30)", "rate_limited",
                            check=retry_hint("the server asks to wait 30 s")),
    "429-ratelimit-header": Case(rate_limited({"ratelimit": "limit=100, remaining=0, reset=30"}), "as-configured",
                                 "failed", "Too many requests", "rate_limited",
                                 check=retry_hint("its RateLimit header says the limit resets in 30 s")),
    "429-x-ratelimit-reset": Case(rate_limited({"x-ratelimit-reset-requests": "2m59s"}), "as-configured", "failed",
                                  "Too many requests", "rate_limited",
                                  check=retry_hint("x-ratelimit-reset-requests: 2m59s says when the limit resets")),
    "429-bare": Case(rate_limited({}), "as-configured", "failed", "Too many requests", "rate_limited",
                     check=retry_hint("no Retry-After was given; back off")),
    "429-whoami-only": Case(sim(route_faults={"whoami": Fault("body", status=429, body={"error": "slow down"})}),
                            "whoami", "failed", "slow down", "ok"),
    # -- redirects ----------------------------------------------------------------------------------
    "redirect-other-origin": Case(cross_origin_redirect, "as-configured", "failed",
                                  ": not followed, so the token was not sent there", "inconclusive",
                                  check=nothing_reached_the_other_origin),
    "redirect-same-origin": Case(same_origin_redirect, "mapping", "ok", "", "ok", check=followed_with_the_token),
    "redirect-loop": Case(loop, "whoami", "error", "too many redirects: more than 3 redirects", "ok",
                          check=four_requests),
    # -- proxies ------------------------------------------------------------------------------------
    "dead-proxy": Case(sim(), "as-configured", "error", "proxy failed: the proxy http://127.0.0.1:", "network_error",
                       env={"HTTPS_PROXY": "dead", "HTTP_PROXY": "dead"}),
    "dead-proxy-bypassed-by-no-proxy": Case(sim(), "as-configured", "ok", "", "ok",
                                            env={"HTTPS_PROXY": "dead", "HTTP_PROXY": "dead",
                                                 "NO_PROXY": "127.0.0.1"}),
    # Through an HTTP proxy the client never resolves the target itself: only the proxy is dialled.
    "dead-proxy-before-unresolvable-host": Case(urls("https://hftui-test.invalid", "https://hftui-test.invalid"),
                                                "as-configured", "error",
                                                "(from HTTPS_PROXY) refused the connection (nothing listens on that "
                                                "port); fix or unset it, or add hftui-test.invalid to NO_PROXY",
                                                "network_error", env={"HTTPS_PROXY": "dead", "HTTP_PROXY": "dead"}),
}


@pytest.fixture(scope="module")
def runs():
    """Every case's run (and its Lab), one process per CPU at a time, the long waits first."""
    tls = untrusted_tls()
    labs, jobs = {}, {}
    try:
        for name, case in sorted(CASES.items(), key=lambda item: not item[1].waits):
            labs[name] = Lab(tls)
            hub, router = case.setup(labs[name])
            dead = f"http://127.0.0.1:{closed_port()}"
            jobs[name] = (hub, router, {k: dead if v == "dead" else v for k, v in case.env.items()})
        with ThreadPoolExecutor(max_workers=max(os.cpu_count() or 2, 2)) as pool:
            futures = {name: pool.submit(diagnose, hub, router, env=env,
                                         timeout=TIMEOUT if CASES[name].waits else PATIENT)
                       for name, (hub, router, env) in jobs.items()}
            yield {name: (future.result(), labs[name]) for name, future in futures.items()}
    finally:
        for lab in labs.values():
            for server in lab.sims:
                server.stop()


@pytest.mark.parametrize("name", list(CASES))
def test_fault_ends_with_words_and_a_verdict(name, runs):
    case, (run, lab) = CASES[name], runs[name]
    assert_calm(run)
    step = run.steps[case.step]
    assert step["status"] == case.status, step
    text = step["error"] if case.status != "ok" else (step["response"] or {}).get("body_note") or ""
    assert case.says in text, text
    assert run.verdict["case"] == case.verdict, run.verdict
    if case.waits:
        run.assert_timeouts_overlapped()
        for timed_out in run.timed_out.values():
            # It really waited the timeout out (a lower bound: load cannot break it). The upper bound is
            # generous, 5x the timeout: the timeout bounds the whole answer, and a body trickling at
            # 1 byte/s held to a per-read limit instead would go on for minutes.
            assert TIMEOUT * 1000 * 0.99 <= timed_out["elapsed_ms"] < TIMEOUT * 1000 * 5, timed_out
    else:
        assert run.timed_out == {}, "no step may wait out the timeout on this fault"
    if case.check:
        case.check(run, lab)


def test_ctrl_c_while_every_probe_hangs_ends_the_run_without_a_traceback():
    lab = Lab(untrusted_tls())
    child = None
    try:
        url = lab.sim(route_faults={"*": Fault("hang")}).url
        # The probes would wait 600 s for their answers: only the interrupt can end the run sooner.
        child = subprocess.Popen([sys.executable, "-m", "hftui", "diagnose", "--hub-url", url, "--router-url", url,
                                  "--model", MODEL, "--timeout", "600"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=child_env())
        wait_for(lambda: len(lab.sims[0].requests) >= 5, "the first-stage probes are in flight")
        child.send_signal(signal.SIGINT)
        # It ends well within a second when idle; 30 s only keeps a hang from stalling the suite.
        _, stderr = child.communicate(timeout=30)
        assert child.returncode == 130 and stderr == "hftui: interrupted\n", stderr
    finally:
        if child is not None and child.poll() is None:
            child.kill()
            child.communicate()
        for server in lab.sims:
            server.stop()
