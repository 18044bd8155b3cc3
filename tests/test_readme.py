"""README says what the code does: its key table is the action table's, and every field of the JSON
document is documented."""

from __future__ import annotations

import re
from pathlib import Path

from hftui.core.report import to_dict
from hftui.core.session import Session
from hftui.sim import SimServer, get_scenario
from hftui.ui.actions import key_table_markdown

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_key_table_is_the_action_table():
    table = key_table_markdown()
    assert table in README, "README's key table is stale; paste this one:\n" + table


def field_names(value, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for name, inner in value.items():
            found.add(name)
            if name != "headers":  # header names are the server's, not the document's
                field_names(inner, found)
    elif isinstance(value, list):
        for inner in value:
            field_names(inner, found)
    return found


def test_every_field_of_the_json_document_is_documented():
    from hftui.core.loop import run_bounded

    scenario = get_scenario("case-d")  # every step runs, bill-to with its attempts
    with SimServer(scenario, port=0) as sim:
        diagnosis = run_bounded(Session.for_simulator(scenario, sim.url).run())
    document = to_dict(diagnosis, simulator="case-d")
    section = README[README.index("### JSON schema"):README.index("### The simulator")]
    # Named in the example ("name": …) or the table (`name`, `parent.name`, `parent[].name[]`).
    missing = sorted(name for name in field_names(document, set())
                     if not re.search(rf"[`\".]{re.escape(name)}[`\"\[,]", section))
    assert not missing, f"JSON fields README does not document: {missing}"
