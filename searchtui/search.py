"""SearchRequest in, SearchResult out: the one search API of searchtui.

Whoosh parses the query and holds the index; matching, ranking, filters and
facets are computed here over arrays decoded from the index once per index
generation (posting lists of the terms met, facet values per document, dates,
field lengths), so a query costs array operations instead of a walk through
Whoosh's matchers. Whoosh's own matcher is used only for what the arrays do
not hold (phrase positions, rare query types).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import threading
import time
from pathlib import Path

import numpy as np
from whoosh import query as wq
from whoosh.qparser import (
    FieldAliasPlugin,
    FuzzyTermPlugin,
    GtLtPlugin,
    MultifieldParser,
    PlusMinusPlugin,
)
from whoosh.qparser import syntax as qsyntax
from whoosh.query.qcore import _NullQuery

from searchtui import store
from searchtui.arrays import IndexData
from searchtui.dates import parse_date_period, parse_date_range
from searchtui.errors import ArticleNotFound, DateRangeError, IndexMissing, QueryError
from searchtui.facets import NO_DATE
from searchtui.models import (
    ENTITY_FIELDS,
    FACET_FIELDS,
    Article,
    Facet,
    Hit,
    SearchRequest,
    SearchResult,
)
from searchtui.schema import (
    FACET_INDEX_FIELDS,
    TEXT_FIELDS,
    analyse_positions,
    find_terms,
    fold,
    normalise_word,
    stored_body,
)

MAX_QUERY_CHARS = 2000
MAX_EXPANSION = 256
SNIPPET_CHARS = 220
UNDATED_LAST = 10**9  # a day ordinal past any real date

FIELD_ALIASES = {
    "title": ["headline"],
    "authors": ["author", "by", "byline"],
    "publication": ["pub", "source", "outlet", "publisher"],
    "people": ["person", "who"],
    "organisations": ["org", "organisation", "organization", "organizations"],
    "places": ["place", "location", "where"],
    "body": ["text", "content"],
}

_DATE_TOKEN = re.compile(r"(?<![\w:])(date|after|before|on|from|to|since|until):(\S+)", re.IGNORECASE)
_ENTITY_TOKEN = re.compile(r'(?<![\w:])entity:("[^"]*"|\S+)', re.IGNORECASE)


# ---------------------------------------------------------------------------
# Dates typed in queries (read by searchtui.dates)


def _intersect(current: tuple, lo, hi) -> tuple:
    """The date range ``current`` narrowed to [lo, hi] (None: open)."""
    a, b = current
    if lo is not None:
        a = lo if a is None else max(a, lo)
    if hi is not None:
        b = hi if b is None else min(b, hi)
    return a, b


def extract_dates(text: str) -> tuple[str, _dt.date | None, _dt.date | None]:
    """Take ``date:``, ``after:`` and ``before:`` out of a query.

    ``date:P`` is the period P (a year, month or day) or ``A..B`` (both ends
    included, either may be left open); ``after:P`` means from the start of P
    on, ``before:P`` means up to the day before P starts (``from:``/``since:``
    and ``to:``/``until:`` are inclusive of P). Returns the rest of the query
    and the date range.
    """
    rng: tuple = (None, None)
    pieces = []
    last = 0
    for m in _DATE_TOKEN.finditer(text):
        key, value = m.group(1).lower(), m.group(2).strip('"')
        try:
            if key in ("date", "on"):
                rng = _intersect(rng, *parse_date_range(value))
            elif key in ("after", "from", "since"):
                rng = _intersect(rng, parse_date_period(value)[0], None)
            elif key == "before":
                rng = _intersect(rng, None, parse_date_period(value)[0] - _dt.timedelta(days=1))
            else:  # to, until
                rng = _intersect(rng, None, parse_date_period(value)[1])
        except DateRangeError as exc:
            raise QueryError(f"{key}: {exc}", text, m.start(2)) from None
        pieces.append(text[last : m.start()])
        last = m.end()
    pieces.append(text[last:])
    return " ".join(p.strip() for p in pieces if p.strip()), rng[0], rng[1]


def _balance(text: str) -> str:
    """Close quotes and brackets left open; drop stray closing brackets."""
    if text.count('"') % 2:
        text += '"'
    out, depth, in_quote = [], 0, False
    for ch in text:
        if ch == '"':
            in_quote = not in_quote
        elif not in_quote and ch == "(":
            depth += 1
        elif not in_quote and ch == ")":
            if depth == 0:
                continue
            depth -= 1
        out.append(ch)
    return "".join(out) + ")" * depth


def _expand_entity_prefix(text: str) -> str:
    def repl(m):
        v = m.group(1)
        return "(" + " OR ".join(f"{f}:{v}" for f in ENTITY_FIELDS) + ")"

    return _ENTITY_TOKEN.sub(repl, text)


class ParsedQuery:
    def __init__(
        self, text: str, query: wq.Query | None, date_from, date_to, notice: str | None = None
    ):
        self.text = text
        self.query = query  # None: every article
        self.date_from = date_from
        self.date_to = date_to
        self.notice = notice  # how the query was read, when the user should know

    def dates(self, request: SearchRequest) -> tuple:
        """The query's own dates within the request's date range."""
        return _intersect((self.date_from, self.date_to), request.date_from, request.date_to)


class _PlusMinus(PlusMinusPlugin):
    """``+word`` and ``-word`` inside brackets too, and only at the start of a
    word: Whoosh's plugin sorts the top level alone (a bracketed ``-word`` then
    fails to parse) and takes the hyphen of ``covid-19`` for a minus."""

    def __init__(self):
        super().__init__(plusexpr=r"(?<![^\s(])\+(?=\S)", minusexpr=r"(?<![^\s(])-(?=\S)")

    def do_plusminus(self, parser, group):
        for i, node in enumerate(group):
            if isinstance(node, qsyntax.GroupNode):
                group[i] = self.do_plusminus(parser, node)
        out = super().do_plusminus(parser, group)
        if isinstance(out, qsyntax.AndNotGroup) and not out[0]:
            # Only excluded words, as in "(-ash) lava": Whoosh would drop them.
            return qsyntax.NotGroup([out[1]])
        return out


def make_parser(schema):
    parser = MultifieldParser(list(TEXT_FIELDS), schema)
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(_PlusMinus())
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    parser.remove_plugin_class(GtLtPlugin)
    return parser


def parse_query(parser, text: str) -> ParsedQuery:
    original = text or ""
    if len(original) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is too long ({len(original)} characters; at most {MAX_QUERY_CHARS})",
            original,
            MAX_QUERY_CHARS,
        )
    rest, dfrom, dto = extract_dates(original)
    rest = _balance(_expand_entity_prefix(rest)).strip()
    if rest in ("", "*", "*:*"):
        return ParsedQuery(original, None, dfrom, dto)
    try:
        q = parser.parse(rest, normalize=False)
    except Exception as exc:  # Whoosh's parser raises assorted errors on odd input
        raise QueryError(f"cannot understand the query: {exc}", original, None) from None
    if isinstance(q, wq.AndNot) and isinstance(q.a.normalize(), _NullQuery):
        # Only excluded words ("-word"): every article without them. Whoosh
        # would reduce this to a query matching nothing.
        q = wq.Not(q.b)
    q = q.normalize()
    if isinstance(q, _NullQuery):
        if re.search(r"\w", rest):
            # Only stop words or a lone operator: every article, and say why.
            return ParsedQuery(
                original, None, dfrom, dto,
                notice="no words to search for: showing every article",
            )
        raise QueryError("the query has no words to search for", original, 0)
    return ParsedQuery(original, q, dfrom, dto)


# ---------------------------------------------------------------------------
# Evaluating a query over the arrays


class _Eval:
    """Turns a Whoosh query tree into (matching mask, score array)."""

    def __init__(self, data: IndexData, searcher):
        self.data = data
        self.searcher = searcher
        self.n = data.ndocs
        self.terms: set[tuple[str, str]] = set()  # (field, term) matched, for highlighting
        self._negated = 0  # > 0 while inside a NOT: its terms are not highlighted

    def empty(self):
        return np.zeros(self.n, dtype=bool), np.zeros(self.n, dtype=np.float32)

    def run(self, q):
        if isinstance(q, wq.Every):
            return self.data.live.copy(), np.zeros(self.n, dtype=np.float32)
        if isinstance(q, _NullQuery):
            return self.empty()
        if type(q) is wq.Term:
            return self.term(q.fieldname, q.text, q.boost)
        if isinstance(q, wq.And):
            mask, score = None, np.zeros(self.n, dtype=np.float32)
            for sub in q.subqueries:
                m, s = self.run(sub)
                mask = m if mask is None else mask & m
                score += s
            return (mask if mask is not None else self.empty()[0]), score
        if isinstance(q, (wq.Or, wq.DisjunctionMax)):
            mask, score = np.zeros(self.n, dtype=bool), np.zeros(self.n, dtype=np.float32)
            for sub in q.subqueries:
                m, s = self.run(sub)
                mask |= m
                score += s
            return mask, score
        if isinstance(q, wq.Not):
            m, _ = self.negated(q.query)
            return self.data.live & ~m, np.zeros(self.n, dtype=np.float32)
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

    def negated(self, q):
        self._negated += 1
        try:
            return self.run(q)
        finally:
            self._negated -= 1

    # leaves

    def term(self, fieldname: str, text: str, boost: float = 1.0):
        if fieldname in FACET_INDEX_FIELDS:
            return self.facet_value(fieldname, text)
        if fieldname not in self.data.lengths:
            return self.fallback(wq.Term(fieldname, text))
        ids, ws = self.data.postings(fieldname, text)
        mask = np.zeros(self.n, dtype=bool)
        score = np.zeros(self.n, dtype=np.float32)
        if len(ids):
            mask[ids] = True
            score[ids] = self.data.bm25(fieldname, ids, ws) * boost
            if not self._negated:
                self.terms.add((fieldname, text))
        return mask, score

    def facet_value(self, fieldname: str, text: str):
        """A typed facet value: the values equal to it, else those containing it as words."""
        fidx = self.data.facets[fieldname]
        needle = fold(text).strip()
        exact = [i for i, f in enumerate(fidx.folded) if f == needle]
        if not exact and needle:
            pat = re.compile(r"(?<!\w)" + re.escape(needle) + r"(?!\w)")
            exact = [i for i, f in enumerate(fidx.folded) if pat.search(f)]
        return self._with_values(fidx, exact)

    def _with_values(self, fidx, ids):
        """The live documents carrying any of the facet values ``ids``."""
        mask = np.zeros(self.n, dtype=bool)
        if ids:
            mask[fidx.docs_of(ids)] = True
            mask &= self.data.live
        return mask, mask.astype(np.float32)

    def phrase(self, q: wq.Phrase):
        if q.fieldname in FACET_INDEX_FIELDS:
            return self.facet_value(q.fieldname, " ".join(q.words))
        words = [w for w in q.words if w]
        if not words:
            return self.empty()
        if len(words) == 1:
            return self.term(q.fieldname, words[0], q.boost)
        mask, score = None, np.zeros(self.n, dtype=np.float32)
        for w in words:
            m, s = self.term(q.fieldname, w, q.boost)
            mask = m if mask is None else mask & m
            score += s
        if not mask.any():
            return mask, score
        if q.slop != 1 or q.fieldname not in self.data.lengths:
            exact = self.fallback(q)[0]
        else:
            exact = self.data.phrase_mask(q.fieldname, tuple(words), mask)
        mask &= exact
        return mask, score * mask

    def multiterm(self, q):
        fieldname = q.field()
        if fieldname in FACET_INDEX_FIELDS:
            # prefix* and wildcards on facet fields match values by their words
            pattern = re.escape(fold(getattr(q, "text", ""))).replace(r"\*", r"\S*").replace(r"\?", r"\S")
            if isinstance(q, wq.Prefix):
                pattern += r"\S*"
            regex = re.compile(r"(?<!\w)" + pattern + r"(?!\w)")
            fidx = self.data.facets[fieldname]
            return self._with_values(fidx, [i for i, f in enumerate(fidx.folded) if regex.search(f)])
        reader = self.data.reader
        try:
            texts = list(q._btexts(reader))
        except Exception:
            return self.fallback(q)
        if len(texts) > MAX_EXPANSION:
            # keep the most frequent expansions
            texts.sort(key=lambda t: -reader.doc_frequency(fieldname, t))
            texts = texts[:MAX_EXPANSION]
        mask, score = np.zeros(self.n, dtype=bool), np.zeros(self.n, dtype=np.float32)
        for tb in texts:
            t = tb.decode("utf-8") if isinstance(tb, bytes) else tb
            m, s = self.term(fieldname, t, q.boost)
            mask |= m
            score = np.maximum(score, s)
        return mask, score

    def fallback(self, q):
        mask = np.zeros(self.n, dtype=bool)
        try:
            ids = np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64)
        except Exception as exc:
            raise QueryError(f"cannot run this part of the query: {q} ({exc})") from None
        if len(ids):
            mask[ids] = True
        mask &= self.data.live
        return mask, mask.astype(np.float32)


# ---------------------------------------------------------------------------
# Snippets


def make_snippet(body: str, terms: set[str], width: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """A window of ``body`` holding the most matched terms, with their spans."""
    text = body[:100_000]
    spans = find_terms(text, terms)
    if not spans:
        return _cut(text, 0, width)[0], []
    # Best window: the most distinct terms, then the most matches, earliest first.
    best, best_key = 0, None
    j = 0
    for i in range(len(spans)):
        while j < len(spans) and spans[j][1] - spans[i][0] <= width:
            j += 1
        window = spans[i:j]
        key = (len({t for _, _, t in window}), len(window), -i)
        if best_key is None or key > best_key:
            best, best_key = i, key
    start = spans[best][0]
    # Back up a little for context, to a word boundary.
    start = max(0, start - width // 5)
    snippet, start, end = _cut(text, start, width)
    shift = 1 if start > 0 else 0  # the leading "…"
    return snippet, [(s - start + shift, e - start + shift) for s, e, _ in spans if s >= start and e <= end]


def _cut(text: str, start: int, width: int) -> tuple[str, int, int]:
    """About ``width`` characters of ``text`` from near ``start``, cut at spaces,
    with "…" where text was left out: (snippet, start, end) in ``text``."""
    if start > 0:
        sp = text.rfind(" ", max(0, start - 20), start)
        if sp >= 0:
            start = sp + 1
    end = min(len(text), start + width)
    if end < len(text):
        sp = text.rfind(" ", start + width // 2, end)
        if sp > 0:
            end = sp
    piece = text[start:end].replace("\n", " ")
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + piece + suffix, start, end


# ---------------------------------------------------------------------------
# The engine


class SearchEngine:
    """Searches one index; reopen-safe and usable from several threads."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.RLock()
        self._searcher = None
        self._data: IndexData | None = None
        self._token = None
        self._parser = None
        self.meta: dict = {}
        self.ixdir: Path | None = None
        self._open()

    @classmethod
    def open(cls, index_dir) -> SearchEngine:
        return cls(Path(index_dir))

    def _open(self) -> None:
        ix, ixdir, meta = store.open_index(self.root)
        searcher = ix.searcher()
        data = IndexData(searcher.reader(), ixdir)
        old = self._searcher
        self._searcher, self._data = searcher, data
        self.ixdir, self.meta = ixdir, meta
        self._parser = make_parser(ix.schema)
        self._corrections: dict[str, str | None] = {}
        self._token = store.generation_token(self.root)
        if old is not None:
            old.close()

    # -- life cycle

    def changed_on_disk(self) -> bool:
        token = store.generation_token(self.root)
        return token is not None and token != self._token

    def reload(self) -> None:
        with self._lock:
            self._open()

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def doc_count(self) -> int:
        return self._data.count

    # -- searching

    def parse(self, text: str) -> ParsedQuery:
        return parse_query(self._parser, text)

    def _base(self, parsed: ParsedQuery, ev: _Eval):
        data = self._data
        if parsed.query is None:
            mask = data.live.copy()
            score = np.zeros(data.ndocs, dtype=np.float32)
        else:
            mask, score = ev.run(parsed.query)
            mask = mask & data.live
        return mask, score

    def search(self, request: SearchRequest) -> SearchResult:
        t0 = time.perf_counter()
        with self._lock:
            parsed = self.parse(request.query)
            ev = _Eval(self._data, self._searcher)
            qmask, score = self._base(parsed, ev)
            terms = {t for f, t in ev.terms if f in TEXT_FIELDS}
            result = self._result(
                request, qmask, score, terms,
                dates=parsed.dates(request), sort=request.sort, browse=parsed.query is None,
            )
            if parsed.query is not None and request.suggest:
                result.suggestion = self._suggest(parsed)
            result.notice = parsed.notice
        result.elapsed_ms = (time.perf_counter() - t0) * 1000
        return result

    def _in_dates(self, qmask, dates: tuple):
        dmask = self._data.dates.mask(*dates)
        return qmask if dmask is None else qmask & dmask

    def _filtered(self, mask, filters: dict, *, skip: str | None = None, include: bool = True):
        """``mask`` narrowed by every facet's filter (``skip``'s only by its exclusions,
        or not at all when ``include`` is False)."""
        for name, flt in filters.items():
            if name == skip:
                if include:
                    mask = self._data.facets[name].apply(mask, flt, include=False)
                continue
            mask = self._data.facets[name].apply(mask, flt)
        return mask

    def _result(self, request, qmask, score, terms, *, dates, sort, browse) -> SearchResult:
        data = self._data
        qmask = self._in_dates(qmask, dates)
        filters = {name: request.filters.get(name) for name in FACET_FIELDS}
        filtered = self._filtered(qmask, filters)
        total = int(np.count_nonzero(filtered))
        size = max(1, request.page_size)
        lo = (max(1, request.page) - 1) * size
        docs = self._top(filtered, score, sort, browse, lo + size)[lo : lo + size]
        hits = [self._hit(int(d), float(score[d]), terms, request.snippets) for d in docs]
        facets = {}
        for name in request.facets:
            if name not in data.facets:
                continue
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
            facets[name] = data.facets[name].facet(base, flt, request.facet_limit, unexcluded)
        histogram = data.dates.histogram(filtered) if request.histogram else None
        return SearchResult(
            request=request, total=total, hits=hits, facets=facets, histogram=histogram,
            terms=sorted(terms), ranked=not browse,
        )

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

    def _top(self, mask, score, sort, browse, k) -> np.ndarray:
        """The first ``k`` documents of ``mask`` in the order asked for."""
        docs = np.flatnonzero(mask)
        if sort == "relevance" and not browse and len(docs) > k * 4:
            # Only the best k need sorting; ties at the cut-off are all kept.
            s = score[docs]
            cut = s[np.argpartition(-s, k)[:k]].min()
            docs = docs[s >= cut]
        return self._order(docs, score, sort, browse)[:k]

    def _hit(self, docnum: int, score: float, terms: set[str], snippets: bool) -> Hit:
        article = _stored_article(self._searcher.stored_fields(docnum))
        snippet, highlights = make_snippet(article.body, terms) if snippets else ("", [])
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

    # -- suggestions

    def suggest(self, query: str) -> str | None:
        """The query with likely spellings for its rare or unknown words, or None."""
        with self._lock:
            try:
                parsed = self.parse(query)
            except QueryError:
                return None
            return self._suggest(parsed) if parsed.query is not None else None

    def _suggest(self, parsed: ParsedQuery) -> str | None:
        """The query with its rare or unknown plain words replaced by likely ones."""
        text = parsed.text
        # Values given to facet and date prefixes are names, not words to correct.
        protected = [
            m.span() for m in _PREFIXED.finditer(text)
            if m.group(1).lower() not in _TEXT_PREFIXES
        ]
        out, last, changed = [], 0, False
        for m in _PLAIN_WORD.finditer(text):
            word = m.group(1)
            if word in ("AND", "OR", "NOT", "TO"):
                continue
            if any(a <= m.start(1) < b for a, b in protected):
                continue
            better = self._correct(word)
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
        return reader.doc_frequency("body", term) + reader.doc_frequency("title", term)

    def _correct(self, word: str) -> str | None:
        """A word one edit away that is far more common, or None (remembered per generation)."""
        cache = self._corrections
        if word in cache:
            return cache[word]
        found = self._find_correction(word)
        if len(cache) > 10_000:
            cache.clear()
        cache[word] = found
        return found

    def _find_correction(self, word: str) -> str | None:
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
        for cand in _edits1(lower):
            cstem = normalise_word(cand)
            if cstem is None or cstem in seen:
                continue
            seen.add(cstem)
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

    # -- more like this

    def more_like_this(self, key: str, request: SearchRequest | None = None, terms: int = 25) -> SearchResult:
        request = request or SearchRequest()
        t0 = time.perf_counter()
        with self._lock:
            data = self._data
            docnum = self._docnum(key)
            fields = self._searcher.stored_fields(docnum)
            text = (fields.get("title") or "") + "\n" + stored_body(fields.get("body"))
            scored = []
            for t, poses in analyse_positions(text).items():
                df = data.reader.doc_frequency("body", t)
                if df < 2:
                    continue
                scored.append((len(poses) * math.log(data.count / df), t))
            scored.sort(reverse=True)
            top = [t for _, t in scored[:terms]]
            ev = _Eval(data, self._searcher)
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

    def facet_values(self, facet: str, request: SearchRequest, text: str, limit: int = 50) -> Facet:
        with self._lock:
            data = self._data
            if facet not in data.facets:
                raise ValueError(f"unknown facet {facet!r} (facets: {', '.join(FACET_FIELDS)})")
            parsed = self.parse(request.query)
            mask, _ = self._base(parsed, _Eval(data, self._searcher))
            filters = {name: request.filters.get(name) for name in FACET_FIELDS}
            mask = self._filtered(self._in_dates(mask, parsed.dates(request)), filters, skip=facet)
            return data.facets[facet].search(mask, text, filters[facet], limit)

    # -- documents

    def _docnum(self, key: str) -> int:
        docnum = self._searcher.document_number(key=key)
        if docnum is None:
            docnum = self._searcher.document_number(path=key)
        if docnum is None:
            raise ArticleNotFound(f"no article {key!r} in the index")
        return docnum

    def document(self, key: str) -> Article:
        with self._lock:
            return _stored_article(self._searcher.stored_fields(self._docnum(key)))

    def match_spans(self, text: str, query: str) -> list[tuple[int, int]]:
        """Spans of ``text`` holding the query's words (as the index sees them)."""
        try:
            parsed = self.parse(query)
        except QueryError:
            return []
        if parsed.query is None:
            return []
        with self._lock:
            ev = _Eval(self._data, self._searcher)
            ev.run(parsed.query)
        terms = {t for f, t in ev.terms if f in TEXT_FIELDS}
        if not terms:
            return []
        return [(s, e) for s, e, _ in find_terms(text, terms)]

    # -- statistics

    def stats(self) -> dict:
        with self._lock:
            data = self._data
            days = data.dates.days[data.live]
            dated = days[days != NO_DATE]
            size = sum(f.stat().st_size for f in self.ixdir.iterdir() if f.is_file())
            out = {
                "index": str(self.root),
                "articles": data.count,
                "undated": int(len(days) - len(dated)),
                "first_date": _dt.date.fromordinal(int(dated.min())).isoformat() if len(dated) else None,
                "last_date": _dt.date.fromordinal(int(dated.max())).isoformat() if len(dated) else None,
                "index_bytes": size,
                "written": self.meta.get("written"),
                "segments": len(data.leaves),
            }
            for name in FACET_FIELDS:
                fidx = data.facets[name]
                out[f"distinct_{name}"] = int(np.count_nonzero(fidx.counts(data.live)))
        return out


def _stored_article(fields: dict) -> Article:
    """An article as the index stores it."""
    d = fields.get("date")
    return Article(
        key=fields.get("key", ""),
        path=fields.get("path", ""),
        title=fields.get("title", ""),
        authors=list(fields.get("authors") or []),
        publication=(fields.get("publication") or [None])[0],
        date=_dt.date.fromisoformat(d) if d else None,
        body=stored_body(fields.get("body")),
        content_hash=fields.get("hash", ""),
        url=fields.get("url"),
        entities={name: list(fields.get(name) or []) for name in ENTITY_FIELDS},
    )


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_PLAIN_WORD = re.compile(r"(?<![\w*~.-])([A-Za-z]{3,})(?![\w:*~.])")
_PREFIXED = re.compile(r'(\w+):("[^"]*"?|\([^)]*\)?|\S+)')
_TEXT_PREFIXES = {"title", "body", *FIELD_ALIASES["title"], *FIELD_ALIASES["body"]}
SUGGEST_RARE = 3  # words in fewer articles than this get a suggestion
SUGGEST_MIN_DF = 5  # a suggested word is in at least this many articles


def _edits1(word: str) -> set[str]:
    """Every string one deletion, swap, replacement or insertion away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + swaps + replaces + inserts)


def open_engine(index_dir) -> SearchEngine:
    try:
        return SearchEngine.open(index_dir)
    except FileNotFoundError:
        raise IndexMissing(f"no index at {index_dir}") from None
