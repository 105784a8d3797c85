"""Running a parsed query over the arrays of an index: (matching mask, scores).

Terms are read from :class:`~searchtui.arrays.IndexData`'s posting arrays and
scored with BM25; AND, OR and NOT are array operations; phrases are checked
against positions; facet fields match their values. Whoosh's own matcher is
used only for what the arrays do not hold (sloppy phrases, rare query types).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from whoosh import query as wq

from searchtui.arrays import IndexData
from searchtui.errors import QueryError
from searchtui.facets import FacetIndex
from searchtui.schema import FACET_INDEX_FIELDS, fold
from searchtui.whooshext import expanded_texts, is_null_query

MAX_EXPANSION = 256  # a prefix or wildcard stands for at most this many terms

Mask = np.ndarray  # bool, one per document
Scores = np.ndarray  # float32, one per document
Matches = tuple[Mask, Scores]


class Evaluator:
    """Turns a Whoosh query tree into (matching mask, score array).

    ``terms`` collects the (field, term) pairs that matched outside a NOT,
    for highlighting.
    """

    def __init__(self, data: IndexData, searcher: Any):
        self.data = data
        self.searcher = searcher
        self.n = data.ndocs
        self.terms: set[tuple[str, str]] = set()
        self._negated = 0  # > 0 while inside a NOT: its terms are not highlighted

    def _zeros(self) -> Scores:
        return np.zeros(self.n, dtype=np.float32)

    def empty(self) -> Matches:
        return np.zeros(self.n, dtype=bool), self._zeros()

    def most_of(self, q: Any) -> tuple[Mask, Scores, list[tuple[Any, int]]] | None:
        """For a conjunction of several words: the articles with most of them.

        The articles that have at least one of the query's positive parts (and none
        of its excluded ones), ranked by how many parts they have, then by score.
        Also each part with the number of live articles that have it. None when the
        query is no conjunction of two or more positive parts.
        """
        exclude: list[Any] = []
        if isinstance(q, wq.AndNot):
            exclude.append(q.b)
            q = q.a
        if not isinstance(q, wq.And):
            return None
        positive: list[Any] = []
        for sub in q.subqueries:
            (exclude if isinstance(sub, wq.Not) else positive).append(
                sub.query if isinstance(sub, wq.Not) else sub
            )
        if len(positive) < 2:
            return None
        live = self.data.live
        count = np.zeros(self.n, dtype=np.int32)
        score = self._zeros()
        parts = []
        for part in positive:
            m, s = self.run(part)
            m = m & live
            count += m
            score += np.where(m, s, 0).astype(np.float32)
            parts.append((part, int(np.count_nonzero(m))))
        mask = count > 0
        for part in exclude:
            m, _ = self.negated(part)
            mask &= ~m
        top = float(score.max()) if self.n else 0.0
        # how many parts first; the score only orders articles with as many
        ranked = count + score / (top + 1.0) * 0.999 if top > 0 else count.astype(np.float32)
        return mask, ranked.astype(np.float32), parts

    def run(self, q: Any) -> Matches:
        if isinstance(q, wq.Every):
            return self.data.live.copy(), self._zeros()
        if is_null_query(q):
            return self.empty()
        if type(q) is wq.Term:
            return self.term(q.fieldname, q.text, q.boost)
        if isinstance(q, wq.And):
            mask: Mask | None = None
            score = self._zeros()
            for sub in q.subqueries:
                m, s = self.run(sub)
                mask = m if mask is None else mask & m
                score += s
            return (mask if mask is not None else self.empty()[0]), score
        if isinstance(q, (wq.Or, wq.DisjunctionMax)):
            any_mask, score = self.empty()
            for sub in q.subqueries:
                m, s = self.run(sub)
                any_mask |= m
                score += s
            return any_mask, score
        if isinstance(q, wq.Not):
            m, _ = self.negated(q.query)
            return self.data.live & ~m, self._zeros()
        if isinstance(q, wq.AndNot):
            m, s = self.run(q.a)
            m2, _ = self.negated(q.b)
            return m & ~m2, s
        if isinstance(q, wq.AndMaybe):
            m, s = self.run(q.a)
            _, s2 = self.run(q.b)
            return m, s + s2 * m
        if isinstance(q, wq.Require):
            m, s = self.run(q.a)
            m2, _ = self.run(q.b)
            return m & m2, s
        if isinstance(q, wq.Phrase):
            return self.phrase(q)
        if isinstance(q, wq.MultiTerm):
            return self.multiterm(q)
        return self.fallback(q)

    def negated(self, q: Any) -> Matches:
        self._negated += 1
        try:
            return self.run(q)
        finally:
            self._negated -= 1

    # leaves

    def term(self, fieldname: str, text: str, boost: float = 1.0) -> Matches:
        if fieldname in FACET_INDEX_FIELDS:
            return self.facet_value(fieldname, text)
        if fieldname not in self.data.lengths:
            return self.fallback(wq.Term(fieldname, text))
        ids, ws = self.data.postings(fieldname, text)
        mask, score = self.empty()
        if len(ids):
            mask[ids] = True
            score[ids] = self.data.bm25(fieldname, ids, ws) * boost
            if not self._negated:
                self.terms.add((fieldname, text))
        return mask, score

    def facet_value(self, fieldname: str, text: str) -> Matches:
        """A typed facet value: the values equal to it, else those containing it as words."""
        fidx = self.data.facets[fieldname]
        needle = fold(text).strip()
        exact = [i for i, f in enumerate(fidx.folded) if f == needle]
        if not exact and needle:
            pat = re.compile(r"(?<!\w)" + re.escape(needle) + r"(?!\w)")
            exact = [i for i, f in enumerate(fidx.folded) if pat.search(f)]
        return self._with_values(fidx, exact)

    def _with_values(self, fidx: FacetIndex, ids: list[int]) -> Matches:
        """The live documents carrying any of the facet values ``ids``."""
        mask = np.zeros(self.n, dtype=bool)
        if ids:
            mask[fidx.docs_of(ids)] = True
            mask &= self.data.live
        return mask, mask.astype(np.float32)

    def phrase(self, q: Any) -> Matches:
        if q.fieldname in FACET_INDEX_FIELDS:
            return self.facet_value(q.fieldname, " ".join(q.words))
        words = [w for w in q.words if w]
        if not words:
            return self.empty()
        if len(words) == 1:
            return self.term(q.fieldname, words[0], q.boost)
        mask, score = self.term(q.fieldname, words[0], q.boost)
        for w in words[1:]:
            m, s = self.term(q.fieldname, w, q.boost)
            mask &= m
            score += s
        if not mask.any():
            return mask, score
        if q.slop != 1 or q.fieldname not in self.data.lengths:
            exact = self.fallback(q)[0]
        else:
            exact = self.data.phrase_mask(q.fieldname, tuple(words), mask)
        mask &= exact
        return mask, score * mask

    def multiterm(self, q: Any) -> Matches:
        fieldname = q.field()
        if fieldname in FACET_INDEX_FIELDS:
            # prefix* and wildcards on facet fields match values by their words
            typed = re.escape(fold(getattr(q, "text", "")))
            pattern = typed.replace(r"\*", r"\S*").replace(r"\?", r"\S")
            if isinstance(q, wq.Prefix):
                pattern += r"\S*"
            regex = re.compile(r"(?<!\w)" + pattern + r"(?!\w)")
            fidx = self.data.facets[fieldname]
            values = [i for i, f in enumerate(fidx.folded) if regex.search(f)]
            return self._with_values(fidx, values)
        reader = self.data.reader
        try:
            texts = list(expanded_texts(q, reader))
        except Exception:
            return self.fallback(q)
        if len(texts) > MAX_EXPANSION:
            # keep the most frequent expansions
            texts.sort(key=lambda t: -reader.doc_frequency(fieldname, t))
            texts = texts[:MAX_EXPANSION]
        mask, score = self.empty()
        for tb in texts:
            t = tb.decode("utf-8") if isinstance(tb, bytes) else tb
            m, s = self.term(fieldname, t, q.boost)
            mask |= m
            score = np.maximum(score, s)
        return mask, score

    def fallback(self, q: Any) -> Matches:
        mask = np.zeros(self.n, dtype=bool)
        try:
            ids = np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64)
        except Exception as exc:
            raise QueryError(f"cannot run this part of the query: {q} ({exc})") from None
        if len(ids):
            mask[ids] = True
        mask &= self.data.live
        return mask, mask.astype(np.float32)
