"""Running a parsed query over the arrays of an index: (matching mask, scores).

Terms are read from :class:`~searchtui.arrays.IndexData`'s posting arrays and
scored with BM25; AND, OR and NOT are array operations; phrases are checked
against positions; facet fields match their values. Whoosh's own matcher is
used only for what the arrays do not hold (rare query types).

The work of one query is bounded: its prefixes, wildcards and fuzzy words
stand for at most :data:`MAX_EXPANSION` words in all (the shortest are kept),
each fuzzy word for its :data:`MAX_FUZZY_TERMS` closest spellings, and only the
first :data:`MAX_FUZZY_WORDS` words with ``~`` are matched loosely. When a
bound is met, :attr:`Evaluator.notices` says so.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

import numpy as np
from whoosh import query as wq

from searchtui.arrays import IndexData
from searchtui.errors import QueryError
from searchtui.facets import FacetIndex
from searchtui.lexicon import lexicon
from searchtui.names import NameTable, matching_values
from searchtui.schema import FACET_INDEX_FIELDS, fold, stems_of_words_starting
from searchtui.whooshext import expanded_texts, is_null_query

#: Words the prefixes, wildcards and fuzzy words of one query stand for, together.
#: Each costs a posting list read from the index (a few tenths of a millisecond).
MAX_EXPANSION = 1500
#: Words with ``~`` matched loosely in one query; the others match as typed.
MAX_FUZZY_WORDS = 10
#: Spellings a word with ``~`` stands for: the closest.
MAX_FUZZY_TERMS = 50

#: A pattern typed after a facet field that stands for words of the values.
_ONE_WORD = re.compile(r"[\w*?]+")

Mask = np.ndarray  # bool, one per document
Scores = np.ndarray  # float32, one per document
Matches = tuple[Mask, Scores]


class Evaluator:
    """Turns a Whoosh query tree into (matching mask, score array).

    ``terms`` collects the (field, term) pairs that matched outside a NOT,
    for highlighting.
    """

    def __init__(self, data: IndexData, searcher: Any, names: NameTable | None = None):
        self.data = data
        self.searcher = searcher
        self.names = names  # the entity alias table for names typed after facet fields
        self.n = data.ndocs
        self.terms: set[tuple[str, str]] = set()
        self._negated = 0  # > 0 while inside a NOT: its terms are not highlighted
        self._expansion_left = MAX_EXPANSION
        self._fuzzy_words: set[str] = set()
        # where the query met a bound
        self._cut: dict[str, int] = {}  # prefix or wildcard -> the words it stands for
        self._near_many: list[str] = []  # fuzzy words near more words than searched
        self._fuzzy_dropped = False  # words with ~ past MAX_FUZZY_WORDS

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
            self.data.score_postings(fieldname, ids, ws, boost, mask, score)
            if not self._negated:
                self.terms.add((fieldname, text))
        return mask, score

    def facet_value(self, fieldname: str, text: str, *, quoted: bool = False) -> Matches:
        """A name typed after a facet field: the values it names (see :mod:`searchtui.names`)."""
        fidx = self.data.facets[fieldname]
        return self._with_values(fidx, matching_values(fidx, text, quoted=quoted, names=self.names))

    def _with_values(self, fidx: FacetIndex, ids: list[int]) -> Matches:
        """The live documents carrying any of the facet values ``ids``."""
        mask = np.zeros(self.n, dtype=bool)
        if ids:
            mask[fidx.docs_of(ids)] = True
            mask &= self.data.live
        return mask, mask.astype(np.float32)

    def phrase(self, q: Any) -> Matches:
        if q.fieldname in FACET_INDEX_FIELDS:
            # a quoted name (the parser keeps it a phrase of one word)
            return self.facet_value(q.fieldname, " ".join(q.words), quoted=True)
        # where each word stands from the first (a plain Whoosh phrase: side by side)
        offsets = getattr(q, "offsets", None) or range(len(q.words))
        placed = [(w, o) for w, o in zip(q.words, offsets, strict=True) if w]
        if not placed:
            return self.empty()
        words = [w for w, _ in placed]
        if len(words) == 1:
            return self.term(q.fieldname, words[0], q.boost)
        mask, score = self.term(q.fieldname, words[0], q.boost)
        for w in words[1:]:
            m, s = self.term(q.fieldname, w, q.boost)
            mask &= m
            score += s
        if not mask.any():
            return mask, score
        if q.fieldname not in self.data.lengths:
            exact = self.fallback(q)[0]
        else:
            first = placed[0][1]
            exact = self.data.phrase_mask(
                q.fieldname, tuple(words), mask, tuple(o - first for _, o in placed),
                slop=q.slop,
            )
        mask &= exact
        return mask, score * mask

    def multiterm(self, q: Any) -> Matches:
        fieldname = q.field()
        if fieldname in FACET_INDEX_FIELDS:
            # prefix* and wildcards on facet fields match values by their words
            fidx = self.data.facets[fieldname]
            typed = fold(getattr(q, "text", ""))
            one_word = _ONE_WORD.fullmatch(typed) is not None
            letter = r"\w" if one_word else r"\S"
            pattern = re.escape(typed).replace(r"\*", letter + "*").replace(r"\?", letter)
            if isinstance(q, wq.Prefix):
                pattern += letter + "*"
            if one_word:  # looked up among the words of the values
                values = fidx.with_word_like(re.compile(pattern))
            else:
                regex = re.compile(r"(?<!\w)" + pattern + r"(?!\w)")
                values = [i for i, f in enumerate(fidx.folded) if regex.search(f)]
            return self._with_values(fidx, values)
        if isinstance(q, wq.FuzzyTerm) and fieldname in self.data.lengths:
            texts = self._fuzzy(q)
        elif type(q) is wq.Prefix and fieldname in self.data.lengths:
            # Whoosh merges the words of every segment to find them: tenths of a second
            # on an index of a hundred segments, for each word typed
            lex = lexicon(self.data.reader, fieldname)
            texts = lex.starting(q.text)
            # the words whose stems the typed letters run past ("electio": "elect")
            texts += sorted(t for t in stems_of_words_starting(q.text) if t in lex)
            texts = self._bounded(f"{fieldname}:{q.text}*", texts)
        elif type(q) is wq.Wildcard and fieldname in self.data.lengths:
            # Whoosh's own walk through the lexicon takes a third of a second
            glob = re.compile(fnmatch.translate(q.text))
            literal = re.split(r"[*?\[]", q.text, maxsplit=1)[0]
            texts = lexicon(self.data.reader, fieldname).matching(glob, literal)
            texts = self._bounded(f"{fieldname}:{q.text}", texts)
        else:
            try:
                found = expanded_texts(q, self.data.reader)
            except Exception:
                return self.fallback(q)
            texts = [t.decode("utf-8") if isinstance(t, bytes) else t for t in found]
            star = "*" if isinstance(q, wq.Prefix) else ""
            texts = self._bounded(f"{fieldname}:{getattr(q, 'text', '')}{star}", texts)
        return self._union(fieldname, texts, q.boost)

    def _fuzzy(self, q: Any) -> list[str]:
        """The words a fuzzy term stands for, within the bounds."""
        word = q.text
        if word not in self._fuzzy_words and len(self._fuzzy_words) >= MAX_FUZZY_WORDS:
            self._fuzzy_dropped = True
            return [word]
        self._fuzzy_words.add(word)
        near = lexicon(self.data.reader, q.fieldname).within(word, q.maxdist, q.prefixlength)
        if len(near) > MAX_FUZZY_TERMS:
            if f"{word}~" not in self._near_many:
                self._near_many.append(f"{word}~")
            near = near[:MAX_FUZZY_TERMS]
        return self._bounded(f"{word}~", [w for _, w in near], ranked=True)

    def _bounded(self, label: str, texts: list[str], ranked: bool = False) -> list[str]:
        """``texts`` within what is left of the query's expansion bound: the first
        (when ``ranked``) or the shortest."""
        left = self._expansion_left
        if len(texts) > left:
            if not ranked:
                texts = sorted(texts, key=lambda t: (len(t), t))
            self._cut[label] = self._cut.get(label, 0) + len(texts)
            texts = texts[:left]
        self._expansion_left -= len(texts)
        return texts

    @property
    def notices(self) -> list[str]:
        """Where the query met a bound on its work, said for the user."""
        out = []
        if self._cut:
            words = sum(self._cut.values())
            out.append(
                f"{', '.join(self._cut)} stand{'s' if len(self._cut) == 1 else ''} for"
                f" {words:,} words, more than a query searches ({MAX_EXPANSION:,}):"
                " only the shortest were searched"
            )
        if self._near_many:
            out.append(
                f"{', '.join(self._near_many)}: only the {MAX_FUZZY_TERMS} closest spellings"
                " were searched"
            )
        if self._fuzzy_dropped:
            out.append(
                f"only the first {MAX_FUZZY_WORDS} words with ~ match other spellings;"
                " the rest match as typed"
            )
        return out

    def _union(self, fieldname: str, texts: list[str], boost: float) -> Matches:
        """Documents with any of the words, each scored by its best one."""
        mask, score = self.empty()
        if fieldname not in self.data.lengths:
            for t in texts:
                m, s = self.term(fieldname, t, boost)
                mask |= m
                score = np.maximum(score, s)
            return mask, score
        for t in texts:
            ids, ws = self.data.postings(fieldname, t)
            if not len(ids):
                continue
            self.data.score_postings(fieldname, ids, ws, boost, mask, score, keep_best=True)
            if not self._negated:
                self.terms.add((fieldname, t))
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
