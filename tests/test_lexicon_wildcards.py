"""A wildcard's words are looked up from its literal start, and are the same as a
walk over every word would find."""

from __future__ import annotations

import fnmatch
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from searchtui.lexicon import Lexicon

LETTERS = "abcé"
words = st.text(alphabet=LETTERS, min_size=1, max_size=6)
globs = st.text(alphabet=LETTERS + "*?", min_size=1, max_size=5)


def literal(glob: str) -> str:
    return re.split(r"[*?\[]", glob, maxsplit=1)[0]


@settings(max_examples=300, deadline=None)
@given(st.sets(words, max_size=60), globs)
def test_matching_from_the_literal_start_finds_what_a_full_walk_finds(vocab, glob):
    lex = Lexicon(vocab)
    pattern = re.compile(fnmatch.translate(glob))
    everything = sorted(w for w in vocab if pattern.match(w))
    assert lex.matching(pattern) == everything
    assert lex.matching(pattern, literal(glob)) == everything


def test_a_prefix_range_stops_at_the_next_word_and_keeps_longer_letters():
    lex = Lexicon(["immigrant", "immigrat", "immigration", "immigr\uffff", "imn", "imm"])
    pattern = re.compile(fnmatch.translate("immigr*"))
    assert lex.matching(pattern, "immigr") == sorted(
        ["immigrant", "immigrat", "immigration", "immigr\uffff"]
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(words, max_size=60), st.text(alphabet=LETTERS, min_size=1, max_size=6))
def test_words_given_in_any_order_or_twice_are_one_set(given_words, text):
    """A lexicon of words in any order, some repeated, is the lexicon of their set."""
    lex = Lexicon(given_words)
    once = Lexicon(sorted(set(given_words)))
    assert set(lex.sorted()) == set(once.sorted()) == set(given_words)
    assert lex.within(text, 2) == once.within(text, 2)
    assert len(lex) == len(set(given_words))


@settings(max_examples=300, deadline=None)
@given(st.lists(words, max_size=60), st.text(alphabet=LETTERS, max_size=4))
def test_the_words_starting_with_a_prefix_are_those_a_walk_finds(given_words, prefix):
    """In any order given, repeated or not: each word with the prefix, once, sorted."""
    lex = Lexicon(given_words)
    assert lex.starting(prefix) == sorted({w for w in given_words if w.startswith(prefix)})
    assert lex.sorted() == sorted(set(given_words))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(words, max_size=40),
    st.lists(st.sampled_from(["in", "len", "sorted", "set", "within", "prepare"]), max_size=6),
    st.lists(st.text(alphabet=LETTERS, max_size=6), min_size=1, max_size=5),
)
def test_the_views_made_on_first_need_answer_alike_in_any_order(given_words, asks, probes):
    """Each view of the words (in order, by length) is made when first asked for;
    whichever is made first, ``in`` and the rest answer as the set of words does."""
    lex = Lexicon(list(given_words))
    vocab = set(given_words)
    reference = Lexicon(sorted(vocab))
    reference.prepare()
    for ask in asks:
        if ask == "in":
            assert [p in lex for p in probes] == [p in vocab for p in probes]
        elif ask == "len":
            assert len(lex) == len(vocab)
        elif ask == "sorted":
            assert lex.sorted() == sorted(vocab)
        elif ask == "set":
            assert set(lex.sorted()) == vocab
        elif ask == "within":
            assert lex.within(probes[0], 1) == reference.within(probes[0], 1)
        else:
            lex.prepare()
    assert [p in lex for p in probes] == [p in vocab for p in probes]
    assert 3 not in lex and None not in lex


def _small_index(tmp_path, articles: list[tuple[str, str]]):
    """(corpus folder, index folder) of one article a file, each (title, body)."""
    from searchtui.config import Config
    from searchtui.indexer import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, (title, body) in enumerate(articles):
        (corpus / f"{i}.txt").write_text(
            f"{title}\n\nAnna Smith — Daily Planet Nov 1{i}, 2016\n\n\n{body}\n",
            encoding="utf-8",
        )
    root = tmp_path / "index"
    build_index([str(corpus)], root, config=Config(extractor="none"), workers=1)
    return corpus, root


def test_a_prefix_query_searches_the_words_whooshs_expansion_finds(tmp_path, monkeypatch):
    """A prefix typed in a query stands for the words Whoosh's own expansion would
    give it (looked up in the lexicon, not by merging every segment's words), in each
    segment and after deletions, and finds the same articles."""
    from whoosh import query as wq

    from searchtui.config import Config
    from searchtui.indexer import build_index
    from searchtui.lexicon import lexicon
    from searchtui.models import SearchRequest
    from searchtui.search import SearchEngine
    from searchtui.whooshext.query import expanded_texts

    texts = ["Immigration talks", "Immigrants arrive", "The immigrant vote",
             "Impeachment hearing", "Imminent storm", "Immune response"]
    corpus, root = _small_index(
        tmp_path, [(title, f"{title} today, immi{i}x.") for i, title in enumerate(texts)]
    )
    (corpus / "1.txt").unlink()  # a deletion, and a second segment
    (corpus / "9.txt").write_text(
        "Immigrations anew\n\nBo Lee — Daily Planet Dec 01, 2016\n\n\nImmigr words.",
        encoding="utf-8",
    )
    build_index([str(corpus)], root, config=Config(extractor="none"), workers=1)
    from searchtui import evaluate

    walked_by_whoosh = []

    def walk(q, reader):
        walked_by_whoosh.append(q)
        return expanded_texts(q, reader)

    monkeypatch.setattr(evaluate, "expanded_texts", walk)
    with SearchEngine.open(root) as engine:
        reader = engine._data.reader
        for prefix in ("imm", "immigr", "immi", "im", "zz"):
            for field in ("body", "title"):
                ours = engine._evaluator().run(wq.Prefix(field, prefix))[0]
                query = wq.Prefix(field, prefix)
                walked = sorted(t.decode() for t in expanded_texts(query, reader))
                assert lexicon(reader, field).starting(prefix) == walked
                stock = set(engine._searcher.docs_for_query(wq.Prefix(field, prefix)))
                assert set(np.flatnonzero(ours & engine._data.live).tolist()) == stock
            result = engine.search(SearchRequest(query=f"{prefix}*"))
            assert result.total == len(set(engine._searcher.docs_for_query(
                wq.Or([wq.Prefix("body", prefix), wq.Prefix("title", prefix)]))))
    assert not walked_by_whoosh  # the text fields' prefixes came from the lexicon


def test_a_prefix_that_runs_past_a_stem_finds_the_stem():
    """Stems are often shorter than the words typed: "electio" is the start of
    "election", whose stem "elect" it runs past. The stems of the words a prefix may
    be the start of are given (each one is what the analyzer makes of a real word)."""
    from searchtui.schema import normalise_word, stems_of_words_starting

    for prefix, word in [
        ("electio", "elections"), ("immigra", "immigration"), ("governme", "government"),
        ("presiden", "presidents"), ("nationa", "nationally"), ("happine", "happiness"),
        ("dropp", "dropped"), ("studyin", "studying"), ("hundred", "hundreds"),
        ("communicatio", "communication"), ("vaccinati", "vaccination"),
    ]:
        stem = normalise_word(word)
        assert stem is not None and not stem.startswith(prefix)
        assert stem in stems_of_words_starting(prefix), (prefix, word)
    assert stems_of_words_starting("") == frozenset()
    assert stems_of_words_starting("u.s") == frozenset()  # a word with a dot is kept whole


def test_every_prefix_of_the_shared_corpora_words_finds_their_stems():
    """Over the words of real articles: each prefix of five letters or more that runs
    past its word's stem is given that stem."""
    from conftest import shared_path

    from searchtui.schema import normalise_word, stems_of_words_starting

    folder = shared_path("corpora", "wikinews")
    if not folder.is_dir():
        import pytest

        pytest.skip("the shared corpora are not here")
    words = set()
    for f in sorted(folder.glob("*.txt"))[:150]:
        words.update(re.findall(r"[a-z]+", f.read_text(encoding="utf-8").lower()))
    checked = missed = 0
    for word in words:
        stem = normalise_word(word)
        if stem is None:
            continue
        for k in range(5, len(word)):
            prefix = word[:k]
            if stem.startswith(prefix):
                continue  # found by the words starting with the prefix
            checked += 1
            missed += stem not in stems_of_words_starting(prefix)
    assert checked > 1000
    assert missed <= checked // 100


def test_typing_a_word_past_its_stem_finds_its_articles(tmp_path):
    """While typing, a last word that runs past the stems of the words it begins
    ("electio", "GOVERNME") finds what the whole word finds, and an explicit prefix
    does too; letters that start no word still find nothing."""
    from searchtui.models import SearchRequest
    from searchtui.search import SearchEngine

    bodies = [
        "The election was close.", "Two elections in a year.", "They elected a mayor.",
        "The government fell.", "Governments talk.", "Weather today.",
    ]
    _corpus, root = _small_index(tmp_path, [(f"Story {i}", b) for i, b in enumerate(bodies)])
    with SearchEngine.open(root) as engine:
        def paths(query: str, typing: bool) -> set[str]:
            result = engine.search(SearchRequest(query=query, typing=typing, page_size=50))
            return {h.path.rsplit("/", 1)[-1] for h in result.hits}

        assert paths("electio", True) == paths("election", False) == {"0.txt", "1.txt", "2.txt"}
        assert paths("GOVERNME", True) == paths("government", False) == {"3.txt", "4.txt"}
        assert paths("governme*", False) == {"3.txt", "4.txt"}
        assert paths("weath", True) == {"5.txt"}
        assert paths("electiox", True) == set()


def test_asking_whether_the_words_are_read_does_not_wait_for_them_being_read():
    """While the words of a field are being read (under the module's lock), a search
    asking whether they are read is told at once that they are not."""
    import threading

    from searchtui import lexicon as lexicon_module

    class Reader:
        pass

    reader = Reader()
    answers = []
    with lexicon_module._lock:
        asking = threading.Thread(
            target=lambda: answers.append(lexicon_module.made(reader, "body"))
        )
        asking.start()
        asking.join(timeout=5)
        assert not asking.is_alive() and answers == [None]
    lexicon_module.provide(reader, lambda field: ["alpha", "beta"])
    lex = lexicon_module.lexicon(reader, "body")
    assert lexicon_module.made(reader, "body") is lex and "beta" in lex
    assert lexicon_module.made(reader, "title") is None
