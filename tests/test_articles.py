"""Reading corpus files: every layout, dirty input, and the corpora's ground truth."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchtui.articles import (
    SUPPORTED_SUFFIXES,
    Byline,
    discover,
    file_hash,
    file_hash_at,
    parse_byline,
    parse_date,
    read_file,
    split_authors,
)
from searchtui.articles.byline import is_name_part
from searchtui.articles.tables import _MAX_ROW_PROBLEMS
from searchtui.errors import CorpusMissing

REPO = Path(__file__).resolve().parents[1]
D = dt.date


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    p.write_bytes(content)
    return p


def one(result):
    """The single article of a result, checking there is exactly one."""
    assert len(result.articles) == 1, result
    return result.articles[0]


def reasons(result, skipped=None):
    return [
        p.reason for p in result.problems if skipped is None or p.skipped == skipped
    ]


# ---------------------------------------------------------------------------
# Bylines


@pytest.mark.parametrize(
    "line, author_raw, authors, publication, date, date_text",
    [
        # the seed layout
        ("Will Kirby — Daily Express Nov 15, 2016",
         "Will Kirby", ["Will Kirby"], "Daily Express", D(2016, 11, 15), "Nov 15, 2016"),
        # no author part
        ("Daily Express Nov 15, 2016", None, [], "Daily Express", D(2016, 11, 15), "Nov 15, 2016"),
        # no date
        ("Will Kirby — Daily Express", "Will Kirby", ["Will Kirby"], "Daily Express", None, None),
        # only a publication
        ("Daily Express", None, [], "Daily Express", None, None),
        ("The Flip Side", None, [], "The Flip Side", None, None),
        # several authors
        ("Stephen Dinan, Gabriella Muñoz — Washington Times May 21, 2019",
         "Stephen Dinan, Gabriella Muñoz", ["Stephen Dinan", "Gabriella Muñoz"],
         "Washington Times", D(2019, 5, 21), "May 21, 2019"),
        ("Ann Lee, Bo Chan and Cy Diaz — Reuters Nov 5, 2016",
         "Ann Lee, Bo Chan and Cy Diaz", ["Ann Lee", "Bo Chan", "Cy Diaz"], "Reuters",
         D(2016, 11, 5), "Nov 5, 2016"),
        ("Ann Lee, Bo Chan, and Cy Diaz — Reuters", "Ann Lee, Bo Chan, and Cy Diaz",
         ["Ann Lee", "Bo Chan", "Cy Diaz"], "Reuters", None, None),
        # suffixes stay with their names
        ("Tom Howell Jr. — Washington Times Jun 1, 2018",
         "Tom Howell Jr.", ["Tom Howell Jr."], "Washington Times", D(2018, 6, 1), "Jun 1, 2018"),
        ("Martin Luther King, Jr. and Coretta Scott King — The Nation",
         "Martin Luther King, Jr. and Coretta Scott King",
         ["Martin Luther King, Jr.", "Coretta Scott King"], "The Nation", None, None),
        ("John Smith, III, Ann Lee — Pub", "John Smith, III, Ann Lee",
         ["John Smith, III", "Ann Lee"], "Pub", None, None),
        # full month names, unpadded and padded days, abbreviations with a dot
        ("Ann Lee — Reuters November 5, 2016", "Ann Lee", ["Ann Lee"], "Reuters", D(2016, 11, 5),
         "November 5, 2016"),
        ("Reuters Mar 05, 2019", None, [], "Reuters", D(2019, 3, 5), "Mar 05, 2019"),
        ("Reuters Sept. 5, 2016", None, [], "Reuters", D(2016, 9, 5), "Sept. 5, 2016"),
        ("Reuters Sep. 5, 2016", None, [], "Reuters", D(2016, 9, 5), "Sep. 5, 2016"),
        ("Reuters Dec. 31 2016", None, [], "Reuters", D(2016, 12, 31), "Dec. 31 2016"),
        ("Reuters 5 November 2016", None, [], "Reuters", D(2016, 11, 5), "5 November 2016"),
        ("Reuters 2016-11-05", None, [], "Reuters", D(2016, 11, 5), "2016-11-05"),
        ("Reuters Tuesday, November 15, 2016", None, [], "Reuters", D(2016, 11, 15),
         "Tuesday, November 15, 2016"),
        ("Washington Times, May 21, 2019", None, [], "Washington Times", D(2019, 5, 21),
         "May 21, 2019"),
        # an en dash, a spaced hyphen or a double hyphen for the em dash
        ("Ann Lee – Reuters Nov 5, 2016", "Ann Lee", ["Ann Lee"], "Reuters", D(2016, 11, 5),
         "Nov 5, 2016"),
        ("Ann Lee - Reuters Nov 5, 2016", "Ann Lee", ["Ann Lee"], "Reuters", D(2016, 11, 5),
         "Nov 5, 2016"),
        ("Ann Lee -- Reuters", "Ann Lee", ["Ann Lee"], "Reuters", None, None),
        ("Ann Lee—Reuters", "Ann Lee", ["Ann Lee"], "Reuters", None, None),
        # publications whose names hold " - " or hyphens
        ("Guest Writer - Right Mar 5, 2019", None, [], "Guest Writer - Right", D(2019, 3, 5),
         "Mar 5, 2019"),
        ("New York Times - News", None, [], "New York Times - News", None, None),
        ("CNN - Editorial Jan 2, 2020", None, [], "CNN - Editorial", D(2020, 1, 2), "Jan 2, 2020"),
        ("The Telegraph - UK", None, [], "The Telegraph - UK", None, None),
        ("Chicago Sun-Times May 1, 2019", None, [], "Chicago Sun-Times", D(2019, 5, 1),
         "May 1, 2019"),
        ("Ann Lee — New York Times - News Jan 1, 2020", "Ann Lee", ["Ann Lee"],
         "New York Times - News", D(2020, 1, 1), "Jan 1, 2020"),
        ("Ann Lee - New York Times - News Jan 1, 2020", "Ann Lee", ["Ann Lee"],
         "New York Times - News", D(2020, 1, 1), "Jan 1, 2020"),
        ("Lauren French, Edward-Isaac Dovere — Politico", "Lauren French, Edward-Isaac Dovere",
         ["Lauren French", "Edward-Isaac Dovere"], "Politico", None, None),
        # a publication ending in a weekday-like word is not a weekday
        ("Las Vegas Sun May 1, 2019", None, [], "Las Vegas Sun", D(2019, 5, 1), "May 1, 2019"),
        # a date that does not exist: kept as text, no date
        ("Ann Lee — Reuters Feb 30, 2019", "Ann Lee", ["Ann Lee"], "Reuters", None, "Feb 30, 2019"),
        # empty sides of the separator
        ("— Reuters Nov 5, 2016", None, [], "Reuters", D(2016, 11, 5), "Nov 5, 2016"),
        ("Ann Lee —", "Ann Lee", ["Ann Lee"], None, None, None),
        ("Ann Lee — Nov 5, 2016", "Ann Lee", ["Ann Lee"], None, D(2016, 11, 5), "Nov 5, 2016"),
        ("Nov 5, 2016", None, [], None, D(2016, 11, 5), "Nov 5, 2016"),
        # a leading "By" is a label, not a name
        ("By Ann Lee — Reuters", "Ann Lee", ["Ann Lee"], "Reuters", None, None),
        ("By Ann Lee and Bo Chan", "Ann Lee and Bo Chan", ["Ann Lee", "Bo Chan"], None, None, None),
        ("", None, [], None, None, None),
    ],
)  # fmt: skip
def test_parse_byline(line, author_raw, authors, publication, date, date_text):
    assert parse_byline(line) == Byline(author_raw, authors, publication, date, date_text)


def test_parse_byline_long_publication_keeps_its_date():
    pub = "The Reporters Committee for Freedom of the Press and Friends of the Open Court"
    b = parse_byline(f"{pub} May 1, 2019")
    assert (b.publication, b.date) == (pub, D(2019, 5, 1))
    # a date glued to a word is not a date
    b = parse_byline("xMay 1, 2019")
    assert (b.publication, b.date, b.date_text) == ("xMay 1, 2019", None, None)


@pytest.mark.parametrize(
    "raw, names",
    [
        ("A One, B Two", ["A One", "B Two"]),
        ("A One and B Two", ["A One", "B Two"]),
        ("A One & B Two; C Three", ["A One", "B Two", "C Three"]),
        ("A One, B Two, and C Three", ["A One", "B Two", "C Three"]),
        ("Martin Luther King, Jr.", ["Martin Luther King, Jr."]),
        ("Sam Roe, Sr., Al Poe, PhD", ["Sam Roe, Sr.", "Al Poe, PhD"]),
        ("Tom Howell Jr.", ["Tom Howell Jr."]),
        ("By A One", ["A One"]),
        ("A One, A One", ["A One"]),
        ("Andrew Anderson", ["Andrew Anderson"]),  # "and" inside names stays
        (" , ", []),
        ("", []),
        (None, []),
    ],
)
def test_split_authors(raw, names):
    assert split_authors(raw) == names


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2016-11-15", D(2016, 11, 15)),
        ("2016-11-15T10:00:00Z", D(2016, 11, 15)),
        ("2016-11-15T23:30:00-05:00", D(2016, 11, 15)),  # the date as written
        ("2016/11/15", D(2016, 11, 15)),
        ("20161115", D(2016, 11, 15)),
        ("Nov 15, 2016", D(2016, 11, 15)),
        ("November 15 2016", D(2016, 11, 15)),
        ("Sept. 5, 2016", D(2016, 9, 5)),
        ("15 November 2016", D(2016, 11, 15)),
        ("15th of November, 2016", D(2016, 11, 15)),
        ("Tue, 15 Nov 2016 10:00:00 GMT", D(2016, 11, 15)),
        ("Tuesday, November 15, 2016 at 10:00 AM", D(2016, 11, 15)),
        ("11/15/2016", D(2016, 11, 15)),
        ("15/11/2016", D(2016, 11, 15)),
        ("15.11.16", D(2016, 11, 15)),
        ("05/05/2016", D(2016, 5, 5)),
        ("05/06/2016", None),  # either way round: no guess
        ("2016-02-30", None),
        ("Feb 30, 2016", None),
        ("yesterday", None),
        ("2016", None),
        ("", None),
        (D(2016, 11, 15), D(2016, 11, 15)),
        (dt.datetime(2016, 11, 15, 23, 0), D(2016, 11, 15)),
        (1479204000, D(2016, 11, 15)),  # Unix seconds
        (1479204000000, D(2016, 11, 15)),  # milliseconds
        (2016, None),
        (True, None),
        (None, None),
        (float("nan"), None),
        ([2016, 11, 15], None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


# ---------------------------------------------------------------------------
# The plain layout


SEED = "000_f609370c46c8a437.txt"


def test_seed_article_shipped_with_the_project():
    path = REPO / "corpus" / SEED
    data = path.read_bytes()
    res = read_file(path)
    a = one(res)
    assert res.problems == []
    assert a.title.startswith("Trump and Putin to JOIN FORCES")
    assert (a.author_raw, a.authors, a.publication, a.date) == (
        "Will Kirby", ["Will Kirby"], "Daily Express", D(2016, 11, 15)
    )
    assert a.key == a.path == str(path)
    assert a.content_hash == file_hash(data) == hashlib.sha1(data).hexdigest() == file_hash_at(path)
    assert a.body and not a.body.startswith("Will Kirby") and a.body == a.body.strip()
    # data given by the caller reads the same
    assert read_file(str(path), data) == res


PLAIN = (
    "Senate passes the bill\n\nAnn Lee, Bo Chan — Reuters Nov 5, 2016\n\n\n"
    "First paragraph.\n\nSecond paragraph."
)


def test_plain_layout(tmp_path):
    p = write(tmp_path, "a.txt", PLAIN)
    res = read_file(p)
    a = one(res)
    assert res.problems == []
    assert a.title == "Senate passes the bill"
    assert a.authors == ["Ann Lee", "Bo Chan"]
    assert a.author_raw == "Ann Lee, Bo Chan"
    assert a.publication == "Reuters"
    assert a.date == D(2016, 11, 5)
    assert a.body == "First paragraph.\n\nSecond paragraph."
    assert a.key == a.path == str(p)
    assert a.url is None and a.tags == [] and a.entities == {}


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.replace("\n", "\r\n").encode(),  # CRLF
        lambda s: s.replace("\n", "\r").encode(),  # old Mac CR
        lambda s: b"\xef\xbb\xbf" + s.encode(),  # UTF-8 BOM
        lambda s: b"\xef\xbb\xbf" + s.replace("\n", "\r\n").encode(),
        lambda s: s.encode("utf-16"),  # UTF-16 with its BOM
        lambda s: "\n\n  \n" + s + "\n\n",  # blank lines around
    ],
    ids=["crlf", "cr", "bom", "bom-crlf", "utf16", "blank-lines"],
)
def test_plain_layout_encodings_read_the_same(tmp_path, encode):
    expected = one(read_file("x.txt", PLAIN.encode()))
    data = encode(PLAIN)
    res = read_file("x.txt", data if isinstance(data, bytes) else data.encode())
    a = one(res)
    assert res.problems == []
    assert (a.title, a.authors, a.publication, a.date, a.body) == (
        expected.title, expected.authors, expected.publication, expected.date, expected.body
    )


def test_byline_variants_in_files():
    def read(byline):
        return one(read_file("x.txt", f"Title\n\n{byline}\n\n\nBody text.".encode()))

    a = read("Reuters Nov 5, 2016")
    assert (a.authors, a.author_raw, a.publication, a.date) == ([], None, "Reuters", D(2016, 11, 5))
    a = read("Guest Writer - Right")
    assert (a.authors, a.publication, a.date, a.body) == (
        [], "Guest Writer - Right", None, "Body text."
    )
    a = read("Ann Lee – Reuters")
    assert (a.authors, a.publication) == (["Ann Lee"], "Reuters")


def test_missing_byline_keeps_the_first_paragraph():
    text = "A title\n\nThe first paragraph says a good deal, at length.\n\nThe second one too."
    res = read_file("x.txt", text.encode())
    a = one(res)
    assert res.problems == []
    assert a.title == "A title"
    assert a.body.startswith("The first paragraph says")
    assert (a.authors, a.publication, a.date) == ([], None, None)


@pytest.mark.parametrize(
    "first",
    [
        # a dateline with an em dash is text, not a byline
        "WASHINGTON — President Smith said on Tuesday that he would veto the bill.",
        # short, but followed by a single blank line like any paragraph
        "The Flip Side",
        "Ann Lee wrote - and everyone agreed - that it was over.",
    ],
)
def test_first_paragraph_not_taken_for_a_byline(first):
    a = one(read_file("x.txt", f"Title\n\n{first}\n\nMore text.".encode()))
    assert a.body == f"{first}\n\nMore text."
    assert (a.authors, a.publication, a.date) == ([], None, None)


def test_byline_recognised_without_the_double_blank_line():
    a = one(read_file("x.txt", b"Title\n\nAnn Lee \xe2\x80\x94 Reuters Nov 5, 2016\n\nBody."))
    assert (a.authors, a.publication, a.date, a.body) == (
        ["Ann Lee"], "Reuters", D(2016, 11, 5), "Body."
    )
    a = one(read_file("x.txt", b"Title\n\nAnn Lee \xe2\x80\x94 Reuters\n\nBody."))
    assert (a.authors, a.publication, a.body) == (["Ann Lee"], "Reuters", "Body.")
    # title, byline and body on consecutive lines
    a = one(read_file("x.txt", b"Title\nReuters Nov 5, 2016\nBody."))
    assert (a.title, a.publication, a.date, a.body) == ("Title", "Reuters", D(2016, 11, 5), "Body.")


def test_unparsable_byline_date_keeps_the_article_and_warns():
    res = read_file("x.txt", "Title\n\nAnn Lee — Reuters Feb 30, 2019\n\n\nBody.".encode())
    a = one(res)
    assert (a.authors, a.publication, a.date) == (["Ann Lee"], "Reuters", None)
    [p] = res.problems
    assert not p.skipped and "'Feb 30, 2019'" in p.reason and p.path == "x.txt"


def test_title_only_file_is_kept_with_a_warning():
    res = read_file("x.txt", b"Just a headline\n")
    a = one(res)
    assert (a.title, a.body) == ("Just a headline", "")
    assert reasons(res) == ["no article text; indexed by its title only"]
    assert not res.problems[0].skipped


def test_first_line_too_long_for_a_title():
    line = "word " * 100
    res = read_file("notes.txt", (line + "\n\nmore").encode())
    a = one(res)
    assert a.title.endswith("…") and len(a.title) <= 101
    assert a.body.startswith("word word") and a.body.endswith("more")
    [p] = res.problems
    assert not p.skipped and "no title line" in p.reason


def test_markdown_headings_give_the_title():
    a = one(read_file("x.md", b"# The Title #\n\nReuters Nov 5, 2016\n\n\nBody."))
    assert (a.title, a.publication, a.body) == ("The Title", "Reuters", "Body.")
    a = one(read_file("x.markdown", b"The Title\n=========\n\nBody text here."))
    assert (a.title, a.body) == ("The Title", "Body text here.")
    # a .txt file keeps a leading '#'
    assert one(read_file("x.txt", b"# Not a heading\n\nBody.")).title == "# Not a heading"


# ---------------------------------------------------------------------------
# Dirty input


def test_invalid_utf8_is_replaced_and_reported():
    data = "Café news\n\nReuters Nov 5, 2016\n\n\nBody “quoted” ".encode() + b"\xff\xfe bad.\n"
    res = read_file("x.txt", data)
    a = one(res)
    assert a.title == "Café news"
    assert "\ufffd" in a.body
    [p] = res.problems
    assert not p.skipped and "not valid UTF-8" in p.reason and "replaced" in p.reason
    assert a.content_hash == file_hash(data)


def test_legacy_8bit_text_is_read_as_windows_1252():
    text = "Café crème\n\nLe Monde Nov 5, 2016\n\n\nIl a dit « non » — “vraiment”."
    res = read_file("x.txt", text.encode("cp1252"))
    a = one(res)
    assert a.title == "Café crème" and a.body == "Il a dit « non » — “vraiment”."
    [p] = res.problems
    assert not p.skipped and "Windows-1252" in p.reason


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        (b"  \n\r\n\t \n", "empty file (only blank space)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file (contains NUL bytes)"),
        (bytes(range(1, 9)) * 50 + b"some text", "binary file (mostly not text)"),
    ],
)
@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
def test_files_that_are_skipped(data, reason, suffix):
    res = read_file(f"x{suffix}", data)
    assert res.articles == []
    assert [(p.path, p.reason, p.skipped) for p in res.problems] == [(f"x{suffix}", reason, True)]


def test_nul_bytes_late_in_a_text_file_are_removed_with_a_warning():
    data = PLAIN.encode() + b"x" * 9000 + b"\x00\x00tail"
    res = read_file("x.txt", data)
    a = one(res)
    assert "\x00" not in a.body and a.body.endswith("tail")
    assert reasons(res) == ["2 NUL byte(s) removed"]


def test_size_cap(tmp_path):
    p = write(tmp_path, "big.txt", PLAIN)
    size = p.stat().st_size
    res = read_file(p, max_bytes=size - 1)
    assert res.articles == []
    [prob] = res.problems
    assert prob.skipped and prob.reason.startswith("too large: ") and "limit" in prob.reason
    # the same when the caller passes the bytes
    assert read_file(p, p.read_bytes(), max_bytes=size - 1).problems == res.problems
    assert one(read_file(p, max_bytes=size))
    assert one(read_file(p, max_bytes=None))


def test_unreadable_paths_are_reported(tmp_path):
    res = read_file(tmp_path / "gone.txt")
    assert res.articles == [] and res.problems[0].reason.startswith("cannot read: ")
    res = read_file(tmp_path)  # a folder
    assert res.articles == [] and res.problems[0].reason.startswith("cannot read: ")


def test_problem_text_names_file_and_kind():
    res = read_file("a/b.txt", b"")
    assert str(res.problems[0]) == "a/b.txt: skipped: empty file"


# ---------------------------------------------------------------------------
# Front matter

FRONT = """---
title: "Storm hits the coast: thousands evacuated"
authors:
  - Ann Lee
  - Bo Chan
publication: The Courier
date: 2016-11-05
url: https://example.org/storm
tags: [weather, coast]
entities:
  persons: [Ann Lee, Mayor Jones]
  orgs: [Red Cross]
  locations: Galveston
---

The storm made landfall on Tuesday.

Second paragraph.
"""


@pytest.mark.parametrize("suffix", [".md", ".markdown", ".txt", ".text"])
def test_front_matter(suffix):
    res = read_file(f"x{suffix}", FRONT.encode())
    a = one(res)
    assert res.problems == []
    assert a.title == "Storm hits the coast: thousands evacuated"
    assert (a.authors, a.author_raw) == (["Ann Lee", "Bo Chan"], "Ann Lee, Bo Chan")
    assert (a.publication, a.date, a.url) == ("The Courier", D(2016, 11, 5), "https://example.org/storm")
    assert a.tags == ["weather", "coast"]
    assert a.entities == {
        "people": ["Ann Lee", "Mayor Jones"],
        "organisations": ["Red Cross"],
        "places": ["Galveston"],
    }
    assert a.body == "The storm made landfall on Tuesday.\n\nSecond paragraph."
    assert a.content_hash == file_hash(FRONT.encode())


def test_front_matter_after_blank_lines():
    a = one(read_file("x.md", ("\n\n" + FRONT).encode()))
    assert (a.title, a.publication) == ("Storm hits the coast: thousands evacuated", "The Courier")


def test_front_matter_scalar_author_string_date_and_flat_entities():
    text = (
        "---\ntitle: A\nauthor: Ann Lee and Bo Chan\nsource: The Courier\n"
        "published: Nov 5, 2016\ntags: weather, coast\npeople: Ann Lee\nplaces: [Paris]\n---\nBody."
    )
    res = read_file("x.md", text.encode())
    a = one(res)
    assert res.problems == []
    assert (a.authors, a.author_raw, a.publication, a.date) == (
        ["Ann Lee", "Bo Chan"], "Ann Lee and Bo Chan", "The Courier", D(2016, 11, 5)
    )
    assert a.tags == ["weather", "coast"]
    assert a.entities == {"people": ["Ann Lee"], "places": ["Paris"]}


def test_front_matter_without_title_takes_the_heading_and_byline():
    text = "---\ntags: [x]\n---\n# The Heading\n\nAnn Lee — Reuters Nov 5, 2016\n\n\nBody."
    res = read_file("x.md", text.encode())
    a = one(res)
    assert res.problems == []
    assert (a.title, a.authors, a.publication, a.date, a.body, a.tags) == (
        "The Heading", ["Ann Lee"], "Reuters", D(2016, 11, 5), "Body.", ["x"]
    )


def test_front_matter_scalars_stay_as_written():
    a = one(read_file("x.md", b"---\ntitle: 1984\npublication: yes\n---\nBody."))
    assert (a.title, a.publication) == ("1984", "yes")


def test_invalid_yaml_front_matter_is_read_line_by_line():
    text = "---\ntitle: Storm: a day\nauthor: Ann Lee\ndate: 2016-11-05\n  bad: [\n---\nBody."
    res = read_file("x.md", text.encode())
    a = one(res)
    assert (a.title, a.authors, a.date, a.body) == (
        "Storm: a day", ["Ann Lee"], D(2016, 11, 5), "Body."
    )
    [p] = res.problems
    assert not p.skipped and "not valid YAML" in p.reason and "line by line" in p.reason


def test_front_matter_with_impossible_yaml_date():
    # PyYAML raises ValueError, not YAMLError, for this one
    res = read_file("x.md", b"---\ntitle: T\ndate: 2016-13-45\n---\nBody.")
    a = one(res)
    assert (a.title, a.date) == ("T", None)
    rs = reasons(res, skipped=False)
    assert any("not valid YAML" in r for r in rs)
    assert any("'2016-13-45'" in r for r in rs)


@pytest.mark.parametrize(
    "text, why",
    [
        ("---\n[unclosed\n---\nTitle here\n\nBody.", "not valid YAML"),
        ("---\n- a\n- b\n---\nTitle here\n\nBody.", "not a mapping"),
        ("---\nTitle here\n\nBody.", "no closing"),
    ],
)
def test_unusable_front_matter_is_read_as_plain_text(text, why):
    res = read_file("x.md", text.encode())
    a = one(res)
    assert a.body.endswith("Body.")
    assert any(why in r for r in reasons(res, skipped=False))
    assert all(not p.skipped for p in res.problems)


def test_front_matter_unknown_entity_type_warns():
    res = read_file("x.md", b"---\ntitle: T\nentities:\n  people: [A]\n  things: [B]\n---\nBody.")
    assert one(res).entities == {"people": ["A"]}
    assert any("unknown entity type 'things'" in r for r in reasons(res, skipped=False))


@pytest.mark.parametrize(
    "text, title, reason",
    [
        ("---\nauthor: Ann Lee\n---\n", "x", "no title; used the file name"),
        ("---\nauthor: Ann Lee\nbody: The text in the front matter.\n---\n",
         "The text in the front matter.", "no title; used the start of the text"),
    ],
)
def test_front_matter_without_any_title(text, title, reason):
    res = read_file("dir/x.md", text.encode())
    a = one(res)
    assert a.title == title
    assert reason in reasons(res, skipped=False)


# ---------------------------------------------------------------------------
# JSON Lines


def jsonl(*rows) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows).encode()


def test_jsonl_rows_with_the_usual_names():
    data = jsonl(
        {"Title": "One", "Author": "Ann Lee, Bo Chan", "Publication": "Reuters",
         "Date": "2016-11-05", "Content": "Text one.", "URL": "https://x/1", "tags": ["a", "b"]},
        "",
        {"headline": "Two", "authors": [{"name": "Cy Diaz"}, "Di Eve"], "source": {"name": "AP"},
         "published_at": "2016-11-15T10:00:00Z", "body": ["Para one.", "Para two."], "link": "https://x/2"},
        {"title": "Three", "byline": "Ann Lee — Reuters Nov 5, 2016", "text": "Text three."},
    )
    res = read_file("c.jsonl", data)
    assert res.problems == []
    a, b, c = res.articles
    assert (
        a.key, a.path, a.title, a.authors, a.author_raw, a.publication, a.date, a.body, a.url,
        a.tags,
    ) == (
        "c.jsonl#1", "c.jsonl", "One", ["Ann Lee", "Bo Chan"], "Ann Lee, Bo Chan", "Reuters",
        D(2016, 11, 5), "Text one.", "https://x/1", ["a", "b"],
    )
    assert (b.key, b.title, b.authors, b.publication, b.date, b.body, b.url) == (
        "c.jsonl#3", "Two", ["Cy Diaz", "Di Eve"], "AP", D(2016, 11, 15), "Para one.\n\nPara two.",
        "https://x/2",
    )
    assert (c.key, c.authors, c.publication, c.date, c.body) == (
        "c.jsonl#4", ["Ann Lee"], "Reuters", D(2016, 11, 5), "Text three."
    )
    assert len({x.content_hash for x in res.articles}) == 3


def test_jsonl_ids_make_keys_and_repeats_fall_back_to_lines():
    data = jsonl({"id": 7, "title": "A", "text": "x"}, {"_id": "b-2", "title": "B", "text": "y"},
                 {"id": 7, "title": "C", "text": "z"})
    res = read_file("c.ndjson", data)
    assert [a.key for a in res.articles] == ["c.ndjson#7", "c.ndjson#b-2", "c.ndjson#3"]
    assert reasons(res) == ["line 3: id '7' repeats line 1; keyed by line"]


def test_jsonl_bad_rows_are_reported_and_skipped():
    data = jsonl(
        {"title": "Good", "text": "x"},
        '{"title": "broken", ',
        "[1, 2]",
        {"author": "Nobody"},
        {"text": "A row with text but no title. It goes on."},
        {"title": "No text here"},
        {"title": "Bad date", "text": "x", "date": "yesterday"},
    )
    res = read_file("c.jsonl", data)
    assert [a.title for a in res.articles] == [
        "Good", "A row with text but no title. It goes on.", "No text here", "Bad date"
    ]
    got = [(p.path, p.reason.split(" (")[0], p.skipped) for p in res.problems]
    assert got == [
        ("c.jsonl", "line 2: not valid JSON", True),
        ("c.jsonl", "line 3: not a JSON object", True),
        ("c.jsonl", "line 4: no title and no text", True),
        ("c.jsonl", "line 5: no title; used the start of the text", False),
        ("c.jsonl", "line 6: no text; indexed by its title only", False),
        ("c.jsonl", "line 7: date 'yesterday' not understood", False),
    ]


def test_jsonl_row_problems_are_capped():
    data = jsonl({"title": "Good", "text": "x"}, *["{bad"] * 30)
    res = read_file("c.jsonl", data)
    assert len(res.articles) == 1
    assert len(res.problems) == _MAX_ROW_PROBLEMS + 1
    assert res.problems[-1].reason == "10 more row problem(s) not listed (10 row(s) skipped)"


def test_jsonl_dates_in_many_shapes():
    shapes = ["2016-11-15", "2016-11-15T10:00:00Z", "Nov 15, 2016", "15 November 2016",
              "Tue, 15 Nov 2016 10:00:00 GMT", 1479204000, 1479204000000]
    data = jsonl(*({"title": "T", "text": "x", "date": s} for s in shapes))
    res = read_file("c.jsonl", data)
    assert res.problems == []
    assert [a.date for a in res.articles] == [D(2016, 11, 15)] * len(shapes)


def test_column_mapping():
    data = jsonl({"Heading": "T", "Story": "Body", "Writers": "Ann Lee", "Paper": "P",
                  "When": "2016-11-05", "Ref": "r1", "Where": "https://x", "Labels2": "a;b"})
    columns = {"title": "heading", "body": "Story", "authors": "Writers", "publication": "Paper",
               "date": "When", "id": "Ref", "url": "Where", "tags": "Labels2"}
    res = read_file("c.jsonl", data, columns=columns)
    a = one(res)
    assert res.problems == []
    assert (a.key, a.title, a.body, a.authors, a.publication, a.date, a.url, a.tags) == (
        "c.jsonl#r1", "T", "Body", ["Ann Lee"], "P", D(2016, 11, 5), "https://x", ["a", "b"]
    )


def test_column_mapping_names_a_missing_column():
    data = jsonl({"title": "T", "text": "x"})
    res = read_file("c.jsonl", data, columns={"authors": "writer_name"})
    assert one(res).title == "T"
    assert reasons(res, skipped=False) == [
        "column 'writer_name' (columns.authors) not found in this file"
    ]
    with pytest.raises(ValueError):
        read_file("c.jsonl", b"{}", columns={"headline": "x"})


def test_a_long_table_without_a_text_column_is_not_read_to_its_end(monkeypatch):
    """A table none of whose first rows has a column for the text is no article table:
    it is not read further (a manifest of a million rows took half a minute and 2 GB)."""
    from searchtui.articles import tables

    monkeypatch.setattr(tables, "ROWS_TO_FIND_TEXT", 50)
    read_rows = []
    real = tables._Rows._add

    def counting(self, line, row):
        read_rows.append(line)
        return real(self, line, row)

    monkeypatch.setattr(tables._Rows, "_add", counting)
    rows = [{"file": f"{i}.txt", "headline": f"T{i}", "date": "2016-11-05"} for i in range(400)]
    res = read_file("corpus/manifest.jsonl", jsonl(*rows))
    assert res.articles == [] and len(read_rows) == 50
    [p] = res.problems
    assert p.skipped and "in its first 50 rows; not read further" in p.reason
    csv_text = "file,headline\n" + "".join(f"{i}.txt,T{i}\n" for i in range(400))
    read_rows.clear()
    res = read_file("corpus/manifest.csv", csv_text.encode())
    assert res.articles == [] and len(read_rows) == 50
    assert "not read further" in res.problems[0].reason
    # a text column within the first rows, or one empty at first, and the table is read
    # to the end
    late = [*rows[:30], {"headline": "Late", "body": "The text at last."}, *rows[30:300]]
    res = read_file("late.jsonl", jsonl(*late))
    assert len(res.articles) == 301 and res.articles[30].title == "Late"
    empty_first = [{"headline": f"T{i}", "text": ""} for i in range(80)]
    empty_first.append({"headline": "Full", "text": "Words."})
    res = read_file("empty.jsonl", jsonl(*empty_first))
    assert len(res.articles) == 81 and res.articles[-1].body == "Words."


def test_a_big_table_without_a_text_column_is_judged_by_its_head(monkeypatch, tmp_path):
    """A manifest of hundreds of megabytes is not read, nor decoded, whole to find it has no
    text column: its head decides, with the same result as reading it all."""
    import searchtui.articles as articles_pkg
    from searchtui.articles import tables

    monkeypatch.setattr(tables, "ROWS_TO_FIND_TEXT", 50)
    monkeypatch.setattr(articles_pkg, "TABLE_HEAD_BYTES", 4096)
    rows = [{"file": f"{i}.txt", "headline": f"T{i}", "day": "2016-11-05"} for i in range(2000)]
    data = jsonl(*rows)
    csv_data = ("file,headline\n" + "".join(f"{i}.txt,T{i}\n" for i in range(2000))).encode()
    assert len(data) > 20 * 4096 and len(csv_data) > 5 * 4096
    whole = {name: read_file(name, d) for name, d in
             (("manifest.jsonl", data), ("manifest.csv", csv_data))}
    (tmp_path / "manifest.jsonl").write_bytes(data)
    (tmp_path / "manifest.csv").write_bytes(csv_data)
    decoded = []
    real_decode = articles_pkg._decode

    def spy(b):
        decoded.append(len(b))
        return real_decode(b)

    def no_whole_read(*a, **k):
        raise AssertionError("read whole")

    monkeypatch.setattr(articles_pkg, "_decode", spy)
    monkeypatch.setattr(articles_pkg, "read_regular", no_whole_read)
    for name, expected in whole.items():
        decoded.clear()
        res = read_file(tmp_path / name, max_bytes=None)
        assert [p.reason for p in res.problems] == [p.reason for p in expected.problems]
        assert res.articles == [] and "not read further" in res.problems[0].reason
        assert decoded and max(decoded) <= 4096
        # given as bytes, only the head is decoded
        decoded.clear()
        assert read_file(name, whole_bytes := (tmp_path / name).read_bytes()).problems[0].reason \
            == expected.problems[0].reason
        assert max(decoded) <= 4096 < len(whole_bytes)


def test_a_big_article_tables_head_is_read_only_to_its_first_text_column(monkeypatch, tmp_path):
    """Probing a big table's head stops at the first row with a column for the text: the
    rows of an article table are turned into articles once, by the whole read."""
    import searchtui.articles as articles_pkg
    from searchtui.articles import tables

    monkeypatch.setattr(articles_pkg, "TABLE_HEAD_BYTES", 4096)
    added = []
    real = tables._Rows._add

    def counting(self, line, row):
        added.append(self.probe)
        return real(self, line, row)

    monkeypatch.setattr(tables._Rows, "_add", counting)
    data = jsonl(*({"headline": f"A{i}", "body": "Words " * 30} for i in range(300)))
    (tmp_path / "articles.jsonl").write_bytes(data)
    assert len(read_file(tmp_path / "articles.jsonl", max_bytes=None).articles) == 300
    assert added.count(True) == 1 and added.count(False) == 300


def test_a_big_table_is_read_whole_unless_its_head_shows_no_text_column(monkeypatch, tmp_path):
    import searchtui.articles as articles_pkg
    from searchtui.articles import tables

    monkeypatch.setattr(tables, "ROWS_TO_FIND_TEXT", 50)
    monkeypatch.setattr(articles_pkg, "TABLE_HEAD_BYTES", 4096)
    meta = [{"file": f"{i}.txt", "headline": f"T{i}"} for i in range(40)]
    # a text column in the first rows, past the head: read to the end
    late = jsonl(*meta, *({"headline": f"A{i}", "body": "Words " * 30} for i in range(300)))
    (tmp_path / "late.jsonl").write_bytes(late)
    assert len(read_file(tmp_path / "late.jsonl", max_bytes=None).articles) == 340
    # rows longer than the head holds fifty of: the head cannot decide, the file is read
    long_rows = jsonl(*({"headline": f"T{i}", "notes": "n" * 400} for i in range(44)),
                      {"headline": "Last", "text": "At the end."})
    (tmp_path / "long.jsonl").write_bytes(long_rows)
    res = read_file(tmp_path / "long.jsonl", max_bytes=None)
    assert len(res.articles) == 45 and res.articles[-1].title == "Last"
    # a head that is not clean UTF-8 does not decide alone: the whole file is decoded as before
    bad = b"file,headline\n" + b"".join(b"%d.txt,Caf\xe9 %d\n" % (i, i) for i in range(2000))
    (tmp_path / "legacy.csv").write_bytes(bad)
    res = read_file(tmp_path / "legacy.csv", max_bytes=None)
    assert any("read as Windows-1252" in p.reason for p in res.problems)
    assert any("not read further" in p.reason for p in res.problems)


@pytest.mark.parametrize("text", ["", "a", "a\n", "\n\nb\n\n", "x\r\ny\nz"])
def test_table_lines_are_split_as_split_does(text):
    from searchtui.articles.tables import _lines

    assert list(_lines(text)) == text.split("\n")


def test_metadata_table_is_not_articles():
    """A manifest beside the articles (no text column) is skipped as a whole, with its columns."""
    row = {"title": "T", "author": None, "date": "2016-11-05"}
    data = jsonl(*({"file": f"{i}.txt", **row} for i in range(3)))
    res = read_file("corpus/manifest.jsonl", data)
    assert res.articles == []
    [p] = res.problems
    assert p.skipped
    assert p.reason.startswith("not an article table: no body, content or text column")
    assert "author, date, file, title" in p.reason
    # naming the text column that is not there says so
    res = read_file("x.jsonl", data, columns={"body": "story"})
    assert "no column 'story' (columns.body)" in res.problems[0].reason


def test_jsonl_row_over_the_cap_is_skipped():
    data = jsonl({"title": "small", "text": "x"}, {"title": "big", "text": "y" * 5000})
    res = read_file("c.jsonl", data, max_bytes=1000)
    assert [a.title for a in res.articles] == ["small"]
    assert reasons(res)[0].startswith("line 2: row too large")
    # the file as a whole has no cap
    assert len(read_file("c.jsonl", data, max_bytes=4000).articles) == 1


def test_jsonl_row_hash_follows_the_row():
    row = {"title": "T", "text": "x"}
    h1 = read_file("c.jsonl", jsonl({"title": "other", "text": "o"}, row)).articles[1].content_hash
    h2 = read_file("c.jsonl", jsonl(row)).articles[0].content_hash
    h3 = read_file("c.jsonl", jsonl({"title": "T", "text": "changed"})).articles[0].content_hash
    assert h1 == h2 != h3


def test_jsonl_entities_and_list_literals():
    data = jsonl({"title": "T", "text": "x", "authors": "['Ann Lee', 'Bo Chan']",
                  "entities": {"PERSON": ["Ann Lee"], "ORG": "UN", "GPE": ["Paris", "Paris"]}})
    a = one(read_file("c.jsonl", data))
    assert a.authors == ["Ann Lee", "Bo Chan"]
    assert a.entities == {"people": ["Ann Lee"], "organisations": ["UN"], "places": ["Paris"]}


def test_jsonl_values_on_several_lines_become_one_line():
    data = jsonl({"title": "Two\nlines", "publication": " The\n Courier ", "author": "Ann\nLee",
                  "tags": ["a\nb"], "text": "Para one.\n\nPara two."})
    a = one(read_file("c.jsonl", data))
    assert (a.title, a.publication, a.authors, a.tags) == (
        "Two lines", "The Courier", ["Ann Lee"], ["a b"]
    )
    assert a.body == "Para one.\n\nPara two."


def test_entities_that_are_not_a_mapping_are_reported():
    res = read_file("c.jsonl", jsonl({"title": "T", "text": "x", "entities": ["Ann Lee"]}))
    assert one(res).entities == {}
    assert reasons(res, skipped=False) == [
        "line 1: entities is not a mapping of types to names; ignored"
    ]


# ---------------------------------------------------------------------------
# CSV


def test_csv_rows():
    data = (
        b'Title,Author,Publication,Date,Content,URL\n'
        b'One,"Ann Lee, Bo Chan",Reuters,"Nov 5, 2016","Line one.\n\nLine two.",https://x/1\n'
        b'\n'
        b'Two,,AP,2016-11-15T10:00:00Z,Text two,\n'
    )
    res = read_file("c.csv", data)
    assert res.problems == []
    a, b = res.articles
    assert (a.key, a.title, a.authors, a.publication, a.date, a.body, a.url) == (
        "c.csv#2", "One", ["Ann Lee", "Bo Chan"], "Reuters", D(2016, 11, 5),
        "Line one.\n\nLine two.", "https://x/1",
    )
    # keys and problems count physical lines: the first record spans lines 2-4
    assert (b.key, b.title, b.authors, b.author_raw, b.date, b.url) == (
        "c.csv#6", "Two", [], None, D(2016, 11, 15), None
    )


def test_csv_from_a_spreadsheet_bom_crlf_semicolons():
    data = (
        b"\xef\xbb\xbfheadline;byline;text\r\n"
        b"One;Ann Lee \xe2\x80\x94 Reuters Nov 5, 2016;Body\r\n"
    )
    a = one(read_file("c.csv", data))
    assert (a.title, a.authors, a.publication, a.date, a.body) == (
        "One", ["Ann Lee"], "Reuters", D(2016, 11, 5), "Body"
    )


def test_csv_byline_column_beside_a_publication_column_holds_the_authors():
    data = (
        "headline,byline,source,published_at,text\n"
        'One,Anna Schmidt,Der Spiegel,2019-03-04,Body one\n'
        'Two,"Jean Müller; Paul Weiß",NZZ,4 March 2019,Body two\n'
        'Three,Ann Lee \u2014 Reuters,AP,2019-03-05,Body three\n'
    ).encode()
    rows = read_file("c.csv", data).articles
    assert [(a.authors, a.author_raw, a.publication, a.date) for a in rows] == [
        (["Anna Schmidt"], "Anna Schmidt", "Der Spiegel", D(2019, 3, 4)),
        (["Jean Müller", "Paul Weiß"], "Jean Müller; Paul Weiß", "NZZ", D(2019, 3, 4)),
        # a full byline still gives its author; the publication column wins
        (["Ann Lee"], "Ann Lee", "AP", D(2019, 3, 5)),
    ]


def test_csv_entities_as_json_text():
    data = b'title,text,entities\nT,x,"{""people"": [""Ann Lee""], ""places"": ""Paris""}"\n'
    assert one(read_file("c.csv", data)).entities == {"people": ["Ann Lee"], "places": ["Paris"]}


def test_tsv():
    a = one(read_file("c.tsv", b"title\tbody\tid\nOne, two\tText, more\tk1\n"))
    assert (a.key, a.title, a.body) == ("c.tsv#k1", "One, two", "Text, more")


def test_csv_bad_rows():
    data = (
        b"title,text\n"
        b"good,x\n"
        b"too,many,fields\n"
        b"short\n"
        b'"broken"quote,x\n'
        b"last,y\n"
    )
    res = read_file("c.csv", data)
    assert [a.title for a in res.articles] == ["good", "short", "last"]
    assert [r.split(" (")[0] for r in reasons(res)] == [
        "line 3: 3 fields, the header has 2",
        "line 4: no text; indexed by its title only",
        "line 5: not a valid CSV row",
    ]


def test_csv_unclosed_quote_is_reported():
    res = read_file("c.csv", b'title,text\ngood,x\nbad,"never closed\nlast,y\n')
    assert [a.title for a in res.articles] == ["good"]
    assert "never closed" in reasons(res)[0] and reasons(res)[0].startswith("line 3:")


def test_csv_large_fields_and_row_cap():
    big = "word " * 60000  # over the csv module's default field limit
    data = f"title,body\nbig,{big}\nsmall,x\n".encode()
    assert [len(a.body) > 100000 for a in read_file("c.csv", data).articles] == [True, False]
    res = read_file("c.csv", data, max_bytes=1000)
    assert [a.title for a in res.articles] == ["small"]
    assert reasons(res)[0].startswith("line 2: row too large")


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"title,body\n", "no rows in this CSV file"),
        (b"file,title,author\na.txt,T,A\n", "not an article table"),
    ],
)
def test_csv_without_articles(data, reason):
    res = read_file("c.csv", data)
    assert res.articles == []
    assert res.problems[0].skipped and res.problems[0].reason.startswith(reason)


# ---------------------------------------------------------------------------
# Discovering files


def test_discover(tmp_path):
    write(tmp_path, "b.txt", "B")
    write(tmp_path, "a.md", "A")
    write(tmp_path, "sub/c.CSV", "title,body\n")
    write(tmp_path, "sub/deeper/d.jsonl", "{}")
    write(tmp_path, "sub/e.ndjson", "{}")
    write(tmp_path, "sub/f.markdown", "F")
    write(tmp_path, "sub/g.text", "G")
    write(tmp_path, "sub/h.tsv", "t\tb\n")
    write(tmp_path, "sub/photo.jpg", b"\xff\xd8")
    write(tmp_path, "sub/data.json", "{}")
    write(tmp_path, ".hidden.txt", "H")
    write(tmp_path, ".git/objects/x.txt", "X")
    write(tmp_path, "README.md", "About this folder")
    write(tmp_path, "sub/LICENSE.txt", "Licence")
    files, problems = discover([tmp_path, tmp_path / "b.txt", str(tmp_path / "sub")])
    rel = [f.relative_to(tmp_path).as_posix() for f in files]
    assert rel == ["a.md", "b.txt", "sub/c.CSV", "sub/deeper/d.jsonl", "sub/e.ndjson",
                   "sub/f.markdown", "sub/g.text", "sub/h.tsv"]
    assert all(isinstance(f, Path) for f in files)
    # documentation files are reported once each, even when reached twice
    assert sorted((Path(p.path).name, p.skipped) for p in problems) == [
        ("LICENSE.txt", True), ("README.md", True)
    ]


def test_discover_orders_paths_part_by_part(tmp_path):
    """A folder's files come before those of a folder whose name extends its own with
    a space, a dash or a dot (as paths compare part by part, not as strings)."""
    for rel in ["a/x.txt", "a b/x.txt", "a-b/x.txt", "a.b/x.txt", "a/b/y.txt", "a.txt",
                "ab.txt", "A/z.md", "a/b.txt", "a/b c.txt"]:
        write(tmp_path, rel, "X")
    files, _ = discover([tmp_path])
    rel = [f.relative_to(tmp_path).as_posix() for f in files]
    assert rel == sorted(rel, key=lambda r: r.split("/"))
    assert rel.index("a/x.txt") < rel.index("a b/x.txt")


def test_discover_explicit_files(tmp_path):
    readme = write(tmp_path, "README.md", "About")
    pdf = write(tmp_path, "paper.pdf", b"%PDF")
    files, problems = discover([readme, pdf])
    assert files == [readme]
    [p] = problems
    assert p.path == str(pdf) and "unsupported file type '.pdf'" in p.reason
    # one path given as a plain string
    assert discover(str(readme)) == ([readme], [])


def test_discover_missing_path(tmp_path):
    write(tmp_path, "a.txt", "A")
    with pytest.raises(CorpusMissing) as err:
        discover([tmp_path, tmp_path / "nope"])
    msg = str(err.value)
    assert "nope" in msg and "\n" not in msg


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_discover_links(tmp_path):
    write(tmp_path, "real/a.txt", "A")
    (tmp_path / "real" / "loop").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    files, problems = discover([tmp_path])
    assert files == [tmp_path / "real" / "a.txt"]
    assert [Path(p.path).name for p in problems] == ["dangling.txt"]


def test_discover_files_keeps_each_files_real_path_size_and_time(tmp_path):
    from searchtui.articles import discover_files

    write(tmp_path, "real/a.txt", "A short one")
    write(tmp_path, "real/b.txt", "A longer article than the first")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real" / "b.txt")
    files, problems = discover_files([tmp_path])
    assert problems == []
    by_name = {Path(f.path).name: f for f in files}
    # the link and its target are one file, found once
    assert len(files) == 2 and set(by_name) <= {"a.txt", "b.txt", "link.txt"}
    for f in files:
        st = os.stat(f.real)
        assert (f.size, f.mtime_ns) == (st.st_size, st.st_mtime_ns)
        assert f.real == os.path.realpath(f.path)
    a = by_name["a.txt"]
    assert a.real is a.path  # one string when there is no link on the way


def _odd_folder(root: Path) -> Path:
    """A folder of every kind of entry a scan meets."""
    folder = root / "corpus"
    for i in range(12):
        write(folder, f"plain{i:02d}.txt", f"Article {i}")
    write(folder, "Zürich café.md", "Accented name")
    write(folder, ".hidden.txt", "Hidden")
    write(folder, "README.md", "About the folder")
    write(folder, "notes.pdf", "Another type")
    write(root, "elsewhere/target.txt", "Linked to")
    (folder / "link.txt").symlink_to(root / "elsewhere" / "target.txt")
    (folder / "dangling.txt").symlink_to(root / "nowhere.txt")
    (folder / "twin.txt").symlink_to(folder / "plain00.txt")
    os.mkfifo(folder / "pipe.txt")
    raw = os.fsencode(folder) + b"/caf\xe9.txt"  # not UTF-8
    with open(raw, "wb") as fh:
        fh.write(b"Latin-1 name")
    far = 32_503_680_000 * 10**9  # the year 3000
    os.utime(folder / "plain03.txt", ns=(far, far))
    write(folder, "sub/deeper.txt", "Below")
    return folder


@pytest.mark.parametrize("split", [3, 10**9], ids=["two threads", "one thread"])
def test_the_compiled_scan_finds_what_os_lstat_finds(tmp_path, monkeypatch, split):
    """Scanning with the compiled status loop (in two halves at once, or one) finds the
    same files with the same sizes and times, and the same problems, as asking
    os.lstat for each file; a time past 64 bits of nanoseconds is the largest."""
    from searchtui import filestates, kernels
    from searchtui.articles import discover_files

    discover_mod = sys.modules["searchtui.articles.discover"]  # the module, not the function

    if kernels.loops is None:
        pytest.skip("the compiled loops are not built in this install")
    folder = _odd_folder(tmp_path)
    monkeypatch.setattr(discover_mod, "SPLIT_STATUSES", split)
    compiled, compiled_problems = discover_files([folder])
    monkeypatch.setattr(kernels, "loops", None)
    plain, plain_problems = discover_files([folder])
    assert sorted(map(repr, compiled_problems)) == sorted(map(repr, plain_problems))
    assert {Path(p.path).name for p in plain_problems} >= {
        "README.md", "dangling.txt", "pipe.txt", "caf\\xe9.txt"}
    assert [(f.path, f.real, f.size) for f in compiled] == [
        (f.path, f.real, f.size) for f in plain]
    times = [f.mtime_ns for f in plain]
    assert filestates.times([f.mtime_ns for f in compiled]).tolist() == (
        filestates.times(times).tolist())
    assert len(compiled) == 15  # 12 plain, the accented, the linked target, the one below


_NAME_PARTS = [
    "", ".", "..", "a", "Zeitung 1987", "x.y", "-", "\n", " ", "readme", "README", "License",
    "code_of_conduct", "CHANGELOG", "txt", "TXT", "Text", "md", "MarkDown", "csv", "TSV",
    "jsonl", "NDJSON", "pdf", "txt~", "tx",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_NAME_PARTS), min_size=1, max_size=5).map("".join),
                max_size=30, unique=True))
def test_a_folder_of_ascii_names_is_sorted_out_as_name_by_name(names):
    """The patterns that sort out a folder of ASCII names at once keep and skip the
    names the rule for one name keeps and skips."""
    discover_mod = sys.modules["searchtui.articles.discover"]
    names = [n for n in names if n not in ("", ".", "..")]
    skipped: list[str] = []
    kept = discover_mod._article_names(list(names), "f/", lambda p, _why: skipped.append(p))
    kinds = {n: discover_mod._name_kind(n) for n in names}
    assert kept == sorted(n for n in names if kinds[n] == "article")
    assert sorted(skipped) == sorted("f/" + n for n in names if kinds[n] == "doc")


def test_files_come_in_path_order_however_folders_and_files_interleave(tmp_path, monkeypatch):
    """A folder's files come before or after the files below its folders as their paths
    order them (the folders are walked first to last), with or without the compiled
    status loop, and whether a folder is taken at once or file by file."""
    from searchtui import kernels
    from searchtui.articles import discover_columns, discover_files

    root = tmp_path / "corpus"
    for rel in ["b.txt", "a.txt", "a/z.txt", "a/b/c.txt", "a.d/y.md", "a0.txt", "B/x.txt",
                "m/one.txt", "m/Two.TXT", "zz.csv"]:
        write(root, rel, "Title\n\nText.")
    (root / "m" / "link.txt").symlink_to(root / "a.txt")  # the same file by another way
    expected = sorted(
        (str(p) for p in root.rglob("*") if p.is_file() and not p.is_symlink()),
        key=lambda p: p.replace(os.sep, "\0"),
    )
    runs = []
    for loops in ([kernels.loops] if kernels.loops is not None else []) + [None]:
        monkeypatch.setattr(kernels, "loops", loops)
        files, problems = discover_files([root])
        assert problems == []
        assert [f.real for f in files] == expected
        columns, _ = discover_columns([root])
        assert columns.reals == expected and len(columns) == len(expected)
        assert columns.size.tolist() == [os.stat(p).st_size for p in expected]
        runs.append(files)
    assert all(run == runs[0] for run in runs)
    flat = tmp_path / "flat"
    for i in (3, 1, 2):
        write(flat, f"{i}.txt", "T\n\nx")
    assert [Path(f.path).name for f in discover_files([flat])[0]] == ["1.txt", "2.txt", "3.txt"]


def test_the_compiled_status_loop_says_which_entries_have_none(tmp_path):
    from searchtui import kernels

    if kernels.loops is None:
        pytest.skip("the compiled loops are not built in this install")
    write(tmp_path, "a.txt", "Here")
    (tmp_path / "link.txt").symlink_to(tmp_path / "gone.txt")
    names = ["a.txt", "missing.txt", "link.txt"]
    mode = np.zeros(3, np.uint32)
    size, mtime = np.zeros(3, np.int64), np.zeros(3, np.int64)
    error = np.zeros(3, np.int32)
    kernels.loops.lstat_names(os.fsencode(tmp_path), names, 0, 3, mode, size, mtime, error)
    st = os.lstat(tmp_path / "a.txt")
    assert (int(mode[0]), int(size[0]), int(mtime[0])) == (st.st_mode, st.st_size, st.st_mtime_ns)
    assert error.tolist() == [0, errno.ENOENT, 0]
    assert stat.S_ISLNK(int(mode[2]))  # the link itself, not followed
    with pytest.raises(OSError):
        kernels.loops.lstat_names(os.fsencode(tmp_path / "nope"), names, 0, 3,
                                  mode, size, mtime, error)
    with pytest.raises(ValueError):
        kernels.loops.lstat_names(os.fsencode(tmp_path), names, 0, 4, mode, size, mtime, error)


def test_files_named_one_by_one_get_their_real_paths(tmp_path, monkeypatch):
    """Files given one by one (relative, through a linked folder, a link themselves)
    are found at the real paths os.path.realpath gives, each real file once."""
    from searchtui.articles import discover_files

    write(tmp_path, "real/a.txt", "A short one")
    write(tmp_path, "real/b.txt", "Another")
    (tmp_path / "via").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "c.txt").symlink_to(tmp_path / "real" / "a.txt")
    monkeypatch.chdir(tmp_path)
    given = ["real/a.txt", "via/b.txt", str(tmp_path / "real" / "c.txt"), "real/../real/b.txt",
             Path("via") / "a.txt"]
    files, problems = discover_files(given)
    assert problems == []
    for f in files:
        assert f.real == os.path.realpath(f.path)
    assert sorted(f.real for f in files) == [str((tmp_path / "real" / n).resolve())
                                             for n in ("a.txt", "b.txt")]


# ---------------------------------------------------------------------------
# Ground truth: the shared corpora and their manifests


#: Author parts of the AllSides manifest that are a scraper's leftovers, not names:
#: the index leaves them out (``is_name_part``); every other part is kept as written.
NOT_NAMES = {
    "In July Of", "Staff Writer At", "Author Of", "In March", "Updated Pm Est",
    "On Elijah Cummings", "Staff Writer For", "On Tbn.", "In Berkeleylovelace", "For Cnn",
    "On Doctor Payments", "Follow Jill On", "Follow Erin On", "Doer Of", "Follow John On",
    "Follow Tal On", "Follow Scott On", "Follow On Facebook", "Follow On Twitter",
    "Posted - May", "Follow Matier On", "Updated Pm Edt", "An Interview With",
    "In February", "Contributing Writer At", "On Iran",
}


def check_against_manifest(folder: Path) -> tuple[int, set[str]]:
    """The articles checked, and the manifest's author parts that were left out."""
    rows = {}
    with open(folder / "manifest.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            rows[r["file"]] = r
    files, problems = discover([folder])
    assert [Path(p.path).name for p in problems] == ["README.md"]
    checked = 0
    mismatches = []
    left_out: set[str] = set()
    for f in files:
        res = read_file(f)
        if f.name == "manifest.jsonl":
            assert res.articles == [] and res.problems[0].reason.startswith("not an article table")
            continue
        r = rows.pop(f.name)
        assert res.problems == [], res.problems
        a = one(res)
        date = a.date.isoformat() if a.date else None
        got = (a.title, a.author_raw, a.authors, a.publication, date)
        parts = [n.strip() for n in r["author"].split(",")] if r["author"] else []
        left_out.update(p for p in parts if p in NOT_NAMES)
        want = (
            r["title"],
            r["author"],
            [p for p in parts if p not in NOT_NAMES],
            r["publication"],
            r["date"],
        )
        if got != want:
            mismatches.append((f.name, want, got))
        checked += 1
    assert mismatches[:5] == [] and len(mismatches) == 0
    assert rows == {}, f"files in the manifest but not found: {list(rows)[:5]}"
    return checked, left_out


def test_allsides_ground_truth(allsides_dir):
    assert check_against_manifest(allsides_dir) == (8798, NOT_NAMES)


_BY = re.compile(r"^By ")


@pytest.mark.parametrize(
    "raw, authors",
    [
        ("Maria Lopez, In June Of", ["Maria Lopez"]),
        ("By Sam Ortiz, Staff Reporter At", ["Sam Ortiz"]),
        ("Follow Ana On, Ana Ruiz", ["Ana Ruiz"]),
        ("Updated Am Edt", []),
        ("Dev Patel, For The Daily Post", ["Dev Patel"]),
        ("Posted: Tom Reyes", []),
        # names that start or end with short words that are names too
        ("An Nguyen, To Lam", ["An Nguyen", "To Lam"]),
        ("Ji-hye An and Minh To", ["Ji-hye An", "Minh To"]),
        ("The Associated Press", ["The Associated Press"]),
        ("Ursula von der Leyen, Ines de Castro", ["Ursula von der Leyen", "Ines de Castro"]),
    ],
)
def test_author_parts_that_cannot_be_names_are_left_out(raw, authors):
    assert split_authors(raw) == authors
    byline = parse_byline(f"{raw} — Daily Post Jan 5, 2021")
    assert byline.authors == authors
    assert byline.author_raw == _BY.sub("", raw)


def test_wikinews_ground_truth(wikinews_dir):
    assert check_against_manifest(wikinews_dir) == (291, set())


# ---------------------------------------------------------------------------
# Properties


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(sorted(SUPPORTED_SUFFIXES)))
def test_any_bytes_never_raise(data, suffix):
    check_result(read_file(f"dir/x{suffix}", data), f"dir/x{suffix}")


# Text made of the pieces that matter to the readers: separators, quotes,
# dashes, front matter and JSON punctuation, newlines of every kind.
PIECES = st.sampled_from(
    ["\n", "\r\n", "\r", "\n\n\n", "---\n", "— ", " – ", " - ", ",", ";", '"', "'", "{", "}", "[",
     "]", ":", "title", "body", "text", "date", "author", "id", "Nov 5, 2016", "2016-11-05", "Jr.",
     " and ", "# ",
     "\t", "\ufeff", "\xa0", "é", "\x00", "\x01", " ", "Ann Lee", "x"]
)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(PIECES | st.text(max_size=8), max_size=60),
       suffix=st.sampled_from(sorted(SUPPORTED_SUFFIXES)),
       max_bytes=st.sampled_from([None, 50, 10**6]))
def test_structured_text_never_raises(parts, suffix, max_bytes):
    data = "".join(parts).encode("utf-8", "surrogatepass")
    check_result(read_file(f"x{suffix}", data, max_bytes=max_bytes), f"x{suffix}")


def check_result(res, path):
    assert res.path == path
    for p in res.problems:
        assert p.path == path and p.reason and "internal error" not in p.reason
        assert "\n" not in p.reason
    keys = [a.key for a in res.articles]
    assert len(keys) == len(set(keys))
    for a in res.articles:
        assert isinstance(a.title, str) and a.title.strip()
        assert a.path == path and a.key.startswith(path)
        assert len(a.content_hash) == 40
        assert a.date is None or isinstance(a.date, dt.date)
        assert all(isinstance(n, str) and n for n in a.authors)
    if not res.articles:
        assert any(p.skipped for p in res.problems), "a file with no article must say why"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_parse_byline_never_raises(line):
    b = parse_byline(line)
    assert all(n.strip() == n and n for n in b.authors)


NAME = st.from_regex(r"[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8}){1,2}", fullmatch=True).filter(
    # a leading "By" is a label, and a part no name starts or ends with ("Of Aa",
    # "Jill On") scraped junk, by design
    lambda n: not n.startswith("By ") and is_name_part(n)
)
PUB = st.from_regex(r"[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8}){0,2}", fullmatch=True).filter(
    # a leading "By" is a label; a trailing weekday ("AP Monday") a relative date, by design
    lambda p: not p.startswith("By ") and not re.search(r" \w+day$", p)
)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(NAME, min_size=0, max_size=4, unique=True),
    pub=PUB,
    # dates outside the plausible window are left undated, by design
    date=st.none() | st.dates(min_value=D(1900, 1, 1), max_value=dt.date.today()),
    sep=st.sampled_from([" — ", " – ", "—"]),
)
def test_byline_round_trip(names, pub, date, sep):
    line = (", ".join(names) + sep if names else "") + pub
    if date:
        line += f" {MONTHS[date.month - 1]} {date.day}, {date.year}"
    b = parse_byline(line)
    assert (b.authors, b.publication, b.date) == (names, pub, date)


# ---------------------------------------------------------------------------
# Boundaries


def test_reader_imports_no_ui_or_index_code():
    code = (
        "import sys, searchtui.articles; "
        "bad = [m for m in ('textual', 'rich', 'whoosh') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == ""
