"""The active filters shown as removable chips."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from searchtui.text import printable


@dataclass(frozen=True)
class ChipSpec:
    kind: str  # "facet", "date", "similar"
    label: str
    facet: str = ""
    value: str = ""
    excluded: bool = False


class Chip(Static, can_focus=True):
    BINDINGS = [Binding("enter,delete,backspace,x", "remove", "Remove filter", show=True)]

    class Removed(Message):
        def __init__(self, spec: ChipSpec) -> None:
            super().__init__()
            self.spec = spec

    def __init__(self, spec: ChipSpec, **kwargs: Any) -> None:
        style = "strike" if spec.excluded else ""
        super().__init__(Content.assemble((printable(spec.label), style), " ✕"), **kwargs)
        self.spec = spec
        self.set_class(spec.excluded, "-excluded")

    def action_remove(self) -> None:
        self.post_message(self.Removed(self.spec))

    def on_click(self) -> None:
        self.action_remove()


class FilterChips(HorizontalScroll, can_focus=False):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.specs: list[ChipSpec] | None = []

    def compose(self) -> ComposeResult:
        return iter(())

    async def set_chips(self, specs: list[ChipSpec]) -> None:
        if specs == self.specs:
            return
        focused = self.app.focused
        # the place of the focused chip, to focus the one there after the change
        index = None
        if isinstance(focused, Chip) and focused.parent is self:
            index = list(self.children).index(focused)
        self.specs = None  # until the new chips are mounted (this may be cancelled midway)
        await self.remove_children()
        await self.mount_all([Chip(spec, classes="chip") for spec in specs])
        self.specs = list(specs)
        self.display = bool(specs)
        if index is not None:
            if self.children:
                self.children[min(index, len(self.children) - 1)].focus()
            else:
                self.screen.focus_next()
