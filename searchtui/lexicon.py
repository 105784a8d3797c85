"""The words of an indexed field, held in memory for fuzzy matching and spelling.

Whoosh finds the words near a fuzzy term (``word~``) by walking its whole
lexicon with a pure-Python edit distance: a second or more per word on a corpus
of a few thousand articles. Here the words are grouped by length into arrays of
code points, and the edit distance from one word to every word of a length is
computed at once, by a compiled loop (``_kernels.pyx``) or with numpy, one row
of the distance table per letter of the query. The distance is Whoosh's
(restricted Damerau-Levenshtein: insertions, deletions, substitutions and swaps
of neighbouring letters), and so are the words found: :func:`within` is tested
against Whoosh's own.
"""

from __future__ import annotations

import bisect
import re
import threading
import weakref
from collections.abc import Callable, Iterable
from itertools import islice
from operator import eq
from typing import Any

import numpy as np

from searchtui import kernels

_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[Any, dict[str, Lexicon]] = weakref.WeakKeyDictionary()
#: reader -> where its fields' words can be had without walking its lexicon
_sources: weakref.WeakKeyDictionary[Any, Callable[[str], list[str] | None]] = (
    weakref.WeakKeyDictionary()
)


def provide(reader: Any, words: Callable[[str], list[str] | None]) -> None:
    """Read the words of ``reader``'s fields with ``words(field)`` (None: walk its
    lexicon): a reader of many segments merges their lexicons term by term."""
    with _lock:
        _sources[reader] = words


class Lexicon:
    """A set of words, searchable by edit distance.

    Each view of the words is made on first need, and kept: the words in order (for
    prefixes and ``in``), and grouped by length into arrays (for edit distances). A
    prefix typed in the search box needs the first only; making both for the million
    words of a large index took a fifth of a second.
    """

    def __init__(self, words: Iterable[str]):
        #: as given until sorted; then the sorted words (one list, never None, so that
        #: threads sharing the lexicon always find one of the two)
        self._given: list[str] = words if isinstance(words, list) else list(words)
        self._sorted: list[str] | None = None
        self._buckets: dict[int, tuple[list[str], np.ndarray]] | None = None

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        words = self.sorted()
        i = bisect.bisect_left(words, word)
        return i < len(words) and words[i] == word

    def __len__(self) -> int:
        return len(self.sorted())

    def matching(self, pattern: re.Pattern[str], prefix: str = "") -> list[str]:
        """The words ``pattern`` matches from their start, in alphabetical order; only
        words beginning with ``prefix`` (the pattern's literal start) are tried."""
        words = self.starting(prefix) if prefix else self.sorted()
        return [word for word in words if pattern.match(word)]

    def sorted(self) -> list[str]:
        """The words in alphabetical order (code point by code point), each once."""
        found = self._sorted
        if found is None:
            # the words of an index come sorted and each once: sorting them is then one
            # pass, and so is looking for a word given twice
            found = sorted(self._given)
            if any(map(eq, found, islice(found, 1, None))):
                found = list(dict.fromkeys(found))
            self._given = self._sorted = found
        return found

    def starting(self, prefix: str) -> list[str]:
        """The words that begin with ``prefix``, in alphabetical order."""
        words = self.sorted()
        lo = bisect.bisect_left(words, prefix)
        hi = bisect.bisect_left(words, prefix + "\U0010ffff", lo)
        return words[lo:hi]

    def _by_length(self) -> dict[int, tuple[list[str], np.ndarray]]:
        """The words of each length, in order, with their code points as rows."""
        found = self._buckets
        if found is None:
            words = self.sorted()
            found = {}
            if words:
                # each length's words picked out in one stable sort by length: a loop
                # over the words in Python took a quarter of a second for a million
                lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
                order = np.argsort(lengths, kind="stable").tolist()
                counts = np.bincount(lengths)
                lo = 0
                for m in np.flatnonzero(counts).tolist():
                    hi = lo + int(counts[m])
                    group = list(map(words.__getitem__, order[lo:hi]))
                    codes = np.frombuffer("".join(group).encode("utf-32-le"), dtype=np.uint32)
                    found[m] = (group, codes.reshape(len(group), m))
                    lo = hi
            self._buckets = found
        return found

    def prepare(self) -> None:
        """Make the views edit distances need now (for a background thread)."""
        self._by_length()

    def within(self, text: str, maxdist: int, prefix: int = 0) -> list[tuple[int, str]]:
        """(distance, word) for every word at most ``maxdist`` edits from ``text`` that
        begins with the first ``prefix`` letters of ``text``: closest first, then in
        alphabetical order."""
        n = len(text)
        query = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        head = query[:prefix]
        found: list[tuple[int, str]] = []
        buckets = self._by_length()
        for m in range(max(0, n - maxdist), n + maxdist + 1):
            bucket = buckets.get(m)
            if bucket is None or m < len(head):
                continue
            words, codes = bucket
            rows = np.arange(len(words))
            if len(head):
                rows = rows[(codes[:, : len(head)] == head).all(axis=1)]
            if not len(rows):
                continue
            if kernels.loops is not None:
                dist = kernels.loops.edit_distances(query, codes[rows], maxdist)
            else:
                dist, rows = _distances(query, codes[rows], rows, maxdist)
            near = dist <= maxdist
            pairs = zip(dist[near].tolist(), rows[near].tolist(), strict=True)
            found.extend((d, words[r]) for d, r in pairs)
        found.sort()
        return found


def _distances(
    query: np.ndarray, codes: np.ndarray, rows: np.ndarray, maxdist: int
) -> tuple[np.ndarray, np.ndarray]:
    """The distance from ``query`` to each word of ``codes`` (all of one length), for
    the words that may be within ``maxdist``; and those words' ``rows``."""
    count, m = codes.shape
    steps = np.arange(m + 1, dtype=np.int32)
    prev = np.broadcast_to(steps, (count, m + 1)).copy()  # from no letters of the query
    before: np.ndarray | None = None
    for i in range(1, len(query) + 1):
        letter = query[i - 1]
        differ = codes != letter
        # deletion (from the row above) or substitution (from its left neighbour)
        best = np.minimum(prev[:, 1:] + 1, prev[:, :-1] + differ)
        if before is not None and m > 1:
            # a swap of neighbouring letters, as Whoosh counts it
            swap = (
                (codes[:, :-1] == letter)
                & (codes[:, 1:] == query[i - 2])
                & differ[:, 1:]
            )
            best[:, 1:] = np.where(swap, np.minimum(best[:, 1:], before[:, :-2] + 1), best[:, 1:])
        row = np.empty_like(prev)
        row[:, 0] = i
        row[:, 1:] = best
        # insertions: each cell is at most its left neighbour plus one
        row = np.minimum.accumulate(row - steps, axis=1) + steps
        # a row's least value never falls: words past maxdist are dropped
        alive = row.min(axis=1) <= maxdist
        if not alive.all():
            codes, row, prev, rows = codes[alive], row[alive], prev[alive], rows[alive]
            if not len(rows):
                break
        before, prev = prev, row
    return prev[:, m], rows


def lexicon(reader: Any, fieldname: str) -> Lexicon:
    """The words of ``fieldname`` in ``reader`` (read once per reader, then kept)."""
    with _lock:
        held = _cache.setdefault(reader, {})
        found = held.get(fieldname)
        if found is None:
            source = _sources.get(reader)
            words: Iterable[str] | None = source(fieldname) if source is not None else None
            if words is None:
                words = (b.decode("utf-8") for b in reader.lexicon(fieldname))
            found = held[fieldname] = Lexicon(words)
        return found


def made(reader: Any, fieldname: str) -> Lexicon | None:
    """The words of ``fieldname`` in ``reader`` if they have been read already, else None.

    Not under the lock, which :func:`lexicon` holds while it reads the words (a tenth
    of a second at a million articles): a search asking meanwhile is told None. A
    lexicon is put in its reader's dict whole, in one step."""
    held = _cache.get(reader)
    return held.get(fieldname) if held is not None else None
