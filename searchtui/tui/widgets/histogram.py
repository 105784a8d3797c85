"""The date histogram: one bar per day, month or year of the current hits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual.binding import Binding
from textual.content import Content
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from searchtui.models import Histogram, HistogramBucket

EIGHTHS = " ▁▂▃▄▅▆▇█"
MAX_BAR = 12  # columns per bar at most: a few buckets do not become slabs
# under the bars: a line of dates (the axis), then the caption


class DateHistogram(Widget, can_focus=True):
    """Bars of hit counts over time, over an axis of their dates.

    Left/Right move, Enter selects a bar's dates. The bars take every line but
    the last two (the axis and the caption), and the width they are given.
    """

    BINDINGS = [
        Binding("left,h", "move(-1)", "Earlier", show=False),
        Binding("right,l", "move(1)", "Later", show=False),
        Binding("home", "edge(0)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("enter,space", "choose", "Select dates", show=True),
    ]

    class RangeSelected(Message):
        def __init__(self, start: dt.date | None, end: dt.date | None, label: str) -> None:
            super().__init__()
            self.start = start
            self.end = end
            self.label = label

    cursor = reactive(0)
    histogram: reactive[Histogram | None] = reactive(None, always_update=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.selected: tuple[dt.date | None, dt.date | None] = (None, None)

    @property
    def buckets(self) -> list[HistogramBucket]:
        if self.histogram is None:
            return []
        return [b for b in self.histogram.buckets if b.start is not None]

    def show(
        self, histogram: Histogram | None, selected: tuple[dt.date | None, dt.date | None]
    ) -> None:
        buckets = self.buckets
        old = buckets[self.cursor].label if buckets and self.cursor < len(buckets) else None
        self.selected = selected
        self.histogram = histogram
        labels = [b.label for b in self.buckets]
        if old in labels and self.has_focus:  # the user is moving through the bars: stay
            self.cursor = labels.index(old)
        else:
            best = max(range(len(labels)), key=lambda i: self.buckets[i].count, default=0)
            self.cursor = best
        self.refresh()

    @property
    def rows(self) -> int:
        """Lines of bars."""
        return max(1, self.size.height - 2)

    def _window(self, width: int) -> tuple[int, int, int]:
        """(first bucket shown, number shown, columns per bar)."""
        n = len(self.buckets)
        if n == 0:
            return 0, 0, 1
        per = max(1, min(MAX_BAR, width // n))
        shown = min(n, max(1, width // per))
        first = min(max(0, self.cursor - shown // 2), n - shown)
        return first, shown, per

    def _axis(self, first: int, shown: int, per: int) -> Content:
        """The dates under the bars: the first and the last always, others where they fit."""
        buckets = self.buckets
        end = shown * per
        cells = [" "] * end
        taken = [False] * end

        def put(label: str, at: int) -> bool:
            at = min(max(0, at), end - len(label))
            lo, hi = max(0, at - 1), min(end, at + len(label) + 1)
            if at < 0 or any(taken[lo:hi]):
                return False
            cells[at : at + len(label)] = label
            taken[at : at + len(label)] = [True] * len(label)
            return True

        last = first + shown - 1
        put(buckets[first].label, 0)
        if last != first:
            put(buckets[last].label, end - len(buckets[last].label))
            for i in range(first + 1, last):
                put(buckets[i].label, (i - first) * per)
        return Content.styled("".join(cells), "$text-muted")

    def render(self) -> Content:
        width = max(1, self.size.width)
        buckets = self.buckets
        if not buckets:
            undated = self.histogram.undated if self.histogram else 0
            msg = "no dates" if self.histogram is not None else ""
            if undated:
                msg = f"no dated hits ({undated:,} undated)"
            return Content.styled(msg, "$text-muted")
        first, shown, per = self._window(width)
        top = max(b.count for b in buckets) or 1
        nrows = self.rows
        rows: list[list[Content]] = [[] for _ in range(nrows)]
        lo, hi = self.selected
        for i in range(first, first + shown):
            b = buckets[i]
            level = round(b.count / top * nrows * 8)
            if b.count and level == 0:
                level = 1
            in_range = (lo or hi) and _overlaps(b, lo, hi)
            if i == self.cursor and self.has_focus:
                style = "$accent on $boost"
            elif i == self.cursor:
                style = "$accent"
            elif in_range:
                style = "$text-success"
            else:
                style = "$primary"
            for r in range(nrows):
                fill = min(8, max(0, level - (nrows - 1 - r) * 8))
                bar = EIGHTHS[fill] * (per - 1 if per > 3 else per)  # wide bars keep a gap
                rows[r].append(Content.styled(bar, style) + " " * (per - len(bar)))
        cur = buckets[self.cursor]
        unit = self.histogram.unit if self.histogram else ""
        caption = f"{cur.label}: {cur.count:,} hit{'s' if cur.count != 1 else ''}"
        if first > 0 or first + shown < len(buckets):
            caption += f"  ({self.cursor + 1}/{len(buckets)} {unit}s)"
        if self.histogram and self.histogram.undated:
            caption += f" · {self.histogram.undated:,} undated"
        if self.has_focus:
            caption += "  ←→ move, Enter: these dates"
        lines = [Content("").join(row) for row in rows]
        lines.append(self._axis(first, shown, per))
        lines.append(Content.styled(caption[:width], "$text-muted"))
        return Content("\n").join(lines)

    def watch_cursor(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, step: int) -> None:
        if self.buckets:
            self.cursor = min(max(0, self.cursor + step), len(self.buckets) - 1)

    def action_edge(self, last: int) -> None:
        if self.buckets:
            self.cursor = len(self.buckets) - 1 if last else 0

    def action_choose(self) -> None:
        if self.buckets:
            b = self.buckets[self.cursor]
            self.post_message(self.RangeSelected(b.start, b.end, b.label))

    def on_click(self, event: Click) -> None:
        if not self.buckets or event.y >= self.rows:
            return
        first, shown, per = self._window(self.size.width)
        index = first + event.x // per
        if first <= index < first + shown:
            self.cursor = index
            self.action_choose()


def _overlaps(bucket: HistogramBucket, lo: dt.date | None, hi: dt.date | None) -> bool:
    """Whether a dated bucket's days meet the range from ``lo`` to ``hi`` (None: open)."""
    if bucket.start is None or bucket.end is None:
        return False
    return (lo is None or bucket.end >= lo) and (hi is None or bucket.start <= hi)
