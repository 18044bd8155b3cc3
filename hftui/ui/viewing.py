"""What the app shows over its main screen, and how it draws: the evidence viewer (enter on a step),
the message below the minimum size, and the ASCII driver for a terminal that cannot show ✓ ✗ ▶ ….

A mixin for the app, as keeping.py and exporting.py are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events

from hftui.ui.messages import EvidenceWanted
from hftui.ui.screens import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen
from hftui.ui.widgets.steps import Part

if TYPE_CHECKING:
    from hftui.core.plan import PlanRun
    from hftui.ui.actions import Keys
    from hftui.ui.format import Formatter


class Viewing:
    plan_run: PlanRun | None
    formatter: Formatter
    keys: Keys
    ascii_only: bool

    def get_driver_class(self) -> type:
        """Textual's driver for this terminal; in ASCII mode, one that writes every frame through the
        ASCII table (core/glyphs.py): borders, marks and Textual's own widgets alike."""
        driver = super().get_driver_class()
        return ascii_driver(driver) if getattr(self, "ascii_only", False) else driver

    def on_resize(self, event: events.Resize) -> None:
        """Below the minimum size a message says so; back above it, the panes again."""
        small = event.size.width < MIN_WIDTH or event.size.height < MIN_HEIGHT
        shown = next((screen for screen in self.screen_stack if isinstance(screen, TooSmallScreen)), None)
        if small and shown is None:
            self.push_screen(TooSmallScreen(self.keys))
        elif small and shown is not None and shown.is_mounted:
            shown.show_size(event.size.width, event.size.height)
        elif not small and shown is not None:
            shown.dismiss(None)

    def on_evidence_wanted(self, message: EvidenceWanted) -> None:
        # By its name, not @on: Textual collects @on handlers from the app class itself, not from mixins.
        self.open_evidence(message.ref.step_id, message.ref)

    def open_evidence(self, step_id: str, ref: Any = None) -> None:
        """The evidence viewer on a step, opened where `ref` points (its request, response or attempt)."""
        from hftui.ui.evidence import EvidenceScreen  # only when it is opened

        if self.plan_run is None or step_id not in self.plan_run.results:
            self.notify("Run the plan first: there is no evidence yet.", severity="warning")
            return
        part = org = None
        if ref is not None and ref.part in (Part.REQUEST, Part.RESPONSE, Part.ATTEMPT):
            part, org = ref.part.value, ref.org
        self.push_screen(EvidenceScreen(self.plan_run.results[step_id], self.plan_run.specs[step_id].purpose,
                                        self.formatter, keys=self.keys, timeout=self.plan_run.inputs.timeout,
                                        part=part, org=org,
                                        account=self.diagnosis.account if self.diagnosis is not None else None))


def ascii_driver(driver: type) -> type:
    """`driver` writing every frame through the ASCII table: one cell for one cell, so nothing moves."""
    from hftui.core.glyphs import to_ascii

    class AsciiDriver(driver):
        def write(self, data: str) -> None:
            super().write(to_ascii(data))

    return AsciiDriver
