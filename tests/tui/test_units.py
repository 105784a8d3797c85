"""The app's small pure helpers: date ranges, history, snippet spacing."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchtui.dates import format_date_range, parse_date_range
from searchtui.errors import DateRangeError
from searchtui.tui.history import QueryHistory
from searchtui.tui.widgets.render import collapse_spaces, shorten
from searchtui.tui.widgets.status import suggestion_text

D = dt.date


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", (None, None)),
        ("2019", (D(2019, 1, 1), D(2019, 12, 31))),
        ("2020-02", (D(2020, 2, 1), D(2020, 2, 29))),
        ("2019-05-21", (D(2019, 5, 21), D(2019, 5, 21))),
        ("2019-01..2019-06", (D(2019, 1, 1), D(2019, 6, 30))),
        ("2019-05-01 to 2019-05-31", (D(2019, 5, 1), D(2019, 5, 31))),
        ("2019-03..", (D(2019, 3, 1), None)),
        ("..2018", (None, D(2018, 12, 31))),
    ],
)
def test_date_ranges(text, expected):
    assert parse_date_range(text) == expected


@pytest.mark.parametrize("text", ["2019-13", "2019-02-30", "may", "2019-06..2019-01"])
def test_bad_date_ranges(text):
    with pytest.raises(DateRangeError):
        parse_date_range(text)


def test_format_date_range():
    assert format_date_range(D(2019, 1, 1), D(2019, 1, 31)) == "2019-01-01..2019-01-31"
    assert format_date_range(D(2019, 1, 1), D(2019, 1, 1)) == "2019-01-01"
    assert format_date_range(None, D(2019, 1, 1)) == "..2019-01-01"
    assert format_date_range(None, None) == ""


def test_history_keeps_order_without_repeats(tmp_path):
    h = QueryHistory.in_dir(tmp_path / "state", limit=3)
    for q in ["a", "b", "a", "  ", "c", "d"]:
        h.add(q)
    assert h.entries == ["b", "a", "c", "d"][-3:]
    again = QueryHistory.in_dir(tmp_path / "state", limit=3)
    assert again.entries == ["a", "c", "d"]


def test_history_survives_a_broken_file(tmp_path):
    (tmp_path / "history.json").write_text("{not json")
    h = QueryHistory.in_dir(tmp_path)
    assert h.entries == [] and "cannot read" in h.error


def test_collapse_spaces_moves_highlights():
    text = "the  border\n\nwall was"
    spans = [(5, 11), (13, 17)]
    new, moved = collapse_spaces(text, spans)
    assert new == "the border wall was"
    assert [new[s:e] for s, e in moved] == ["border", "wall"]


def _collapse_letter_by_letter(text, spans):
    """The spaces collapsed one letter at a time: what collapse_spaces must give."""
    out, where, in_space = [], [], False
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


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=" \t\n\r\x0b\x0c\xa0\u2003\u2028\u200bab", max_size=40),
    st.lists(st.tuples(st.integers(-2, 42), st.integers(-2, 42)), max_size=6),
)
def test_collapse_spaces_is_the_letter_by_letter_collapse(text, spans):
    """White space of every kind (tabs, breaks, no-break and wide spaces; not a
    zero-width space), spans anywhere, inside runs, empty or out of the text."""
    assert collapse_spaces(text, spans) == _collapse_letter_by_letter(text, spans)


def test_shorten_keeps_spans_that_fit():
    text, spans = shorten("alpha beta gamma delta", [(0, 5), (17, 22)], 12)
    assert text == "alpha beta…" and spans == [(0, 5)]


@pytest.mark.parametrize(
    "query, shown",
    [
        ("government shutdown", "Did you mean government shutdown?"),
        ("Did Comey leak the memos?", "Did you mean Did Comey leak the memos?"),
        ("WILL THE FED RAISE RATES ? ", "Did you mean WILL THE FED RAISE RATES ? "),
    ],
)
def test_a_suggested_question_keeps_one_question_mark(query, shown):
    assert suggestion_text(query).plain == shown
