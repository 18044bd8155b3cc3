"""The verdict: the rules (`rules.RULES`, most specific first) applied to one run's facts.

The first rule that matches is the verdict and every other match is kept as an alternative, so an
ambiguous run says so instead of guessing silently. The last rule, INCONCLUSIVE, matches whatever
the others leave; it is never an alternative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hftui.core.call_rules import with_sweep
from hftui.core.cases import Case
from hftui.core.facts import Evidence, Facts, Finding
from hftui.core.hub import Account, ProviderOption
from hftui.core.plan import PlanInputs, StepResult
from hftui.core.rules import RULES

CATCH_ALL = RULES[-1][0]


@dataclass(frozen=True)
class Verdict:
    case: Case
    seed_case: str | None
    summary: str
    evidence: tuple[Evidence, ...]
    next_steps: tuple[str, ...]
    alternatives: tuple[Case, ...] = ()

    @property
    def title(self) -> str:
        return self.case.title

    @property
    def is_ok(self) -> bool:
        return self.case is Case.OK


def diagnose(inputs: PlanInputs, results: Mapping[str, StepResult], account: Account | None = None,
             providers: list[ProviderOption] | None = None) -> Verdict:
    facts = Facts(inputs, results, account, providers or [])
    matches = [(case, finding) for case, rule in RULES if (finding := rule(facts)) is not None]
    (case, finding), rest = matches[0], matches[1:]
    finding = with_sweep(facts, finding)
    return Verdict(case, seed_of(case, finding), finding.summary, finding.evidence, finding.next_steps,
                   tuple(other for other, _ in rest if other is not CATCH_ALL))


def seed_of(case: Case, finding: Finding) -> str | None:
    """The matrix row: the case's own letter, or the one its rule chose among the case's letters."""
    seed = finding.seed_case or (case.seeds[0] if len(case.seeds) == 1 else None)
    if (seed is None) != (not case.seeds) or (seed is not None and seed not in case.seeds):
        raise ValueError(f"the rule for {case.value} returned seed {seed!r}; the case's letters are {case.seeds}")
    return seed


def run_verdict(run) -> Verdict:
    """Verdict of a finished (or partly finished) PlanRun."""
    return diagnose(run.inputs, run.results, run.account, run.providers)
