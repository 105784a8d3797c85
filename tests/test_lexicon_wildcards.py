"""A wildcard's words are looked up from its literal start, and are the same as a
walk over every word would find."""

from __future__ import annotations

import fnmatch
import re

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
    assert lex.words == once.words == set(given_words)
    assert lex.within(text, 2) == once.within(text, 2)
    assert len(lex) == len(set(given_words))
