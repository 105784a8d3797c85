"""Bounded work: pathological queries return, prefixes and wildcards are complete up
to a high bound, and every bound that is met is said in the result's notice."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.support.levenshtein import damerau_levenshtein

from searchtui import evaluate, suggest
from searchtui.cli import main
from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.lexicon import Lexicon
from searchtui.models import SearchRequest
from searchtui.search import SearchEngine

#: More words with one prefix than the old bound on a wildcard's words (256).
MANY = 300
COMMON = ["parliament", "weather", "economy", "minister", "election", "harbour", "budget"]


def _word(i: int) -> str:
    """A distinct made-up word starting with "ma" (letters only, so no stemmer folds two)."""
    letters = string.ascii_lowercase
    return "maz" + letters[i // 26 % 26] + letters[i % 26] + "q"


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("bounds") / "corpus"
    corpus.mkdir()
    for i in range(MANY):
        body = f"The {COMMON[i % 7]} and the {COMMON[(i + 3) % 7]} report {_word(i)} today."
        text = f"Report {i}\n\nAnn Lee — Gazette Jan 07, 2019\n\n{body}\n"
        (corpus / f"a{i:03d}.txt").write_text(text, encoding="utf-8")
    text = "Rare machine\n\nBo Diaz — Ledger Jan 08, 2019\n\nThe mach number of the jet.\n"
    (corpus / "mach.txt").write_text(text, encoding="utf-8")
    root = tmp_path_factory.mktemp("bounds-index") / "index"
    build_index([corpus], root, config=Config(workers=1, extractor="none"))
    with SearchEngine.open(root) as eng:
        yield eng


def keys(engine, query: str) -> set[str]:
    result = engine.search(SearchRequest(query=query, page_size=10_000, snippets=False))
    return {h.key for h in result.hits}


# ---------------------------------------------------------------------------
# The lexicon's edit distance is Whoosh's


@settings(max_examples=400, deadline=None)
@given(
    words=st.sets(st.text("abcdé", max_size=9), max_size=60),
    text=st.text("abcdé", max_size=9),
    maxdist=st.integers(0, 3),
    prefix=st.integers(0, 2),
)
def test_lexicon_within_matches_whoosh(words, text, maxdist, prefix):
    expected = sorted(
        (damerau_levenshtein(w, text), w)
        for w in words
        if w.startswith(text[:prefix]) and damerau_levenshtein(w, text) <= maxdist
    )
    from searchtui import kernels

    for loops in {kernels.loops, None}:  # compiled, and numpy's
        saved, kernels.loops = kernels.loops, loops
        try:
            assert Lexicon(words).within(text, maxdist, prefix) == expected, loops
        finally:
            kernels.loops = saved


def test_fuzzy_words_are_whooshs(engine):
    """On a real index, the words a fuzzy term stands for are those Whoosh finds."""
    from whoosh import query as wq

    from searchtui.lexicon import lexicon
    from searchtui.whooshext import expanded_texts

    reader = engine._data.reader
    for text, maxdist in [("parliment", 1), ("wether", 2), ("mazaaq", 1), ("budgt", 2)]:
        q = wq.FuzzyTerm("body", text, maxdist=maxdist, prefixlength=0)
        whoosh = {t.decode() if isinstance(t, bytes) else t for t in expanded_texts(q, reader)}
        ours = {w for _, w in lexicon(reader, "body").within(text, maxdist)}
        assert ours == whoosh and ours


# ---------------------------------------------------------------------------
# Wildcards


def test_a_prefix_finds_every_article_a_word_with_it_finds(engine):
    result = engine.search(SearchRequest(query="body:ma*"))
    assert result.notice is None
    assert keys(engine, "body:mach") <= keys(engine, "body:ma*")
    assert len(keys(engine, "body:ma*")) == MANY + 1
    assert keys(engine, "body:mazzz* OR body:mach") <= keys(engine, "ma*")


def test_a_wildcard_past_the_bound_says_so(engine, monkeypatch):
    monkeypatch.setattr(evaluate, "MAX_EXPANSION", 50)
    result = engine.search(SearchRequest(query="body:maz*"))
    assert result.total == 50
    assert result.notice == (
        "body:maz* stands for 300 words, more than a query searches (50): "
        "only the shortest were searched"
    )
    # the bound is for the whole query: a second wildcard gets what is left
    result = engine.search(SearchRequest(query="body:maza* OR body:mazb*"))
    assert result.total == 50
    assert result.notice.startswith("body:mazb* stands for 26 words")


# ---------------------------------------------------------------------------
# Fuzzy words


def test_fuzzy_words_past_the_bound_match_as_typed(engine, monkeypatch):
    monkeypatch.setattr(evaluate, "MAX_FUZZY_WORDS", 2)
    result = engine.search(SearchRequest(query="parliment~ OR wether~ OR econmy~"))
    assert result.notice == (
        "only the first 2 words with ~ match other spellings; the rest match as typed"
    )
    assert keys(engine, "parliment~ OR wether~ OR econmy~") == keys(
        engine, "parliament OR weather"
    )


def test_a_fuzzy_word_near_many_words_keeps_the_closest(engine, monkeypatch):
    monkeypatch.setattr(evaluate, "MAX_FUZZY_TERMS", 3)
    result = engine.search(SearchRequest(query="body:mazaaq~2", page_size=100))
    assert result.notice == "mazaaq~: only the 3 closest spellings were searched"
    assert result.total == 3


def test_many_fuzzy_words_return(engine):
    query = " OR ".join(f"{_word(i)}~2" for i in range(25))  # 25 words with ~
    result = engine.search(SearchRequest(query=query))
    assert result.total > 0
    assert "only the first 10 words with ~" in result.notice


# ---------------------------------------------------------------------------
# Did you mean


def test_long_words_get_no_suggestion(engine):
    rng = random.Random(7)
    for query in [
        "a" * 2000,
        "".join(rng.choice(string.ascii_lowercase) for _ in range(1999)),
        "parliment" + "x" * 40,
    ]:
        result = engine.search(SearchRequest(query=query))
        assert result.total == 0 and result.suggestion is None


def test_many_rare_words_return(engine):
    rng = random.Random(3)
    noise = " ".join(
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 12)))
        for _ in range(150)
    )
    result = engine.search(SearchRequest(query=noise[:1999]))
    assert result.total == 0
    result = engine.search(SearchRequest(query=("parliment " * 30).strip()))
    assert result.suggestion == ("parliament " * 30).strip()  # the same word, looked at once


def test_only_the_first_words_are_looked_at(engine):
    words = " ".join(f"zq{c}xv" for c in string.ascii_lowercase[:20])
    assert engine.suggest(f"{words} parliment") is None
    assert engine.suggest("zqaxv parliment") == "zqaxv parliament"


def test_a_spent_budget_leaves_words_as_typed_and_forgets_nothing(engine, monkeypatch):
    monkeypatch.setattr(suggest, "SUGGEST_BUDGET", -1.0)
    assert engine.suggest("electoin") is None
    monkeypatch.setattr(suggest, "SUGGEST_BUDGET", 5.0)
    assert engine.suggest("electoin") == "election"  # not remembered as "no suggestion"


# ---------------------------------------------------------------------------
# The notice reaches the CLI and JSON


def test_the_cli_prints_the_notice(engine, capsys, monkeypatch):
    monkeypatch.setattr(evaluate, "MAX_EXPANSION", 10)
    index = str(engine.root)
    assert main(["search", "body:maz*", "--index", index]) == 0
    out = capsys.readouterr().out
    assert "Note: body:maz* stands for 300 words, more than a query searches (10)" in out
    assert main(["search", "body:maz*", "--json", "--index", index]) == 0
    notice = json.loads(capsys.readouterr().out)["notice"]
    assert notice.startswith("body:maz* stands for 300 words")


def test_an_unbounded_query_has_no_notice(engine):
    result = engine.search(SearchRequest(query="parliament OR weather~ OR ma*"))
    assert result.total > 0 and result.notice is None


def test_the_index_folder_is_untouched_by_the_lexicon(engine):
    before = sorted(p.name for p in Path(engine.ixdir).iterdir())
    engine.search(SearchRequest(query="parliment~ wether"))
    assert sorted(p.name for p in Path(engine.ixdir).iterdir()) == before


@pytest.mark.parametrize("pattern", ["*e*", "ma*q", "?az*", "m*[a-c]q", "*", "parl?ament", "x*"])
def test_wildcards_stand_for_whooshs_words(engine, pattern):
    from whoosh import query as wq

    from searchtui.whooshext import expanded_texts

    reader = engine._data.reader
    for field in ("title", "body"):
        q = wq.Wildcard(field, pattern)
        whoosh = [t.decode() if isinstance(t, bytes) else t for t in expanded_texts(q, reader)]
        ev = evaluate.Evaluator(engine._data, engine._searcher)
        mask, _ = ev.run(q)
        expected = set()
        for t in whoosh:
            expected |= set(engine._data.postings(field, t)[0].tolist())
        assert set(mask.nonzero()[0].tolist()) == expected
