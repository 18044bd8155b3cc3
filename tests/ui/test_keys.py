"""The action table is the one place keys are declared: the bindings, the footer, the help, the
palette and every hint that names a key follow it, and a keymap in config.toml changes them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Input

import hftui.ui
from hftui.ui.actions import ACTIONS, BY_ID, DEFAULT_KEYS, Keys, Scope, check_keymap, display
from hftui.ui.app import HftuiApp
from hftui.ui.commands import HftuiCommands
from hftui.ui.evidence import EvidenceScreen
from hftui.ui.screens import ConfirmScreen, HelpScreen
from hftui.ui.widgets.footer import KeyFooter
from hftui.ui.widgets.lists import KeyedOptionList
from hftui.ui.widgets.steps import StepTree
from uihelpers import SIZE, make_app, plain, screen_text, settle, simulated, widget_text

KEYED = {action.id for action in ACTIONS if action.keys}


def write_config(text: str) -> Path:
    import os

    path = Path(os.environ["XDG_CONFIG_HOME"]) / "hftui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def help_ids(text: str) -> set[str]:
    """The action ids the help screen names, in the '(id, id)' after each line."""
    return {aid for group in re.findall(r"\(([a-z0-9_.]+(?:, [a-z0-9_.]+)*)\)", text) for aid in group.split(", ")
            if aid in BY_ID}


def test_the_bindings_are_the_table():
    owners = (HftuiApp, StepTree, KeyedOptionList, EvidenceScreen, HelpScreen, ConfirmScreen)
    bound = [binding.id for owner in owners for binding in owner.BINDINGS]
    assert sorted(bound) == sorted(KEYED), "each keyed action is bound once, by its owner of its scope"


async def test_footer_help_and_palette_are_the_table(sim_app):
    app, _ = sim_app("case-b")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one(StepTree).select("as-configured")
        await pilot.pause()
        footer = {entry.action for entry in app.query_one(KeyFooter).entries}
        shown = {a.method for a in ACTIONS if a.show and a.scope in (Scope.APP, Scope.STEPS)}
        off_outside_fields = {"leave_field"}
        assert footer == (shown - off_outside_fields) | {"command_palette"}

        await pilot.press(DEFAULT_KEYS.keys("app.help")[0])
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        app.screen.query_one("#help").scroll_end(animate=False)
        text = plain(app.screen.query_one("#help Static").content, width=160)
        in_help = (Scope.APP, Scope.STEPS, Scope.EVIDENCE)
        assert help_ids(text) == {a.id for a in ACTIONS if a.keys and a.scope in in_help}
        for action in ACTIONS:
            if action.keys and action.scope in in_help:
                assert re.search(rf"^{re.escape(DEFAULT_KEYS.show(action.id))}  .*", text, re.M), action.id
        await pilot.press("escape")

        app.action_applies = lambda action: True  # every entry of the table applies
        provider = HftuiCommands(app.screen)
        table = {name: help_text for name, _, help_text, _ in provider.table_commands()}
        assert set(table) == {a.palette.format(step="as-configured") for a in ACTIONS if a.palette}
        for action in ACTIONS:
            if action.palette and action.keys:
                name = action.palette.format(step="as-configured")
                assert table[name].endswith(f"({DEFAULT_KEYS.show(action.id, joiner=' or ')})"), name


def test_no_key_is_spelled_outside_the_table():
    """Hints that name a key ask `keys.key(action_id)`; a letter written into a hint is a stale hint."""
    hint = re.compile(r"""press [A-Za-z0-9?]\b|\([A-Za-z?]\)|pane,? \(?\d|\b[A-Za-z]: (?:save|delete|write|copy|retry)"""
                      r"""|\b[Uu]se [A-Za-z] to\b|\b[A-Za-z] = write|\? or F1|\by: write"""
                      r"""|["']\d [A-Z][a-z]|^  [A-Za-z?] {2,}[a-z]""")  # a pane title "1 Credentials", a help key column
    root = Path(hftui.ui.__file__).parent
    found = []
    for path in root.rglob("*.py"):
        if path.name == "actions.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if hint.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


REMAP = """\
# my keys
[keymap]
"step.retry" = "x"
"app.focus_provider" = "5"
"bundle.copy" = "f5"
"""


async def test_a_keymap_changes_the_key_the_footer_the_help_and_the_hints():
    write_config(REMAP)
    with simulated("case-b") as sim:
        app = make_app(sim.scenario, sim.url)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            footer = widget_text(app, "KeyFooter")
            assert "x Retry step" in footer and "r Retry step" not in footer
            assert "5 Provider" in screen_text(app) and "2 Provider" not in screen_text(app)
            app.query_one("#diagnosis").scroll_end(animate=False)
            await pilot.pause()
            assert "press x to retry only it" in widget_text(app, "#diagnosis")

            tree = app.query_one(StepTree)
            tree.focus()
            tree.select("as-configured")
            await pilot.press("r")  # no longer bound
            await settle(pilot)
            assert app.plan_run.results["as-configured"].run_count == 1
            await pilot.press("x")
            await settle(pilot)
            assert app.plan_run.results["as-configured"].run_count == 2

            await pilot.press("5")
            assert app.focused is app.query_one("#model", Input)
            await pilot.press("escape", "question_mark")
            await pilot.pause()
            text = plain(app.screen.query_one("#help Static").content, width=160)
            assert re.search(r"^x +Run only the selected step again", text, re.M)
            assert re.search(r"^F5 +Copy the support bundle", text, re.M)
            assert not re.search(r"^r +", text, re.M)


async def test_a_keymap_changes_the_hint_of_an_empty_model_field():
    write_config(REMAP)
    with simulated("case-b") as sim:
        app = make_app(sim.scenario, sim.url)
        app.model = None
        async with app.run_test(size=SIZE) as pilot:
            app._replan()
            await pilot.pause()
            steps = widget_text(app, "#steps")
            assert "Provider pane (5)" in steps and "(2)" not in steps


@pytest.mark.parametrize("text, said", [
    ("theme = \"nord\"\n[keymap\n", "does not parse"),
    ("[keymap]\n\"step.retyr\" = \"x\"\n", "unknown action id 'step.retyr'"),
    ("theme = \"no-such-theme\"\n", "unknown theme 'no-such-theme'"),
    ("[keymap]\n\"step.retry\" = \"c\"\n", "step.retry = 'c' is already the key of step.copy_curl"),
])
async def test_a_config_that_cannot_be_used_is_one_line_and_the_app_runs(text, said):
    path = write_config(text)
    with simulated("case-b") as sim:
        app = make_app(sim.scenario, sim.url)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            notes = [n for n in app._notifications if n.title == "Settings not used"]
            assert len(notes) == 1 and said in notes[0].message and "\n" not in notes[0].message
            assert str(path) in notes[0].message
            assert "r Retry step" in widget_text(app, "KeyFooter"), "default keys"
            assert app.theme == "textual-dark"
            sent = len(sim.requests)
            await pilot.press("R")
            await settle(pilot)
            assert len(sim.requests) > sent, "the app still works"
    assert path.read_text(encoding="utf-8") == text, "nothing rewritten"


async def test_the_theme_chosen_is_remembered_for_the_next_start():
    path = write_config("# mine\n[keymap]\n\"step.retry\" = \"x\"  # keep\n")
    with simulated("ok") as sim:
        first = make_app(sim.scenario, sim.url)
        async with first.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"theme")
            await pilot.pause(0.3)
            await pilot.press("enter")  # Textual's "Theme" command: the theme picker
            await pilot.pause(0.3)
            await pilot.press(*"nord")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause(0.3)
            assert first.theme == "nord"
        assert 'theme = "nord"' in path.read_text(encoding="utf-8")
        assert '"step.retry" = "x"  # keep' in path.read_text(encoding="utf-8"), "the rest of the file kept"

        second = make_app(sim.scenario, sim.url)
        async with second.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert second.theme == "nord"
            assert "x Retry step" in widget_text(second, "KeyFooter")


def test_keymap_checks():
    usable, problems = check_keymap({"step.retry": "x", "plan.run": "", "nope": "y", "app.quit": 3})
    assert usable == {"step.retry": "x"}
    assert len(problems) == 3
    usable, problems = check_keymap({"step.retry": "c", "step.copy_curl": "y"})
    assert usable == {"step.retry": "c", "step.copy_curl": "y"} and not problems, "a swap is no clash"
    assert check_keymap({"app.help": "?"})[0] == {"app.help": "question_mark"}
    assert Keys.of({"app.help": "?"}).show("app.help") == "?"
    assert Keys.of({"app.help": "?"}).show("evidence.close") == "esc / q", "one action's keys, joined"


@pytest.mark.parametrize("key, shown", [("r", "r"), ("R", "R"), ("question_mark", "?"), ("f1", "F1"),
                                        ("ctrl+p", "^p"), ("escape", "esc")])
def test_keys_read_the_same_everywhere(key, shown):
    assert display(key) == shown


def test_typed_keys_are_off_in_fields_remapped_or_not():
    keys = Keys.of({"step.retry": "f5", "app.help_f1": "h"})
    assert keys.typed("step.retry"), "Textual drops a letter's binding in a field before the keymap applies"
    assert keys.typed("app.help_f1"), "h types into a field"
    assert not keys.typed("app.command_palette")


def test_every_key_a_next_step_names_is_an_action_of_the_table():
    """A rule's next step names keys as `{action.id}` for the app to fill in (core/rules.py, core/call_rules.py):
    each one exists."""
    import ast

    import hftui.core.call_rules as call_rules
    import hftui.core.facts as facts
    import hftui.core.rules as rules

    def literal_text(node: ast.AST, module) -> str:
        """The text an app form is written with: its literal parts and the string constants it uses."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(literal_text(part, module) for part in node.values)
        if isinstance(node, ast.FormattedValue) and isinstance(node.value, ast.Name):
            value = getattr(module, node.value.id, "")
            return value if isinstance(value, str) else ""
        if isinstance(node, ast.BinOp):
            return literal_text(node.left, module) + literal_text(node.right, module)
        return ""

    app_forms = []
    for module in (rules, call_rules, facts):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        app_forms += [literal_text(call.args[1], module) for call in ast.walk(tree)
                      if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "Hint" and len(call.args) > 1]
    named = {name for form in app_forms for name in re.findall(r"\{([a-z_]+\.[a-z_0-9]+)\}", form)}
    assert len(app_forms) >= 8 and named, "the rules' hints are found"
    assert named <= set(BY_ID), named - set(BY_ID)
    assert DEFAULT_KEYS.fill("(Provider pane, {app.focus_provider}); {bundle.export}") == "(Provider pane, 2); e"
