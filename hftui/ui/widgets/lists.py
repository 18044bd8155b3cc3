"""The option lists of the left column (token sources, routes, orgs to bill): j/k as well as the arrows,
and the highlight kept on what is chosen, so a list that gets the focus shows where it is and ↓ moves
on from there rather than from the top."""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from hftui.ui.actions import DEFAULT_KEYS, Scope


class KeyedOptionList(OptionList):
    BINDINGS = DEFAULT_KEYS.bindings(Scope.LIST)


def refill(options: OptionList, items: list[Option], current: str | None = None) -> None:
    """Replace the options; the highlight goes to the option with id `current` (what is chosen), else
    stays at the same place if it still can."""
    highlighted = options.highlighted
    options.clear_options()
    options.add_options(items)
    ids = [item.id for item in items]
    if current in ids and not items[ids.index(current)].disabled:
        options.highlighted = ids.index(current)
    elif highlighted is not None and highlighted < len(items) and not items[highlighted].disabled:
        options.highlighted = highlighted
