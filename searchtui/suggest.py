"""Did you mean: likely spellings for the rare or unknown words of a query.

A plain word found in fewer than :data:`SUGGEST_RARE` articles is replaced by
the most common word one edit away (a deletion, swap, replacement or
insertion) that is in at least :data:`SUGGEST_MIN_DF` articles and twenty
times as many as the typed word, and that articles really write so.
Candidates are tried in a fixed order, so a query always gets the same
suggestion.

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

from searchtui.arrays import IndexData
from searchtui.lexicon import lexicon
from searchtui.query import FIELD_ALIASES
from searchtui.schema import normalise_word, stored_body

SUGGEST_RARE = 3  # words in fewer articles than this get a suggestion
SUGGEST_MIN_DF = 5  # a suggested word is in at least this many articles
SUGGEST_MAX_LETTERS = 30  # longer words get no suggestion
SUGGEST_MAX_WORDS = 12  # words of one query looked at
SUGGEST_BUDGET = 0.5  # seconds one request may spend looking
_CACHE_LIMIT = 10_000  # corrections remembered before the memory starts afresh

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
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

    def __init__(self, data: IndexData, searcher: Any):
        self._data = data
        self._searcher = searcher
        self._corrections: dict[str, str | None] = {}

    def suggest(self, text: str) -> str | None:
        """``text`` with its rare or unknown plain words replaced by likely ones, or None."""
        # Values given to facet and date prefixes are names, not words to correct.
        protected = [
            m.span() for m in _PREFIXED.finditer(text)
            if m.group(1).lower() not in _TEXT_PREFIXES
        ]
        out, last, changed = [], 0, False
        deadline = time.monotonic() + SUGGEST_BUDGET
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

    def _doc_freq(self, term: str) -> int:
        reader = self._data.reader
        return int(reader.doc_frequency("body", term) + reader.doc_frequency("title", term))

    def _correct(self, word: str, deadline: float) -> str | None:
        """A word one edit away that is far more common, or None (remembered, unless
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
        floor = max(SUGGEST_MIN_DF, df * 20)
        seen = {stemmed}
        ranked = []
        reader = self._data.reader
        words = (lexicon(reader, "body"), lexicon(reader, "title"))
        for n, cand in enumerate(_edits1(lower)):
            if n % 256 == 0 and time.monotonic() > deadline:
                raise TimeoutError
            cstem = normalise_word(cand)
            if cstem is None or cstem in seen:
                continue
            seen.add(cstem)
            if not any(cstem in lex for lex in words):
                continue  # in no article: not worth asking the index
            cdf = self._doc_freq(cstem)
            if cdf >= floor:
                # A stem much shorter than the typed word's is a weaker guess.
                ranked.append((len(cstem) < len(stemmed) - 1, -cdf, cand, cstem))
        ranked.sort()
        # Stems hide spelling ("overment" stems to the common "over"): keep the
        # first candidate that is really written so in articles holding its stem.
        for _, _, cand, cstem in ranked[:12]:
            if self._written(cand, cstem):
                return cand.capitalize() if word[:1].isupper() else cand
        return None

    def _written(self, word: str, stem: str, sample: int = 5) -> bool:
        pattern = re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)", re.IGNORECASE)
        for field in ("title", "body"):
            ids, _ = self._data.postings(field, stem)
            for d in ids[:sample]:
                value = self._searcher.stored_fields(int(d)).get(field)
                text = stored_body(value) if field == "body" else (value or "")
                if pattern.search(text):
                    return True
        return False
