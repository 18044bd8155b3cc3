"""The small typed messages that carry data up to the app; panes read what comes down from the
app's reactive attributes (see app.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

from hftui.core.tokens import TokenCandidate

if TYPE_CHECKING:
    from hftui.core.plan import StepResult


@dataclass
class StepUpdated(Message):
    """A step of run `generation` started or finished (posted by the PlanRun listener)."""

    generation: int
    result: StepResult


@dataclass
class TokenChosen(Message):
    """The user picked a token to test: a discovered source, or a pasted value (this session only)."""

    candidate: TokenCandidate


@dataclass
class ModelSubmitted(Message):
    """The model field was submitted; the text is kept as typed even when it does not parse."""

    text: str


@dataclass
class BaselineSubmitted(Message):
    """The known-good baseline field was submitted, as typed."""

    text: str


@dataclass
class AppUrlSubmitted(Message):
    """The App URL field was submitted, as typed ('' clears it: the app uses the documented route)."""

    text: str


@dataclass
class RouteChosen(Message):
    """A routing policy (fastest, cheapest, preferred) or a provider name was picked for the model."""

    suffix: str


@dataclass
class BillToChosen(Message):
    """An organization to bill (X-HF-Bill-To), or None for 'try each org from whoami'."""

    org: str | None


@dataclass
class EvidenceWanted(Message):
    """Enter on a line of the step tree: open the evidence viewer on what that line refers to."""

    ref: Any  # a NodeRef of the step tree (its step, part, and for a bill-to attempt, its org)
