"""Turning hits and texts into styled Content.

Text from the corpus or the index reaches the screen through :func:`shown` or
:func:`highlighted`, which make it printable first: a title, name or body
holding escape sequences must not drive the terminal.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from textual.content import Content

from searchtui.models import Hit, byline, copies_summary
from searchtui.text import printable, printable_spans

MATCH_STYLE = "bold reverse"
CURRENT_MATCH_STYLE = "bold $text-warning on $warning-muted underline"


def shown(text: str, style: str = "", keep: str = "") -> Content:
    """``text`` made printable (only the line breaks or tabs of ``keep`` stay), in ``style``."""
    return Content.styled(printable(text, keep), style) if style else Content(printable(text, keep))


def highlighted(
    text: str, spans: Iterable[tuple[int, int]], style: str = MATCH_STYLE, keep: str = ""
) -> Content:
    """``text`` made printable, with its spans in ``style``."""
    text, moved = printable_spans(text, list(spans), keep)
    content = Content(text)
    for start, end in moved:
        content = content.stylize(style, start, end)
    return content


#: A run of white space (what ``str.isspace`` calls white space: both use Python's
#: own test for it).
_SPACES = re.compile(r"\s+")


def collapse_spaces(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """Runs of white space as one space, with the spans moved to match."""
    # Each run from a to b becomes one space: an offset i past a moves back by the
    # run's letters before i, less the one kept (min(i, b) - a - 1).
    starts: list[int] = []
    ends: list[int] = []
    removed = [0]  # letters dropped by the runs before each run
    for m in _SPACES.finditer(text):
        a, b = m.span()
        starts.append(a)
        ends.append(b)
        removed.append(removed[-1] + b - a - 1)

    def where(i: int) -> int:
        k = bisect.bisect_left(starts, i)
        if not k:
            return i
        return i - removed[k - 1] - (min(i, ends[k - 1]) - starts[k - 1] - 1)

    moved = [(where(s), where(e)) for s, e in spans if 0 <= s < e <= len(text)]
    return _SPACES.sub(" ", text), [(s, e) for s, e in moved if e > s]


def shorten(
    text: str, spans: list[tuple[int, int]], limit: int
) -> tuple[str, list[tuple[int, int]]]:
    """Cut ``text`` to about ``limit`` characters, keeping the spans that still fit."""
    if len(text) <= limit:
        return text, spans
    cut = text.rfind(" ", 0, limit)
    if cut < limit // 2:
        cut = limit
    return text[:cut].rstrip() + "…", [(s, min(e, cut)) for s, e in spans if s < cut]


def hit_prompt(hit: Hit, width: int) -> Content:
    title = shown(hit.title or hit.key, "bold")
    if hit.new:  # new in the saved search on screen
        title = Content.assemble(("new ", "bold $text-success"), title)
    line2 = shown(byline(hit.authors, hit.publication, hit.date), "$text-muted")
    parts = [title, line2]
    if hit.snippet:
        snippet, spans = collapse_spaces(hit.snippet, list(hit.highlights))
        snippet, spans = shorten(snippet, spans, max(60, (width - 2) * 2))
        parts.append(highlighted(snippet, spans))
    if hit.copies:
        parts.append(shown(copies_summary([c.publication for c in hit.copies]), "$text-accent"))
    return Content("\n").join(parts)
