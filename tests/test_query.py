"""Reading the query language without an index: dates taken out of the text,
quotes and brackets balanced, field names, and the errors for what cannot be
read."""

from __future__ import annotations

import datetime as dt

import pytest
from whoosh import query as wq

from searchtui.dates import parse_date_period
from searchtui.errors import QueryError
from searchtui.query import (
    MAX_QUERY_CHARS,
    extract_dates,
    make_parser,
    parse_query,
)
from searchtui.schema import make_schema
from searchtui.whooshext import OffsetPhrase

D = dt.date


@pytest.fixture(scope="module")
def parser():
    return make_parser(make_schema())


def parse(parser, text):
    return parse_query(parser, text)


# ---------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    "text, first, last",
    [
        ("2016", D(2016, 1, 1), D(2016, 12, 31)),
        ("2016-11", D(2016, 11, 1), D(2016, 11, 30)),
        ("2016-02", D(2016, 2, 1), D(2016, 2, 29)),
        ("2015-02", D(2015, 2, 1), D(2015, 2, 28)),
        ("2016-12", D(2016, 12, 1), D(2016, 12, 31)),
        ("2016-1", D(2016, 1, 1), D(2016, 1, 31)),
        ("2016-11-15", D(2016, 11, 15), D(2016, 11, 15)),
        ("2016-2-29", D(2016, 2, 29), D(2016, 2, 29)),
        ("2016/11/15", D(2016, 11, 15), D(2016, 11, 15)),
    ],
)
def test_date_periods(text, first, last):
    assert parse_date_period(text) == (first, last)


@pytest.mark.parametrize(
    "text", ["16", "2016-13", "2016-00", "2015-02-29", "2016-11-31", "nov", "2016-11-15x", ""]
)
def test_not_a_date_period(text):
    with pytest.raises(ValueError):
        parse_date_period(text)


@pytest.mark.parametrize(
    "text, rest, first, last",
    [
        ("date:2016", "", D(2016, 1, 1), D(2016, 12, 31)),
        ("date:2016-11", "", D(2016, 11, 1), D(2016, 11, 30)),
        ("date:2016-11-15", "", D(2016, 11, 15), D(2016, 11, 15)),
        ("date:2016-11-01..2016-11-30", "", D(2016, 11, 1), D(2016, 11, 30)),
        ("date:2016..2017", "", D(2016, 1, 1), D(2017, 12, 31)),
        ("date:2016-11..2016-12-05", "", D(2016, 11, 1), D(2016, 12, 5)),
        ("date:2016-11-01..", "", D(2016, 11, 1), None),
        ("date:..2016-11", "", None, D(2016, 11, 30)),
        ("date:2016-11-15..2016-11-15", "", D(2016, 11, 15), D(2016, 11, 15)),
        ("on:2016-11-15", "", D(2016, 11, 15), D(2016, 11, 15)),
        # after: from the start of the period; before: up to the day before it starts
        ("after:2016-11-01", "", D(2016, 11, 1), None),
        ("after:2016", "", D(2016, 1, 1), None),
        ("before:2017", "", None, D(2016, 12, 31)),
        ("before:2016-03", "", None, D(2016, 2, 29)),
        ("before:2016-11-15", "", None, D(2016, 11, 14)),
        ("since:2016-11", "", D(2016, 11, 1), None),
        ("from:2016-11", "", D(2016, 11, 1), None),
        ("to:2016-11", "", None, D(2016, 11, 30)),
        ("until:2016", "", None, D(2016, 12, 31)),
        # several narrow each other
        ("date:2016 after:2016-06", "", D(2016, 6, 1), D(2016, 12, 31)),
        ("after:2016-06 before:2016-07", "", D(2016, 6, 1), D(2016, 6, 30)),
        ("date:2016 date:2016-11", "", D(2016, 11, 1), D(2016, 11, 30)),
        # the rest of the query is kept, in order, whatever the case of the key
        ("putin date:2016 trump", "putin trump", D(2016, 1, 1), D(2016, 12, 31)),
        (
            '"white house" DATE:2016-11 -trump',
            '"white house" -trump',
            D(2016, 11, 1),
            D(2016, 11, 30),
        ),
        ('date:"2016-11"', "", D(2016, 11, 1), D(2016, 11, 30)),
        # not date keys: kept for the parser
        ("title:update", "title:update", None, None),
        ("mandate:2016", "mandate:2016", None, None),
        ("nothing here", "nothing here", None, None),
    ],
)
def test_extract_dates(text, rest, first, last):
    assert extract_dates(text) == (rest, first, last)


@pytest.mark.parametrize(
    "text, message, position",
    [
        ("date:2016-13", "month 13 does not exist", 5),
        ("climate date:2016-02-30", "is not a real day", 13),
        ("date:2017..2016", "ends before it starts", 5),
        ("date:2016-11-30..2016-11-01", "ends before it starts", 5),
        ("after:yesterday", "is not a date", 6),
        ("x before:soon", "is not a date", 9),
        ("date:2016..nov", "is not a date", 5),
    ],
)
def test_bad_dates_are_query_errors_with_a_position(parser, text, message, position):
    with pytest.raises(QueryError) as info:
        parse(parser, text)
    err = info.value
    assert message in err.message
    assert err.position == position
    assert err.query == text
    assert str(err) == f"{err.message} (at column {position + 1})"


def test_dates_only_means_every_article_in_the_range(parser):
    p = parse(parser, "date:2016-11")
    assert (p.query, p.date_from, p.date_to) == (None, D(2016, 11, 1), D(2016, 11, 30))
    p = parse(parser, "volcano before:2016")
    assert (p.query, p.date_from, p.date_to) == (
        wq.Or([wq.Term("title", "volcano"), wq.Term("body", "volcano")]),
        None,
        D(2015, 12, 31),
    )


# ---------------------------------------------------------------------------
# Words, fields and operators


def either(word):
    return wq.Or([wq.Term("title", word), wq.Term("body", word)])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("volcano", either("volcano")),
        ("Volcanoes", either("volcano")),
        ("volcano ash", wq.And([either("volcano"), either("ash")])),
        ("volcano OR ash", wq.Or([*either("volcano").subqueries, *either("ash").subqueries])),
        ("volcano NOT ash", wq.And([either("volcano"), wq.Not(either("ash"))])),
        ("volcano -ash", wq.AndNot(either("volcano"), either("ash"))),
        ("-ash", wq.Not(either("ash"))),
        ("-ash -lava", wq.Not(wq.Or([*either("ash").subqueries, *either("lava").subqueries]))),
        # a hyphen inside a word is not a minus
        ("covid-19", wq.Or([wq.And([wq.Term("title", "covid"), wq.Term("title", "19")]),
                            wq.And([wq.Term("body", "covid"), wq.Term("body", "19")])])),
        # + and - inside brackets
        (
            "(volcano -ash) OR lava",
            wq.Or([wq.AndNot(either("volcano"), either("ash")), *either("lava").subqueries]),
        ),
        ("title:(volcano -ash)", wq.AndNot(wq.Term("title", "volcano"), wq.Term("title", "ash"))),
        ("(-ash) volcano", wq.And([wq.Not(either("ash")), either("volcano")])),
        ("title:volcano", wq.Term("title", "volcano")),
        ("headline:volcano", wq.Term("title", "volcano")),
        ("text:volcano", wq.Term("body", "volcano")),
        ("author:Smith", wq.Term("authors", "Smith")),
        ("by:Smith", wq.Term("authors", "Smith")),
        ("pub:Reuters", wq.Term("publication", "Reuters")),
        ("publication:Reuters", wq.Term("publication", "Reuters")),
        ("person:Obama", wq.Term("people", "Obama")),
        ("org:NATO", wq.Term("organisations", "NATO")),
        ("place:Paris", wq.Term("places", "Paris")),
        (
            "entity:Paris",
            wq.Or([
                wq.Term("people", "Paris"),
                wq.Term("organisations", "Paris"),
                wq.Term("places", "Paris"),
            ]),
        ),
        (
            '"white house"',
            wq.Or([
                OffsetPhrase("title", ["white", "hous"], offsets=[0, 1]),
                OffsetPhrase("body", ["white", "hous"], offsets=[0, 1]),
            ]),
        ),
    ],
)
def test_parsed_queries(parser, text, expected):
    assert parse(parser, text).query == expected


@pytest.mark.parametrize(
    "text, kind",
    [
        ("volc*", wq.Prefix),
        ("volcano~", wq.FuzzyTerm),
        ("volcano~2", wq.FuzzyTerm),
    ],
)
def test_prefix_and_fuzzy(parser, text, kind):
    q = parse(parser, text).query
    assert isinstance(q, wq.Or)
    assert [type(s) for s in q.subqueries] == [kind, kind]
    assert [s.fieldname for s in q.subqueries] == ["title", "body"]


def test_phrase_on_an_entity_field_keeps_the_whole_name(parser):
    q = parse(parser, 'person:"Barack Obama"').query
    assert {type(q), q.fieldname} <= {wq.Phrase, wq.Term, "people"}
    words = q.words if isinstance(q, wq.Phrase) else [q.text]
    assert " ".join(words) == "Barack Obama"


# ---------------------------------------------------------------------------
# Balancing and odd input


@pytest.mark.parametrize(
    "text, same_as",
    [
        ('"white house', '"white house"'),
        ('volcano "white house', 'volcano "white house"'),
        ("(volcano OR ash", "(volcano OR ash)"),
        ("((volcano OR ash) lava", "((volcano OR ash) lava)"),
        ("volcano OR ash)", "volcano OR ash"),
        (")volcano(", "volcano"),
        ('"(volcano" ash', '"(volcano" ash'),
    ],
)
def test_open_quotes_and_brackets_are_closed(parser, text, same_as):
    assert parse(parser, text).query == parse(parser, same_as).query


@pytest.mark.parametrize("text", ["", "   ", "*", "*:*", "NOT", "AND", "OR", "the", "the of and"])
def test_no_words_means_every_article(parser, text):
    p = parse(parser, text)
    assert p.query is None
    assert (p.date_from, p.date_to) == (None, None)
    # an empty query or "*" asks for everything; operators or common words alone get a word
    everything = text.strip() in ("", "*", "*:*")
    expected = None if everything else "no words to search for: showing every article"
    assert p.notice == expected


@pytest.mark.parametrize("text", ["-", '""', "~", "^", ")("])
def test_nothing_to_search_for_is_an_error_at_the_start(parser, text):
    with pytest.raises(QueryError) as info:
        parse(parser, text)
    assert info.value.message == "the query has no words to search for"
    assert info.value.position == 0


def test_too_long(parser):
    text = "volcano " * 300
    with pytest.raises(QueryError) as info:
        parse(parser, text)
    assert "too long" in info.value.message
    assert info.value.position == MAX_QUERY_CHARS
    # the longest accepted query is still read
    ok = ("volcano " * 250)[:MAX_QUERY_CHARS]
    assert parse(parser, ok).query == either("volcano")


@pytest.mark.parametrize(
    "text",
    ["title:", "author:", "entity:", "date:", "NOT NOT", "AND OR NOT", "foo~~", "[a TO b]", "{a TO",
     "title:(", 'title:"', "a:b:c", "é~3", "\x00", "*volc", "?", "volcano^", "volcano^x", "+",
     "--ash", "(+)"],
)
def test_odd_input_parses_or_is_a_query_error(parser, text):
    try:
        p = parse(parser, text)
    except QueryError as exc:
        assert exc.message
        assert exc.position is None or 0 <= exc.position <= len(text)
    else:
        assert p.text == text
