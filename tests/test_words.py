"""Words that must be found: glued sentences, one correct stemmer, phrases as consecutive words.

- A sentence that ends with no space before the next ("status.Immigration")
  is two words; abbreviations, initials, numbers and domains stay one.
- Snowball's English stemmer, the same for the index, the query parser, the
  highlights and the snippets ("immigrated" finds "immigration").
- A phrase matches consecutive words of one sentence: a dropped stop word and
  a sentence end count as gaps, in the text and in the phrase alike.
"""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import query as wq

from searchtui import articles, schema, store
from searchtui.config import Config
from searchtui.errors import IndexIncompatible
from searchtui.indexer import build_index
from searchtui.models import SearchRequest
from searchtui.query import make_parser, parse_query
from searchtui.schema import (
    SCHEMA_VERSION,
    SENTENCE_GAP,
    analyse_positions,
    find_terms,
    iter_term_spans,
    make_analyzer,
    make_schema,
    normalise_word,
    scan,
    stem_word,
)
from searchtui.search import SearchEngine
from searchtui.whooshext import OffsetPhrase

REPO_CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def words(text: str) -> list[str]:
    return [w for w in scan(text) if w]


# ---------------------------------------------------------------------------
# Glued words


@pytest.mark.parametrize(
    "text, expected",
    [
        ("status.Immigration", ["status", "Immigration"]),
        ("the court said.The judge", ["the", "court", "said", "The", "judge"]),
        ("a new phone.Apple said", ["a", "new", "phone", "Apple", "said"]),
        ("the iPhone.Sales fell", ["the", "iPhone", "Sales", "fell"]),
        ("in 2016.The next year", ["in", "2016", "The", "next", "year"]),
        ("at the café.Über drivers", ["at", "the", "café", "Über", "drivers"]),
        ("markets.BREAKING news", ["markets", "BREAKING", "news"]),
        ("one.Two.Three", ["one", "Two", "Three"]),
    ],
)
def test_a_sentence_glued_to_the_next_is_two_words(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize(
    "word",
    [
        "U.S", "U.K", "e.g", "i.e", "a.m", "3.5", "1.20", "10.000.000", "v2.0", "Yahoo.com",
        "www.example.org", "bbc.co.uk", "St.Louis", "J.R.R", "A.B", "U.S.Army", "NASA.Gov",
        "Amazon.Com", "Example.Org", "STATUS.IMMIGRATION", "NASA.GOV", "node.js", "Dr.Who",
    ],
)
def test_abbreviations_initials_numbers_and_domains_stay_whole(word):
    assert words(word) == [word]
    assert words(word + ".") == [word]


def test_folding_for_highlights_keeps_what_the_glued_word_rule_reads():
    """Highlighting matches words in accent-folded text: folding keeps a letter's
    case and whether it is a word character, so the text splits the same way."""
    for code, folded in schema._case_kept_fold.items():
        c = chr(code)
        assert len(folded) == 1
        assert (c in schema._LOWER_SET, c in schema._UPPER_SET, c.isalnum()) == (
            folded in schema._LOWER_SET, folded in schema._UPPER_SET, folded.isalnum()
        ), c


def test_a_glued_word_is_found_by_either_half():
    text = "He lost his status.Immigration officers came."
    terms = {normalise_word("status"), normalise_word("immigration")}
    assert [text[s:e] for s, e, _ in find_terms(text, terms)] == ["status", "Immigration"]
    assert {t for t, _s, _e in iter_term_spans(text)} >= terms


# ---------------------------------------------------------------------------
# The stemmer


@pytest.mark.parametrize(
    "a, b",
    [
        ("immigrated", "immigration"),
        ("vaccinated", "vaccine"),
        ("regulated", "regulation"),
        ("deported", "deportation"),
        ("legislated", "legislation"),
        ("running", "runs"),
        ("generalization", "generalize"),
    ],
)
def test_forms_of_one_word_share_a_stem(a, b):
    assert normalise_word(a) == normalise_word(b) is not None


def test_stems_are_snowball_english():
    assert [stem_word(w) for w in ("happy", "generous", "dying", "news", "skies")] == [
        "happi", "generous", "die", "news", "sky",
    ]
    assert stem_word("yahoo.com") == "yahoo.com"  # a word with a dot is kept as it is


@pytest.mark.parametrize(
    "word",
    ["dying", "Lying", "tying", "skies", "early", "only", "gently", "ugly", "idly", "İstanbul",
     "Ðe", "hiding", "Making", "possibility", "credibilities", "happy", "relational",
     "sensitivity", "valency", "troubling"],
)
def test_highlights_find_the_words_whose_stems_are_spelt_otherwise(word):
    text = f"one {word} two"
    assert find_terms(text, {normalise_word(word)}) == [(4, 4 + len(word), normalise_word(word))]


def test_the_query_analyzer_stems_as_the_index_does():
    text = "Immigrated, vaccinated and regulated: generously happy."
    from_analyzer = {t.text for t in make_analyzer()(text, mode="query")}
    assert from_analyzer == set(analyse_positions(text))


def test_the_schema_survives_pickling():
    schema = pickle.loads(pickle.dumps(make_schema()))
    analyzer = schema["body"].analyzer
    text = "The status.Immigration officers vaccinated. New York at the time"
    tokens = [(t.text, t.pos) for t in analyzer(text, positions=True)]
    assert tokens == [(t.text, t.pos) for t in make_analyzer()(text, positions=True)]
    assert dict(analyse_positions(text)) == {
        t: [p for tt, p in tokens if tt == t] for t, _p in tokens
    }


def _corpus_words() -> list[str]:
    files, _ = articles.discover([REPO_CORPUS])
    seen: dict[str, None] = {}
    for path in files:
        for a in articles.read_file(path).articles:
            for text in (a.title, a.body):
                for w in words(text):
                    seen.setdefault(w)
    return list(seen)


def test_find_terms_finds_every_word_of_a_stem():
    """Highlighting looks for words starting with a stem less its last letters:
    that holds for Snowball's stems of every word of the sample corpus."""
    vocabulary = _corpus_words()
    assert len(vocabulary) > 10_000
    for i in range(0, len(vocabulary), 1500):
        text = " ".join(vocabulary[i : i + 1500])
        terms = {t for t, _s, _e in iter_term_spans(text)}
        assert find_terms(text, terms) == [(s, e, t) for t, s, e in iter_term_spans(text)]


def test_find_terms_finds_every_word_of_a_stem_in_real_news(wikinews_dir):
    """The same over every distinct word (with what clings to it) of a real corpus."""
    seen: dict[str, None] = {}
    for path in sorted(wikinews_dir.glob("*.txt")):
        for w in path.read_text(encoding="utf-8", errors="replace").split():
            seen.setdefault(w)
    vocabulary = list(seen)
    for i in range(0, len(vocabulary), 2000):
        text = " ".join(vocabulary[i : i + 2000])
        spans = list(iter_term_spans(text))
        terms = {t for t, _s, _e in spans}
        assert find_terms(text, terms) == [(s, e, t) for t, s, e in spans]
    # and a few terms at a time in each article, as a query highlights them
    for n, path in enumerate(sorted(wikinews_dir.glob("*.txt"))):
        text = path.read_text(encoding="utf-8", errors="replace")
        spans = list(iter_term_spans(text))
        terms = sorted({t for t, _s, _e in spans})
        for k in (1, 3):
            chosen = set(terms[n % max(len(terms), 1) :][:1] + terms[::max(len(terms) // k, 1)][:k])
            assert find_terms(text, chosen) == [(s, e, t) for t, s, e in spans if t in chosen]


def test_highlighting_looks_only_at_words_that_may_hold_a_stem():
    """A stem is cut back only where its words may spell it otherwise, so the
    pattern that finds candidates does not stop at every word sharing two letters."""
    text = "It was a war; wars were waged. Was it? The hiding places, the possibility."
    finder = schema._finder(frozenset({"war", "hide", "possibl"}))
    candidates = [m.group() for m in schema._candidates(text, finder)]
    assert candidates == ["war", "wars", "hiding", "possibility"]
    assert candidates == [m.group() for m in finder.pattern.finditer(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Wars and WARFARE: the war's end; a warlord.Warsaw u.s.war",
        "The \u017fame long-s text: Wars of \u017fenators",  # the pattern's own way
        "\u0130stanbul war \u0130STANBUL",  # lower-casing changes the length
        "Ωmega war ωmega; Σίσυφος wars",
        "\u212aelvin wars: the \u212aing's war",  # the Kelvin sign, a "k" to the pattern
        "D\u0131yarbak\u0131r war, \u201cquoted\u201d wars \u2014 Café WAR façade",
        "Ré\u0301sumé war r\u00e9sum\u00e9s",
    ],
)
def test_candidates_found_by_substring_are_those_of_the_pattern(text):
    for terms in ({"war"}, {"war", "istanbul", "ωmega", "σίσυφο"}, {f"w{i}" for i in range(20)}):
        spans = list(iter_term_spans(text))
        chosen = {t for t, _s, _e in spans} | terms
        finder = schema._finder(frozenset(chosen))
        assert [m.span() for m in schema._candidates(text, finder)] == [
            m.span() for m in finder.pattern.finditer(text)
        ]
        assert find_terms(text, chosen) == [(s, e, t) for t, s, e in spans if t in chosen]


def test_the_letters_a_pattern_takes_for_ascii_ones_are_all_known():
    """Candidates are found in text lower-cased as ASCII bytes unless the text holds
    a letter that a pattern ignoring case takes for an ASCII one: all such letters."""
    everything = "".join(chr(i) for i in range(128, 0x110000) if not 0xD800 <= i < 0xE000)
    assert set(re.findall("(?i)[a-z]", everything)) == set(schema._ASCII_LOOKALIKES)


_MIXED_LETTERS = list("warsWARé\u00c9\u212a\u017f\u0131 .'-\u2019\u1e9e\u0142")


@given(st.text(alphabet=st.sampled_from(_MIXED_LETTERS), max_size=40))
def test_folding_only_the_accented_runs_is_folding_all(text):
    assert schema._fold_case_kept(text) == text.translate(schema._case_kept_fold)


# ---------------------------------------------------------------------------
# Positions


G = SENTENCE_GAP  # the positions a sentence end takes


@pytest.mark.parametrize(
    "text, expected",
    [
        ("New York at the time", {"new": [0], "york": [1], "time": [4]}),
        ("health. I cared", {"health": [0], "care": [2 + G]}),
        ("Bank of America", {"bank": [0], "america": [2]}),
        ("status.Immigration", {"status": [0], "immigr": [1 + G]}),
        ("Mr. Smith and J. Doe met in the U.S. today", {
            "mr": [0], "smith": [1], "doe": [4], "met": [5], "u.s": [8], "today": [9]}),
        ("end!\n\nNew", {"end": [0], "new": [1 + G]}),
        ('"Yes." Then', {"yes": [0], "then": [1 + G]}),
        ("first\n\n\nsecond; third: fourth", {
            "first": [0], "second": [1 + G], "third": [2 + 2 * G], "fourth": [3 + 3 * G]}),
        ("10:30 a.m. on Jan. 5", {"10": [0], "30": [1], "a.m": [2], "jan": [4]}),
    ],
)
def test_positions_count_every_word_and_sentence_ends(text, expected):
    assert dict(analyse_positions(text)) == expected
    reference: dict[str, list[int]] = {}
    for t in make_analyzer()(text, positions=True):
        reference.setdefault(t.text, []).append(t.pos)
    assert reference == expected


def _phrases(q):
    return [leaf for leaf in q.leaves() if isinstance(leaf, wq.Phrase)] if not q.is_leaf() else [q]


def test_a_phrase_keeps_the_gaps_of_its_stop_words():
    parser = make_parser(make_schema())
    for typed, texts, offsets in [
        ('"bank of america"', ["bank", "america"], [0, 2]),
        ('"state of the union"', ["state", "union"], [0, 3]),
        ('"the new york times"', ["new", "york", "time"], [0, 1, 2]),
        ('"health. care"', ["health", "care"], [0, 1 + SENTENCE_GAP]),
    ]:
        phrases = _phrases(parse_query(parser, typed).query)
        assert [p.fieldname for p in phrases] == ["title", "body"]
        for p in phrases:
            assert isinstance(p, OffsetPhrase)
            assert (p.words, p.offsets) == (texts, offsets)


# ---------------------------------------------------------------------------
# Searching


ARTICLES = {
    "nyt": ("Media notes", "She wrote for the New York Times for a decade."),
    "new_york_time": ("War memories", "He moved to New York at the time of the war."),
    "health_care": ("Bill passes", "The health care bill passed the senate."),
    "health_cared": ("Interview", "They asked about his health. I cared little for it."),
    "bank": ("Earnings", "Bank of America reported earnings on Monday."),
    "bank_america": ("Choices", "Which bank America chose is unknown."),
    "bank_dot": ("Robbery", "They robbed a bank. America was shocked."),
    "states": ("United States elections", "Voters in the United States went to the polls."),
    "union": ("Speech", "The State of the Union address ran long."),
    "glued": ("Visa rules", "He lost his status.Immigration officers came the next day."),
    "vaccine": ("Shots", "The vaccine arrived in the spring."),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("words-corpus")
    for name, (title, body) in ARTICLES.items():
        (corpus / f"{name}.txt").write_text(f"{title}\n\n\n{body}\n", encoding="utf-8")
    index = tmp_path_factory.mktemp("words-index")
    build_index([str(corpus)], index, config=Config(extractor="none"), workers=1)
    with SearchEngine.open(index) as eng:
        yield eng


def found(engine, query: str) -> set[str]:
    result = engine.search(SearchRequest(query=query, page_size=50))
    return {Path(h.path).stem for h in result.hits}


@pytest.mark.parametrize(
    "query, expected",
    [
        ('"new york times"', {"nyt"}),
        ('"the new york times"', {"nyt"}),
        ('"health care"', {"health_care"}),
        ('"bank of america"', {"bank"}),
        ('"bank america"', {"bank_america"}),
        ('"united states"', {"states"}),
        ('title:"united states"', {"states"}),
        ('body:"united states"', {"states"}),
        ('title:"new york times"', set()),
        ('"state of the union"', {"union"}),
        ('"bank america"~2', {"bank", "bank_america"}),
        ('"bank of america"~2', {"bank", "bank_america"}),  # loose: closer is fine too
        ('"bank america"~5', {"bank", "bank_america"}),  # not across a sentence end
        ('"bank america"~12', {"bank", "bank_america", "bank_dot"}),
        ("bank america", {"bank", "bank_america", "bank_dot"}),
        ('"new york time"~4', {"nyt", "new_york_time"}),
        ("immigration", {"glued"}),
        ("status", {"glued"}),
        ("immigrated", {"glued"}),
        ("vaccinated", {"vaccine"}),
    ],
)
def test_phrases_and_words(engine, query, expected):
    assert found(engine, query) == expected


def test_a_phrase_is_highlighted_in_snippets_and_the_reader(engine):
    result = engine.search(SearchRequest(query='"bank of america"'))
    (hit,) = result.hits
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["Bank", "America"]
    body = engine.document(hit.key).body
    assert [body[s:e] for s, e in engine.match_spans(body, '"bank of america"')] == [
        "Bank", "America",
    ]
    result = engine.search(SearchRequest(query="immigrated"))
    (hit,) = result.hits
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["Immigration"]


# ---------------------------------------------------------------------------
# The index format


def test_an_index_of_the_previous_format_is_refused_with_the_rebuild_command(tmp_path):
    assert SCHEMA_VERSION == 5
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Title\n\n\nHe lost his status.Immigration.\n")
    root = tmp_path / "index"
    build_index([corpus], root, config=Config(extractor="none", workers=1))
    live = store.current_dir(root)
    assert live is not None
    meta = store.read_meta(live)
    meta["schema_version"] = 2
    (live / store.META).write_text(json.dumps(meta))
    expected = (
        f"the index at {root} was written by version 2 of searchtui's index format"
        f" (this one reads versions 3, 4 and 5); rebuild it with: searchtui index --rebuild"
        f" --index {root}"
    )
    with pytest.raises(IndexIncompatible) as info:
        SearchEngine.open(root)
    assert str(info.value) == expected
    with pytest.raises(IndexIncompatible, match="searchtui index --rebuild"):
        build_index([corpus], root, config=Config(extractor="none", workers=1))
    build_index([corpus], root, config=Config(extractor="none", workers=1), rebuild=True)
    with SearchEngine.open(root) as eng:
        assert eng.search(SearchRequest(query="immigration")).total == 1
