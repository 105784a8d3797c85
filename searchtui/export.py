"""Every hit of a search written to JSON Lines, CSV or Markdown, for the CLI and the app.

The format follows the file's extension unless it is named. :func:`all_hits`
pages through the engine, so an export holds every hit, not the page on screen.
Every format is safe to print: JSON escapes control characters, CSV and
Markdown leave them out (:func:`searchtui.text.printable`). A CSV cell that a
spreadsheet would run as a formula (it begins with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) starts with ``'`` instead.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from searchtui.models import Hit, SearchRequest, byline
from searchtui.text import json_text, printable

if TYPE_CHECKING:
    from searchtui.search import SearchEngine

#: The formats, by the name ``--format`` and the app use, with what they are called.
FORMATS = {"jsonl": "JSON Lines", "csv": "CSV", "md": "Markdown"}
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".md": "md",
    ".markdown": "md",
}
#: The columns of a CSV export, in order.
CSV_FIELDS = ("title", "authors", "publication", "date", "path", "key", "score", "snippet")
#: What a CSV cell may not begin with: a spreadsheet would read it as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Hits asked of the engine at a time.
PAGE_SIZE = 1000


def format_for_path(path: str | os.PathLike[str]) -> str | None:
    """The format a file name asks for by its extension, or None."""
    return _EXTENSIONS.get(Path(path).suffix.lower())


def with_format(path: str, fmt: str) -> str:
    """``path`` with its extension replaced by the one for ``fmt``."""
    p = Path(path)
    if p.suffix.lower() in _EXTENSIONS:
        p = p.with_suffix("")
    return str(p) + "." + fmt


def all_hits(
    engine: SearchEngine, request: SearchRequest, similar: str | None = None
) -> Iterator[Hit]:
    """Every hit of ``request`` (or of the articles like ``similar``), page after page.

    Only the hits are asked for: no facets, histogram, snippets or suggestion.
    """
    page, seen = 1, 0
    while True:
        req = replace(
            request,
            page=page,
            page_size=PAGE_SIZE,
            facets=(),
            histogram=False,
            snippets=False,
            suggest=False,
        )
        result = engine.more_like_this(similar, req) if similar else engine.search(req)
        yield from result.hits
        seen += len(result.hits)
        if not result.hits or seen >= result.total:
            return
        page += 1


def title_for(query: str) -> str:
    """The heading of a Markdown export."""
    return f"Search results for: {query}" if query else "Search results"


def write_hits(hits: Iterable[Hit], out: TextIO, fmt: str, title: str = "") -> int:
    """Write ``hits`` to ``out`` in ``fmt``; the number written."""
    count = 0
    if fmt == "jsonl":
        for hit in hits:
            out.write(json_text(hit.to_dict()) + "\n")
            count += 1
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for hit in hits:
            row = hit.to_dict()
            row["authors"] = "; ".join(hit.authors)
            writer.writerow({k: csv_cell(v) for k, v in row.items() if k in CSV_FIELDS})
            count += 1
    elif fmt == "md":
        if title:
            out.write(f"# {printable(title)}\n\n")
        for hit in hits:
            count += 1
            line = byline(hit.authors, hit.publication, hit.date)
            out.write(f"{count}. **{_md(hit.title or hit.key)}**")
            if line:
                out.write(f"  \n   {_md(line)}")
            out.write(f"  \n   `{printable(hit.path)}`\n")
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return count


def write_file(hits: Iterable[Hit], path: str | os.PathLike[str], fmt: str, title: str = "") -> int:
    """Write ``hits`` to the file ``path`` in ``fmt``; the number written.

    The file appears whole or not at all: it is written beside its place and
    moved there when complete. OSError when it cannot be written.
    """
    tmp = f"{os.fspath(path)}.part"
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as out:
            count = write_hits(hits, out, fmt, title=title)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return count


def csv_cell(value: object) -> object:
    """A CSV cell that is safe to open: printable, and never read as a formula.

    Text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    (after any spaces) gets a leading ``'`` (OWASP's advice on CSV injection);
    numbers stay numbers.
    """
    if not isinstance(value, str):
        return value
    value = printable(value, keep="\n\t")
    return "'" + value if value.lstrip(" ").startswith(FORMULA_STARTS) else value


def _md(text: str) -> str:
    text = printable(text)
    for ch in "\\`*_[]<>|":
        text = text.replace(ch, "\\" + ch)
    return text
