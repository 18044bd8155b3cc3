"""The app as a user meets it: a real simulator on 127.0.0.1, keys pressed, the screen read back."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from textual import events
from textual.widgets import Input

from hftui.core.cases import MATRIX_ROWS, SEEDED_CASES, Case
from hftui.sim import SCENARIOS, ChatRule, Fault, get_scenario
from hftui.ui.widgets.footer import KeyFooter
from hftui.ui.widgets.steps import StepTree
from helpers import until
from uihelpers import (SIZE, choose, footer_dimmed, make_app, pane_words, screen_text, settle, simulated,
                       type_and_leave, widget_text)

MEANING = dict(MATRIX_ROWS)


def marked_rows(app) -> list[str]:
    """Rows of the matrix that carry the ▶ mark, as the screen shows them."""
    return [line[line.index("▶"):].rstrip("│ ") for line in widget_text(app, "#matrix").splitlines() if "▶" in line]


def expected_row(scenario) -> str:
    if scenario.expected_seed:
        return f"▶ {scenario.expected_seed}  {MEANING[scenario.expected_seed]}"
    return f"▶ ·  {Case(scenario.expected_case).title}"


def step_line(app, step_id: str) -> str:
    tree = app.query_one(StepTree)
    node = tree.step_node(step_id)
    return widget_text(app, "#steps").splitlines()[node.line - tree.scroll_offset.y + 1]


def select_step(app, step_id: str) -> None:
    tree = app.query_one(StepTree)
    tree.focus()
    tree.select(step_id)


@pytest.mark.parametrize("name", ["case-a", "case-b", "case-c", "case-d", "ok", "account-fault", "credits-exhausted",
                                  "no-token", "token-newline", "token-invalid", "token-no-permission",
                                  "model-unavailable", "rate-limited", "provider-outage"])
async def test_plan_runs_on_start_and_marks_the_matching_row(sim_app, name):
    app, sim = sim_app(name)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        scenario = get_scenario(name)
        rows = marked_rows(app)
        assert len(rows) == 1, rows
        assert rows[0].startswith(expected_row(scenario)[:40])
        screen = screen_text(app)
        assert "… running" not in screen and "· waiting" not in screen
        assert app.diagnosis.verdict.title in screen
        assert sim.requests, "the app talked to the simulator"


def test_every_seeded_scenario_lands_on_a_seeded_case():
    """The matrix lists SEEDED_CASES under A–D only; the scenarios agree with that split."""
    for scenario in SCENARIOS.values():
        assert (Case(scenario.expected_case) in SEEDED_CASES) == (scenario.expected_seed is not None), scenario.name


async def test_the_tree_shows_marks_and_statuses(sim_app):
    app, _ = sim_app("case-b")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert step_line(app, "whoami").lstrip("│▸ ").startswith("✓ 200")
        failed = step_line(app, "as-configured")
        assert "✗ 401" in failed and "chat: Qwen/Qwen3.5-9B:preferred" in failed
        assert "Invalid username or password." in failed
        assert "– skipped" in step_line(app, "bill-to")


async def test_retrying_a_step_re_runs_only_that_step(sim_app):
    app, sim = sim_app("case-b")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(sim.requests)
        select_step(app, "as-configured")
        await pilot.press("r")
        await settle(pilot)
        new = sim.requests[before:]
        assert len(new) == 1 and new[0].path == "/v1/chat/completions"
        assert '"Qwen/Qwen3.5-9B:preferred"' in new[0].body
        assert "(run 2)" in step_line(app, "as-configured")
        assert "(run 2)" not in step_line(app, "known-good")


async def test_retry_updates_the_verdict_when_the_answer_changes():
    """Every chat call fails (C); the account gets fixed; retrying only known-good moves ▶ to A."""
    broken = get_scenario("case-c")
    fixed = dataclasses.replace(broken, chat_rules=(ChatRule("*:preferred", status=401, body={"error": "nope"}),))
    with simulated(broken) as sim:
        app = make_app(broken, sim.url)
        port = sim.port
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert marked_rows(app)[0].startswith("▶ C")
            sim.stop()
            with simulated(fixed, port=port) as fixed_sim:
                select_step(app, "known-good")
                await pilot.press("r")
                await settle(pilot)
                assert len(fixed_sim.requests) == 1
                assert "✓ 200" in step_line(app, "known-good")
                assert "✗ 401" in step_line(app, "as-configured")  # not re-run
                assert marked_rows(app)[0].startswith("▶ A")


async def test_pasting_a_token_with_a_trailing_newline_shows_the_problem(sim_app):
    app, sim = sim_app("case-b")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        field = app.query_one("#token-input", Input)
        field.focus()
        field.post_message(events.Paste(sim.scenario.client_token + "\n"))
        await pilot.pause()
        pane = widget_text(app, "#credentials")
        assert "✗ the pasted value contains a line break" in pane
        assert "✗ the pasted value ends with whitespace" in pane
        await pilot.press("enter")  # test it, this session only
        await settle(pilot)
        assert "whoami with the token exactly as the app sends it" in widget_text(app, "#steps")
        assert rows_contain(app, Case.TOKEN_MALFORMED.title)
        assert "◀ testing" in widget_text(app, "#credentials")


def rows_contain(app, title: str) -> bool:
    return any(title[:30] in row for row in marked_rows(app))


async def test_keyring_without_backend_says_so_and_keeps_the_typed_token(sim_app, monkeypatch):
    import keyring
    from keyring.backends import fail

    from hftui.core.keystore import Keystore

    monkeypatch.delenv("HFTUI_NO_KEYRING")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        app, _ = sim_app("case-b", keystore=Keystore(service="hftui-test-no-backend"))
        typed = "hf_" + "TypedByHandNotARealToken0123"
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.query_one("#credentials").scroll_end(animate=False)
            await pilot.pause()
            assert "no keyring here" in widget_text(app, "#credentials")
            assert "No OS keyring is available" in pane_words(app, "#credentials")
            await type_and_leave(pilot, "#token-input", typed)
            assert "Save token" in footer_dimmed(app), "s does not apply: there is no keyring to save to"
            await pilot.press("s")
            await settle(pilot)
            assert "saving" not in widget_text(app, "#credentials"), "a dimmed key does nothing"
            assert app.query_one("#token-input", Input).value == typed
            assert typed not in screen_text(app)
    finally:
        keyring.set_keyring(previous)


async def test_changing_the_route_re_plans_with_the_new_model_string(sim_app):
    app, sim = sim_app("case-b")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(sim.requests)
        await choose(pilot, "#routes", "route:together")
        # What the re-plan sent: the call as configured now names the route, and the old string is gone
        # (the first plan's pinned step already sent ":together", so only requests after the choice count).
        sent = [json.loads(r.body)["model"] for r in sim.requests[before:] if r.path == "/v1/chat/completions"]
        assert "Qwen/Qwen3.5-9B:together" in sent and "Qwen/Qwen3.5-9B:preferred" not in sent, sent
        assert "chat: Qwen/Qwen3.5-9B:together" in step_line(app, "as-configured")
        assert "✓ 200" in step_line(app, "as-configured")
        assert app.query_one("#model", Input).value == "Qwen/Qwen3.5-9B:together"
        assert marked_rows(app)[0].startswith("▶ ·  Everything works")


async def test_a_malformed_model_shows_the_message_and_keeps_the_text(sim_app):
    app, sim = sim_app("case-b")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(sim.requests)
        model = app.query_one("#model", Input)
        model.focus()
        model.value = "qwen 3.5 please"
        await pilot.press("enter")
        await settle(pilot)
        assert "✗ malformed model id 'qwen 3.5 please'" in widget_text(app, "#provider")
        assert model.value == "qwen 3.5 please"
        assert len(sim.requests) == before  # nothing re-planned


async def test_copy_as_curl_uses_the_variable_never_the_token(sim_app):
    app, sim = sim_app("case-b")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        select_step(app, "as-configured")
        await pilot.press("c")
        await pilot.pause()
        assert "$HF_TOKEN" in app.clipboard
        assert sim.scenario.client_token not in app.clipboard
        assert "/v1/chat/completions" in app.clipboard
        await until(pilot, lambda: "Copied as-configured as curl" in screen_text(app), "the copy is announced")


async def test_server_text_is_shown_literally_never_as_markup():
    hostile = dataclasses.replace(get_scenario("case-c"), chat_rules=(
        ChatRule("*", status=401, body={"error": "[bold red]pwned[/] [link=https://x.invalid]click[/link]"}),))
    with simulated(hostile) as sim:
        app = make_app(hostile, sim.url)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "— [bold red]pwned[/] [link=" in step_line(app, "known-good")
            evidence = pane_words(app, "#diagnosis")
            assert "known-good: ✗ 401 chat: known-good openai/gpt-oss-120b:fastest: [bold red]pwned[/]" in evidence
            assert "[link=https://x.invalid]click[/link]" in evidence


async def test_server_text_in_a_steps_details_is_escaped_so_it_cannot_forge_a_line_or_drive_the_terminal():
    user = {"type": "user", "name": "ada\x1b[8m\u2028forged", "orgs": [],
            "auth": {"accessToken": {"displayName": "laptop", "role": "fineGrained"}}}
    hostile = dataclasses.replace(get_scenario("case-c"), route_faults={"whoami": Fault("body", body=user)})
    with simulated(hostile) as sim:
        app = make_app(hostile, sim.url)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            select_step(app, "bill-to")  # skipped: "<account name> belongs to no organization"
            await pilot.press("space")  # expanded in place
            await pilot.pause()
            assert "skipped: ada\\x1b[8m\\u2028forged belongs to no organization" in widget_text(app, "#steps")


async def test_expanding_a_step_shows_request_and_response(sim_app):
    app, sim = sim_app("case-b")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select_step(app, "as-configured")
        await pilot.press("space")
        await pilot.pause()
        steps = widget_text(app, "#steps")
        assert "request POST http://127.0.0.1:8000/v1/chat/completions" in steps, "frozen: the default port"
        # The router's ids are UUIDs: frozen, still one (fixed, and shaped like the real one).
        assert re.search(r"response 401 Unauthorized  x-request-id [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-"
                         r"[0-9a-f]{12}", steps)
        assert sim.scenario.client_token[3:] not in screen_text(app)


async def test_keys_that_type_text_leave_the_footer_while_typing(sim_app):
    app, _ = sim_app("case-b")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Quit" in widget_text(app, "KeyFooter")
        app.query_one("#model", Input).focus()
        await pilot.pause()
        footer = widget_text(app, "KeyFooter")
        assert "q Quit" not in footer.replace("^q Quit", "") and "Retry step" not in footer
        assert "^q Quit" in footer and "F1 Help" in footer, "the way out and help, with keys that work in a field"
        await pilot.press("q")
        assert app.is_running and app.query_one("#model", Input).value.endswith("q")


async def test_while_a_retry_runs_r_and_e_are_dimmed_in_the_footer_then_come_back():
    scenario = get_scenario("case-b")
    with simulated(scenario) as sim:
        app = make_app(scenario, sim.url)
        port = sim.port
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert footer_dimmed(app) == {"Save token"}, "no keyring in the tests: s does not apply"
            sim.stop()
            # The same address now hangs whoami until it stops: the retry is still running when the click
            # on its dimmed key arrives, however slow the machine.
            with simulated(dataclasses.replace(scenario, route_faults={"whoami": Fault("hang")}), port=port) as hung:
                select_step(app, "whoami")
                await pilot.press("r")
                await until(pilot, lambda: hung.requests, "the retry reached the simulator")
                assert app.plan_busy and footer_dimmed(app) == {"Retry step", "Export", "Save token"}
                rings = []
                app.bell = lambda: rings.append(1)
                retry = next(entry for entry in app.query_one(KeyFooter).entries if entry.action == "retry_step")
                await pilot.click(KeyFooter, offset=(retry.start + 1, 0))
                assert rings == [1], "a dimmed key only rings"
                assert len(hung.requests) == 1
            await settle(pilot)  # stopping the simulator dropped the hung request: the retry ended
            assert app.plan_run.results["whoami"].run_count == 2, "the click on the dimmed key retried nothing"
            assert footer_dimmed(app) == {"Save token"}
            assert "Retry step" in widget_text(app, "KeyFooter")


async def test_clicking_a_footer_key_runs_it_and_hovering_shows_its_tooltip(sim_app):
    app, sim = sim_app("case-b")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = app.query_one(KeyFooter)
        run_all = next(entry for entry in footer.entries if entry.action == "run_plan")
        sent = len(sim.requests)
        assert await pilot.click(KeyFooter, offset=(run_all.start + 1, 0))
        await settle(pilot)
        assert len(sim.requests) > sent, "R from the footer ran the plan again"
        assert footer.tooltip is None
        await pilot.hover(KeyFooter, offset=(run_all.start + 1, 0))
        assert footer.tooltip == "Run the whole plan again with the current inputs"
        app.query_one("#model", Input).focus()  # typing: the letter keys leave the footer
        await pilot.pause()
        assert all(entry.action != "run_plan" for entry in footer.entries)


async def test_q_quits_with_status_zero(sim_app):
    app, _ = sim_app("ok")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
    assert app.return_code == 0


async def test_choosing_another_source_re_plans_with_that_token(sim_app):
    from hftui.core.tokens import TokenLocations, discover_tokens
    from hftui.sim import sim_token

    app, sim = sim_app("case-b")
    old = sim_token("an-old-revoked-token")
    app.tokens = discover_tokens(TokenLocations(env={"HF_TOKEN": old, "HUGGING_FACE_HUB_TOKEN": sim.token}))
    app.testing = app.tokens.active
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert marked_rows(app)[0].startswith(f"▶ ·  {Case.TOKEN_INVALID.title}")
        pane = widget_text(app, "#credentials")
        assert "env:HF_TOKEN" in pane and "env:HUGGING_FACE_HUB_TOKEN" in pane
        assert "differs from the token in another source" in pane
        await choose(pilot, "#sources", "src-1")
        assert marked_rows(app)[0].startswith("▶ B")
        assert "testing env:HUGGING_FACE_HUB_TOKEN" in widget_text(app, "#credentials")


async def test_choosing_an_org_to_bill_re_plans(sim_app):
    app, sim = sim_app("case-d")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(sim.requests)
        await choose(pilot, "#bill-to", "bill:acme-research")
        assert len(sim.requests) > before
        assert app.plan_run.inputs.bill_to == "acme-research"
        assert "● acme-research" in widget_text(app, "#provider")
        assert marked_rows(app)[0].startswith("▶ D")


async def test_writing_the_token_file_asks_first_and_writes_0600(sim_app, tmp_path):
    path = tmp_path / "hf" / "token"
    app, sim = sim_app("case-b", token_file=path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_and_leave(pilot, "#token-input", "  hf_PastedByHandNotRealToken999  ")
        await pilot.press("w")
        await until(pilot, lambda: "Write the HF token file?" in screen_text(app), "the dialog asks first")
        dialog = screen_text(app)
        assert "In plain text" in dialog and "…Token999" in dialog
        assert not path.exists()
        await pilot.press("y")
        await until(pilot, lambda: "✓ Wrote …Token999 to" in widget_text(app, "#credentials"), "the pane says so")
        assert path.read_text() == "hf_PastedByHandNotRealToken999"
        assert path.stat().st_mode & 0o777 == 0o600


async def test_declining_the_token_file_writes_nothing(sim_app, tmp_path):
    path = tmp_path / "token"
    app, _ = sim_app("case-b", token_file=path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await until(pilot, lambda: "Write the HF token file?" in screen_text(app), "the dialog asks first")
        await pilot.press("n")
        await until(pilot, lambda: "Write the HF token file?" not in screen_text(app), "the dialog is gone")
        assert not path.exists()
        assert app.query_one("#token-input", Input).value == ""


async def test_a_crashing_plan_becomes_a_notification_not_a_traceback(sim_app, monkeypatch):
    from hftui.core.plan import PlanRun

    async def boom(self):
        raise RuntimeError(f"unexpected failure with {self.inputs.token.raw}")

    monkeypatch.setattr(PlanRun, "run_all", boom)
    app, sim = sim_app("case-b")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await until(pilot, lambda: "The plan stopped" in screen_text(app), "the crash is a notification")
        screen = screen_text(app)
        assert "RuntimeError: unexpected failure" in screen
        assert sim.token not in screen
        assert app.is_running


async def test_help_and_palette_list_the_same_actions(sim_app):
    app, _ = sim_app("case-b")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        help_text = screen_text(app)
        assert "Run only the selected step again" in help_text and "Copy the selected step's request" in help_text
        await pilot.press("escape")
        select_step(app, "as-configured")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"retry")
        await until(pilot, lambda: "step: retry as-configured" in screen_text(app), "the palette offers the retry")
        await pilot.press("enter")
        await settle(pilot)
        assert "(run 2)" in step_line(app, "as-configured")


async def test_shift_r_runs_the_whole_plan_again(sim_app):
    app, sim = sim_app("case-b")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = len(sim.requests)
        await pilot.press("R")
        await settle(pilot)
        assert len(sim.requests) == 2 * first
        assert marked_rows(app)[0].startswith("▶ B")


async def test_saving_and_deleting_with_a_working_keyring(sim_app, monkeypatch):
    import keyring
    from keyring_backends import MemoryKeyring

    from hftui.core.keystore import Keystore

    monkeypatch.delenv("HFTUI_NO_KEYRING")
    memory = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(memory)
    try:
        app, sim = sim_app("token-newline", keystore=Keystore(service="hftui-test-memory"))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.query_one("#credentials").scroll_end(animate=False)
            await pilot.pause()
            assert re.search(r"✓ available \([\w ]*MemoryKeyring\)", pane_words(app, "#credentials"))
            assert app.tokens.by_source("keyring") is None
            await pilot.press("s")  # nothing pasted: the tested token, cleaned
            await until(pilot, lambda: "✓ Saved token …" in widget_text(app, "#credentials"), "the pane says saved")
            assert memory.store == {("hftui-test-memory", "token"): sim.token.strip()}
            await settle(pilot)
            app.query_one("#credentials").scroll_home(animate=False)
            await pilot.pause()
            assert "keyring …" in widget_text(app, "#credentials"), "the saved token is listed at once"
            assert "read by hftui only" in pane_words(app, "#credentials")
            await pilot.press("d")
            await until(pilot, lambda: "✓ Deleted the token from the OS keyring" in widget_text(app, "#credentials"),
                        "the pane says deleted")
            assert memory.store == {}
            await settle(pilot)
            assert app.tokens.by_source("keyring") is None, "the deleted token is gone from the list"
    finally:
        keyring.set_keyring(previous)
