"""Provider: the model string as the app sends it, the route (policy or a serving provider),
the known-good baseline and the organization to bill. Edits go up as messages; nothing here plans.

The lists follow the app's `routes`, `orgs` and `bill_to`: Textual calls the pane only when one of
them is a different value, so a list is rebuilt (and its highlight kept) only when what it lists changed."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from hftui.core.hub import POLICIES, ModelRef, ProviderOption
from hftui.ui.format import context, price
from hftui.ui.messages import AppUrlSubmitted, BaselineSubmitted, BillToChosen, ModelSubmitted, RouteChosen
from hftui.ui.widgets.lists import KeyedOptionList, refill
from hftui.ui.widgets.sweep import SweepTable

POLICY_HELP = {
    "fastest": "highest throughput (= no suffix)",
    "cheapest": "lowest output price",
    "preferred": "your order in HF settings",
}


@dataclass(frozen=True)
class Routes:
    """What the route list shows: the model as it will be sent, the providers known for its repo, and
    whether they are known yet (the catalog and the Hub mapping have both answered)."""

    model: ModelRef | None = None
    providers: tuple[ProviderOption, ...] = ()
    known: bool = False


class ProviderPane(VerticalScroll):
    def compose(self) -> ComposeResult:
        # Each label is its field's border title: a Static per label would cost the first frame a widget each.
        yield _titled(Input(id="model", placeholder="org/name[:policy|:provider], e.g. Qwen/Qwen3.5-9B:preferred",
                            validate_on=["submitted"], classes="field first"), "Model, exactly as your app sends it")
        yield _titled(KeyedOptionList(id="routes", markup=False, classes="field"), "Route · $ in/out per 1M · context")
        yield _titled(Input(id="baseline", validate_on=["submitted"], classes="field"), "Known-good baseline")
        yield _titled(KeyedOptionList(id="bill-to", markup=False, classes="field"), "Bill to (X-HF-Bill-To)")
        yield _titled(Input(id="app-url", placeholder="optional: the URL or base_url your app posts chat to",
                            validate_on=["submitted"], classes="field"), "App URL (--app-url)")

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = False
        self.watch(self.app, "routes", self._show_routes)
        self.watch(self.app, "orgs", self._show_orgs)
        self.watch(self.app, "bill_to", self._show_orgs, init=False)
        self.watch(self.app, "diagnosis", self._show_sweep, init=False)

    # -- what the app calls ------------------------------------------------------------------

    def set_model_text(self, text: str) -> None:
        self.query_one("#model", Input).value = text

    def set_baseline_text(self, text: str) -> None:
        self.query_one("#baseline", Input).value = text

    def set_app_url_text(self, text: str) -> None:
        self.query_one("#app-url", Input).value = text

    def show_error(self, field: str, message: str | None) -> None:
        """A parse error under the field (made the first time one is shown); the field keeps what the user typed."""
        found = self.query(f"#{field}-error")
        if not found and not message:
            return
        if found:
            error = found.first(Static)
        else:
            error = Static(id=f"{field}-error", classes="error")
            self.mount(error, after=self.query_one(f"#{field}", Input))
        error.update(Text(f"✗ {message}", style="bold red") if message else "")
        error.display = bool(message)

    def _show_routes(self, routes: Routes) -> None:
        model, providers, known = routes.model, routes.providers, routes.known
        current = (model.suffix or "fastest") if model else None
        options: list[tuple[str, Text, bool]] = []
        for policy in POLICIES:
            options.append((policy, _route_text(f":{policy}", POLICY_HELP[policy], policy == current), False))
        for option in providers:
            if option.provider in POLICIES:  # a server may name a provider "fastest": one line per route id
                continue
            detail = (f"{option.status:<5} {price(option.input_price)}/{price(option.output_price)}"
                      f" {context(option.context_length):>4}")
            options.append((option.provider, _route_text(f":{option.provider}", detail, option.provider == current,
                                                         live=option.live), not option.live))
        if model is not None and model.provider and all(model.provider != o.provider for o in providers):
            note = "not listed as serving this model" if known else "provider list not read yet"
            options.append((model.provider, _route_text(f":{model.provider}", note, True, live=False), False))
        if not providers:
            hint = ("enter the model above: its providers are listed here" if model is None else
                    "… reading the catalog and the Hub mapping" if not known else
                    "no provider is known to serve this model (catalog and mapping list none)")
            options.append(("", Text(f"  {hint}", style="dim italic"), True))
        refill(self.query_one("#routes", OptionList),
               [Option(text, id=f"route:{route}" if route else None, disabled=disabled)
                for route, text, disabled in options], current=f"route:{current}" if current else None)

    def _show_sweep(self, diagnosis) -> None:
        """The sweep's table under the routes, mounted the first time a diagnosis has a sweep."""
        if diagnosis is not None and diagnosis.sweep is not None and not self.query(SweepTable):
            self.mount(SweepTable(self.app.formatter, id="sweep", classes="field"), after=self.query_one("#routes"))

    def _show_orgs(self) -> None:
        orgs, bill_to = self.app.orgs, self.app.bill_to
        names = list(dict.fromkeys(orgs or ()))  # whoami may list an org twice: one line (and option id) each
        if bill_to and bill_to not in names:
            names.insert(0, bill_to)
        options = [Option(_route_text("none set", "try each org from whoami", bill_to is None),
                          id="bill:")]
        options += [Option(_route_text(org, "bill this organization", org == bill_to), id=f"bill:{org}")
                    for org in names]
        if orgs is None:
            options.append(Option(Text("  … waiting for whoami to list your organizations", style="dim italic"),
                                  disabled=True))
        elif not orgs:
            options.append(Option(Text("  whoami lists no organization", style="dim italic"), disabled=True))
        refill(self.query_one("#bill-to", OptionList), options, current=f"bill:{bill_to or ''}")

    # -- events ------------------------------------------------------------------------------

    @on(Input.Submitted, "#app-url")
    def _app_url_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(AppUrlSubmitted(event.value))

    @on(Input.Submitted, "#model")
    def _model_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(ModelSubmitted(event.value))

    @on(Input.Submitted, "#baseline")
    def _baseline_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(BaselineSubmitted(event.value))

    @on(OptionList.OptionSelected, "#routes")
    def _route_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id and event.option_id.startswith("route:"):
            self.post_message(RouteChosen(event.option_id.removeprefix("route:")))

    @on(OptionList.OptionSelected, "#bill-to")
    def _bill_to_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id and event.option_id.startswith("bill:"):
            self.post_message(BillToChosen(event.option_id.removeprefix("bill:") or None))


def _titled(widget, title: str):
    widget.border_title = title
    return widget


def _route_text(name: str, detail: str, selected: bool, live: bool = True) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("● " if selected else "○ ", style="bold" if selected else "dim")
    text.append(f"{name:<15}", style="bold" if selected else ("" if live else "dim"))
    text.append(f" {detail}", style="" if live else "dim")
    return text
