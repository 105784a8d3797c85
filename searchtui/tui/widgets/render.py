"""Turning hits and texts into styled Content."""

from __future__ import annotations

from typing import Iterable

from textual.content import Content

from searchtui.models import Hit

MATCH_STYLE = "bold reverse"
CURRENT_MATCH_STYLE = "bold $text-warning on $warning-muted underline"


def highlighted(text: str, spans: Iterable[tuple[int, int]], style: str = MATCH_STYLE) -> Content:
    content = Content(text)
    for start, end in spans:
        content = content.stylize(style, start, end)
    return content


def byline(authors: list[str], publication: str | None, date) -> str:
    parts = []
    if authors:
        parts.append(", ".join(authors))
    if publication:
        parts.append(publication)
    left = " — ".join(parts)
    when = date.strftime("%b %d, %Y") if date else ""
    return " · ".join(x for x in (left, when) if x)


def shorten(text: str, spans: list[tuple[int, int]], limit: int) -> tuple[str, list[tuple[int, int]]]:
    """Cut ``text`` to about ``limit`` characters, keeping the spans that still fit."""
    text = " ".join(text.split()) if "\n" in text else text
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
        snippet, spans = hit.snippet, list(hit.highlights)
        if "\n" in snippet:
            # keep offsets valid: replace newlines one for one
            snippet = snippet.replace("\n", " ")
        snippet, spans = shorten(snippet, spans, max(60, (width - 2) * 2))
        parts.append(highlighted(snippet, spans))
    return Content("\n").join(parts)
