"""Turning hits and texts into styled Content."""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content

from searchtui.models import Hit, byline

MATCH_STYLE = "bold reverse"
CURRENT_MATCH_STYLE = "bold $text-warning on $warning-muted underline"


def highlighted(text: str, spans: Iterable[tuple[int, int]], style: str = MATCH_STYLE) -> Content:
    content = Content(text)
    for start, end in spans:
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
    title = Content.styled(hit.title or hit.key, "bold")
    line2 = Content.styled(byline(hit.authors, hit.publication, hit.date), "$text-muted")
    parts = [title, line2]
    if hit.snippet:
        snippet, spans = collapse_spaces(hit.snippet, list(hit.highlights))
        snippet, spans = shorten(snippet, spans, max(60, (width - 2) * 2))
        parts.append(highlighted(snippet, spans))
    return Content("\n").join(parts)
