"""Snippets: the window of an article's body that best shows why it matched."""

from __future__ import annotations

from searchtui.schema import find_terms

SNIPPET_CHARS = 220


def make_snippet(
    body: str, terms: set[str], width: int = SNIPPET_CHARS
) -> tuple[str, list[tuple[int, int]]]:
    """A window of ``body`` holding the most matched terms, with their spans."""
    text = body[:100_000]
    spans = find_terms(text, terms)
    if not spans:
        return _cut(text, 0, width)[0], []
    # Best window: the most distinct terms, then the most matches, earliest first.
    best = 0
    best_key: tuple[int, int, int] | None = None
    j = 0
    for i in range(len(spans)):
        while j < len(spans) and spans[j][1] - spans[i][0] <= width:
            j += 1
        window = spans[i:j]
        key = (len({t for _, _, t in window}), len(window), -i)
        if best_key is None or key > best_key:
            best, best_key = i, key
    start = spans[best][0]
    # Back up a little for context, to a word boundary.
    start = max(0, start - width // 5)
    snippet, start, end = _cut(text, start, width)
    shift = 1 if start > 0 else 0  # the leading "…"
    highlights = [
        (s - start + shift, e - start + shift) for s, e, _ in spans if s >= start and e <= end
    ]
    return snippet, highlights


def _cut(text: str, start: int, width: int) -> tuple[str, int, int]:
    """About ``width`` characters of ``text`` from near ``start``, cut at spaces,
    with "…" where text was left out: (snippet, start, end) in ``text``."""
    if start > 0:
        sp = text.rfind(" ", max(0, start - 20), start)
        if sp >= 0:
            start = sp + 1
    end = min(len(text), start + width)
    if end < len(text):
        sp = text.rfind(" ", start + width // 2, end)
        if sp > 0:
            end = sp
    piece = text[start:end].replace("\n", " ")
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + piece + suffix, start, end
