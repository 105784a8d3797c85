"""Typed dates read one way everywhere: the same text means the same days in a
query's ``date:``, in the app's date box and in the CLI's ``--from``/``--to``."""

from __future__ import annotations

import datetime as dt

import pytest

from searchtui.cli import build_parser
from searchtui.dates import format_date_range, parse_date_period, parse_date_range
from searchtui.errors import DateRangeError, QueryError
from searchtui.query import extract_dates

D = dt.date


@pytest.mark.parametrize(
    "text, expected",
    [
        # every separator inside a date, in a period and in a range
        ("2016/11", (D(2016, 11, 1), D(2016, 11, 30))),
        ("2016.11", (D(2016, 11, 1), D(2016, 11, 30))),
        ("2016/11/15", (D(2016, 11, 15), D(2016, 11, 15))),
        ("2016.2.29", (D(2016, 2, 29), D(2016, 2, 29))),
        ("2016/11..2017/02", (D(2016, 11, 1), D(2017, 2, 28))),
        ("2016.11..2016.12.05", (D(2016, 11, 1), D(2016, 12, 5))),
        # every separator between the ends, open ends
        ("2016–2017", (D(2016, 1, 1), D(2017, 12, 31))),
        ("2016-11—2016-12", (D(2016, 11, 1), D(2016, 12, 31))),
        ("2016/11/01 to 2016/11/30", (D(2016, 11, 1), D(2016, 11, 30))),
        ("2016/11..", (D(2016, 11, 1), None)),
        ("..2016/11", (None, D(2016, 11, 30))),
        ("  2016  ", (D(2016, 1, 1), D(2016, 12, 31))),
    ],
)
def test_the_forms_of_a_date_range(text, expected):
    assert parse_date_range(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("2016-13", "month 13 does not exist"),
        ("2016/0", "month 0 does not exist"),
        ("2015-02-29", "29 is not a real day of February 2015"),
        ("0000", "there was no year 0"),
        ("nov", "is not a date"),
        ("2016-11-15x", "is not a date"),
        ("2017..2016", "ends before it starts"),
        ("2016/11/30 to 2016/11/01", "ends before it starts"),
        ("2016..nov", "is not a date"),
    ],
)
def test_dates_that_cannot_be_read(text, message):
    with pytest.raises(DateRangeError, match=message):
        parse_date_range(text)


SAME_EVERYWHERE = [
    "2016", "2016-11", "2016/11", "2016.11", "2016-11-15", "2016/11/15", "2016.11.15",
    "2016-2-29", "2016..2017", "2016/11..2017/02", "2016-11-01..", "..2016-11", "2016–2017",
    "2016/11—2016/12/05",
]


@pytest.mark.parametrize("text", SAME_EVERYWHERE)
def test_a_query_and_the_date_box_read_the_same_days(text):
    assert extract_dates(f"date:{text}") == ("", *parse_date_range(text))
    assert extract_dates(f'on:"{text}"') == ("", *parse_date_range(text))


@pytest.mark.parametrize(
    "text", ["2016", "2016-11", "2016/11", "2016.11", "2016/11/15", "2016-2-29"]
)
def test_the_cli_reads_a_period_as_the_query_does(text):
    args = build_parser().parse_args(["search", "x", "--from", text, "--to", text])
    first, last = parse_date_period(text)
    assert (args.date_from, args.date_to) == (first, last)
    assert extract_dates(f"from:{text} to:{text}") == ("", first, last)


@pytest.mark.parametrize("text", ["2016-13", "2015-02-29", "2017..2016", "nov"])
def test_a_bad_date_is_refused_in_a_query_and_in_the_box(text):
    with pytest.raises(DateRangeError) as box:
        parse_date_range(text)
    with pytest.raises(QueryError) as query:
        extract_dates(f"date:{text}")
    assert query.value.message == f"date: {box.value}"


@pytest.mark.parametrize(
    "start, end",
    [(D(2019, 1, 1), D(2019, 1, 31)), (D(2019, 1, 1), D(2019, 1, 1)), (None, D(2019, 1, 1)),
     (D(2019, 1, 1), None), (None, None)],
)
def test_a_formatted_range_reads_back_as_itself(start, end):
    assert parse_date_range(format_date_range(start, end)) == (start, end)
