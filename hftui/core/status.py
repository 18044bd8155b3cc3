"""Where a step stands, and the mark that shows it (read the same on screen, in reports and under NO_COLOR)."""

from __future__ import annotations

from enum import Enum


class StepStatus(str, Enum):
    PENDING = "pending"
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"  # an HTTP answer that is not 2xx
    SKIPPED = "skipped"
    ERROR = "error"  # no HTTP answer at all

    @property
    def done(self) -> bool:
        return self not in (StepStatus.PENDING, StepStatus.RUNNING)

    @property
    def failed(self) -> bool:
        """A non-2xx answer, or no answer at all."""
        return self in (StepStatus.FAILED, StepStatus.ERROR)


MARKS = {
    StepStatus.OK: "✓",
    StepStatus.FAILED: "✗",
    StepStatus.ERROR: "✗",
    StepStatus.SKIPPED: "–",
    StepStatus.RUNNING: "…",
    StepStatus.PENDING: "·",
}
