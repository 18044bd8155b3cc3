"""Property: whatever text a server (or a local source) puts in any field, every pane, the expanded step
tree, the palette and every notification show it as plain characters. No control character reaches the
screen and no markup takes effect (no link, no click action, no style of its own, no bracket vanishing).

Headless (Textual's own compositor, segment by segment); test_terminal.py checks the same in a real pty.
"""

from __future__ import annotations

import asyncio
import io
import re
import string
from pathlib import Path

from helpers import until
from hhelpers import PLANTED
from hostile_server import MODEL, REPO, USER, HostileServer, json_answer, respond
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from hftui.core.session import Session, Settings
from hftui.core.tokens import TokenLocations

PIECES = ["\x1b[2J", "\x1b]52;c;Y3VybA==\x07", "\x1b]0;owned\x07", "\x1b[31m", "\x9b31m", "\x07", "\x08", "\x00",
          "\u202e", "\u2066", "\u200b", "\u2028", "\r\n", "\r", "\n", "\t", "\ufeff", "\udcff",
          "[/]", "[b]", "[bold red]", "[link=https://evil.example]", "[@click=app.quit]", "[blink]", "[strike]",
          "[/link]", "\\[", "\\", "[", "]", "$name", "{0}", "%s", "`", "acme", "▶ Everything works [ok]"]
hostile_text = st.lists(st.sampled_from(PIECES) | st.text(string.ascii_letters, max_size=4),
                        min_size=1, max_size=5).map(lambda parts: "x" + "".join(parts))
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")
FOREIGN_STYLES = ("blink", "strike", "conceal")  # styles hftui never uses: one on screen came from markup


class Values:
    """What the hostile server says this example: one hostile text per field."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def routes(self):
        def whoami(request):
            f = self.fields
            return json_answer({**USER, "name": f["name"], "fullname": f["fullname"],
                                "orgs": [{"name": f["org"]}, {"name": f["org2"]}],
                                "auth": {"accessToken": {"displayName": f["token_name"], "role": f["role"]}}})

        def catalog(request):
            return json_answer({"data": [{"id": REPO, "providers": [
                {"provider": "together", "status": "live"}, {"provider": self.fields["provider"], "status": "live"}]}]})

        def mapping(request):
            return json_answer({"id": REPO, "inferenceProviderMapping": {
                self.fields["mapped"]: {"status": self.fields["status"], "task": "conversational"}}})

        def chat(request):
            latin = self.fields["reason"].encode("latin-1", "replace").translate(None, bytes(range(32)) + b"\x7f")
            return respond(503, latin or b"x", [("content-type", "application/json"),
                                                ("x-inference-provider", latin), ("retry-after", latin)],
                           json_answer({"error": {"message": self.fields["error"]}}).split(b"\r\n\r\n", 1)[1])

        return {"whoami": whoami, "catalog": catalog, "mapping": mapping, "chat": chat}


FIELDS = ("name", "fullname", "org", "org2", "token_name", "role", "provider", "mapped", "status", "error", "reason",
          "env_name", "file_name")


def screen_segments(app):
    """Every segment the screen is drawn with (control segments, which are Textual's cursor moves, aside)."""
    console = Console(width=app.size.width, height=app.size.height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", legacy_windows=False)
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return [segment for segment in console.render(update) if not segment.control]


def assert_inert_screen(app, where: str) -> str:
    text = ""
    for segment in screen_segments(app):
        assert not RAW_CONTROL.search(segment.text), f"{where}: a control character on screen: {segment.text!r}"
        style = segment.style
        if style is not None:
            assert not style.link, f"{where}: markup made a link: {segment.text!r}"
            assert "@click" not in (style.meta or {}), f"{where}: markup made an action: {segment.text!r}"
            assert not any(getattr(style, name) for name in FOREIGN_STYLES), f"{where}: markup styled {segment.text!r}"
        text += segment.text
    return text


async def exercise(url: str, fields: dict[str, str], tmp: Path) -> None:
    from hftui.ui.app import HftuiApp
    from hftui.ui.widgets.steps import StepTree

    token_file = tmp / ("t" + fields["file_name"].replace("/", "_").replace("\0", "_"))[:200]
    token_file.write_text(PLANTED)
    env_name = "X" + fields["env_name"].replace("=", "_").replace("\0", "_")
    where = TokenLocations(env={env_name: PLANTED + fields["error"][:3]}, token_env=env_name, token_path=token_file)
    settings = Settings.resolve(model=MODEL, hub_url=url, router_url=url, timeout=5, env={})
    app = HftuiApp(Session.at(settings, where), frozen=True)
    app.export_directory = Path("/proc")  # the export fails: its notification is on screen too
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await until(pilot, lambda: app.diagnosis is not None and not app.plan_busy and app.diagnosis.done == len(
            app.diagnosis.steps), "the plan finished")
        await pilot.pause()
        assert_inert_screen(app, "the panes")
        app.query_one(StepTree).root.expand_all()
        await pilot.pause()
        assert_inert_screen(app, "the expanded step tree")
        for key in ("3", "c", "b", "e"):  # copy curl, copy the bundle, export (fails): three notifications
            await pilot.press(key)
        await pilot.pause()
        assert_inert_screen(app, "the notifications")
        assert not (PLANTED[5:14] in str(app.clipboard)), "the clipboard holds the token"
        for query in ("bill to", "route", "token"):
            await pilot.press("ctrl+p")
            await pilot.pause()
            for char in query:
                await pilot.press(char if char != " " else "space")
            await pilot.pause(0.3)
            shown = assert_inert_screen(app, f"the palette ({query})")
            if query == "bill to" and "[/]" in fields["org"] and "bill to: x" in shown:
                assert "[/]" in shown, "a markup tag vanished from an org's palette entry"
            await pilot.press("escape")
            await pilot.pause()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(st.fixed_dictionaries({name: hostile_text for name in FIELDS}))
def test_no_field_can_put_a_control_character_or_markup_on_screen(tmp_path_factory, fields):
    tmp = tmp_path_factory.mktemp("screen")
    values = Values()
    values.fields = fields
    with HostileServer(values.routes()) as server:
        asyncio.run(exercise(server.url, fields, tmp))
