"""The command palette (ctrl+p): the same actions as the keys, listed only when they apply.

Its fixed entries are the action table's (actions.py: name, help, and the action's current key);
the others are made from what the run found: each failed step, each request, route, org and token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from hftui.core.hub import POLICIES
from hftui.ui.actions import ACTIONS, Action, Scope

if TYPE_CHECKING:
    from hftui.ui.app import HftuiApp

Command = tuple[str, Callable[[], object], str, bool]  # (name, callback, help, shown before typing)


class HftuiCommands(Provider):
    @property
    def hftui(self) -> HftuiApp:
        return cast("HftuiApp", self.app)

    def commands(self) -> Iterator[Command]:
        yield from self.table_commands()
        yield from self.found_commands()

    def table_commands(self) -> Iterator[Command]:
        """One entry per action of the table that has a palette name and applies now."""
        app = self.hftui
        for action in ACTIONS:
            if action.palette is None or action.scope is not Scope.APP or not app.action_applies(action.name):
                continue
            key = f" ({app.keys.show(action.id, joiner=' or ')})" if action.keys else ""
            name = action.palette.format(step=app.selected_step_id)
            yield name, _bound(app, action), f"{action.palette_help}{key}", action.palette_first

    def found_commands(self) -> Iterator[Command]:
        """What the run found: the other failed steps to retry, each request to copy, routes, orgs, tokens."""
        app = self.hftui
        run = app.plan_run
        selected = app.selected_step_id
        if run is not None and not app.plan_busy:
            for sid, result in run.results.items():
                if sid != selected and result.status.failed:
                    yield f"step: retry {sid}", partial(app.retry, sid), f"Run only the failed step {sid} again", True
        if run is not None:
            for sid, result in run.results.items():
                if result.exchange is not None and sid != selected:
                    yield (f"step: copy {sid} as curl", partial(app.copy_step, sid),
                           "Copy the request as a curl command that uses $HF_TOKEN", False)
        if app.model is not None:
            for policy in POLICIES:
                yield (f"route: {app.model.repo}:{policy}", partial(app.choose_route, policy),
                       f"Re-plan with the :{policy} routing policy", False)
            for option in app.providers:
                if option.live:
                    yield (f"route: {app.model.repo}:{option.provider}", partial(app.choose_route, option.provider),
                           "Re-plan pinned to this provider", False)
        # The help line is parsed as markup by the palette: it names no org, provider or source (the entry does).
        for org in app.orgs or ():
            yield f"bill to: {org}", partial(app.choose_bill_to, org), "Re-plan with X-HF-Bill-To set to this org", False
        for candidate in app.candidates:
            yield (f"token: test {candidate.source} {candidate.suffix}", partial(app.choose_token, candidate),
                   "Re-plan with this token source", len(app.candidates) > 1)

    async def discover(self) -> Hits:
        for name, callback, help_text, shown in self.commands():
            if shown:
                yield DiscoveryHit(Content(name), callback, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text, _ in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, _highlighted(matcher, query, name), callback, text=name, help=help_text)


def _highlighted(matcher: Matcher, query: str, name: str) -> Content:
    """`Matcher.highlight`, without parsing `name` as markup: an entry names orgs, providers and token
    sources, and `acme[/]` must read as itself (Content from a str is plain; a str prompt is markup)."""
    content = Content(name)
    score, offsets = matcher.fuzzy_search.match(query, name)
    if score:
        for offset in offsets:
            if not name[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def _bound(app: HftuiApp, action: Action) -> Callable[[], object]:
    """The app's `action_<name>` with the table's arguments: called directly, not through Textual's
    action dispatch, which would ask `check_action` while the palette's own field has the focus."""
    from textual.actions import parse

    _, name, arguments = parse(action.method)
    return partial(getattr(app, f"action_{name}"), *arguments)
