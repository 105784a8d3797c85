"""Turning hits and texts into styled Content.

Text from the corpus or the index reaches the screen through :func:`shown` or
:func:`highlighted`, which make it printable first: a title, name or body
holding escape sequences must not drive the terminal.
"""

from __future__ import annotations

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


def collapse_spaces(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """Runs of white space as one space, with the spans moved to match."""
    out: list[str] = []
    where: list[int] = []  # where each old offset lands in the new text
    in_space = False
    for ch in text:
        where.append(len(out))
        if ch.isspace():
            if not in_space:
                out.append(" ")
            in_space = True
        else:
            out.append(ch)
            in_space = False
    where.append(len(out))
    moved = [(where[s], where[e]) for s, e in spans if 0 <= s < e <= len(text)]
    return "".join(out), [(s, e) for s, e in moved if e > s]


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
