"""SearchRequest in, SearchResult out: the one search API of searchtui.

Whoosh holds the index; matching, ranking, filters and facets are computed
over arrays decoded from the index once per index generation (posting lists
of the terms met, facet values per document, dates, field lengths), so a
query costs array operations instead of a walk through Whoosh's matchers.
The query language is read in :mod:`searchtui.query`, evaluated in
:mod:`searchtui.evaluate`; snippets come from :mod:`searchtui.snippets` and
spelling suggestions from :mod:`searchtui.suggest`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from searchtui import kernels, store
from searchtui.arrays import IndexData
from searchtui.canonical import canonical_list
from searchtui.errors import ArticleNotFound, QueryError
from searchtui.evaluate import Evaluator, Mask, Matches, Scores
from searchtui.facets import NO_DATE
from searchtui.lexicon import lexicon
from searchtui.models import (
    ENTITY_FIELDS,
    FACET_FIELDS,
    Article,
    Copy,
    Facet,
    FacetFilter,
    Histogram,
    Hit,
    SearchRequest,
    SearchResult,
    Story,
)
from searchtui.names import NameTable
from searchtui.ner.aliases import Aliases, load_aliases
from searchtui.query import (
    DateRange,
    ParsedQuery,
    complete_last_word,
    describe_most_of,
    make_parser,
    parse_query,
)
from searchtui.schema import (
    TEXT_FIELDS,
    analyse_positions,
    find_terms,
    micros_stamp,
    stamp_micros,
    stored_path,
)
from searchtui.snippets import make_snippet
from searchtui.stories import Stories
from searchtui.suggest import Speller
from searchtui.texts import Text, Texts

UNDATED_LAST = 10**9  # a day ordinal past any real date
#: From this many documents, the facets of a search are counted on other threads.
PARALLEL_FROM = 200_000
COUNTING_THREADS = 4  # at most, and no more than the cores
COPY_MEMO = 20_000  # copies kept read (a few MB)

_Method = TypeVar("_Method", bound=Callable[..., Any])


def _reads_index(method: _Method) -> _Method:
    """Errors from decoding damaged index files become one ``IndexDamaged`` (see ``store``)."""

    @functools.wraps(method)
    def reading(self: SearchEngine, *args: Any, **kwargs: Any) -> Any:
        with store.reading(self.root):
            return method(self, *args, **kwargs)

    return reading  # type: ignore[return-value]


def _counting_threads() -> int:
    """How many threads count facets: one a core, at most ``COUNTING_THREADS``."""
    return max(1, min(COUNTING_THREADS, os.cpu_count() or 1))


class SearchEngine:
    """Searches one index; reopen-safe and usable from several threads."""

    # Set by _open for each index generation.
    _data: IndexData
    _parser: Any  # Whoosh's query parser (untyped)
    _speller: Speller
    _token: str | None
    ixdir: Path
    meta: dict

    def __init__(self, root: Path, aliases: Aliases | None = None):
        """``aliases``: the entity alias table names typed after ``person:``, ``org:`` and
        ``place:`` are looked up in (default: the one searchtui ships)."""
        self.root = Path(root)
        self._names = NameTable(aliases if aliases is not None else load_aliases())
        self._lock = threading.RLock()
        self._threads: ThreadPoolExecutor | None = None
        self._searcher: Any = None  # Whoosh's searcher (untyped); None once closed
        #: articles' texts as indexed, the last ones read from their files remembered
        self._texts = Texts()
        self._open()

    @classmethod
    def open(cls, index_dir: str | Path, aliases: Aliases | None = None) -> SearchEngine:
        return cls(Path(index_dir), aliases)

    @_reads_index
    def _open(self) -> None:
        ix, ixdir, meta = store.open_index(self.root)
        searcher = ix.searcher()
        data = IndexData(searcher.reader(), ixdir)
        old = self._searcher
        self._searcher, self._data = searcher, data
        self.ixdir, self.meta = ixdir, meta
        self._parser = make_parser(ix.schema)
        self._speller = Speller(data, searcher, self._texts)
        self._token = store.generation_token(self.root)
        #: the copies shown under grouped hits, by document (this generation's)
        self._copy_memo: dict[int, Copy] = {}
        if old is not None:
            old.close()

    # -- life cycle

    def changed_on_disk(self) -> bool:
        token = store.generation_token(self.root)
        return token is not None and token != self._token

    def reload(self) -> None:
        with self._lock:
            self._open()

    def warm(self) -> None:
        """Read ahead what the first query would wait for (the word lists beside each
        segment, opened; where each segment's stored articles start, for the first
        hits' snippets) and the first misspelt or fuzzy word (the words of the text
        fields): for a background thread after opening."""
        with self._lock:
            if self._searcher is None:
                return
            data = self._data
        # Only a head start: if the index is closed or replaced meanwhile, the search
        # that needs them reads them (and reports what goes wrong) itself.
        with contextlib.suppress(Exception):
            data.open_docs_files()
            for leaf, _offset in data.leaves:
                if leaf.doc_count_all():
                    leaf.stored_fields(0)  # reads the segment's table of where they start
            # the words in order first (what a prefix typed needs), then the rest
            lexicons = [lexicon(data.reader, field) for field in ("body", "title")]
            for lex in lexicons:
                lex.sorted()
            for lex in lexicons:
                lex.prepare()

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            if self._threads is not None:
                self._threads.shutdown(wait=True)
                self._threads = None

    def __enter__(self) -> SearchEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def doc_count(self) -> int:
        return self._data.count

    def newest_indexed(self) -> str | None:
        """The first-indexed stamp of the article indexed last (None: an empty index).

        A search with this as its ``new_since`` finds no new hits; one with a stamp
        taken earlier finds those indexed since."""
        data = self._data
        stamps = data.first_indexed[data.live]
        newest = int(stamps.max()) if len(stamps) else 0
        return micros_stamp(newest) if newest > 0 else None

    # -- searching

    def parse(self, text: str) -> ParsedQuery:
        return parse_query(self._parser, text)

    def _evaluator(self) -> Evaluator:
        return Evaluator(self._data, self._searcher, self._names)

    def _base(self, parsed: ParsedQuery, ev: Evaluator) -> Matches:
        data = self._data
        if parsed.query is None:
            mask = data.live.copy()
            score = np.zeros(data.ndocs, dtype=np.float32)
        else:
            mask, score = ev.run(parsed.query)
            mask = mask & data.live
        return mask, score

    @_reads_index
    def search(self, request: SearchRequest) -> SearchResult:
        t0 = time.perf_counter()
        with self._lock:
            completion = (
                complete_last_word(request.query, self._speller.known) if request.typing else None
            )
            parsed = self.parse(completion[0] if completion else request.query)
            ev = self._evaluator()
            qmask, score = self._base(parsed, ev)
            if completion is not None and not qmask.any():
                # no word starts so either: as typed (a misspelling gets its suggestion)
                completion = None
                parsed = self.parse(request.query)
                ev = self._evaluator()
                qmask, score = self._base(parsed, ev)
            notices = [parsed.notice] if parsed.notice else []
            if completion is not None:
                word = completion[1]
                notices.append(f"words starting with '{word}' (no article has '{word}' itself)")
            if parsed.query is not None and not qmask.any():
                # a fresh evaluator: the first run used up the query's expansion budget
                ev = self._evaluator()
                partial = ev.most_of(parsed.query)
                if partial is not None:
                    qmask, score, parts = partial
                    notices.append(describe_most_of(parts, parsed.text))
            terms = {t for f, t in ev.terms if f in TEXT_FIELDS}
            result = self._result(
                request, qmask, score, terms,
                dates=parsed.dates(request), sort=request.sort, browse=parsed.query is None,
            )
            if parsed.query is not None and request.suggest:
                result.suggestion = self._speller.suggest(parsed.text)
            notices += ev.notices
            result.notice = "; ".join(n for n in notices if n) or None
            result.completed = completion[0] if completion else None
        result.elapsed_ms = (time.perf_counter() - t0) * 1000
        return result

    def _in_dates(self, qmask: Mask, dates: DateRange) -> Mask:
        dmask = self._data.dates.mask(*dates)
        return qmask if dmask is None else qmask & dmask

    def _filtered(
        self,
        mask: Mask,
        filters: dict[str, FacetFilter | None],
        *,
        skip: str | None = None,
        include: bool = True,
    ) -> Mask:
        """``mask`` narrowed by every facet's filter (``skip``'s only by its exclusions,
        or not at all when ``include`` is False)."""
        for name, flt in filters.items():
            if name == skip:
                if include:
                    mask = self._data.facets[name].apply(mask, flt, include=False)
                continue
            mask = self._data.facets[name].apply(mask, flt)
        return mask

    def _result(
        self,
        request: SearchRequest,
        qmask: Mask,
        score: Scores,
        terms: set[str],
        *,
        dates: DateRange,
        sort: str,
        browse: bool,
    ) -> SearchResult:
        data = self._data
        qmask = self._in_dates(qmask, dates)
        filters = {name: request.filters.get(name) for name in FACET_FIELDS}
        filtered = self._filtered(qmask, filters)
        fresh = None  # the new hits, when asked for
        if request.new_since is not None:
            fresh = filtered & (data.first_indexed > stamp_micros(request.new_since))
            if request.only_new:
                filtered = fresh
        total = int(np.count_nonzero(filtered))
        by_story = request.count == "stories"
        stories = data.stories if by_story else None
        collapsed = None
        if request.collapse or by_story:
            collapsed = data.stories.collapse(
                filtered, lambda docs: self._rank_keys(docs, score, sort, browse)
            )
        shown = collapsed if request.collapse and collapsed is not None else filtered
        # The facets and the histogram are counted in compiled loops that let other
        # threads run: on a large index they are counted on other cores while this
        # thread finds the page of hits and makes their snippets.
        counting = self._count_facets(request, qmask, filtered, filters, collapsed, stories)
        size = max(1, request.page_size)
        lo = (max(1, request.page) - 1) * size
        if fresh is None or request.only_new:
            docs = self._top(shown, score, sort, browse, lo + size)
        else:  # the new ones first
            docs = self._top(shown & fresh, score, sort, browse, lo + size)
            rest = lo + size - len(docs)
            if rest > 0:
                older = self._top(shown & ~fresh, score, sort, browse, rest)
                docs = np.concatenate([docs, older])
        docs = docs[lo : lo + size]
        hits = [self._hit(int(d), float(score[d]), terms, request.snippets) for d in docs]
        if fresh is not None:
            for hit in hits:
                hit.new = bool(fresh[hit.docnum])
        if request.collapse:
            for hit in hits:
                hit.copies = self._copies(hit.docnum, filtered, score, sort, browse)
        facets, histogram = counting()
        return SearchResult(
            request=request, total=total, hits=hits, facets=facets, histogram=histogram,
            terms=sorted(terms), ranked=not browse,
            new=int(np.count_nonzero(fresh)) if fresh is not None else None,
            stories=int(np.count_nonzero(collapsed)) if collapsed is not None else None,
        )

    def _count_facets(
        self,
        request: SearchRequest,
        qmask: Mask,
        filtered: np.ndarray,
        filters: dict[str, FacetFilter | None],
        collapsed: np.ndarray | None,
        stories: Stories | None,
    ) -> Callable[[], tuple[dict[str, Facet], Histogram | None]]:
        """Start counting the facets and the histogram of ``request``; returns what waits
        for them. On an index of ``PARALLEL_FROM`` documents or more they are counted on
        the engine's threads, each facet apart; on a smaller one, here, when waited for."""
        data = self._data

        def facet(name: str) -> Facet:
            flt = filters.get(name)
            base, unexcluded = filtered, None
            if flt:
                # The hits as they would be without this facet's own filter.
                others = self._filtered(qmask, filters, skip=name, include=False)
                if flt.include:
                    # Disjunctive: counted as if none of its values were selected.
                    base = data.facets[name].apply(others, flt, include=False)
                if flt.exclude:
                    unexcluded = others
            return data.facets[name].facet(base, flt, request.facet_limit, unexcluded, stories)

        def histogram() -> Histogram | None:
            counted = collapsed if stories is not None and collapsed is not None else filtered
            return data.dates.histogram(counted) if request.histogram else None

        names = [name for name in request.facets if name in data.facets]
        pool = self._pool() if data.ndocs >= PARALLEL_FROM else None
        # The facets with no filter of their own count the same hits: when they hold
        # most of the values, they are counted together from the rows in one pass, with
        # the histogram (not when counting by story). The others are counted apart.
        rows = data.rows if stories is None else None
        together = [name for name in names if not filters.get(name)] if rows else []
        if rows is None or not rows.pays(together):
            rows, together = None, []
        counted = None
        if rows is not None:

            def run(jobs: Sequence[Callable[[], object]]) -> Callable[[], object]:
                assert pool is not None
                started = [pool.submit(job) for job in jobs]
                return lambda: [f.result() for f in started]

            counted = rows.count(
                filtered, run if pool else None, _counting_threads() if pool else 1
            )
        days_counted = rows is not None and rows.days is not None and request.histogram
        apart = (
            {name: pool.submit(facet, name) for name in names if name not in together}
            if pool else {}
        )
        later = pool.submit(histogram) if pool and not days_counted else None

        def result() -> tuple[dict[str, Facet], Histogram | None]:
            counts = counted() if counted is not None else None
            out: dict[str, Facet] = {}
            for name in names:
                if name in together:  # rows counted it: there are rows and counts
                    assert rows is not None and counts is not None
                    out[name] = data.facets[name].facet(
                        filtered, filters.get(name), request.facet_limit,
                        counts=rows.facet_counts(counts, name),
                    )
                else:
                    out[name] = apart[name].result() if name in apart else facet(name)
            if days_counted:
                assert rows is not None and counts is not None
                return out, rows.histogram(counts, data.dates)
            return out, later.result() if later is not None else histogram()

        return result

    def _pool(self) -> ThreadPoolExecutor:
        """The threads facets are counted on (made on first need)."""
        with self._lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(
                    max_workers=_counting_threads(),
                    thread_name_prefix="searchtui-count",
                )
            return self._threads

    def _copies(
        self, docnum: int, mask: Mask, score: Scores, sort: str, browse: bool
    ) -> list[Copy]:
        """The other copies of ``docnum``'s story in ``mask``, in the order asked for."""
        if not self._data.stories.grouped[docnum]:
            return []  # most hits: no copies at all
        members = self._data.stories.members(docnum)
        members = members[mask[members] & (members != docnum)]
        if not len(members):
            return []
        return [self._copy(int(d)) for d in self._order(members, score, sort, browse)]

    def _copy(self, docnum: int) -> Copy:
        """A copy as shown under its story's hit (its stored fields are read once)."""
        found = self._copy_memo.get(docnum)
        if found is not None:
            return found
        if len(self._copy_memo) >= COPY_MEMO:
            self._copy_memo.clear()
        fields = self._searcher.stored_fields(docnum)
        d = fields.get("date")
        found = self._copy_memo[docnum] = Copy(
            key=fields.get("key", ""),
            path=stored_path(fields),
            title=fields.get("title", ""),
            publication=(fields.get("publication") or [None])[0],
            date=_dt.date.fromisoformat(d) if d else None,
        )
        return found

    def _rank_keys(
        self, docs: np.ndarray, score: np.ndarray, sort: str, browse: bool
    ) -> list[np.ndarray]:
        """Arrays over ``docs`` that rank them as :meth:`_order` does, the first deciding
        most, larger first."""
        days = self._data.dates.days[docs]
        docs = docs.astype(np.int64)
        if sort == "relevance" and browse:
            sort = "newest"
        if sort == "newest":
            return [np.where(days == NO_DATE, -UNDATED_LAST, days), docs]
        if sort == "oldest":
            return [-np.where(days == NO_DATE, UNDATED_LAST, days), -docs]
        return [score[docs].astype(np.float64), days, -docs]

    def _order(self, docs: np.ndarray, score: np.ndarray, sort: str, browse: bool) -> np.ndarray:
        days = self._data.dates.days[docs]
        if sort == "relevance" and browse:
            sort = "newest"
        if sort == "newest":
            # undated last; ties by document number, newest indexed first
            keyd = np.where(days == NO_DATE, -UNDATED_LAST, days)
            order = np.lexsort((-docs, -keyd))
            return docs[order]
        if sort == "oldest":
            keyd = np.where(days == NO_DATE, UNDATED_LAST, days)
            order = np.lexsort((docs, keyd))
            return docs[order]
        s = score[docs]
        order = np.lexsort((-days, -s))
        return docs[order]

    def _top(self, mask: Mask, score: Scores, sort: str, browse: bool, k: int) -> np.ndarray:
        """The first ``k`` documents of ``mask`` in the order asked for."""
        by = "newest" if sort == "relevance" and browse else sort
        loops = kernels.loops
        if loops is not None and k >= 1 and mask.dtype == np.bool_:
            # one pass over the documents, the best k kept in a heap
            flags = np.ascontiguousarray(mask).view(np.uint8)
            if by == "relevance" and score.dtype == np.float32:
                docs = loops.best_scored(flags, np.ascontiguousarray(score), k)
                return self._order(docs, score, sort, browse)[:k]
            if by in ("newest", "oldest"):
                days = np.ascontiguousarray(self._data.dates.days, dtype=np.int64)
                docs = loops.first_by_day(flags, days, k, by == "newest", NO_DATE, UNDATED_LAST)
                return self._order(docs, score, sort, browse)[:k]
        docs = np.flatnonzero(mask)
        if by == "relevance" and len(docs) > k * 4:
            # Only the best k need sorting; ties at the cut-off are all kept.
            s = score[docs]
            cut = s[np.argpartition(-s, k)[:k]].min()
            docs = docs[s >= cut]
        elif by in ("newest", "oldest") and len(docs) > k * 4:
            # The order of _order as one key (day, then document; never two alike):
            # only the first k need sorting.
            days = self._data.dates.days[docs].astype(np.int64)
            if by == "newest":
                key = -(np.where(days == NO_DATE, -UNDATED_LAST, days) * (1 << 32) + docs)
            else:
                key = np.where(days == NO_DATE, UNDATED_LAST, days) * (1 << 32) + docs
            docs = docs[np.argpartition(key, k)[:k]]
        return self._order(docs, score, sort, browse)[:k]

    def _hit(self, docnum: int, score: float, terms: set[str], snippets: bool) -> Hit:
        article = self._stored(docnum, entities=False, text=snippets)
        highlights: list[tuple[int, int]] = []
        if not snippets:
            snippet = ""
        elif article.text_problem:
            snippet = f"({article.text_problem})"
        else:
            snippet, highlights = make_snippet(article.body, terms)
        return Hit(
            key=article.key,
            path=article.path,
            title=article.title,
            authors=article.authors,
            publication=article.publication,
            date=article.date,
            score=score,
            snippet=snippet,
            highlights=highlights,
            docnum=docnum,
        )

    def _stored(self, docnum: int, entities: bool = True, text: bool = True) -> Article:
        """An article as stored, its authors and (unless ``entities`` is False: a hit
        does not show them) entities as the facets show them; its text as indexed
        (unless ``text`` is False: then empty)."""
        fields = self._searcher.stored_fields(docnum)
        article = _stored_article(fields, self._texts(fields) if text else Text(""))
        facets = self._data.facets
        article.authors = canonical_list(article.authors, facets["authors"].table)
        for name in ENTITY_FIELDS if entities else ():
            # from the facets, not the stored fields: indexes keep no stored copy of them
            article.entities[name] = sorted(facets[name].values_of(docnum))
        return article

    # -- suggestions

    @_reads_index
    def suggest(self, query: str) -> str | None:
        """The query with likely spellings for its rare or unknown words, or None."""
        with self._lock:
            try:
                parsed = self.parse(query)
            except QueryError:
                return None
            return self._speller.suggest(parsed.text) if parsed.query is not None else None

    # -- more like this

    @_reads_index
    def more_like_this(
        self, key: str, request: SearchRequest | None = None, terms: int = 25
    ) -> SearchResult:
        request = request or SearchRequest()
        t0 = time.perf_counter()
        with self._lock:
            data = self._data
            docnum = self._docnum(key)
            fields = self._searcher.stored_fields(docnum)
            text = (fields.get("title") or "") + "\n" + self._texts(fields).body
            scored = []
            for t, poses in analyse_positions(text).items():
                df = data.reader.doc_frequency("body", t)
                if df < 2:
                    continue
                scored.append((len(poses) * math.log(data.count / df), t))
            scored.sort(reverse=True)
            top = [t for _, t in scored[:terms]]
            ev = self._evaluator()
            mask = np.zeros(data.ndocs, dtype=bool)
            score = np.zeros(data.ndocs, dtype=np.float32)
            for t in top:
                m, s = ev.term("body", t)
                mask |= m
                score += s
            mask &= data.live
            mask[docnum] = False
            # Only the closest: those scoring at least a fifth of the best.
            if mask.any():
                best = score[mask].max()
                mask &= score >= best * 0.2
            result = self._result(
                request, mask, score, set(top),
                dates=(request.date_from, request.date_to), sort="relevance", browse=False,
            )
        result.elapsed_ms = (time.perf_counter() - t0) * 1000
        return result

    # -- facet value search

    @_reads_index
    def facet_values(self, facet: str, request: SearchRequest, text: str, limit: int = 50) -> Facet:
        with self._lock:
            data = self._data
            if facet not in data.facets:
                raise ValueError(f"unknown facet {facet!r} (facets: {', '.join(FACET_FIELDS)})")
            parsed = self.parse(request.query)
            mask, _ = self._base(parsed, self._evaluator())
            filters = {name: request.filters.get(name) for name in FACET_FIELDS}
            flt = filters[facet]
            # as in search(): this facet's selection does not narrow its own counts, and
            # an excluded value counts the hits it removes
            mask = self._in_dates(mask, parsed.dates(request))
            others = self._filtered(mask, filters, skip=facet, include=False)
            mask = data.facets[facet].apply(others, flt, include=False)
            stories = data.stories if request.count == "stories" else None
            return data.facets[facet].search(
                mask, text, flt, limit, unexcluded=others, stories=stories
            )

    # -- documents

    def _docnum(self, key: str) -> int:
        docnum = self._searcher.document_number(key=key)
        if docnum is None:
            docnum = self._searcher.document_number(path=key)
        if docnum is None:
            raise ArticleNotFound(f"no article {key!r} in the index")
        return docnum

    @_reads_index
    def copies(self, key: str) -> list[Copy]:
        """The other copies of an article's story in the index, by document order."""
        with self._lock:
            docnum = self._docnum(key)
            return [
                self._copy(int(d)) for d in self._data.stories.members(docnum) if d != docnum
            ]

    @_reads_index
    def duplicates(self, min_copies: int = 2) -> list[Story]:
        """The stories of at least ``min_copies`` articles, largest first (then by their
        first article)."""
        with self._lock:
            data = self._data
            story = data.stories.story
            grouped = np.flatnonzero(data.stories.grouped)
            ids, sizes = np.unique(story[grouped], return_counts=True)
            keep = sizes >= max(2, min_copies)
            order = np.lexsort((ids[keep], -sizes[keep]))
            return [
                Story([self._copy(int(d)) for d in data.stories.members(int(s))])
                for s in ids[keep][order]
            ]

    @_reads_index
    def document(self, key: str) -> Article:
        with self._lock:
            return self._stored(self._docnum(key))

    @_reads_index
    def match_spans(self, text: str, query: str) -> list[tuple[int, int]]:
        """Spans of ``text`` holding the query's words (as the index sees them)."""
        try:
            parsed = self.parse(query)
        except QueryError:
            return []
        if parsed.query is None:
            return []
        with self._lock:
            ev = self._evaluator()
            ev.run(parsed.query)
            terms = {t for f, t in ev.terms if f in TEXT_FIELDS}
        if not terms:
            return []
        return [(s, e) for s, e, _ in find_terms(text, terms)]

    # -- statistics

    @_reads_index
    def stats(self) -> dict:
        with self._lock:
            data = self._data
            days = data.dates.days[data.live]
            dated = days[days != NO_DATE]
            size = sum(f.stat().st_size for f in self.ixdir.iterdir() if f.is_file())
            first = _dt.date.fromordinal(int(dated.min())) if len(dated) else None
            last = _dt.date.fromordinal(int(dated.max())) if len(dated) else None
            out = {
                "index": str(self.root),
                "articles": data.count,
                "undated": int(len(days) - len(dated)),
                "first_date": first.isoformat() if first else None,
                "last_date": last.isoformat() if last else None,
                "index_bytes": size,
                "written": self.meta.get("written"),
                "segments": len(data.leaves),
                "stories": data.stories.count(data.live),
            }
            for name in FACET_FIELDS:
                fidx = data.facets[name]
                out[f"distinct_{name}"] = int(np.count_nonzero(fidx.counts(data.live)))
        return out


def _stored_article(fields: dict, text: Text) -> Article:
    """An article as the index stores it, with its ``text`` as indexed."""
    d = fields.get("date")
    return Article(
        key=fields.get("key", ""),
        path=stored_path(fields),
        title=fields.get("title", ""),
        authors=list(fields.get("authors") or []),
        publication=(fields.get("publication") or [None])[0],
        date=_dt.date.fromisoformat(d) if d else None,
        body=text.body,
        text_problem=text.problem,
        content_hash=fields.get("hash", ""),
        url=fields.get("url"),
    )
