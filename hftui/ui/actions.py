"""Every action of the app, declared once: its id, default keys, method, footer label, help sentence,
palette entry. The bindings, the footer, the help screen's keys, the palette's fixed entries and every
hint that names a key ("press r to retry") are made from this table, and a hint asks for the *current*
key of an action id, so a keymap (config.toml's `[keymap]`) changes them all.

No Textual here: the table and the keymap logic are plain data, so a config can be checked without
loading the UI; `bindings(scope)` imports Textual's `Binding` only when the app asks for it.

Adding an action: one `Action(...)` row below and an `action_<method>` on the app (or the screen of its
scope). The tests compare the bindings, the footer, the help and the palette with this table.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.binding import Binding


class Scope(str, Enum):
    """Where an action is bound: the app (everywhere), the step tree, the lists, or one of the screens
    over the main one (the evidence viewer, help, a confirmation)."""

    APP = "app"
    STEPS = "steps"
    LIST = "list"
    EVIDENCE = "evidence"
    HELP = "help"
    CONFIRM = "confirm"


@dataclass(frozen=True)
class Action:
    id: str  # the binding id, the name a keymap uses: "step.retry"
    keys: str  # default keys, Textual's comma-separated names ("r", "question_mark", "n,escape"); "" for none
    method: str  # the action string Textual runs: "retry_step", "focus_pane('steps')"
    label: str  # in the footer (and the binding's description)
    help: str  # one sentence: the footer tooltip and the help screen's line
    show: bool = True  # listed in the footer
    palette: str | None = None  # the command palette's entry; "{step}" is the selected step
    palette_help: str | None = None
    palette_first: bool = True  # listed as soon as the palette opens, before anything is typed
    scope: Scope = Scope.APP
    priority: bool = False

    @property
    def name(self) -> str:
        """The action's method name without its arguments: what `check_action` is asked about."""
        return self.method.split("(", 1)[0]


def _focus(key: str, pane: str, title: str) -> Action:
    return Action(f"app.focus_{pane}", key, f"focus_pane('{pane}')", title, f"Move the focus to the {title} pane",
                  show=False, palette=f"view: focus {pane}", palette_help=f"Move the focus to the {pane} pane",
                  palette_first=False)


ACTIONS: tuple[Action, ...] = (
    Action("step.retry", "r", "retry_step", "Retry step",
           "Run only the selected step again; the verdict updates",
           palette="step: retry {step}", palette_help="Run only the selected step again; the verdict updates"),
    Action("plan.run", "R", "run_plan", "Run all", "Run the whole plan again with the current inputs",
           palette="plan: run the whole plan", palette_help="Run every step again with the current inputs"),
    Action("step.copy_curl", "c", "copy_curl", "Copy curl",
           "Copy the selected step's request as curl (it uses $HF_TOKEN, never the token)",
           palette="step: copy {step} as curl", palette_help="Copy the request as a curl command that uses $HF_TOKEN"),
    Action("bundle.export", "e", "export_bundle", "Export",
           "Write the support bundle (Markdown, 0600) where hftui was started",
           palette="bundle: export the support bundle",
           palette_help="Write it as Markdown (mode 0600) where hftui was started"),
    Action("bundle.copy", "b", "copy_bundle", "Copy bundle", "Copy the support bundle to the clipboard (OSC 52)",
           show=False, palette="bundle: copy the support bundle", palette_help="Copy it to the clipboard"),
    Action("token.use_pasted", "", "use_pasted", "Use pasted token",
           "Test the pasted token for this session, without storing it", show=False,
           palette="token: use the pasted token for this session", palette_help="Test it without storing it",
           palette_first=False),
    Action("token.save_keyring", "s", "save_keyring", "Save token", "Save the pasted (or tested) token to the OS keyring",
           palette="token: save to the OS keyring", palette_help="Store it in the OS keyring"),
    Action("token.write_file", "w", "write_token_file", "Write token file",
           "Write the token to the HF token file in plain text (asks first)", show=False,
           palette="token: write the HF token file",
           palette_help="Store it in plain text where huggingface_hub reads it; asks first"),
    Action("token.delete_keyring", "d", "delete_keyring", "Delete from keyring",
           "Delete hftui's token from the OS keyring", show=False,
           palette="token: delete from the OS keyring", palette_help="Remove hftui's token"),
    Action("plan.sweep", "p", "sweep", "Sweep providers",
           "Try the model on every provider that serves it; asks first (one real, billed 8-token call each)",
           show=False, palette="plan: sweep every provider that serves the model",
           palette_help="One real, billed 8-token call per provider; asks first"),
    Action("plan.stream", "t", "toggle_stream", "Streamed call",
           "Turn the streamed call (the same call with stream: true) on or off; the plan runs again", show=False,
           palette="plan: streamed call on/off", palette_help="Also send the call with stream: true, read as SSE"),
    Action("sweep.sort", "o", "sort_sweep", "Sort sweep", "Sort the sweep table: speed, price, status, provider",
           show=False, palette="sweep: sort the table", palette_help="By speed, price, status or provider",
           palette_first=False),
    _focus("1", "credentials", "Credentials"),
    _focus("2", "provider", "Provider"),
    _focus("3", "steps", "Steps"),
    _focus("4", "diagnosis", "Diagnosis"),
    Action("app.help", "question_mark", "help", "Help", "Show the keys and what each pane does",
           palette="help: keys and panes", palette_help="What each pane and key does"),
    # F1 and ctrl+q have methods of their own: they work in a text field, where ? and q type.
    Action("app.help_f1", "f1", "help_anywhere", "Help", "Show the help, even from a text field", show=False),
    Action("app.command_palette", "ctrl+p", "command_palette", "palette",
           "Open the command palette: every action, step, route, org and token", show=False, priority=True),
    Action("app.quit", "q", "quit", "Quit", "Quit hftui"),
    Action("app.quit_anywhere", "ctrl+q", "quit_anywhere", "Quit", "Quit hftui, from anywhere, even a text field",
           show=False, priority=True),
    Action("app.copy_or_quit", "ctrl+c", "copy_or_quit", "Quit",
           "Copy the selected text; with no text selected, quit hftui", show=False, priority=True),
    Action("app.leave_field", "escape", "leave_field", "Leave field",
           "Leave the text field (what you typed stays), back to the steps"),
    Action("steps.open", "enter", "open_evidence", "Evidence",
           "Open the selected step's request and response in full: headers, the whole body, search, copy",
           scope=Scope.STEPS),
    Action("steps.toggle", "space", "toggle_node", "Expand",
           "Expand or collapse the selected step in place: request, response, body", show=False, scope=Scope.STEPS),
    Action("steps.down", "j", "cursor_down", "Down", "Move down a line", show=False, scope=Scope.STEPS),
    Action("steps.up", "k", "cursor_up", "Up", "Move up a line", show=False, scope=Scope.STEPS),
    Action("list.down", "j", "cursor_down", "Down", "Move down the list", show=False, scope=Scope.LIST),
    Action("list.up", "k", "cursor_up", "Up", "Move up the list", show=False, scope=Scope.LIST),
    Action("evidence.close", "escape,q", "close", "Back", "Back to the main screen", scope=Scope.EVIDENCE),
    Action("evidence.search", "slash", "search", "Search", "Search the request and the response",
           scope=Scope.EVIDENCE),
    Action("evidence.next", "n", "next_match", "Next", "The next match of the search", scope=Scope.EVIDENCE),
    Action("evidence.previous", "N", "previous_match", "Previous", "The previous match of the search",
           show=False, scope=Scope.EVIDENCE),
    Action("evidence.copy_curl", "c", "copy_curl", "Copy curl",
           "Copy the request as curl (it uses $HF_TOKEN, never the token)", scope=Scope.EVIDENCE),
    Action("evidence.copy_body", "b", "copy_body", "Copy body", "Copy the response body as hftui received it",
           scope=Scope.EVIDENCE),
    Action("evidence.down", "j", "scroll_down", "Down", "Scroll down a line", show=False, scope=Scope.EVIDENCE),
    Action("evidence.up", "k", "scroll_up", "Up", "Scroll up a line", show=False, scope=Scope.EVIDENCE),
    Action("evidence.page_down", "space", "page_down", "Page down", "Scroll down a page", show=False,
           scope=Scope.EVIDENCE),
    Action("evidence.top", "g", "scroll_home", "Top", "To the top", show=False, scope=Scope.EVIDENCE),
    Action("evidence.bottom", "G", "scroll_end", "Bottom", "To the bottom", show=False, scope=Scope.EVIDENCE),
    Action("help.close", "escape,q,question_mark,f1", "dismiss", "Close", "Close the help", scope=Scope.HELP),
    Action("confirm.yes", "y", "answer(True)", "Yes, write it", "Confirm", scope=Scope.CONFIRM),
    Action("confirm.no", "n,escape", "answer(False)", "No", "Cancel; nothing is written", scope=Scope.CONFIRM),
)
BY_ID: dict[str, Action] = {action.id: action for action in ACTIONS}
assert len(BY_ID) == len(ACTIONS), "action ids must be unique"

# Scopes bound at the same time: the app's keys stay live while the step tree has the focus.
# The screens over the main one shadow the app's keys (only its priority keys, ctrl+q and ctrl+p, reach through).
_TOGETHER = {Scope.APP: (Scope.APP, Scope.STEPS, Scope.LIST), Scope.STEPS: (Scope.APP, Scope.STEPS),
             Scope.LIST: (Scope.APP, Scope.LIST), Scope.EVIDENCE: (Scope.EVIDENCE,),
             Scope.HELP: (Scope.HELP,), Scope.CONFIRM: (Scope.CONFIRM,)}

# Textual's names for the characters that are not letters or digits, where they differ from Unicode's.
_NAME_REPLACEMENTS = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
                      "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"}
_DISPLAY = {"escape": "esc", "enter": "⏎", "slash": "/", "space": "space", "minus": "-", "backspace": "⌫", "delete": "del",
            "up": "↑", "down": "↓", "left": "←", "right": "→", "pageup": "pgup", "pagedown": "pgdn", "tab": "tab"}
_PLAIN_DISPLAY = {"enter": "enter", "backspace": "bksp", "up": "up", "down": "down", "left": "left", "right": "right"}
_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})


def normalize_key(key: str) -> str:
    """A key as Textual names it: "?" → "question_mark", "R" and "f5" unchanged."""
    key = key.strip()
    if len(key) == 1 and not key.isalnum():
        try:
            name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
        except ValueError:
            return key
        return _NAME_REPLACEMENTS.get(name, name)
    return key


def is_key_name(key: str) -> bool:
    """Whether `key` reads as a key name at all ("r", "f5", "ctrl+x", "?"): what a keymap may say."""
    key = key.strip()
    if len(key) == 1:
        return key.isprintable() and not key.isspace() and key not in ",+"  # never a control character
    *modifiers, name = key.split("+")
    return (all(modifier.lower() in _MODIFIERS for modifier in modifiers)
            and name.isascii() and name.replace("_", "").isalnum())


def character(key: str) -> str | None:
    """The character a key types, if any: "r" → "r", "question_mark" → "?", "f1" and "ctrl+x" → None."""
    if "+" in key and len(key) > 1:
        return None
    if len(key) == 1:
        return key
    try:
        typed = unicodedata.lookup(key.replace("_", " ").upper())
    except KeyError:
        return None
    return typed if typed.isprintable() else None


def display(key: str, plain: bool = False) -> str:
    """How a key reads on screen (footer, help, hints): "r", "R", "?", "F1", "esc", "^p". `plain`: in
    ASCII ("enter", not "⏎"), for a terminal that cannot show the symbols."""
    *modifiers, base = key.split("+") if len(key) > 1 else [key]
    is_f_key = base[:1] == "f" and base[1:].isdigit()
    shown = ((_PLAIN_DISPLAY.get(base) if plain else None) or _DISPLAY.get(base) or character(base)
             or (base.upper() if is_f_key else base))
    if "ctrl" in modifiers:
        modifiers.remove("ctrl")
        shown = f"^{shown}"
    return "+".join([*modifiers, shown])


@dataclass(frozen=True)
class Keys:
    """The current keys of every action: the table's defaults with a keymap over them.

    Frozen and comparable, so the app can hold it in a reactive and the panes that name keys redraw
    when it changes. `keymap` maps action ids to Textual key lists ("x", "f5,x")."""

    keymap: tuple[tuple[str, str], ...] = ()
    plain: bool = False  # keys named in ASCII ("enter" for ⏎): the app draws in ASCII

    @classmethod
    def of(cls, keymap: Mapping[str, str] | None = None, plain: bool = False) -> Keys:
        normalized = {aid: ",".join(normalize_key(k) for k in keys.split(",")) for aid, keys in (keymap or {}).items()}
        return cls(tuple(sorted(normalized.items())), plain)

    def keys(self, action_id: str) -> tuple[str, ...]:
        """The action's keys, Textual's names, first the one to show."""
        action = BY_ID[action_id]  # a KeyError names an action id that does not exist
        spec = dict(self.keymap).get(action_id, action.keys)
        return tuple(key for key in spec.split(",") if key)

    def show(self, action_id: str, *, joiner: str = " / ") -> str:
        """The action's keys as the screen writes them: "r", "? / F1" (joined over the actions bound to the
        same method in the same scope, so help's two keys read as one)."""
        action = BY_ID[action_id]
        siblings = [other for other in ACTIONS if other.method == action.method and other.scope is action.scope]
        shown = [display(key, self.plain) for other in siblings for key in self.keys(other.id)]
        return joiner.join(dict.fromkeys(shown)) or "–"

    def key(self, action_id: str) -> str:
        """The first current key of an action, as displayed: for a hint that names one key."""
        keys = self.keys(action_id)
        return display(keys[0], self.plain) if keys else "–"

    def fill(self, text: str) -> str:
        """A hint's app form (`Hint.app`) with each `{action.id}` in it replaced by that action's current key."""
        if "{" not in text:
            return text
        for action_id in BY_ID:
            text = text.replace(f"{{{action_id}}}", self.key(action_id))
        return text

    def typed(self, action_id: str) -> bool:
        """Whether a key of the action types a character (its default or its current one): such an action
        is off while a text field has the focus, so the letter goes into the field."""
        keys = (*BY_ID[action_id].keys.split(","), *self.keys(action_id))
        return any(character(key) for key in keys if key)

    def typed_methods(self, scope: Scope = Scope.APP) -> frozenset[str]:
        """The methods `check_action` turns off while a text field has the focus. Textual asks about a
        method, not a key: a key meant to work in a field beside a letter that must not (ctrl+q beside q)
        is a row of its own with a method of its own (e.g. "quit_anywhere"), or a priority binding."""
        return frozenset(action.name for action in ACTIONS if action.scope is scope and self.typed(action.id))

    def bindings(self, scope: Scope) -> list[Binding]:
        """Textual bindings for a scope, with the table's default keys (the keymap is applied by
        `App.set_keymap`, so a binding keeps its id and Textual reports clashes)."""
        from textual.binding import Binding

        return [Binding(action.keys, action.method, action.label, show=action.show, id=action.id,
                        tooltip=action.help, priority=action.priority, key_display=None)
                for action in ACTIONS if action.scope is scope and action.keys]


DEFAULT_KEYS = Keys()


def check_keymap(keymap: Mapping[str, object]) -> tuple[dict[str, str], list[str]]:
    """(the usable part of a keymap, one short phrase per entry left out and why).

    Left out: an id the table does not have, a value that is not a key list, and a key that would
    then do two things at once (two actions of one scope on the same key)."""
    usable: dict[str, str] = {}
    problems: list[str] = []
    for action_id, value in keymap.items():
        if action_id not in BY_ID:
            problems.append(f"unknown action id {action_id!r}")
        elif not isinstance(value, str) or not value.strip() or not all(is_key_name(k) for k in value.split(",")):
            problems.append(f"{action_id} = {value!r} is not a key list like \"x\" or \"f5,x\"")
        else:
            usable[action_id] = ",".join(normalize_key(k) for k in value.split(","))
    for action_id in list(usable):
        clash = _clash(Keys.of(usable), action_id)
        if clash is not None:
            problems.append(f"{action_id} = {usable.pop(action_id)!r} is already the key of {clash}")
    return usable, problems


def _clash(keys: Keys, action_id: str) -> str | None:
    action = BY_ID[action_id]
    mine = set(keys.keys(action_id))
    for other in ACTIONS:
        if other.scope in _TOGETHER[action.scope] and other.method != action.method and mine & set(keys.keys(other.id)):
            return other.id
    return None


def help_lines(keys: Keys, scopes: Iterable[Scope] = (Scope.APP, Scope.STEPS)) -> list[tuple[str, str, str]]:
    """(keys, sentence, action ids) for the help screen: one line per method, its keys joined ("? / F1")."""
    lines: dict[str, tuple[str, str, str]] = {}
    for action in ACTIONS:
        if action.scope not in scopes or not action.keys:
            continue
        if action.method in lines:
            shown, sentence, ids = lines[action.method]
            lines[action.method] = (shown, sentence, f"{ids}, {action.id}")
        else:
            lines[action.method] = (keys.show(action.id), action.help, action.id)
    return list(lines.values())


KEY_TABLE_SCOPES = ((Scope.APP, "main screen"), (Scope.STEPS, "in the Steps pane"), (Scope.LIST, "in a list"),
                    (Scope.EVIDENCE, "in the evidence viewer"))


def key_table_markdown(keys: Keys = DEFAULT_KEYS) -> str:
    """README's key table, made from this table (tests/ui/test_keys.py compares the two)."""
    rows = ["| key | where | what it does | action id |", "|---|---|---|---|"]
    for scope, where in KEY_TABLE_SCOPES:
        for shown, sentence, action_ids in help_lines(keys, (scope,)):
            key = shown.replace("|", "\\|")
            rows.append(f"| `{key}` | {where} | {sentence} | {action_ids} |")
    return "\n".join(rows)

