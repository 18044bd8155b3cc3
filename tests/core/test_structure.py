"""The contract for adding a step or a case: each declared once, and everything that names it agrees.

A new probe step is one `Step(...)` in hftui/core/steps.py, its use in hftui/core/rules.py, and a
scenario in hftui/sim/scenarios.py; a new case is one line of `Case`, its rule in RULES and a
scenario. These tests say which of those is missing or disagrees. (That every scenario really ends
in its expected case and seed, over HTTP, is tests/cli/test_diagnose.py.)
"""

from __future__ import annotations

import ast
import inspect
from collections import Counter

import pytest

from hftui.core import app_rules, call_rules, facts, rules
from hftui.core.cases import MATRIX_ROWS, SEED_MEANINGS, SEEDED_CASES, Case
from hftui.core.facts import Finding
from hftui.core.rules import RULES
from hftui.core.steps import STEPS, StepId
from hftui.core.verdict import seed_of
from hftui.sim import SCENARIOS

# -- steps ---------------------------------------------------------------------------------------


def test_step_ids_are_the_json_contract():
    """Step ids are keys of `diagnose --json`, `--curl STEP` and the bundle: they may grow, never change."""
    assert {step.value for step in StepId} >= {"whoami", "whoami-raw", "catalog", "mapping", "as-configured",
                                               "known-good", "pinned", "bill-to"}


def test_every_step_id_is_declared_exactly_once():
    declared = Counter(step.id for step in STEPS)
    assert set(declared) == set(StepId), f"declared without an id, or an id without a declaration: {declared}"
    assert all(count == 1 for count in declared.values()), declared


def test_every_need_names_a_step_declared_before_it():
    """Declaration order is the plan's order, and a step can only wait for one that exists (no loops)."""
    seen: set[StepId] = set()
    for step in STEPS:
        assert set(step.needs) <= seen, f"{step.id} needs {set(step.needs) - seen}, not declared before it"
        seen.add(step.id)


def test_only_the_catalog_is_declared_to_need_no_token():
    """Without a token every step is skipped but those declared `needs_token=False`: today only discovery."""
    assert [step.id for step in STEPS if not step.needs_token] == [StepId.CATALOG]


def test_every_step_is_read_by_the_verdict():
    """A step nobody reads is a request for nothing: each one is named by a rule (or by the facts they share)."""
    named = set()
    for module in (rules, call_rules, app_rules, facts):
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "StepId":
                named.add(StepId[node.attr])
    assert set(StepId) - named == set(), "steps the verdict never reads"


# -- cases and their seed letters ----------------------------------------------------------------


def test_every_case_has_exactly_one_rule_and_inconclusive_is_the_last():
    assert Counter(case for case, _ in RULES) == Counter(set(Case)), "a case without a rule, or with two"
    assert RULES[-1][0] is Case.INCONCLUSIVE


def test_every_case_but_inconclusive_has_a_simulator_scenario():
    """INCONCLUSIVE names no situation, only that no rule explains one: a scenario pinned to it would start
    failing the day a rule learns that situation, which is how the rules are meant to grow. The fault
    matrix (tests/reliability/test_fault_matrix.py) reaches it."""
    expected = {Case(scenario.expected_case) for scenario in SCENARIOS.values()}
    assert set(Case) - expected == {Case.INCONCLUSIVE}


def test_the_matrix_rows_are_exactly_the_seed_letters_the_cases_carry():
    letters = {seed for case in Case for seed in case.seeds}
    assert [letter for letter, _ in MATRIX_ROWS] == sorted(letters) == sorted(SEED_MEANINGS)
    assert SEEDED_CASES == {case for case in Case if case.seeds}


def _seeds_a_rule_names(rule) -> set[str]:
    """The letters a rule writes into `Finding(seed_case=...)`, whichever branch it takes."""
    named = set()
    for node in ast.walk(ast.parse(inspect.getsource(rule))):
        if isinstance(node, ast.keyword) and node.arg == "seed_case":
            named |= {leaf.value for leaf in ast.walk(node.value)
                      if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str)}
    return named


@pytest.mark.parametrize(("case", "rule"), RULES, ids=[case.value for case, _ in RULES])
def test_what_each_rule_can_return_is_one_of_its_cases_seed_letters(case, rule):
    """A case with one letter gets it from the cases table; a case with several (A/B) has a rule that
    chooses, and can reach, each of them."""
    named = _seeds_a_rule_names(rule)
    if len(case.seeds) > 1:
        assert named == set(case.seeds), f"{rule.__name__} returns {named}, {case.value} has {case.seeds}"
    else:
        assert named == set(), f"{rule.__name__} names {named}: the cases table says {case.value}'s letter"


def test_a_seed_outside_the_case_is_refused():
    finding = Finding("summary", (), ())
    assert seed_of(Case.CREDITS_EXHAUSTED, finding) == "C" and seed_of(Case.OK, finding) is None
    for case, seed in ((Case.OK, "A"), (Case.CREDITS_EXHAUSTED, "D"), (Case.PROVIDER_POLICY, None)):
        with pytest.raises(ValueError):
            seed_of(case, Finding("summary", (), (), seed_case=seed))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_scenario_expects_one_of_its_cases_seed_letters(name):
    scenario = SCENARIOS[name]
    assert scenario.expected_seed in (Case(scenario.expected_case).seeds or (None,))
