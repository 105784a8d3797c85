"""The one-pass analyzer gives exactly what Whoosh's analyzer chain gives.

``analyse_positions`` is what the index holds; ``make_analyzer()`` is what the
query parser and the highlighter use. Any difference would make words that are
in an article unfindable, or phrases miss.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import fields as wfields

from searchtui import articles
from searchtui.schema import (
    SCHEMA_VERSION,
    SENTENCE_GAP,
    TITLE_BOOST,
    analyse_positions,
    find_terms,
    iter_term_spans,
    make_analyzer,
    make_schema,
)

ANALYZER = make_analyzer()


def reference(text: str) -> dict[str, list[int]]:
    """Terms and positions from Whoosh's own analyzer chain."""
    out: dict[str, list[int]] = defaultdict(list)
    for tok in ANALYZER(text, positions=True, mode="index"):
        out[tok.text].append(tok.pos)
    return dict(out)


def fast(text: str) -> dict[str, list[int]]:
    return dict(analyse_positions(text))


# Text with what news articles hold and what trips analyzers up: accents and
# ligatures, dotted abbreviations and numbers, apostrophes, stop words, one-letter
# words, digits, combining marks, scripts without case, and odd white space.
WORDS = st.sampled_from([
    "the", "a", "I", "of", "and", "is", "it", "Café", "café", "naïve", "Æsir", "straße", "ﬁnance",
    "U.S.", "U.S", "e.g.", "3.14", "1,000", "don't", "O'Neill", "rock'n'roll", "İstanbul", "ǅemal",
    "running", "runs", "ran", "Generalization", "generously", "ΑΘΗΝΑ", "Москва", "東京", "x", "Z",
    "co-operate", "e-mail", "_under_", "a.b.c", "..", "Ⅻ", "²", "ﬀ", "e\u0301", "ß", "ǈ", "Å",
    # glued sentences and what looks like them
    "said.The", "status.Immigration", "2016.Trump", "Amazon.Com", "NASA.GOV", "St.Louis",
    "café.Über", "Mr.", "Dr", "J.", "Jan.", "Ölé", "ÉTAT", "dying", "Tying",
])
SEPARATORS = st.sampled_from(
    [" ", "  ", "\n", "\n\n", ", ", ". ", "—", "-", "'", '"', "\t", "\u00a0", "/", "",
     ".", "! ", "? ", "; ", ": ", '." ', ".\n", ".\n \n", ".)"]
)


@st.composite
def news_text(draw) -> str:
    parts = draw(st.lists(st.tuples(WORDS, SEPARATORS), max_size=30))
    return "".join(w + s for w, s in parts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_text_gives_the_same_terms_and_positions(text):
    assert fast(text) == reference(text)


@settings(max_examples=300, deadline=None)
@given(news_text())
def test_news_like_text_gives_the_same_terms_and_positions(text):
    assert fast(text) == reference(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", {}),
        ("the of and", {}),
        ("The cat sat", {"cat": [1], "sat": [2]}),  # every word counts, kept or not
        ("cats and dogs", {"cat": [0], "dog": [2]}),  # a dropped stop word leaves a gap
        ("Café CAFE café", {"cafe": [0, 1, 2]}),
        ("U.S. officials", {"u.s": [0], "offici": [1]}),  # a word with a dot is not stemmed
        # a sentence end counts as more words than any phrase's stop words
        ("health. I cared", {"health": [0], "care": [2 + SENTENCE_GAP]}),
        ("x y z", {}),
    ],
)
def test_known_cases(text, expected):
    assert fast(text) == expected == reference(text)


def test_real_articles(wikinews_dir):
    files, _ = articles.discover([wikinews_dir])
    n = 0
    for path in files[:120]:
        for a in articles.read_file(path).articles:
            assert fast(a.title) == reference(a.title), path
            assert fast(a.body) == reference(a.body), path
            n += 1
    assert n >= 100


def test_real_articles_allsides_sample(allsides_dir):
    files, _ = articles.discover([allsides_dir])
    for path in files[:: max(1, len(files) // 80)]:
        for a in articles.read_file(path).articles:
            assert fast(a.body) == reference(a.body), path


@settings(max_examples=150, deadline=None)
@given(news_text())
def test_term_spans_hold_the_indexed_words(text):
    spans = list(iter_term_spans(text))
    assert [t for t, _s, _e in spans] == [t for t, _p in sorted(
        ((t, p) for t, ps in fast(text).items() for p in ps), key=lambda tp: tp[1])]
    for term, s, e in spans:
        assert [t.text for t in ANALYZER(text[s:e])] == [term]


@settings(max_examples=200, deadline=None)
@given(news_text(), st.data())
def test_find_terms_is_the_term_spans_filtered(text, data):
    """Highlighting's shortcut finds exactly the words the analyzer turns into the terms."""
    spans = list(iter_term_spans(text))
    terms = sorted({t for t, _s, _e in spans})
    chosen = data.draw(st.sets(st.sampled_from(terms))) if terms else set()
    assert find_terms(text, chosen) == [(s, e, t) for t, s, e in spans if t in chosen]


@settings(max_examples=150, deadline=None)
@given(news_text())
def test_field_index_matches_a_plain_text_field(text):
    """The indexed postings of the fast field equal those of Whoosh's TEXT field."""
    schema = make_schema()
    plain = wfields.TEXT(analyzer=make_analyzer(), phrase=True)
    for name in ("title", "body"):
        ours = sorted(schema[name].index(text))
        stock = sorted(plain.index(text))
        assert [(t, f, v) for t, f, _w, v in ours] == [(t, f, v) for t, f, _w, v in stock]


def test_schema_fields():
    schema = make_schema()
    assert sorted(schema.names()) == sorted([
        "key", "path", "hash", "title", "body", "authors", "publication", "date", "url",
        "people", "organisations", "places", "acronyms", "first_indexed", "sketch",
    ])
    assert schema["title"].format.field_boost == TITLE_BOOST > 1
    assert schema["body"].format.field_boost == 1
    for name in ("title", "body"):
        assert schema[name].stored and schema[name].format.supports("positions")
    assert schema["key"].unique and schema["date"].column_type is not None
    # Exact values: case and spaces kept, one term per value.
    terms = sorted(t for t, *_ in schema["authors"].index(["Ann Lee", "bo DIAZ"]))
    assert terms == [b"Ann Lee", b"bo DIAZ"]
    assert isinstance(SCHEMA_VERSION, int)
