"""Did you mean: likely spellings for the rare or unknown words of a query.

A plain word whose stem is in :data:`SUGGEST_RARE` articles or more is a word of
the corpus and keeps its spelling. A rarer one is replaced by the best word one
edit away (a deletion, swap of neighbouring letters, replacement or insertion),
or two, keeping the first letter, for words of :data:`SUGGEST_TWO_EDITS` letters or
more: the fewest edits
first (among as many, a changed first letter last), then the most common, then
alphabetical, so a query always gets the same suggestion. The word offered is in
at least :data:`SUGGEST_MIN_DF` articles and :data:`SUGGEST_RATIO` times as many
as the typed word, and articles really write it so. A rare word the articles
themselves write ("prospectus") is taken for a misspelling only next to a word
:data:`SUGGEST_WRITTEN_RATIO` times as common ("goverment" in two articles,
"government" in thousands).

The index holds stems, not words: the words one edit away are spelled out and
stemmed; for two edits, the stems two edits from the word's stem are found in
the in-memory lexicon (:mod:`searchtui.lexicon`, all stems of one length at once
with numpy) and their spellings guessed from the typed word's ending and the
common endings. So a word whose misspelling also changes how it stems
("imigraton" for "immigration") gets no two-edit suggestion.

The work is bounded: words longer than :data:`SUGGEST_MAX_LETTERS` get no
suggestion, at most :data:`SUGGEST_MAX_WORDS` words of a query are looked at,
a candidate is looked up in the index only when its stem is a word of the
index, and a request stops looking after :data:`SUGGEST_BUDGET` seconds (the
words not reached keep their spelling).
"""

from __future__ import annotations

import re
import time
from typing import Any

from whoosh.support.levenshtein import damerau_levenshtein

from searchtui.arrays import IndexData
from searchtui.lexicon import lexicon, made
from searchtui.query import FIELD_ALIASES
from searchtui.schema import find_terms, normalise_word
from searchtui.texts import Texts

SUGGEST_RARE = 3  # words in fewer articles than this may get a suggestion
SUGGEST_MIN_DF = 5  # a suggested word is in at least this many articles
SUGGEST_RATIO = 10  # ... and in this many times as many as the typed word
SUGGEST_WRITTEN_RATIO = 1000  # ... or this many, when articles write the typed word so
SUGGEST_TWO_EDITS = 5  # words of this many letters may be two edits from their suggestion
SUGGEST_CHECKED = 12  # best candidates checked for being written so, per word
SUGGEST_SAMPLE = 5  # articles read per field to see how a stem is written
SUGGEST_MAX_LETTERS = 30  # longer words get no suggestion
SUGGEST_MAX_WORDS = 12  # words of one query looked at
SUGGEST_BUDGET = 0.5  # seconds one request may spend looking
_CACHE_LIMIT = 10_000  # corrections remembered before the memory starts afresh

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: How words commonly end past their stem: spellings of a stem are guessed with them.
_ENDINGS = ("", "e", "s", "es", "ed", "er", "ers", "ing", "ion", "ions", "ment", "ments",
            "al", "ly", "ity", "ate", "ated", "ation", "ive", "ence", "ance", "ent", "ant",
            "ous", "ness")
_PLAIN_WORD = re.compile(r"(?<![\w*~.-])([A-Za-z]{3,})(?![\w:*~.])")
_PREFIXED = re.compile(r'(\w+):("[^"]*"?|\([^)]*\)?|\S+)')
_TEXT_PREFIXES = {"title", "body", *FIELD_ALIASES["title"], *FIELD_ALIASES["body"]}
_OPERATORS = ("AND", "OR", "NOT", "TO")


def _edits1(word: str) -> list[str]:
    """Every string one deletion, swap, replacement or insertion away, once each,
    in that order (and left to right within each)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return list(dict.fromkeys(deletes + swaps + replaces + inserts))


class Speller:
    """Suggestions from one index generation; remembers the words it has corrected."""

    def __init__(self, data: IndexData, searcher: Any, texts: Texts | None = None):
        self._data = data
        self._searcher = searcher
        self._texts = texts or Texts()
        self._corrections: dict[str, str | None] = {}
        self._written: dict[str, frozenset[str]] = {}  # stem -> its spellings in articles
        self._doc_freqs: dict[str, int] = {}

    def suggest(self, text: str) -> str | None:
        """``text`` with its rare or unknown plain words replaced by likely ones, or None."""
        # Values given to facet and date prefixes are names, not words to correct.
        protected = [
            m.span() for m in _PREFIXED.finditer(text)
            if m.group(1).lower() not in _TEXT_PREFIXES
        ]
        found: list[re.Match[str]] = []
        looked: set[str] = set()
        for m in _PLAIN_WORD.finditer(text):
            word = m.group(1)
            if word in _OPERATORS or len(word) > SUGGEST_MAX_LETTERS:
                continue
            if any(a <= m.start(1) < b for a, b in protected):
                continue
            looked.add(word.lower())
            if len(looked) > SUGGEST_MAX_WORDS:
                break
            found.append(m)
        # The word lists are read once per index version; that is not the
        # looking the budget is for (a first query would find nothing in time).
        if any(self._may_need_two_edits(m.group(1)) for m in found):
            reader = self._data.reader
            lexicon(reader, "body").prepare()
            lexicon(reader, "title").prepare()
        out, last, changed = [], 0, False
        deadline = time.monotonic() + SUGGEST_BUDGET
        for m in found:
            word = m.group(1)
            better = self._correct(word, deadline)
            if better:
                out.append(text[last : m.start(1)])
                out.append(better)
                last = m.end(1)
                changed = True
        if not changed:
            return None
        out.append(text[last:])
        return "".join(out)

    def _may_need_two_edits(self, word: str) -> bool:
        """Whether correcting ``word`` may look two edits away (it reads the word lists)."""
        if len(word) < SUGGEST_TWO_EDITS or word.lower() in self._corrections:
            return False
        stemmed = normalise_word(word.lower())
        return stemmed is not None and self._doc_freq(stemmed) < SUGGEST_RARE

    def known(self, term: str) -> bool:
        """Whether some article has ``term`` (an analysed word) in its body or title."""
        if term not in self._doc_freqs:
            # the word lists, once read, say so at once; Whoosh looks in every segment
            # (a hundredth of a second at a million articles, for each letter typed)
            reader = self._data.reader
            held = [made(reader, "body"), made(reader, "title")]
            if held[0] is not None and held[1] is not None:
                return term in held[0] or term in held[1]
        return self._doc_freq(term) > 0

    def _doc_freq(self, term: str) -> int:
        """Articles holding ``term`` in body or title (counted twice when in both, as a
        rough measure of how common it is), remembered: Whoosh looks in every segment."""
        found = self._doc_freqs.get(term)
        if found is None:
            reader = self._data.reader
            found = int(reader.doc_frequency("body", term) + reader.doc_frequency("title", term))
            if len(self._doc_freqs) > _CACHE_LIMIT:
                self._doc_freqs.clear()
            self._doc_freqs[term] = found
        return found

    def _correct(self, word: str, deadline: float) -> str | None:
        """A far more common word one or two edits away, or None (remembered, unless
        the time ran out before it was found)."""
        cache = self._corrections
        if word in cache:
            return cache[word]
        if time.monotonic() > deadline:
            return None
        try:
            found = self._find_correction(word, deadline)
        except TimeoutError:
            return None
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        cache[word] = found
        return found

    def _find_correction(self, word: str, deadline: float) -> str | None:
        """The correction of ``word``; TimeoutError past ``deadline``."""
        lower = word.lower()
        stemmed = normalise_word(lower)
        if stemmed is None:
            return None
        df = self._doc_freq(stemmed)
        if df >= SUGGEST_RARE:
            return None
        # A rare word the articles write so is taken for a misspelling only next to a
        # word so common that its misspellings would be met as often.
        written = df > 0 and lower in self._spellings(stemmed)
        floor = max(SUGGEST_MIN_DF, df * (SUGGEST_WRITTEN_RATIO if written else SUGGEST_RATIO))
        found: dict[str, tuple[int, int]] = {}  # spelling -> (edits, articles)
        for n, cand in enumerate(_edits1(lower)):
            if n % 256 == 0 and time.monotonic() > deadline:
                raise TimeoutError
            cstem = normalise_word(cand)
            if cstem is None or cstem == stemmed:
                continue
            cdf = self._stem_df(cstem)
            if cdf >= floor:
                found[cand] = (1, cdf)
        if len(lower) >= SUGGEST_TWO_EDITS:
            self._two_edits(lower, stemmed, floor, found, deadline)
        # fewest edits first (a first letter changed counts a little more: typing
        # rarely gets it wrong), then the most common, then (for spellings of one
        # stem) as long as typed, then alphabetical
        ranked = sorted(
            found.items(),
            key=lambda item: (
                item[1][0], item[0][:1] != lower[:1], -item[1][1],
                abs(len(item[0]) - len(lower)), item[0],
            ),
        )
        for cand, _ in ranked[:SUGGEST_CHECKED]:
            if time.monotonic() > deadline:
                raise TimeoutError
            # stems hide spelling ("overment" stems to the common "over"): only a
            # spelling articles really write is offered
            if cand in self._spellings(normalise_word(cand) or ""):
                return cand.capitalize() if word[:1].isupper() else cand
        return None

    def _two_edits(
        self, lower: str, stemmed: str, floor: int, found: dict[str, tuple[int, int]],
        deadline: float,
    ) -> None:
        """Add to ``found`` the spellings two edits from ``lower`` of the stems near
        ``stemmed`` that are in at least ``floor`` articles. A stem's spelling is
        guessed from how ``lower`` ends ("goverment" is "gover" + "ment": "govern"
        is "government") or with the common endings; whether articles write it so is
        checked later."""
        reader = self._data.reader
        # stems near the typed word's stem, and near the word itself with the
        # stemmer's "i" for a final "y" ("econnomyy" stems apart from "economi")
        keys = {stemmed, lower[:-1] + "i" if lower.endswith("y") else lower}
        near: set[str] = set()
        for lex in (lexicon(reader, "body"), lexicon(reader, "title")):
            for key in sorted(keys):
                near.update(cstem for _, cstem in lex.within(key, 2))
        near.discard(stemmed)
        # the typed word is its stem's head and its own ending
        head = 0
        while head < min(len(lower), len(stemmed)) and lower[head] == stemmed[head]:
            head += 1
        stem_tail, ending = stemmed[head:], lower[head:]
        # two edits keep the first letter: a word mistyped at its start and again
        # elsewhere is rare, and a common word that starts otherwise ("rich" for
        # "zurich", "hall" for "thrall") is most often another word
        first = lower[:1]
        for n, cstem in enumerate(sorted(near)):
            if n % 64 == 0 and time.monotonic() > deadline:
                raise TimeoutError
            guesses = {cstem + e for e in _ENDINGS}
            if cstem.endswith("i"):  # the stemmer's "i" for a final "y" ("economi")
                guesses.update(cstem[:-1] + e for e in ("y", "ies"))
            if cstem.endswith(stem_tail):
                guesses.add(cstem[: len(cstem) - len(stem_tail)] + ending)
            cdf = -1
            for guess in sorted(guesses):
                if guess in found or abs(len(guess) - len(lower)) > 2 or guess[:1] != first:
                    continue
                if normalise_word(guess) != cstem:  # a dictionary look-up: first
                    continue
                edits = damerau_levenshtein(lower, guess, 2)
                if edits > 2:
                    continue
                if cdf < 0:
                    cdf = self._stem_df(cstem)
                if cdf >= floor:
                    found[guess] = (edits, cdf)

    def _stem_df(self, stem: str) -> int:
        """Articles holding ``stem``: 0 without asking the index when no article has it."""
        reader = self._data.reader
        if stem not in lexicon(reader, "body") and stem not in lexicon(reader, "title"):
            return 0
        return self._doc_freq(stem)

    def _spellings(self, stem: str) -> frozenset[str]:
        """How the first articles holding ``stem`` write it (lower case), remembered."""
        found = self._written.get(stem)
        if found is not None:
            return found
        spellings: set[str] = set()
        for field in ("title", "body"):
            ids, _ = self._data.postings(field, stem)
            for d in ids[:SUGGEST_SAMPLE]:
                fields = self._searcher.stored_fields(int(d))
                text = self._texts(fields).body if field == "body" else (fields.get(field) or "")
                spellings.update(text[s:e].lower() for s, e, _ in find_terms(text, {stem}))
        if len(self._written) > _CACHE_LIMIT:
            self._written.clear()
        found = self._written[stem] = frozenset(spellings)
        return found
