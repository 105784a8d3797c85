"""The status line: hit count, time, sort, and a runnable "did you mean" suggestion."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from searchtui.text import printable

from .sizing import StaticText


class Suggestion(StaticText, can_focus=True):
    BINDINGS = [Binding("enter", "accept", "Search suggestion", show=True)]

    class Accepted(Message):
        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.query_text: str | None = None

    def set_query(self, query: str | None) -> None:
        if query == self.query_text:
            return
        self.query_text = query
        if query:
            shown = (printable(query), "bold underline")
            self.update(Content.assemble("Did you mean ", shown, "?"))
        self.display = bool(query)
        # its width follows its text: the status line is laid out again
        self.refresh(layout=True)
        if self.parent is not None:
            self.parent.refresh(layout=True)

    def action_accept(self) -> None:
        if self.query_text:
            self.post_message(self.Accepted(self.query_text))

    def on_click(self) -> None:
        self.action_accept()


class StatusLine(Horizontal):
    def compose(self) -> ComposeResult:
        yield StaticText("", id="status-text")
        yield Suggestion(id="suggestion")
        yield StaticText("", id="status-notice")

    def on_mount(self) -> None:
        self.query_one(Suggestion).display = False

    def set_text(self, text: str | Content) -> None:
        static = self.query_one("#status-text", Static)
        # a text of the same width needs a repaint, not a new layout of the screen
        static.update(text, layout=_width(static.content) != _width(text))

    def set_suggestion(self, query: str | None) -> None:
        self.query_one(Suggestion).set_query(query)

    def set_notice(self, text: str | Content) -> None:
        notice = self.query_one("#status-notice", Static)
        notice.update(text)
        notice.display = bool(text)


def _width(value: object) -> int:
    return value.cell_length if isinstance(value, Content) else Content(str(value)).cell_length
