"""What a person types or pastes finds what it names: questions, colons that are not
fields, headlines in capitals, queries no article matches whole, and odd input that
gets a clear word. Every example here is our own; each test names the class it pins."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchtui.config import Config
from searchtui.errors import QueryError
from searchtui.indexer import build_index
from searchtui.models import SearchRequest
from searchtui.query import complete_last_word, make_parser, parse_query, read_as_typed
from searchtui.schema import make_schema
from searchtui.search import SearchEngine

# name: (title, byline, body)
ARTICLES = {
    "question": (
        "Can the Harbour Authority Survive Another Winter?",
        "Maria Lopez — Coastal Times Jan 12, 2021",
        "The harbour authority faces a budget shortfall after storms damaged the pier.",
    ),
    "opinion": (
        "OPINION: Is Rail Freight Worth Saving?",
        "Tom Reyes — Midland Post Feb 3, 2021",
        "Rail freight carried less grain this year, and the ministry weighs subsidies.",
    ),
    "colon": (
        "Budget 2021: can the council balance its books?",
        "Priya Natarajan — Midland Post Mar 8, 2021",
        "The council published a budget that cuts libraries and raises parking fees.",
    ),
    "wire": (
        "BREWER SAYS STRIKE WILL NOT HALT EXPORTS",
        "Midland Post Apr 1, 1987",
        "The brewer said the strike at its main plant would not halt exports to Canada, "
        "and talks with the union resumed on Tuesday.",
    ),
    "lighthouse": (
        "Lighthouse keeper retires",
        "Maria Lopez — Coastal Times May 2, 2021",
        "After forty years the keeper of the north lighthouse retired to a cottage inland.",
    ),
    "wildcard": (
        "Women in science",
        "Tom Reyes — Midland Post Jun 1, 2021",
        "A prize for women in science was awarded to a chemist from the harbour town.",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("typed") / "corpus"
    corpus.mkdir()
    for name, (title, byline, body) in ARTICLES.items():
        (corpus / f"{name}.txt").write_text(f"{title}\n\n{byline}\n\n{body}\n", encoding="utf-8")
    root = corpus.parent / "index"
    build_index([corpus], root, config=Config(workers=1, extractor="none"))
    with SearchEngine(root) as eng:
        yield eng


def search(engine, query: str, **kw):
    return engine.search(SearchRequest(query=query, page_size=20, **kw))


def first(engine, query: str) -> str | None:
    result = search(engine, query)
    return Path(result.hits[0].path).stem if result.hits else None


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_a_title_pasted_as_written_finds_its_article_first(engine, name):
    assert first(engine, ARTICLES[name][0]) == name


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_a_title_pasted_in_capitals_finds_its_article_first(engine, name):
    assert first(engine, ARTICLES[name][0].upper()) == name


# -- a question mark is punctuation, except inside a word


@pytest.mark.parametrize("query", ["lighthouse?", "who is the keeper?", "¿keeper?", "keeper ?"])
def test_a_question_mark_ending_a_word_is_punctuation(engine, query):
    assert first(engine, query) == "lighthouse"


def test_a_question_mark_inside_a_word_is_still_a_wildcard(engine):
    assert first(engine, "wom?n") == "wildcard"


# -- a question is searched for by what it asks about


@pytest.mark.parametrize(
    "query, name",
    [
        ("Did the keeper retire?", "lighthouse"),
        ("did the brewer halt exports", "wire"),
        ("What did the council cut?", "colon"),
        ("Who was awarded the prize?", "wildcard"),
        ("How many years was the keeper at the lighthouse?", "lighthouse"),
        ("Isn’t the harbour authority short of money?", "question"),
        ("Why would they subsidise rail freight?", "opinion"),
    ],
)
def test_a_question_finds_the_articles_it_asks_about(engine, query, name):
    result = search(engine, query)
    assert result.hits and Path(result.hits[0].path).stem == name
    assert result.notice and "read as a question" in result.notice


@pytest.mark.parametrize(
    "query, expected, left_out",
    [
        ("did the fed cut rates", "the fed cut rates", ["did"]),
        ("Where is Carmen Sandiego?", "Carmen Sandiego", ["Where", "is"]),
        ("Rates: will they fall?", "Rates fall", ["will", "they"]),
        # question words the person asked for are kept: quoted, or with + or a field
        ('Who said "what it was"?', 'said "what it was"', ["Who"]),
        ("did +did fed?", "+did fed", ["did"]),
    ],
)
def test_a_question_is_read_without_the_words_it_is_built_with(query, expected, left_out):
    text, notes = read_as_typed(query, frozenset({"title", "who"}))
    assert text == expected
    assert notes == ["read as a question: left out " + ", ".join(left_out)]


@pytest.mark.parametrize(
    "query",
    [
        "Who",  # one word: a name, a band
        "The Who",  # no question word first and no question mark
        "who:Lopez",  # a field
        "did keeper AND lighthouse?",  # operators: the query means what it says
        "(did OR does) keeper?",
        "what is it?",  # nothing would be left to search for
        "how did",
    ],
)
def test_queries_that_are_not_questions_or_only_question_words_stay_as_typed(query):
    text, notes = read_as_typed(query, frozenset({"title", "who"}))
    assert notes == []
    assert text.split() == query.replace("?", " ").split()


# -- a word still being typed is the start of a word


KNOWN = {"nuclear", "deal", "iran", "keeper"}


@pytest.mark.parametrize(
    "query, completed",
    [
        ("nucle", ("nucle*", "nucle")),
        ("iran nucle", ("iran nucle*", "nucle")),
        ("(iran OR nucle", ("(iran OR nucle*", "nucle")),
        ("Nucle", ("Nucle*", "Nucle")),
        # kept as typed: a known word, a space after it, quotes, a field's value,
        # too short to complete, a stop word, an operator, a pattern already
        ("iran nuclear", None),
        ("nucle ", None),
        ('"iran nucle', None),
        ("title:nucle", None),
        ("nu", None),
        ("iran nuc", None),
        ("iran the", None),
        ("iran AND", None),
        ("nucle*", None),
        ("nucle~", None),
        ("", None),
    ],
)
def test_the_last_word_while_typing_is_completed_when_no_article_has_it(query, completed):
    assert complete_last_word(query, lambda term: term in KNOWN) == completed


def test_a_search_while_typing_finds_words_starting_with_the_last_word(engine):
    typed = search(engine, "keeper lighth", typing=True)
    assert [Path(h.path).stem for h in typed.hits] == ["lighthouse"]
    assert typed.completed == "keeper lighth*"
    assert typed.notice and "starting with 'lighth'" in typed.notice
    # the same query entered whole is as typed
    entered = search(engine, "keeper lighth")
    assert entered.completed is None
    assert entered.notice and "no article has all of 'keeper', 'lighth'" in entered.notice
    # a word some article has is never completed; nor is one no word starts with,
    # which is searched as typed (and gets its spelling suggestion)
    assert search(engine, "keeper", typing=True).completed is None
    misspelt = search(engine, "keeper lighthuose", typing=True)
    assert misspelt.completed is None
    assert misspelt.notice and "'lighthuose' is in no article" in misspelt.notice


# -- only known fields are fields


@pytest.mark.parametrize(
    "query, name",
    [
        ("Analysis: harbour authority", "question"),
        ("breaking: lighthouse keeper", "lighthouse"),
        ("1987: brewer strike", "wire"),
        ("UPDATE 2: council budget", "colon"),
    ],
)
def test_a_word_before_a_colon_that_is_no_field_is_text(engine, query, name):
    assert first(engine, query) == name


def test_known_fields_still_work_in_any_case(engine):
    assert first(engine, "Title:lighthouse") == "lighthouse"
    assert first(engine, "AUTHOR:reyes freight") == "opinion"


@pytest.mark.parametrize("field", ["title", "author", "date", "pub"])
def test_a_lone_field_says_it_needs_a_word(engine, field):
    result = search(engine, f"{field}:")
    assert result.total == len(ARTICLES)
    assert f"'{field}:' needs a word after it" in result.notice


# -- capitals


def test_a_headline_in_capitals_keeps_its_not_and_or(engine):
    # "NOT" and "OR" are words of a shouted headline, not operators
    assert first(engine, "STRIKE WILL NOT HALT EXPORTS") == "wire"
    assert first(engine, "KEEPER OR COTTAGE") == "lighthouse"


def test_operators_in_a_mixed_case_query_stay_operators(engine):
    assert search(engine, "keeper NOT cottage").total == 0
    assert {Path(h.path).stem for h in search(engine, "keeper OR freight").hits} == {
        "lighthouse",
        "opinion",
    }


def test_one_word_in_capitals_is_a_word(engine):
    assert first(engine, "LIGHTHOUSE") == "lighthouse"


# -- nothing has all the words


def test_when_no_article_has_every_word_those_with_most_of_them_come_first(engine):
    result = search(engine, "lighthouse keeper harbour budget")
    assert result.total > 0
    assert Path(result.hits[0].path).stem in {"lighthouse", "question"}
    assert "no article has all of" in result.notice
    assert "'lighthouse'" in result.notice and "'budget'" in result.notice


def test_a_word_no_article_has_is_named(engine):
    result = search(engine, "lighthouse keeper zzyzx")
    assert first(engine, "lighthouse keeper zzyzx") == "lighthouse"
    assert "'zzyzx' is in no article" in result.notice


def test_an_empty_screen_only_when_no_word_exists(engine):
    result = search(engine, "zzyzx qqxqq")
    assert result.total == 0
    assert result.notice == "no article has any of these words"


def test_excluded_words_stay_excluded_when_most_words_are_shown(engine):
    result = search(engine, "keeper harbour zzyzx -cottage")
    assert "lighthouse" not in {Path(h.path).stem for h in result.hits}


def test_a_query_that_matches_whole_has_no_notice(engine):
    assert search(engine, "lighthouse keeper").notice is None


# -- odd input gets a clear word


@pytest.mark.parametrize("query", ["?", "x", "the", "? ?", "title: ?"])
def test_input_with_no_words_lists_every_article_and_says_so(engine, query):
    result = search(engine, query)
    assert result.total == len(ARTICLES)
    assert "no words to search for" in result.notice


@pytest.mark.parametrize("query", ["?!", "::", "!!"])
def test_punctuation_alone_is_explained(engine, query):
    with pytest.raises(QueryError, match="no words to search for"):
        search(engine, query)


def test_the_empty_query_needs_no_notice(engine):
    assert search(engine, "").notice is None
    assert search(engine, "date:2021").notice is None


def test_reading_is_pure_text_rewriting():
    fields = frozenset({"title"})
    assert read_as_typed("DACA?", fields) == ("DACA ", [])
    assert read_as_typed("Opinion: x", fields) == ("Opinion  x", [])
    assert read_as_typed('"is it: so?"', fields) == ('"is it: so?"', [])


PARSER = make_parser(make_schema())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_any_text_is_searched_or_explained(text):
    try:
        parse_query(PARSER, text)
    except QueryError as exc:
        assert str(exc)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_text_gives_a_result_or_a_query_error(engine, text):
    try:
        search(engine, text)
    except QueryError as exc:
        assert str(exc)


#: Pieces of the query language, mixed with any printable text below: fields (facet
#: fields too), quotes, brackets, operators, wildcards, fuzzy marks, dates and words.
QUERY_PIECES = st.sampled_from([
    "title:", "author:", "by:", "pub:", "publication:", "person:", "org:", "place:",
    "entity:", "body:", "date:", "after:", "before:", "from:", "to:", "since:", "until:",
    '"', "(", ")", "*", "?", "~", "~2", "-", "+", "^2", ":", "AND", "OR", "NOT", "TO",
    "[", "]", "{", "}", "..", "2021", "2021-02", "1987-04-01", "harbour", "keeper", "Maria",
    "lopez", "midland post", "u.s.", "Coastal", "Ó", "the", "wom?n", "harb*", "kepeer",
])
PRINTABLE = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(QUERY_PIECES | PRINTABLE, max_size=10), st.sampled_from(["", " "]))
def test_any_query_language_text_is_searched_or_explained(engine, pieces, glue):
    text = glue.join(pieces)
    try:
        result = search(engine, text)
    except QueryError as exc:
        assert str(exc)
        return
    assert result.total >= len(result.hits)
    assert result.notice is None or result.notice.strip()
    # the other ways the app reads a query take the same text without failing
    assert engine.suggest(text) is None or isinstance(engine.suggest(text), str)
    body = ARTICLES["question"][2]
    assert all(0 <= s < e <= len(body) for s, e in engine.match_spans(body, text))
