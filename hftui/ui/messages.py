"""The small typed messages that carry data up to the app; the app sends data down by method calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from hftui.core.tokens import TokenCandidate

if TYPE_CHECKING:
    from hftui.core.plan import StepResult


class StepUpdated(Message):
    """A step of run `generation` started or finished (posted by the PlanRun listener)."""

    def __init__(self, generation: int, result: StepResult) -> None:
        super().__init__()
        self.generation = generation
        self.result = result


class TokenChosen(Message):
    """The user picked a token to test: a discovered source, or a pasted value (this session only)."""

    def __init__(self, candidate: TokenCandidate) -> None:
        super().__init__()
        self.candidate = candidate


class ModelSubmitted(Message):
    """The model field was submitted; the text is kept as typed even when it does not parse."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class BaselineSubmitted(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class RouteChosen(Message):
    """A routing policy (fastest, cheapest, preferred) or a provider name was picked for the model."""

    def __init__(self, suffix: str) -> None:
        super().__init__()
        self.suffix = suffix


class BillToChosen(Message):
    """An organization to bill (X-HF-Bill-To), or None for 'try each org from whoami'."""

    def __init__(self, org: str | None) -> None:
        super().__init__()
        self.org = org
