"""Export writers: JSON Lines, CSV and Markdown, the format from a path, whole files only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from searchtui.export import format_for_path, with_format, write_file, write_hits
from searchtui.models import Hit

D = dt.date

HITS = [
    Hit("k1", "/c/1.txt", "First | title", ["A. Writer"], "Daily", D(2019, 5, 1), 1.5, "snip",
        [(0, 4)]),
    Hit("k2", "/c/2.txt", "Second", [], None, None, 0.5),
]


def test_export_formats():
    out = io.StringIO()
    assert write_hits(HITS, out, "jsonl") == 2
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows == [h.to_dict() for h in HITS]

    out = io.StringIO()
    write_hits(HITS, out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["title"] for r in rows] == ["First | title", "Second"]
    assert rows[0]["authors"] == "A. Writer" and rows[1]["date"] == ""

    out = io.StringIO()
    write_hits(HITS, out, "md", title="Results")
    text = out.getvalue()
    assert text.startswith("# Results\n") and "**First \\| title**" in text and "`/c/2.txt`" in text
    assert "   A. Writer — Daily · May 01, 2019  \n" in text  # the byline the app shows


def test_export_paths():
    assert format_for_path("x/out.CSV") == "csv"
    assert format_for_path("out.txt") is None
    assert with_format("out.jsonl", "md") == "out.md"
    assert with_format("out", "csv") == "out.csv"


def test_unknown_format():
    with pytest.raises(ValueError):
        write_hits(HITS, io.StringIO(), "xml")


def test_write_file_is_whole_or_absent(tmp_path):
    path = tmp_path / "hits.csv"
    assert write_file(HITS, path, "csv") == 2
    assert path.read_bytes().startswith(b"title,authors,")
    assert [p.name for p in tmp_path.iterdir()] == ["hits.csv"]

    def failing():
        yield HITS[0]
        raise RuntimeError("the search failed")

    with pytest.raises(RuntimeError):
        write_file(failing(), tmp_path / "other.csv", "csv")
    assert [p.name for p in tmp_path.iterdir()] == ["hits.csv"]
    with pytest.raises(OSError):
        write_file(HITS, tmp_path / "no such folder" / "hits.csv", "csv")
