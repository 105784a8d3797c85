"""Writing a list of hits to JSON Lines, CSV or Markdown."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from searchtui.models import Hit

FORMATS = {"jsonl": "JSON Lines", "csv": "CSV", "md": "Markdown"}
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".md": "md", ".markdown": "md"}
CSV_FIELDS = ("title", "authors", "publication", "date", "path", "key", "score", "snippet")


def format_for_path(path: str | Path) -> str | None:
    return _EXTENSIONS.get(Path(path).suffix.lower())


def with_format(path: str, fmt: str) -> str:
    """``path`` with its extension replaced by the one for ``fmt``."""
    p = Path(path)
    if p.suffix.lower() in _EXTENSIONS:
        p = p.with_suffix("")
    return str(p) + "." + fmt


def write_hits(hits: Iterable[Hit], out: TextIO, fmt: str, title: str = "") -> int:
    count = 0
    if fmt == "jsonl":
        for hit in hits:
            out.write(json.dumps(hit.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for hit in hits:
            row = hit.to_dict()
            row["authors"] = "; ".join(hit.authors)
            writer.writerow(row)
            count += 1
    elif fmt == "md":
        if title:
            out.write(f"# {title}\n\n")
        for hit in hits:
            count += 1
            byline = " · ".join(
                x for x in (", ".join(hit.authors), hit.publication or "", hit.date.isoformat() if hit.date else "") if x
            )
            out.write(f"{count}. **{_md(hit.title or hit.key)}**")
            if byline:
                out.write(f"  \n   {_md(byline)}")
            out.write(f"  \n   `{hit.path}`\n")
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return count


def _md(text: str) -> str:
    for ch in "\\`*_[]<>|":
        text = text.replace(ch, "\\" + ch)
    return text
