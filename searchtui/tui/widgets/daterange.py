"""A typed date range: ``2019``, ``2019-05..2019-07``, ``2019-05-01 to 2019-05-31``."""

from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input, Label

from searchtui.dates import format_date_range, parse_date_range
from searchtui.errors import DateRangeError

from .sizing import SizedVertical


class DateRangeInput(SizedVertical):
    class Changed(Message):
        def __init__(self, start: dt.date | None, end: dt.date | None) -> None:
            super().__init__()
            self.start = start
            self.end = end

    def compose(self) -> ComposeResult:
        yield Label("Dates", classes="facet-title")
        yield Input(placeholder="e.g. 2019-05..2019-07", compact=True, id="date-range")
        yield Label("", id="date-error")

    def show_span(self, unit: str, first: dt.date, last: dt.date) -> None:
        """Take the example range from the dates the index holds (see example_range)."""
        box = self.query_one(Input)
        box.placeholder = f"e.g. {example_range(unit, first, last)}"

    def on_mount(self) -> None:
        self.query_one("#date-error").display = False

    def show_range(self, start: dt.date | None, end: dt.date | None) -> None:
        box = self.query_one(Input)
        text = format_date_range(start, end)
        if box.value != text:
            with box.prevent(Input.Changed):
                box.value = text
            box.cursor_position = len(text)
        self._error("")

    def _error(self, text: str) -> None:
        err = self.query_one("#date-error", Label)
        if not text and not err.display:
            return
        err.update(text)
        err.display = bool(text)

    @on(Input.Submitted, "#date-range")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            start, end = parse_date_range(event.value)
        except DateRangeError as exc:
            self._error(str(exc))
            return
        self._error("")
        self.post_message(self.Changed(start, end))

    @on(Input.Changed, "#date-range")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._error("")


def example_range(unit: str, first: dt.date, last: dt.date) -> str:
    """A range to type, from an index whose dated articles run from the bucket
    starting ``first`` to the one starting ``last`` (buckets of a ``unit``):
    its last two years, or its last three months, or its one month."""
    if unit == "year":
        return f"{max(first.year, last.year - 1)}..{last.year}".removeprefix(f"{last.year}..")
    months = last.year * 12 + last.month - 1
    start = max(months - 2, first.year * 12 + first.month - 1)
    if start == months:
        return f"{last:%Y-%m}"
    return f"{start // 12:04d}-{start % 12 + 1:02d}..{last:%Y-%m}"
