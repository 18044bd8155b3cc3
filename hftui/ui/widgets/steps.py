"""The plan as a live tree: one node per step, its request and response one level down.

A running step's line counts up while it waits and says how long it may still wait: a timer
redraws only the running lines, and only when what they say changed (whole seconds: one line a
second over SSH; paused while nothing runs), timed by `clock` so a test can hold time still or move
it on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from hftui.core.status import StepStatus
from hftui.ui.actions import DEFAULT_KEYS, Keys, Scope
from hftui.ui.format import Formatter, one_line
from hftui.ui.messages import EvidenceWanted

if TYPE_CHECKING:
    from hftui.core.plan import StepResult
    from hftui.core.steps import StepSpec
    from hftui.core.probes import Exchange


class Part(Enum):
    """Which part of a step a line of the tree shows."""

    STEP = "step"
    PURPOSE = "purpose"
    TARGET = "target"
    NOTE = "note"
    SKIP = "skip"
    RUNS = "runs"
    ATTEMPT = "attempt"  # one bill-to attempt; its request and response lines carry its org too
    REQUEST = "request"
    RESPONSE = "response"


@dataclass(frozen=True)
class NodeRef:
    """What a line of the tree refers to: a step, a part of it, and for a bill-to attempt, its org."""

    step_id: str
    part: Part = Part.STEP
    org: str | None = None


class StepTree(Tree[NodeRef]):
    """Keeps `{step_id: TreeNode}`; `show(result)` relabels one line and rebuilds that step's details."""

    ICON_NODE = "▸ "
    ICON_NODE_EXPANDED = "▾ "
    BINDINGS = DEFAULT_KEYS.bindings(Scope.STEPS)
    TICK_SECONDS = 0.5

    def __init__(self, formatter: Formatter, *, clock: Callable[[], float] = time.monotonic,
                 id: str | None = None) -> None:
        super().__init__("plan", id=id)
        self.show_root = False
        self.guide_depth = 3
        self.auto_expand = False  # enter opens the evidence viewer; space (or a click) expands in place
        self._formatter = formatter
        self._clock = clock
        self._timeout: float | None = None
        self._step_nodes: dict[str, TreeNode[NodeRef]] = {}
        self._purpose: dict[str, str] = {}
        self._open: set[NodeRef] = set()  # detail nodes the user opened; kept open across updates
        self._running: dict[str, tuple[StepResult, float]] = {}  # step id: (its running result, when it started)

    def on_mount(self) -> None:
        self._ticker = self.set_interval(self.TICK_SECONDS, self.tick, pause=True)

    # -- what the app calls ------------------------------------------------------------------

    def reset(self, specs: list[StepSpec], timeout: float | None = None) -> None:
        """A new run: one waiting node per step, the cursor kept on the same step when it still exists.
        `timeout`: each call's, for the time a running step may still wait."""
        from hftui.core.plan import StepResult  # the engine: loaded after the first frame, before any plan
        selected = self.selected_step_id
        expanded = {sid for sid, node in self._step_nodes.items() if node.is_expanded}
        self.clear()
        self._step_nodes, self._purpose, self._running = {}, {}, {}
        self._timeout = timeout
        for spec in specs:
            self._purpose[spec.step_id] = spec.purpose
            waiting = StepResult(spec.step_id, spec.title)
            node = self.root.add(self._formatter.step_label(waiting), data=NodeRef(spec.step_id),
                                 expand=spec.step_id in expanded)
            self._add_details(node, waiting)
            self._step_nodes[spec.step_id] = node
        # Keep the cursor on the same step across runs; on the first run, start on the first step.
        self.call_after_refresh(self.select, selected if selected in self._step_nodes else specs[0].step_id)

    def show_message(self, message: str) -> None:
        """No plan to show (e.g. no model yet): one line saying what to do."""
        self.clear()
        self._step_nodes, self._running = {}, {}
        self.root.add_leaf(Text(message, style="italic"), data=None)

    def show(self, result: StepResult) -> None:
        node = self._step_nodes.get(result.step_id)
        if node is None:
            return
        if result.status is StepStatus.RUNNING:
            self._running[result.step_id] = (result, self._clock())
            node.set_label(self._formatter.step_label(result, 0.0, self._timeout))
        else:
            self._running.pop(result.step_id, None)
            node.set_label(self._formatter.step_label(result))
        node.remove_children()
        self._add_details(node, result)
        ticker = getattr(self, "_ticker", None)  # made on mount
        if ticker is not None and self._running:
            ticker.resume()
        elif ticker is not None:
            ticker.pause()

    def tick(self) -> None:
        """Redraw the running steps' lines with the time they have waited; nothing else is touched."""
        now = self._clock()
        for step_id, (result, started) in self._running.items():
            node = self._step_nodes.get(step_id)
            if node is None:
                continue
            label = self._formatter.step_label(result, now - started, self._timeout)
            if label.plain != node.label.plain:
                node.set_label(label)

    def action_open_evidence(self) -> None:
        """Enter: the whole exchange of the line under the cursor, in the evidence viewer."""
        ref = self.selected
        if ref is not None:
            self.post_message(EvidenceWanted(ref))

    def select(self, step_id: str) -> None:
        """Move the cursor to a step's line (no step by that id in this plan: nothing moves)."""
        node = self._step_nodes.get(step_id)
        if node is not None:
            self.move_cursor(node, animate=False)

    def step_node(self, step_id: str) -> TreeNode[NodeRef] | None:
        """The line of a step, e.g. to find where it is drawn (`node.line`)."""
        return self._step_nodes.get(step_id)

    @property
    def selected(self) -> NodeRef | None:
        """What the highlighted line refers to; None on a message line or an empty tree."""
        node = self.cursor_node
        return node.data if node is not None else None

    @property
    def selected_step_id(self) -> str | None:
        ref = self.selected
        return ref.step_id if ref is not None else None

    # -- details -----------------------------------------------------------------------------

    def _add_details(self, node: TreeNode[NodeRef], result: StepResult) -> None:
        sid = result.step_id
        node.add_leaf(_field("changes", self._purpose.get(sid, "")), data=NodeRef(sid, Part.PURPOSE))
        if result.status is StepStatus.PENDING:
            return
        if result.target:
            node.add_leaf(_field("model sent", result.target), data=NodeRef(sid, Part.TARGET))
        if result.note:
            node.add_leaf(_field("note", result.note), data=NodeRef(sid, Part.NOTE))
        if result.status is StepStatus.SKIPPED:
            node.add_leaf(_field("skipped", result.skip_reason or ""), data=NodeRef(sid, Part.SKIP))
        if result.run_count > 1:
            node.add_leaf(_field("runs", str(result.run_count)), data=NodeRef(sid, Part.RUNS))
        if len(result.attempts) > 1:
            for org, exchange in result.attempts:
                status = exchange.status or "no answer"
                mark = "✓" if exchange.ok else "✗"
                attempt = self._child(node, Text(f"{mark} attempt with X-HF-Bill-To: {org} → {status}"),
                                      NodeRef(sid, Part.ATTEMPT, org))
                self._add_exchange(attempt, exchange, NodeRef(sid, org=org))
        elif result.exchange is not None:
            self._add_exchange(node, result.exchange, NodeRef(sid))

    def _add_exchange(self, parent: TreeNode[NodeRef], exchange: Exchange, owner: NodeRef) -> None:
        """The request and the response under `parent`; `owner` says whose (the step, or one attempt)."""
        request_ref = NodeRef(owner.step_id, Part.REQUEST, owner.org)
        response_ref = NodeRef(owner.step_id, Part.RESPONSE, owner.org)
        key = owner.step_id + (f"/{owner.org}" if owner.org else "")
        keys: Keys = getattr(self.app, "keys", DEFAULT_KEYS)
        more = f"{keys.key('steps.open')} opens the whole body"
        request_lines, response_lines = self._formatter.exchange_lines(exchange, key, more)
        first = request_lines[0]
        request = self._child(parent, Text.assemble(("request ", "bold"), first), request_ref)
        for line in request_lines[1:]:
            request.add_leaf(line, data=request_ref)
        response = self._child(parent, self._formatter.response_summary(exchange, key), response_ref)
        for line in response_lines:
            response.add_leaf(line, data=response_ref)

    def _child(self, parent: TreeNode[NodeRef], label: Text, ref: NodeRef) -> TreeNode[NodeRef]:
        return parent.add(label, data=ref, expand=ref in self._open)

    # -- keeping the user's view -------------------------------------------------------------

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeRef]) -> None:
        if event.node.data is not None and event.node.data.part is not Part.STEP:
            self._open.add(event.node.data)
        self.call_after_refresh(self._reveal, event.node)

    def _reveal(self, node: TreeNode[NodeRef]) -> None:
        """Scroll so an expanded node's details show, keeping the node itself in view."""
        if node.line < 0:
            return
        last = node.line + _visible_below(node)
        height = self.scrollable_content_region.height
        if last >= self.scroll_offset.y + height:
            self.scroll_to(y=min(node.line, last - height + 1), animate=False)

    def on_tree_node_collapsed(self, event: Tree.NodeCollapsed[NodeRef]) -> None:
        if event.node.data is not None:
            self._open.discard(event.node.data)


def _visible_below(node: TreeNode[NodeRef]) -> int:
    count = 0
    if node.is_expanded:
        for child in node.children:
            count += 1 + _visible_below(child)
    return count


def _field(name: str, value: str) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{name}: ", style="bold")
    text.append(one_line(value))
    return text
