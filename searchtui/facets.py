"""Counting facet values and dates over a set of matching documents, fast.

Each facet is held as two parallel arrays of (document, value id) pairs built
once per index generation; counting the values of the documents in a boolean
mask is then one ``bincount``. Dates are one array of day ordinals (-1 for
undated articles).
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from itertools import chain
from types import ModuleType

import numpy as np

from searchtui import kernels
from searchtui.models import Facet, FacetBucket, FacetFilter, Histogram, HistogramBucket
from searchtui.schema import NAME_WORD, fold, fold_name
from searchtui.stories import Stories, distinct, spans

NO_DATE = -1


def _values_by_document(
    pair_doc: np.ndarray, pair_val: np.ndarray, doc_start: np.ndarray
) -> np.ndarray:
    """The values of the pairs sorted by document, stably: in one compiled pass, or
    by numpy's sort."""
    loops = kernels.loops
    if loops is None:
        return pair_val[np.argsort(pair_doc, kind="stable")]
    out = np.empty(len(pair_val), dtype=np.int32)
    loops.values_by_document(
        np.ascontiguousarray(pair_doc, dtype=np.int32), np.ascontiguousarray(pair_val, np.int32),
        np.ascontiguousarray(doc_start, dtype=np.int64), out,
    )
    return out


class FacetIndex:
    """The values of one facet and which documents carry each.

    The (document, value) pairs are held twice: sorted by value, to find the
    documents of a value (filters), and the values sorted by document, to
    count the values of a set of documents (facets).

    ``table`` maps the values as the index holds them to the values they are
    shown as (see ``canonical``); the values here are the shown ones, and a
    value of the index given to :meth:`mask_of` or :meth:`named` is taken as
    the one it is shown as.
    """

    #: Below this share of matching documents, counting gathers their pairs
    #: one document at a time instead of sweeping all pairs.
    SPARSE = 0.2

    def __init__(
        self,
        name: str,
        values: list[str],
        pair_doc: np.ndarray,
        pair_val: np.ndarray | None,
        ndocs: int,
        doc_vals: np.ndarray | None = None,
        table: dict[str, str] | None = None,
        doc_start: np.ndarray | None = None,
        val_start: np.ndarray | None = None,
    ):
        """``pair_val`` None: the pairs are in value order, and ``val_start`` says where
        each value's start (what the array cache keeps: the pairs' values are that)."""
        self.name = name
        self.values = values
        self.table: dict[str, str] = table or {}
        pair_doc = pair_doc.astype(np.int32, copy=False)
        if pair_val is None:
            if not (
                val_start is not None and len(val_start) == len(values) + 1
                and (len(values) == 0 or val_start[0] == 0)
                and val_start[-1] == len(pair_doc) and not np.any(np.diff(val_start) < 0)
            ):
                raise ValueError(f"the {name} facet's value starts do not fit its pairs")
            # where each value's pairs start
            self._val_start = np.asarray(val_start, dtype=np.int64)
        else:
            pair_val = pair_val.astype(np.int32, copy=False)
            if len(pair_val) and np.any(pair_val[1:] < pair_val[:-1]):
                order = np.argsort(pair_val, kind="stable")
                pair_doc, pair_val = pair_doc[order], pair_val[order]
                doc_vals = doc_start = val_start = None
            if val_start is not None and len(val_start) == len(values) + 1 and (
                val_start[-1] == len(pair_doc)
            ):
                self._val_start = np.asarray(val_start, dtype=np.int64)
            else:
                # searched in pair_val's own type: an int64 needle would copy all the
                # pairs to int64 first
                self._val_start = np.searchsorted(
                    pair_val, np.arange(len(values) + 1, dtype=pair_val.dtype)
                ).astype(np.int64)
        self.pair_doc = pair_doc
        self._pair_val = pair_val
        self.ndocs = ndocs
        self.ids = {v: i for i, v in enumerate(values)}
        self._folded: list[str] | None = None
        self._by_word: dict[str, list[int]] | None = None
        self._by_name: dict[str, list[int]] | None = None
        self._all_counts: np.ndarray | None = None  # each value's documents, all of them
        # and those of them that are no copy, for the stories they were counted for
        self._ungrouped_totals: tuple[Stories, np.ndarray] | None = None
        if doc_start is None or len(doc_start) != ndocs + 1 or doc_start[-1] != len(pair_doc):
            doc_start = np.zeros(ndocs + 1, dtype=np.int64)
            # (counted as the platform's integers: numpy counts 32-bit ones several
            # times slower, sorted ones most of all)
            np.cumsum(np.bincount(pair_doc.astype(np.intp), minlength=ndocs), out=doc_start[1:])
            doc_vals = None
        if doc_vals is None:
            doc_vals = _values_by_document(pair_doc, self.pair_val, doc_start)
        self.doc_vals = doc_vals.astype(np.int32, copy=False)
        #: where each document's values start in doc_vals, and how many it has
        self.doc_start = doc_start.astype(np.int64, copy=False)
        self.doc_lens = np.diff(self.doc_start)

    @property
    def pair_val(self) -> np.ndarray:
        """The value of each pair (``pair_doc``), in increasing order: made from where
        each value's pairs start when the facet was read from the array cache."""
        if self._pair_val is None:
            self._pair_val = np.repeat(
                np.arange(len(self.values), dtype=np.int32), np.diff(self._val_start)
            )
        return self._pair_val

    @property
    def val_start(self) -> np.ndarray:
        """Where each value's pairs start in ``pair_doc`` (one more: their end)."""
        return self._val_start

    @classmethod
    def from_postings(
        cls,
        name: str,
        postings: dict[str, np.ndarray],
        ndocs: int,
        table: dict[str, str] | None = None,
    ) -> FacetIndex:
        """The facet of ``postings`` (value -> its documents), each value shown as
        ``table`` says: the documents of the values shown as one are joined."""
        if table:
            joined: dict[str, list[np.ndarray]] = {}
            for value, held in postings.items():
                joined.setdefault(table.get(value, value), []).append(held)
            postings = {
                v: distinct(np.concatenate(parts)) if len(parts) > 1 else parts[0]
                for v, parts in joined.items()
            }
        values = sorted(postings)
        docs = [postings[v] for v in values]
        if docs:
            pair_doc = np.concatenate(docs)
            pair_val = np.repeat(np.arange(len(values), dtype=np.int32), [len(d) for d in docs])
        else:
            pair_doc = np.zeros(0, np.int32)
            pair_val = np.zeros(0, np.int32)
        return cls(name, values, pair_doc, pair_val, ndocs, table=table)

    @classmethod
    def from_pairs(
        cls,
        name: str,
        terms: list[str],
        pair_term: np.ndarray,
        pair_doc: np.ndarray,
        ndocs: int,
        table: dict[str, str] | None = None,
    ) -> FacetIndex:
        """The facet of the (term id, document) pairs of ``terms`` (each term once),
        each term shown as ``table`` says: what :meth:`from_postings` gives for the
        same terms and documents."""
        shown = [table.get(t, t) for t in terms] if table else terms
        values = sorted(set(shown))
        ids = {v: i for i, v in enumerate(values)}
        value_of = np.fromiter((ids[v] for v in shown), dtype=np.int64, count=len(shown))
        return cls._of_values(name, values, value_of, pair_term, pair_doc, ndocs, table)

    def grown(
        self,
        terms: list[str],
        pair_term: np.ndarray,
        pair_doc: np.ndarray,
        rows: np.ndarray | None,
        ndocs: int,
        table: dict[str, str] | None = None,
        extra: Mapping[str, np.ndarray] | None = None,
        dropped: Collection[str] = (),
        gone: Collection[str] = (),
    ) -> FacetIndex:
        """This facet with documents added: the (term id, document) pairs of ``terms``
        (each term once), its own documents now at ``rows`` (one each; None: where they
        were, before the added ones) of ``ndocs``, each term shown as ``table`` says.

        Where the table shows some of the facet's terms as other values than before:
        ``dropped``, values whose pairs here are left out (their documents are given
        again); ``extra``, documents (of ``ndocs``) of values, added; ``gone``, values
        no term is shown as any more (dropped too). What :meth:`from_pairs` gives for
        the terms and documents of both."""
        shown = [table.get(t, t) for t in terms] if table else terms
        extra = dict(extra or {})
        dropped = set(dropped) | set(gone)
        kept = [v for v in self.values if v not in dropped] if dropped else self.values
        values = sorted(set(kept).union(shown, extra))
        ids = {v: i for i, v in enumerate(values)}
        if rows is None:
            return self._grown_after(values, ids, shown, pair_term, pair_doc, ndocs, table,
                                     extra, dropped)
        # this facet's values are the first terms (a value gone stands for none: its
        # pairs are left out), then those of ``terms``, then the values given documents
        value_of = np.fromiter(
            (ids.get(v, 0) for v in chain(self.values, shown, extra)), dtype=np.int64,
            count=len(self.values) + len(shown) + len(extra),
        )
        old_term, old_doc = self.pair_val, self.pair_doc
        if dropped:
            out = np.zeros(len(self.values), dtype=bool)
            out[[self.ids[v] for v in dropped if v in self.ids]] = True
            keep = ~out[old_term]
            old_term, old_doc = old_term[keep], old_doc[keep]
        given = [np.asarray(d, dtype=np.int64) for d in extra.values()]
        first = len(self.values) + len(terms)
        given_term = np.repeat(np.arange(first, first + len(given)), [len(d) for d in given])
        return self._of_values(
            self.name, values, value_of,
            np.concatenate([
                old_term, np.asarray(pair_term, dtype=np.int64) + len(self.values), given_term,
            ]),
            np.concatenate([np.asarray(rows)[old_doc], np.asarray(pair_doc), *given]),
            ndocs, table,
        )

    def _grown_after(
        self, values: list[str], ids: dict[str, int], shown: list[str], pair_term: np.ndarray,
        pair_doc: np.ndarray, ndocs: int, table: dict[str, str] | None,
        extra: dict[str, np.ndarray], dropped: set[str],
    ) -> FacetIndex:
        """:meth:`grown` when this facet's documents keep their rows, and the documents
        added come after them: each value's pairs here stay in order, and the pairs
        added go in after them, in one pass, instead of sorting every pair again."""
        # a value given documents that keeps its pairs here is given them too
        for value in [v for v in extra if v not in dropped and v in self.ids]:
            i = self.ids[value]
            held = self.pair_doc[self._val_start[i] : self._val_start[i + 1]]
            extra[value] = np.concatenate([held.astype(np.int64), extra[value]])
            dropped.add(value)
        runs = np.diff(self._val_start)
        old_doc = self.pair_doc
        if dropped:
            keep = np.ones(len(self.values), dtype=bool)
            keep[[self.ids[v] for v in dropped if v in self.ids]] = False
            runs = np.where(keep, runs, 0)
            old_doc = old_doc[np.repeat(keep, np.diff(self._val_start))]
        nvalues = len(values)
        old_count = np.zeros(nvalues, dtype=np.int64)
        if len(self.values):
            remap = np.fromiter(
                (ids.get(v, 0) for v in self.values), dtype=np.int64, count=len(self.values)
            )
            np.add.at(old_count, remap, runs)  # a value gone has no pairs left: adds 0
        # the pairs added (the new documents', and the documents given), by value, then
        # document, each once
        value_of = np.fromiter(map(ids.__getitem__, shown), dtype=np.int64, count=len(shown))
        given = [np.asarray(d, dtype=np.int64) for d in extra.values()]
        add_val = np.concatenate([
            value_of[np.asarray(pair_term, dtype=np.int64)],
            np.repeat(np.fromiter(map(ids.__getitem__, extra), np.int64, len(extra)),
                      [len(d) for d in given]),
        ])
        add_doc = np.concatenate([np.asarray(pair_doc, dtype=np.int64), *given])
        width = np.int64(max(ndocs, 1))
        keys = np.unique(add_val * width + add_doc)
        add_val, add_doc = keys // width, keys % width
        add_count = np.bincount(add_val, minlength=nvalues)
        # each pair added goes after the pairs here of its value and of those before it
        docs = np.insert(old_doc, np.cumsum(old_count)[add_val], add_doc.astype(old_doc.dtype))
        starts = np.zeros(nvalues + 1, dtype=np.int64)
        np.cumsum(old_count + add_count, out=starts[1:])
        return type(self)(self.name, values, docs, None, ndocs, table=table, val_start=starts)

    @classmethod
    def _of_values(
        cls,
        name: str,
        values: list[str],
        value_of: np.ndarray,
        pair_term: np.ndarray,
        pair_doc: np.ndarray,
        ndocs: int,
        table: dict[str, str] | None,
    ) -> FacetIndex:
        """The facet of ``values`` (sorted, each once) from (term id, document) pairs,
        each term ``t`` standing for the value ``value_of[t]``."""
        # each (value, document) once (two terms of a document may be shown as one),
        # by value, then document
        loops = kernels.loops
        if loops is not None and hasattr(loops, "pairs_by_value") and ndocs < 2**31:
            # in two passes over the pairs (a counting sort by value), instead of
            # sorting them as 64-bit keys: half a second less at a million articles
            docs, vals, starts = loops.pairs_by_value(
                value_of, np.ascontiguousarray(pair_term, dtype=np.int64),
                np.ascontiguousarray(pair_doc, dtype=np.int64), len(values), ndocs,
            )
            return cls(name, values, docs, vals, ndocs, table=table, val_start=starts)
        width = np.int64(max(ndocs, 1))
        # (a stable sort: the pairs come in runs already sorted, a segment's each)
        keys = np.sort(value_of[pair_term] * width + pair_doc.astype(np.int64), kind="stable")
        if len(keys) > 1:
            keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
        return cls(name, values, keys % width, keys // width, ndocs, table=table)

    @property
    def folded(self) -> list[str]:
        if self._folded is None:
            self._folded = [fold(v) for v in self.values]
        return self._folded

    def _word_index(self) -> dict[str, list[int]]:
        """Each word of the folded values -> the ids of the values holding it (built once)."""
        if self._by_word is None:
            by_word: dict[str, list[int]] = {}
            words_of = NAME_WORD.findall
            for i, f in enumerate(self.folded):
                for w in set(words_of(f)):
                    ids = by_word.get(w)
                    if ids is None:
                        by_word[w] = [i]
                    else:
                        ids.append(i)
            self._by_word = by_word
        return self._by_word

    def with_words(self, words: list[str]) -> list[int]:
        """Ids of the values holding these folded words one after the other, in order."""
        if not words:
            return []
        index = self._word_index()
        # the values of the rarest word, checked for the others in place
        rarest = min((index.get(w, []) for w in words), key=len)
        if len(words) == 1:
            return list(rarest)
        n = len(words)
        out = []
        for i in rarest:
            have = NAME_WORD.findall(self.folded[i])
            if any(have[k : k + n] == words for k in range(len(have) - n + 1)):
                out.append(i)
        return out

    def with_word_like(self, pattern: re.Pattern[str]) -> list[int]:
        """Ids of the values holding a word that ``pattern`` matches whole."""
        index = self._word_index()
        found = {i for w, ids in index.items() if pattern.fullmatch(w) for i in ids}
        return sorted(found)

    def named(self, names: Iterable[str]) -> list[int]:
        """Ids of the values equal to any of ``names`` (as :func:`fold_name` gives them),
        or held by the index under such a name and shown as another ("reagan" names
        "Ronald Reagan" when the bare surname is shown so)."""
        if self._by_name is None:
            by_name: dict[str, list[int]] = {}
            for i, f in enumerate(self.folded):
                by_name.setdefault(" ".join(NAME_WORD.findall(f)), []).append(i)
            for raw, shown in self.table.items():
                shown_id = self.ids.get(shown)
                ids = by_name.setdefault(fold_name(raw), [])
                if shown_id is not None and shown_id not in ids:
                    ids.append(shown_id)
            self._by_name = by_name
        found = {i for name in names for i in self._by_name.get(name, ())}
        return sorted(found)

    def docs_of(self, value_ids) -> np.ndarray:
        parts = [self.pair_doc[self._val_start[i] : self._val_start[i + 1]] for i in value_ids]
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)

    def mask_of(self, values) -> np.ndarray:
        """Documents carrying any of ``values`` (unknown values match nothing)."""
        mask = np.zeros(self.ndocs, dtype=bool)
        values = [self.table.get(v, v) for v in values]
        ids = [self.ids[v] for v in values if v in self.ids]
        if ids:
            mask[self.docs_of(ids)] = True
        return mask

    def apply(
        self, mask: np.ndarray, flt: FacetFilter | None, *, include: bool = True
    ) -> np.ndarray:
        """``mask`` narrowed by a filter: any included value, none of the excluded ones."""
        if not flt:
            return mask
        if include and flt.include:
            mask = mask & self.mask_of(flt.include)
        if flt.exclude:
            mask = mask & ~self.mask_of(flt.exclude)
        return mask

    def values_of(self, docnum: int) -> list[str]:
        """The values document ``docnum`` carries, as shown."""
        ids = self.doc_vals[self.doc_start[docnum]:self.doc_start[docnum + 1]]
        values = self.values
        return [values[i] for i in ids.tolist()]

    def _doc_values(self, docs: np.ndarray) -> np.ndarray:
        """The value ids of the pairs of ``docs``."""
        return self.doc_vals[spans(self.doc_start[docs], self.doc_lens[docs])]

    def counts(self, mask: np.ndarray, stories: Stories | None = None) -> np.ndarray:
        """How many of the documents in ``mask`` carry each value (with ``stories``: how
        many of their stories, a story counted once for each value any of its copies there
        carries)."""
        nvals = len(self.values)
        if kernels.loops is not None and len(self.doc_vals):
            return self._counts_compiled(kernels.loops, mask, stories)
        fix = None
        if stories is not None and stories.any and len(self.doc_vals):
            # the copies' values counted once for each story, not for each copy
            fix = stories.correction(mask, id(self), nvals, self.doc_lens, self._doc_values)
        k = int(np.count_nonzero(mask))
        if k > self.ndocs * (1 - self.SPARSE) and len(self.doc_vals):
            # most documents match: count the others and take them from all
            picked = self._doc_values(np.flatnonzero(~mask))
            counts = self._all() - np.bincount(picked, minlength=nvals)
        else:
            if k == 0 or not len(self.doc_vals):
                picked = np.zeros(0, dtype=np.int64)
            elif k < self.ndocs * self.SPARSE:
                picked = self._doc_values(np.flatnonzero(mask))
            else:
                picked = np.compress(np.repeat(mask, self.doc_lens), self.doc_vals)
            counts = np.bincount(picked, minlength=nvals)
        if fix is not None:
            counts += fix
        return counts

    def take_totals(self, totals: np.ndarray) -> None:
        """Take each value's number of documents over all of them as counted elsewhere
        (by the rows, which hold the same values): counting them here on first need
        took a few hundredths of a second per facet at a million articles."""
        if len(totals) == len(self.values):
            self._all_counts = np.asarray(totals, dtype=np.int64)

    def _all(self) -> np.ndarray:
        """Each value's number of documents, over all of them (made once)."""
        if self._all_counts is None:
            self._all_counts = np.bincount(self.doc_vals, minlength=len(self.values))
        return self._all_counts

    def _counts_compiled(
        self, loops: ModuleType, mask: np.ndarray, stories: Stories | None
    ) -> np.ndarray:
        """:meth:`counts` in one compiled pass over the documents (and one over the
        grouped ones, with ``stories``)."""
        mask = np.ascontiguousarray(mask, dtype=bool)
        if stories is not None and not stories.any:
            stories = None  # no copies: counting by story is counting documents
        if stories is not None:
            # the copies are counted apart, once for each story
            domain: np.ndarray | None = stories.ungrouped
            totals = self._totals_over(stories)
            base = mask & stories.ungrouped
            size = stories.ungrouped_count
        else:
            domain, totals, base, size = None, self._all(), mask, self.ndocs
        if np.count_nonzero(base) > size / 2:
            # most documents match: take the others from all (whichever reads fewer)
            counts = totals.copy()
            others = ~mask if domain is None else domain & ~mask
            loops.count_values(others.view(np.uint8), self.doc_start, self.doc_vals, counts, -1)
        else:
            counts = np.zeros(len(self.values), dtype=np.int64)
            loops.count_values(base.view(np.uint8), self.doc_start, self.doc_vals, counts, 1)
        if stories is not None:
            stories.add_story_pairs(
                mask, id(self), len(self.values), self.doc_lens, self._doc_values, counts
            )
        return counts

    def _totals_over(self, stories: Stories) -> np.ndarray:
        """Each value's number of documents that are no copy (made once for ``stories``)."""
        held = self._ungrouped_totals
        if held is None or held[0] is not stories:
            totals = np.bincount(
                np.compress(np.repeat(stories.ungrouped, self.doc_lens), self.doc_vals),
                minlength=len(self.values),
            )
            held = self._ungrouped_totals = (stories, totals)
        return held[1]

    def facet(
        self,
        mask: np.ndarray,
        flt: FacetFilter | None,
        limit: int,
        unexcluded: np.ndarray | None = None,
        stories: Stories | None = None,
        counts: np.ndarray | None = None,
    ) -> Facet:
        """The top values over ``mask`` (counting stories, with ``stories``).

        Excluded values are counted over ``unexcluded`` (the hits as they would be
        without this facet's exclusions), so each shows how many hits it removes.
        ``counts``: what :meth:`counts` gives for ``mask``, when already counted.
        """
        if counts is None:
            counts = self.counts(mask, stories)
        nonzero = int(np.count_nonzero(counts))
        facet = self._facet(counts, nonzero, np.flatnonzero(counts), flt, limit)
        self._count_excluded(facet, flt, unexcluded, stories)
        return facet

    def search(
        self,
        mask: np.ndarray,
        text: str,
        flt: FacetFilter | None,
        limit: int,
        unexcluded: np.ndarray | None = None,
        stories: Stories | None = None,
    ) -> Facet:
        """Values containing ``text`` (those starting with it first), by count.

        Chosen values are listed when they contain the text too, excluded ones
        counted over ``unexcluded`` as :meth:`facet` counts them.
        """
        counts = self.counts(mask, stories)
        needle = fold(text.strip())
        starts, contains = [], []
        for i, f in enumerate(self.folded):
            if not needle:
                contains.append(i)
                continue
            # any word of the value may start with the text, not only the first
            # place it occurs ("a" starts "Cat Archibald"'s second word)
            if f.startswith(needle) or " " + needle in f:
                starts.append(i)
            elif needle in f:
                contains.append(i)
        found = [i for i in starts + contains if counts[i] > 0]
        rank = {i: r for r, i in enumerate(starts)}
        found.sort(key=lambda i: (i not in rank, -counts[i], self.values[i]))
        candidates = np.array(found, dtype=np.int64)
        if flt and needle:
            flt = FacetFilter(
                {v for v in flt.include if needle in fold(v)},
                {v for v in flt.exclude if needle in fold(v)},
            )
        facet = self._facet(counts, len(found), candidates, flt, limit, keep_order=True)
        self._count_excluded(facet, flt, unexcluded, stories)
        return facet

    def _count_excluded(
        self, facet: Facet, flt: FacetFilter | None, unexcluded: np.ndarray | None,
        stories: Stories | None = None,
    ) -> None:
        """Give each excluded value the number of hits it removes."""
        if flt and flt.exclude and unexcluded is not None:
            removed = self.counts(unexcluded, stories)
            for b in facet.buckets:
                if b.excluded and b.value in self.ids:
                    b.count = int(removed[self.ids[b.value]])

    def _facet(self, counts, distinct, candidates, flt, limit, keep_order=False) -> Facet:
        if not keep_order and len(candidates):
            # Highest count first, then by value; ask for one more than shown.
            cand_counts = counts[candidates]
            if len(candidates) > limit + 1:
                part = np.argpartition(-cand_counts, limit)[: limit + 1]
                candidates = candidates[part]
                cand_counts = cand_counts[part]
            order = sorted(
                range(len(candidates)), key=lambda k: (-cand_counts[k], self.values[candidates[k]])
            )
            candidates = candidates[order]
        shown = [int(i) for i in candidates[:limit]]
        truncated = len(candidates) > limit
        include = flt.include if flt else set()
        exclude = flt.exclude if flt else set()
        # Selected and excluded values are always listed, whatever their count.
        for v in sorted(include | exclude):
            i = self.ids.get(v)
            if i is None or i not in shown:
                shown.append(i if i is not None else v)
        buckets = []
        for i in shown:
            if isinstance(i, str):
                buckets.append(FacetBucket(i, 0, i in include, i in exclude))
                continue
            v = self.values[i]
            buckets.append(FacetBucket(v, int(counts[i]), v in include, v in exclude))
        return Facet(self.name, buckets, distinct, truncated)


class FacetRows:
    """Every facet's values and the day of each document, side by side.

    Document ``d``'s row is ``vals[start[d]:start[d + 1]]``: its values of each facet
    in turn (facet ``k``'s ids run from ``offsets[k]`` to ``offsets[k + 1]``, its own
    id plus ``offsets[k]``), then the id of its day (``offsets[-1]`` plus the day's
    place in ``days``, the distinct days; one id more when undated). One pass over a
    set of documents then counts all the facets and the histogram together: a row is
    a cache line or two, where each facet's own arrays cost a line of their own, and
    on a large index the lines, not the counting, are what takes the time.

    Rows need the compiled loops; they are made (and counted) only where those are.
    """

    #: more distinct days than this and the rows leave the days out (the histogram
    #: is then counted over the days' own array)
    MAX_DAYS = 100_000

    def __init__(
        self, names: list[str], offsets: np.ndarray, days: np.ndarray | None,
        start: np.ndarray, vals: np.ndarray, pairs: list[int],
        totals: np.ndarray | None = None,
    ):
        """``pairs``: how many values each facet holds in all, as its own arrays say;
        ``totals``: what :meth:`totals` gives, when known."""
        self.names = list(names)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.days = days
        self.start = start
        self.vals = vals
        self.ndocs = len(start) - 1
        #: how many ids there are: the facets', the days' and the undated one
        self.nids = int(self.offsets[-1]) + (len(days) + 1 if days is not None else 0)
        self._totals = totals if totals is not None and len(totals) == self.nids else None
        #: each facet's share of the values in the rows
        total = max(1, len(vals))
        self.share = {name: pairs[k] / total for k, name in enumerate(self.names)}

    @classmethod
    def build(cls, facets: dict[str, FacetIndex], days: np.ndarray) -> FacetRows | None:
        """The rows of ``facets`` (each document's values, as the facet holds them by
        document) and of the day ordinals ``days``; None without the compiled loops."""
        loops = kernels.loops
        if loops is None:
            return None
        names = list(facets)
        ndocs = len(days)
        if any(f.ndocs != ndocs for f in facets.values()):
            raise ValueError("facet rows: the facets and the days differ in documents")
        dated = days != NO_DATE
        distinct_days = np.unique(days[dated])
        with_days = len(distinct_days) <= cls.MAX_DAYS
        offsets = np.zeros(len(names) + 1, dtype=np.int64)
        np.cumsum([len(facets[n].values) for n in names], out=offsets[1:])
        nids = int(offsets[-1]) + (len(distinct_days) + 1 if with_days else 0)
        row_type = np.uint16 if nids <= 1 << 16 else np.int32
        lens = np.zeros(ndocs, dtype=np.int64)
        for name in names:
            lens += facets[name].doc_lens
        if with_days:
            lens += 1
        start = np.zeros(ndocs + 1, dtype=np.int64)
        np.cumsum(lens, out=start[1:])
        vals = np.empty(int(start[-1]), dtype=row_type)
        at = start[:-1].copy()
        for k, name in enumerate(names):
            f = facets[name]
            loops.place_rows(at, f.doc_start, f.doc_vals, int(offsets[k]), vals)
        if with_days:
            day_id = np.full(ndocs, offsets[-1] + len(distinct_days), dtype=np.int64)
            day_id[dated] = offsets[-1] + np.searchsorted(distinct_days, days[dated])
            vals[at] = day_id.astype(row_type)
        pairs = [len(facets[n].doc_vals) for n in names]
        rows = cls(names, offsets, distinct_days if with_days else None, start, vals, pairs)
        rows.totals()  # made here, kept with the rows: the first search of all needs them
        return rows

    def fits(self, facets: dict[str, FacetIndex], ndocs: int) -> bool:
        """Whether these rows can be those of ``facets`` over ``ndocs`` documents: the
        same facets, values and documents, and as many values in all."""
        days = len(self.days) + 1 if self.days is not None else 0
        return (
            self.names == list(facets) and self.ndocs == ndocs and len(self.start) > 0
            and self.start.dtype == np.int64 and self.vals.dtype in (np.uint16, np.int32)
            and len(self.offsets) == len(facets) + 1 and int(self.offsets[0]) == 0
            and [int(n) for n in np.diff(self.offsets)] == [len(f.values) for f in facets.values()]
            and int(self.start[0]) == 0 and int(self.start[-1]) == len(self.vals)
            and len(self.vals) == sum(len(f.doc_vals) for f in facets.values())
            + (ndocs if days else 0)
        )

    def pays(self, names: Iterable[str]) -> bool:
        """Whether counting ``names`` from the rows reads less than counting each of
        them apart: the rows are read whole, so they pay when these facets hold most
        of the values in them."""
        return sum(self.share.get(n, 0.0) for n in names) >= 0.5

    def count(
        self, mask: np.ndarray,
        run: Callable[[Sequence[Callable[[], object]]], Callable[[], object]] | None = None,
        parts: int = 1,
    ) -> Callable[[], np.ndarray]:
        """Start counting the ids of the documents in ``mask``; returns what waits for
        the counts (an int64 array over all ids). ``run`` starts the given jobs (on
        other threads) and returns what waits for them all; the documents are then
        counted in ``parts`` runs of their own. When most documents match, the others
        are counted and taken from the counts of all."""
        loops = kernels.loops
        assert loops is not None
        mask = np.ascontiguousarray(mask, dtype=bool)
        others = np.count_nonzero(mask) > self.ndocs // 2
        select = (~mask if others else mask).view(np.uint8)
        parts = max(1, min(parts, self.ndocs // 4096 or 1))
        bounds = np.linspace(0, self.ndocs, parts + 1).astype(np.int64)
        outs = [np.zeros(self.nids, dtype=np.int32) for _ in range(parts)]
        jobs = [
            functools.partial(
                loops.count_values, select, self.start, self.vals, outs[k], 1,
                int(bounds[k]), int(bounds[k + 1]),
            )
            for k in range(parts)
        ]
        if run is None:
            for job in jobs:
                job()
            waited = None
        else:
            waited = run(jobs)

        def result() -> np.ndarray:
            if waited is not None:
                waited()
            counts = outs[0].astype(np.int64)
            for out in outs[1:]:
                counts += out
            return self.totals() - counts if others else counts

        return result

    def totals(self) -> np.ndarray:
        """Each id's number of documents, over all of them (made once)."""
        if self._totals is None:
            loops = kernels.loops
            assert loops is not None
            out = np.zeros(self.nids, dtype=np.int32)
            everyone = np.ones(self.ndocs, dtype=np.uint8)
            loops.count_values(everyone, self.start, self.vals, out, 1)
            self._totals = out.astype(np.int64)
        return self._totals

    def lend_totals(self, facets: dict[str, FacetIndex]) -> None:
        """Give each facet its values' numbers of documents out of :meth:`totals`."""
        totals = self.totals()
        for name in self.names:
            facets[name].take_totals(self.facet_counts(totals, name))

    def facet_counts(self, counts: np.ndarray, name: str) -> np.ndarray:
        """The counts of facet ``name``'s values, out of the counts of all ids."""
        k = self.names.index(name)
        return counts[self.offsets[k] : self.offsets[k + 1]]

    def histogram(self, counts: np.ndarray, dates: DateIndex) -> Histogram | None:
        """The date histogram, out of the counts of all ids (see ``DateIndex``); None
        when the rows leave the days out."""
        held = self.day_counts(counts)
        if held is None or self.days is None:
            return None
        return dates.histogram_of_days(self.days, *held)

    def day_counts(self, counts: np.ndarray) -> tuple[np.ndarray, int] | None:
        """The counts of each of ``days`` and of the undated, out of the counts of all
        ids; None when the rows leave the days out."""
        if self.days is None:
            return None
        first = int(self.offsets[-1])
        return counts[first : first + len(self.days)], int(counts[first + len(self.days)])


# ---------------------------------------------------------------------------
# Dates


def date_mask(
    dates: np.ndarray, date_from: _dt.date | None, date_to: _dt.date | None
) -> np.ndarray | None:
    """Documents dated within [from, to], both days included; undated ones never match."""
    if date_from is None and date_to is None:
        return None
    mask = dates != NO_DATE
    if date_from is not None:
        mask &= dates >= date_from.toordinal()
    if date_to is not None:
        mask &= dates <= date_to.toordinal()
    return mask


def _month_index(d: _dt.date) -> int:
    return d.year * 12 + d.month - 1


def _month_start(index: int) -> _dt.date:
    return _dt.date(index // 12, index % 12 + 1, 1)


_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


class DateIndex:
    """Each document's day ordinal, month index and year (-1 where undated)."""

    def __init__(self, days: np.ndarray):
        self.days = np.ascontiguousarray(days, dtype=np.int64)
        self.months, self.years = _months_and_years(self.days)

    def mask(self, date_from: _dt.date | None, date_to: _dt.date | None) -> np.ndarray | None:
        return date_mask(self.days, date_from, date_to)

    def histogram(
        self, mask: np.ndarray, *, max_day_buckets: int = 92, max_month_buckets: int = 72
    ) -> Histogram:
        """Counts of the matching documents by day, month or year, to fit their span.

        Buckets run from the first to the last date with empty ones kept;
        undated documents are counted in a final "no date" bucket.
        """
        mask = np.ascontiguousarray(mask, dtype=bool)
        lo, hi, dated, undated = self._span(mask)
        keys = {"day": self.days, "month": self.months, "year": self.years}
        return _histogram(
            lo, hi, dated, undated,
            lambda unit, first, n: self._count(mask, keys[unit], first, n),
            max_day_buckets, max_month_buckets,
        )

    def histogram_of_days(
        self, days: np.ndarray, counts: np.ndarray, undated: int, *,
        max_day_buckets: int = 92, max_month_buckets: int = 72,
    ) -> Histogram:
        """What :meth:`histogram` gives for a set of documents that holds ``counts[k]``
        documents of day ``days[k]`` (distinct day ordinals) and ``undated`` others."""
        held = np.flatnonzero(counts)
        counts = counts.astype(np.int64, copy=False)
        if len(held):
            lo, hi, dated = int(days[held[0]]), int(days[held[-1]]), int(counts.sum())
        else:
            lo = hi = dated = 0
        days = days[held]
        counts = counts[held]
        months, years = _months_and_years(days)
        keys = {"day": days, "month": months, "year": years}

        def count(unit: str, first: int, n: int) -> np.ndarray:
            out = np.zeros(n, dtype=np.int64)
            np.add.at(out, keys[unit] - first, counts)
            return out

        return _histogram(lo, hi, dated, undated, count, max_day_buckets, max_month_buckets)

    def _span(self, mask: np.ndarray) -> tuple[int, int, int, int]:
        """The first and last day among the documents of ``mask`` (0 when none is
        dated), and how many of them are dated and undated."""
        if kernels.loops is not None:
            return kernels.loops.masked_span(mask.view(np.uint8), self.days, NO_DATE)
        sel = self.days[mask]
        dated = sel[sel != NO_DATE]
        if not len(dated):
            return 0, 0, 0, len(sel)
        return int(dated.min()), int(dated.max()), len(dated), len(sel) - len(dated)

    def _count(self, mask: np.ndarray, keys: np.ndarray, first: int, n: int) -> np.ndarray:
        """How many dated documents of ``mask`` have each key from ``first`` on (``n``)."""
        if kernels.loops is not None:
            out = np.zeros(n, dtype=np.int64)
            kernels.loops.masked_bincount(mask.view(np.uint8), keys, NO_DATE, first, out)
            return out
        sel = keys[mask]
        return np.bincount(sel[sel != NO_DATE] - first, minlength=n)


def _months_and_years(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The month index (year * 12 + month - 1) and the year of each day ordinal (-1
    where undated), by numpy's calendar: days since 1970 as datetime64 days, truncated
    to months and to years."""
    dated = days > 0
    since_1970 = np.where(dated, days - _EPOCH_ORDINAL, 0).astype("datetime64[D]")
    months = since_1970.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    return np.where(dated, months, NO_DATE), np.where(dated, months // 12, NO_DATE)


def _histogram(
    lo: int, hi: int, dated: int, undated: int,
    count: Callable[[str, int, int], np.ndarray],
    max_day_buckets: int, max_month_buckets: int,
) -> Histogram:
    """The histogram of documents dated from day ``lo`` to ``hi`` (``dated`` of them)
    and ``undated`` others; ``count(unit, first, n)`` counts them by day, month index
    or year from ``first`` on."""
    buckets: list[HistogramBucket] = []
    unit = "none"
    if dated:
        first, last = _dt.date.fromordinal(lo), _dt.date.fromordinal(hi)
        m0 = _month_index(first)
        months = _month_index(last) - m0 + 1
        if hi - lo + 1 <= max_day_buckets:
            unit = "day"
            counts = count("day", lo, hi - lo + 1)
            for k, c in enumerate(counts):
                d = _dt.date.fromordinal(lo + k)
                buckets.append(HistogramBucket(d.isoformat(), d, d, int(c)))
        elif months <= max_month_buckets:
            unit = "month"
            counts = count("month", m0, months)
            for k, c in enumerate(counts):
                start = _month_start(m0 + k)
                end = _month_start(m0 + k + 1) - _dt.timedelta(days=1)
                buckets.append(HistogramBucket(start.strftime("%Y-%m"), start, end, int(c)))
        else:
            unit = "year"
            counts = count("year", first.year, last.year - first.year + 1)
            for k, c in enumerate(counts):
                y = first.year + k
                buckets.append(
                    HistogramBucket(str(y), _dt.date(y, 1, 1), _dt.date(y, 12, 31), int(c))
                )
    if undated:
        buckets.append(HistogramBucket("no date", None, None, undated))
    return Histogram(unit, buckets, undated)
