"""The command palette (ctrl+p): the same actions as the keys, listed only when they apply."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from hftui.core.hub import POLICIES

if TYPE_CHECKING:
    from hftui.ui.app import HftuiApp

Command = tuple[str, Callable[[], object], str, bool]  # (name, callback, help, shown before typing)


class HftuiCommands(Provider):
    @property
    def hftui(self) -> HftuiApp:
        return cast("HftuiApp", self.app)

    def commands(self) -> Iterator[Command]:
        app = self.hftui
        run = app.plan_run
        selected = app.selected_step_id
        if app.action_applies("run_plan"):
            yield "plan: run the whole plan", app.action_run_plan, "Run every step again with the current inputs (R)", True
        if app.action_applies("retry_step"):
            yield (f"step: retry {selected}", app.action_retry_step,
                   "Run only the selected step again; the verdict updates (r)", True)
        if run is not None and not app.plan_busy:
            for sid, result in run.results.items():
                if sid != selected and result.status.failed:
                    yield f"step: retry {sid}", partial(app.retry, sid), f"Run only the failed step {sid} again", True
        if run is not None:
            for sid, result in run.results.items():
                if result.exchange is not None:
                    yield (f"step: copy {sid} as curl", partial(app.copy_step, sid),
                           "Copy the request as a curl command that uses $HF_TOKEN (c)", sid == selected)
        if app.action_applies("export_bundle"):
            yield ("bundle: export the support bundle", app.action_export_bundle,
                   "Write it as Markdown (mode 0600) where hftui was started (e)", True)
            yield "bundle: copy the support bundle", app.action_copy_bundle, "Copy it to the clipboard (b)", True
        if app.model is not None:
            for policy in POLICIES:
                yield (f"route: {app.model.repo}:{policy}", partial(app.choose_route, policy),
                       f"Re-plan with the :{policy} routing policy", False)
            for option in app.providers:
                if option.live:
                    yield (f"route: {app.model.repo}:{option.provider}", partial(app.choose_route, option.provider),
                           f"Re-plan pinned to {option.provider}", False)
        for org in app.orgs:
            yield f"bill to: {org}", partial(app.choose_bill_to, org), f"Re-plan with X-HF-Bill-To: {org}", False
        for candidate in app.candidates:
            yield (f"token: test {candidate.source} {candidate.suffix}", partial(app.choose_token, candidate),
                   "Re-plan with this token source", len(app.candidates) > 1)
        if app.action_applies("save_keyring"):
            yield ("token: use the pasted token for this session", app.action_use_pasted,
                   "Test it without storing it", False)
            yield "token: save to the OS keyring", app.action_save_keyring, "Store it in the OS keyring (s)", True
            yield ("token: write the HF token file", app.action_write_token_file,
                   "Store it in plain text where huggingface_hub reads it (w); asks first", True)
        if app.action_applies("delete_keyring"):
            yield "token: delete from the OS keyring", app.action_delete_keyring, "Remove hftui's token (d)", True
        for key, name in (("1", "credentials"), ("2", "provider"), ("3", "steps"), ("4", "diagnosis")):
            yield (f"view: focus {name}", partial(app.action_focus_pane, name),
                   f"Move the focus to the {name} pane ({key})", False)
        yield "help: keys and panes", app.action_help, "What each pane and key does (? or F1)", True

    async def discover(self) -> Hits:
        for name, callback, help_text, shown in self.commands():
            if shown:
                yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text, _ in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
