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


def suggestion_text(query: str) -> Content:
    """"Did you mean <query>?", the query underlined; a question keeps its own mark."""
    shown = (printable(query), "bold underline")
    return Content.assemble("Did you mean ", shown, "" if query.rstrip().endswith("?") else "?")


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
            self.update(suggestion_text(query))
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
    """The suggestion first and the index's notice last, each as wide as its text; the
    hit count and how the query was read in between, cut short with an ellipsis when
    the line is too narrow for all of it: what can be acted on is never pushed off."""

    def compose(self) -> ComposeResult:
        yield Suggestion(id="suggestion")
        yield StaticText("", id="status-text")
        yield StaticText("", id="status-notice")

    def on_mount(self) -> None:
        self.query_one(Suggestion).display = False

    def set_text(self, text: str | Content) -> None:
        # its width is the line's rest, whatever the text: a repaint, not a new layout
        self.query_one("#status-text", Static).update(text, layout=False)

    def set_suggestion(self, query: str | None) -> None:
        self.query_one(Suggestion).set_query(query)

    def set_notice(self, text: str | Content) -> None:
        notice = self.query_one("#status-notice", Static)
        notice.update(text)
        notice.display = bool(text)
