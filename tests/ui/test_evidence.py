"""The evidence viewer: enter on a step shows its whole request and response on a screen of their own,
searchable, with copy; a 5 MB body and a binary body are shown safely and said for what they are."""

from __future__ import annotations

import dataclasses
import re
from contextlib import asynccontextmanager

from hftui.core.probes import BODY_CAP_BYTES
from hftui.sim import ChatRule, Fault, get_scenario
from hftui.ui.evidence import EvidenceScreen
from hftui.ui.widgets.pager import Pager
from hftui.ui.widgets.steps import StepTree
from uihelpers import make_app, screen_text, settle, simulated, widget_text

FIVE_MB = 5 * 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8


async def open_viewer(pilot, step_id: str) -> EvidenceScreen:
    tree = pilot.app.query_one(StepTree)
    tree.focus()
    tree.select(step_id)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, EvidenceScreen), "enter opens the evidence viewer"
    return pilot.app.screen


def document(screen: EvidenceScreen) -> str:
    return "\n".join(line.text for line in screen.document.lines)


def case_b_answering(name: str, fault: Fault):
    """Case B, its failing call answered 200 with `fault` instead."""
    return dataclasses.replace(get_scenario("case-b"), name=name,
                               chat_rules=(ChatRule("*:preferred", status=200, fault=fault),))


@asynccontextmanager
async def viewer_of(scenario, step_id: str = "as-configured"):
    """(pilot, the viewer) on `step_id` of the app run against `scenario`, at 80x24."""
    with simulated(scenario) as sim:
        app = make_app(scenario, sim.url)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            yield pilot, await open_viewer(pilot, step_id)


async def test_enter_shows_the_whole_exchange_and_esc_goes_back(sim_app):
    app, sim = sim_app("case-b")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        viewer = await open_viewer(pilot, "as-configured")
        shown = screen_text(app)
        assert "Evidence" in shown and "as-configured" in shown
        assert "POST http://127.0.0.1:8000/v1/chat/completions" in shown, "the request, frozen port"
        assert '"model": "Qwen/Qwen3.5-9B:preferred",' in shown, "the JSON body, pretty-printed"
        text = document(viewer)
        assert re.search(r"^timing: started .* · took \d", text, re.M)
        assert len(re.findall(r"x-request-id: [0-9a-f]{8}-", text)) == 2, "once for the step, once in the response: never twice there"
        response = text[text.index("── Response ──"):]
        assert response.count("x-request-id") == 1
        assert '"error": "Invalid username or password."' in response
        assert sim.scenario.client_token[3:] not in text
        await pilot.press("escape")
        assert not isinstance(app.screen, EvidenceScreen)
        assert app.focused is app.query_one(StepTree)


async def test_search_finds_and_moves_between_matches(sim_app):
    app, _ = sim_app("case-b")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        viewer = await open_viewer(pilot, "as-configured")
        await pilot.press("slash", *"qwen", "enter")
        pager = viewer.query_one(Pager)
        total = len(pager.matches)
        assert total >= 3 and pager.current == 0
        assert f"match 1 of {total}" in widget_text(app, "#evidence-title")
        await pilot.press("n", "n")
        assert pager.current == 2 and f"match 3 of {total}" in widget_text(app, "#evidence-title")
        await pilot.press("N")
        assert pager.current == 1
        await pilot.press("slash", *"no such text", "enter")
        assert "no match for 'no such text'" in widget_text(app, "#evidence-title")
        await pilot.press("escape")  # from the text: back to the main screen
        assert not isinstance(app.screen, EvidenceScreen)


async def test_copy_the_request_as_curl_and_the_response_body(sim_app):
    app, sim = sim_app("case-b")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await open_viewer(pilot, "as-configured")
        await pilot.press("c")
        assert app.clipboard.startswith("curl -sS -i -X POST") and "$HF_TOKEN" in app.clipboard
        assert sim.scenario.client_token not in app.clipboard
        await pilot.press("b")
        body = app.plan_run.results["as-configured"].exchange.response.body
        assert app.clipboard == body and "Invalid username or password." in body, "the body as received"
        notes = [n for n in app._notifications]
        assert notes and all(len(n.message.splitlines()) <= 2 for n in notes), "short notes, not the whole command"


async def test_a_5_mb_body_is_cut_by_the_engine_and_said_so():
    async with viewer_of(case_b_answering("huge", Fault("huge_body", size=FIVE_MB))) as (pilot, viewer):
        text = document(viewer)
        assert f"cut at {BODY_CAP_BYTES:,} of {FIVE_MB:,} bytes" in text
        assert "copy as curl" not in text.lower()
        pager = viewer.query_one(Pager)
        await pilot.press("G")  # to the end of what was kept
        await pilot.pause()
        assert "xxxxxxxx" in widget_text(pilot.app, "#evidence-pager")
        assert pager.scroll_offset.y > 3000, "the whole kept body is there to scroll through"


async def test_the_viewer_pages_a_5_mb_body_it_is_given(sim_app):
    """The engine keeps 256 KiB of a chat body, more of others (issue 11): the viewer takes any size."""
    app, _ = sim_app("case-b")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        result = app.plan_run.results["as-configured"]
        rows = [{"id": f"model-{n:06d}", "owned_by": "someone"} for n in range(FIVE_MB // 46)]
        body = '{"data": ' + str(rows).replace("'", '"') + ', "end": "THE-LAST-LINE"}'
        assert len(body) >= FIVE_MB
        response = dataclasses.replace(result.exchange.response, body=body, body_bytes=len(body), status=200)
        big = dataclasses.replace(result, exchange=dataclasses.replace(result.exchange, response=response))
        app.push_screen(EvidenceScreen(big, "the call", app.formatter))
        await pilot.pause()
        viewer = app.screen
        assert f"body: {len(body):,} bytes" in document(viewer)
        await pilot.press("slash", *"the-last-line", "enter")
        assert "THE-LAST-LINE" in widget_text(app, "#evidence-pager"), "found and scrolled to at the very end"
        assert "match 1 of 1" in widget_text(app, "#evidence-title")


async def test_a_binary_body_is_shown_as_its_size_type_and_first_bytes():
    binary = case_b_answering("binary", Fault("body", body=PNG, content_type="image/png"))
    async with viewer_of(binary) as (_, viewer):
        text = document(viewer)
        assert f"body: {len(PNG):,} bytes, image/png; not valid UTF-8" in text
        assert "not text: its first 256 bytes as hex" in text
        # The body as hftui keeps it: made printable when captured (\r and \x1a written as escapes, the byte
        # that is not UTF-8 as U+FFFD), so the hex shows what was kept, never a raw control byte.
        assert re.search(r"^0000  ef bf bd 50 4e 47 5c 72 0a 5c 78 31 61 0a 5c 78  \|...PNG\\r.\\x1a.\\x\|$", text, re.M)
        assert not any(ord(char) < 32 for char in text.replace("\n", "")), "no control byte reaches the screen"


async def test_a_bill_to_attempt_says_what_it_means_read_against_whoami():
    """A refused X-HF-Bill-To is a refusal, not a billing result: the viewer says so, and why."""
    async with viewer_of(get_scenario("bill-to-refused"), "bill-to") as (_, viewer):
        text = document(viewer)
        assert ("X-HF-Bill-To: acme-research: refused — the token (a fine-grained access token) has no inference "
                "permission scoped to acme-research") in text
