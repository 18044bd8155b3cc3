"""What whoami said about each token source: the tested token's own whoami, or step token-checks'
answer for the other distinct tokens. One reading for every view (JSON, text, bundle, the app)."""

from __future__ import annotations

from dataclasses import dataclass

from hftui.core.hub import parse_whoami
from hftui.core.steps import StepId
from hftui.core.tokens import TokenCandidate


@dataclass(frozen=True)
class Checked:
    http_status: int | None = None
    user: str | None = None
    can_call_inference: bool | None = None

    def as_dict(self) -> dict:
        return {"http_status": self.http_status, "user": self.user, "can_call_inference": self.can_call_inference}

    @property
    def words(self) -> str:
        if self.http_status is None:
            return "not checked"
        if self.user is None:
            return f"whoami {self.http_status}: rejected" if self.http_status in (401, 403) else f"whoami {self.http_status}"
        may = {True: "may call Inference Providers", False: "may NOT call Inference Providers", None: "permission unknown"}
        return f"whoami {self.http_status}: {self.user}, {may[self.can_call_inference]}"


def checked(diagnosis, candidate: TokenCandidate) -> Checked:
    """whoami's answer for `candidate`'s token in this diagnosis; all None when it was not asked."""
    tested = diagnosis.inputs.token
    if tested is not None and candidate.cleaned == tested.cleaned:
        step = diagnosis.step(StepId.WHOAMI)
        exchange = step.exchange if step is not None else None
    else:
        step = diagnosis.step(StepId.TOKEN_CHECKS)
        found = next((c for c in (step.token_checks if step else ()) if _same(diagnosis, c.sources, candidate)), None)
        exchange = found.exchange if found is not None else None
    if exchange is None or exchange.status is None:
        return Checked()
    account = parse_whoami(exchange.json) if exchange.ok else None
    return Checked(exchange.status, account.name if account else None,
                   account.can_call_inference if account else None)


def _same(diagnosis, sources: tuple[str, ...], candidate: TokenCandidate) -> bool:
    if candidate.source in sources:
        return True
    first = diagnosis.tokens.by_source(sources[0])
    return first is not None and first.cleaned == candidate.cleaned
