"""The provider sweep in the Provider pane: one line per provider (✓ works, ✗ fails, – removed, not called),
the fastest (») and the cheapest ($) working route marked, sortable (the action `sweep.sort`), and the
confirmation that says how many real, billed calls the sweep sends before it sends any.

Mounted under the route list the first time a diagnosis has a sweep, so the first frame never pays
for it. Server text (a provider's error) goes in as plain `Text`, never markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Static

from hftui.core.printable import printable
from hftui.ui.actions import DEFAULT_KEYS, Keys
from hftui.ui.format import Formatter, context, price
from hftui.ui.screens import ConfirmScreen

if TYPE_CHECKING:
    from hftui.core.diagnosis import Diagnosis
    from hftui.core.hub import ModelRef, ProviderOption
    from hftui.core.sweep import SweepRoute

SORTS = ("speed", "price", "status", "provider")  # what the sort key cycles through, in this order
MARKS = {"ok": ("✓", "bold green"), "failed": ("✗", "bold red"), "error": ("✗", "bold red"), "removed": ("–", "dim")}


def sort_routes(routes: tuple[SweepRoute, ...], by: str) -> list[SweepRoute]:
    """Working routes first whatever the key (a sort is for choosing one), then by `by`; removed last."""
    def key(route: SweepRoute) -> tuple:
        rank = 0 if route.works else 2 if route.status == "removed" else 1
        output = route.option.output_price
        return (rank, {"speed": (route.speed_ms,), "price": (output if output is not None else float("inf"),),
                       "status": (route.http_status or 0,), "provider": ()}[by], route.provider)
    return sorted(routes, key=key)


class SweepTable(Static):
    """The sweep's routes as a table; follows the app's `diagnosis`, sorted by `sort_by`."""

    sort_by: reactive[str] = reactive(SORTS[0])
    _shown: tuple[SweepRoute, ...] | None = None  # the routes last brought into view

    def __init__(self, formatter: Formatter, **kwargs) -> None:
        super().__init__(**kwargs)
        self.formatter = formatter
        self.border_title = "Sweep: all providers"  # fits the left column at 80x24

    def on_mount(self) -> None:
        self.watch(self.app, "diagnosis", self._redraw)
        self.watch(self.app, "keys", self._redraw, init=False)

    def watch_sort_by(self) -> None:
        self._redraw()

    def on_resize(self) -> None:
        self._redraw()  # the columns it shows depend on its width

    def next_sort(self) -> str:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        return self.sort_by

    def _redraw(self) -> None:
        diagnosis: Diagnosis | None = self.app.diagnosis
        routes = diagnosis.sweep if diagnosis is not None else None
        self.display = routes is not None
        if routes is not None:
            self.update(self.table(routes, self.app.keys))
        if routes and routes is not self._shown:  # a sweep just answered: bring it into the pane's view
            self._shown = routes
            self.call_after_refresh(self.scroll_visible, top=True, animate=False)

    def table(self, routes: tuple[SweepRoute, ...], keys: Keys = DEFAULT_KEYS) -> Text:
        from hftui.core.sweep import marks

        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"sorted by {self.sort_by} ({keys.key('sweep.sort')}) · » fastest · $ cheapest working\n",
                    style="dim")
        if not routes:
            text.append("… sweeping (or no provider to call)", style="dim italic")
            return text
        marked = marks(routes)
        # Narrow (the left column at 80x24): the provider and what it did, its time or its status; the
        # prices and the errors are in the wider layouts, the bundle and --sweep's text.
        narrow = 0 < self.size.width < 44
        name_width = min(15, max(len(route.provider) for route in routes))
        for index, route in enumerate(sort_routes(routes, self.sort_by)):
            mark, style = MARKS[route.status]
            tags = marked.get(route.provider, ())
            text.append(mark, style=style)
            text.append(("»" if "fastest" in tags else " ") + ("$" if "cheapest" in tags else " "), style="bold")
            text.append(f"{route.provider:<{name_width}.{name_width}}", style="" if route.works else "dim")
            if route.exchange is None:
                text.append(" removed" if narrow else " removed, not called", style="dim")
            elif narrow:
                code = str(route.http_status) if route.http_status else "err"
                text.append(f" {self.formatter.elapsed(route.ttfb_ms):>6}" if route.works else f" {code:>6}",
                            style="" if route.works else "red")
            else:
                code = str(route.http_status) if route.http_status else "err"
                text.append(f" {code:>3} {self.formatter.elapsed(route.ttfb_ms):>7}")
                option = route.option
                text.append(f" {price(option.input_price)}/{price(option.output_price)} {context(option.context_length):>4}")
                if not route.works and route.error:
                    text.append(f" {printable(route.error)}", style="red")
            if index < len(routes) - 1:
                text.append("\n")
        return text


def sweep_question(model: ModelRef, providers: tuple[ProviderOption, ...], keys: Keys) -> ConfirmScreen:
    """The confirmation before a sweep: how many real, billed calls, to which providers."""
    from hftui.core.sweep import left_out_note, sweepable

    swept, left_out = sweepable(providers)
    called = [option.provider for option in swept if not option.removed]
    removed = [option.provider for option in swept if option.removed]
    body = Text()
    if called:
        body.append(f"The sweep sends {len(called)} real chat calls, each billed to your account "
                    f"(8 tokens): ", style="bold")
        body.append(f"{model.repo} pinned to {', '.join(called)}.")
    else:
        body.append("The providers of this model are not known yet: the sweep sends one real chat call, billed to "
                    "your account (8 tokens), to each provider the catalog and the Hub mapping list.", style="bold")
    if removed:
        body.append(f"\n\nRemoved from routing, listed but not called: {', '.join(removed)}.", style="dim")
    if left_out:
        body.append(f"\n\n{left_out_note(left_out)}.", style="dim")
    body.append("\n\nThe plan runs again with it (its own calls too).", style="dim")
    return SweepConfirm("Sweep every provider?", body, keys)


class SweepConfirm(ConfirmScreen):
    """The confirmation screen, its answer line saying what yes does here."""

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(self._body)
            yield Static(Text(f"{self._keys.show('confirm.yes')}: send them    "
                              f"{self._keys.show('confirm.no')}: cancel", style="bold"))
