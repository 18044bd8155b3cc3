"""The provider sweep and the streamed call in the app: `p` sweeps every provider (after a confirmation
that says how many real, billed calls it sends), `t` turns the streamed call on or off, `o` sorts the
sweep's table. Each runs the plan again with what it asks for; a sweep is asked for once, never
repeated by a later re-plan (its calls are billed).

A mixin for the app, placed before KeyedActions: `action_applies` answers for its own actions and
hands every other one on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hftui.ui.widgets.sweep import SweepTable, sweep_question

if TYPE_CHECKING:
    from hftui.core.session import Settings
    from hftui.ui.actions import Keys


class ProvidersAndStreams:
    """Actions p (sweep, asks first), t (streamed call on/off), o (sort the sweep table)."""

    settings: Settings
    keys: Keys
    model: Any
    baseline: Any
    diagnosis: Any
    plan_busy: bool
    _sweep_asked: bool | None = None  # None: --sweep (the settings) decides the first plan
    _stream_toggled: bool | None = None  # None: --stream (the settings) decides

    @property
    def stream_calls(self) -> bool:
        return self.settings.stream if self._stream_toggled is None else self._stream_toggled

    def plan_options(self) -> dict[str, bool]:
        """What the next plan's inputs take from here: the streamed call, and the sweep if asked for."""
        sweep = self.settings.sweep if self._sweep_asked is None else self._sweep_asked
        return {"stream": self.stream_calls, "sweep": sweep}

    def plan_started(self) -> None:
        """The plan that carried the sweep has started: the next one does not sweep again unasked."""
        self._sweep_asked = False

    def action_applies(self, action: str) -> bool:
        if action == "sweep":
            return self.model is not None and self.baseline is not None and not self.plan_busy
        if action == "sort_sweep":
            return self.diagnosis is not None and bool(self.diagnosis.sweep)
        if action == "toggle_stream":
            return self.model is not None and self.baseline is not None
        return super().action_applies(action)  # type: ignore[misc]

    def action_sweep(self) -> None:
        if not self.action_applies("sweep"):
            self.notify("Enter the model first, and let the running plan finish.", severity="warning")
            return
        self.push_screen(sweep_question(self.model, self.providers, self.keys), self._sweep_answered)

    def _sweep_answered(self, answer: bool | None) -> None:
        if answer:
            self._sweep_asked = True
            self._replan(force=True)

    def action_toggle_stream(self) -> None:
        self._stream_toggled = not self.stream_calls
        self.notify("The plan runs again " + ("with the call also sent streamed (stream: true)" if self.stream_calls
                                             else "without the streamed call"),
                    title=f"Streamed call {'on' if self.stream_calls else 'off'}", markup=False)
        self._replan()

    def action_sort_sweep(self) -> None:
        tables = self.query(SweepTable)
        if tables:
            tables.first().next_sort()
