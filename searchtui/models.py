"""Plain data records shared by every layer of searchtui.

Nothing here knows about Whoosh, Textual or the file system: these are the
values that the reader, the extractor, the indexer, the search core, the CLI
and the TUI pass to each other.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

#: The entity facets, in display order, with the entity type each one holds.
ENTITY_FIELDS = ("people", "organisations", "places")
ENTITY_TYPES = {"PERSON": "people", "ORG": "organisations", "PLACE": "places"}

#: Every facet a request can filter on or count, in display order.
FACET_FIELDS = ("publication", "authors") + ENTITY_FIELDS

#: Each facet's name as a heading, for the CLI and the app.
FACET_LABELS = {
    "publication": "Publications",
    "authors": "Authors",
    "people": "People",
    "organisations": "Organisations",
    "places": "Places",
}

SORTS = ("relevance", "newest", "oldest")
#: What facet counts and the date histogram count: articles, or stories (a story
#: and its copies once).
COUNTS = ("articles", "stories")


@dataclass
class Article:
    """One article read from the corpus."""

    key: str  # unique id: the file path, or "path#row" for rows of a CSV/JSONL file
    path: str  # the source file
    title: str
    authors: list[str] = field(default_factory=list)
    author_raw: str | None = None  # the author part of the byline as written
    publication: str | None = None
    date: _dt.date | None = None
    body: str = ""
    content_hash: str = ""  # hash of the article's own content
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    #: entities given by the source itself (YAML front matter), by facet field
    entities: dict[str, list[str]] = field(default_factory=dict)
    #: read from an index: why its text as indexed cannot be shown (``body`` is then
    #: empty), e.g. its file changed since (see ``searchtui.texts``)
    text_problem: str | None = None


def byline(authors: Sequence[str], publication: str | None, date: _dt.date | None) -> str:
    """An article's byline as the CLI and the app show it.

    ``Ann Lee, Bo Chan — Reuters · Nov 05, 2016``; a missing part is left out
    with its separator (``Reuters · Nov 05, 2016``, ``Ann Lee``, ``""``).
    """
    who = " — ".join(x for x in (", ".join(authors), publication or "") if x)
    when = date.strftime("%b %d, %Y") if date else ""
    return " · ".join(x for x in (who, when) if x)


def copies_summary(publications: list[str | None], shown: int = 3) -> str:
    """The line under a grouped hit: "+3 copies: Reuters, Yahoo News, …" (outlets once
    each, in the order given; an unnamed one as "unknown")."""
    n = len(publications)
    names = list(dict.fromkeys(p or "unknown" for p in publications))
    listed = ", ".join(names[:shown]) + (", …" if len(names) > shown else "")
    return f"+{n} cop{'y' if n == 1 else 'ies'}: {listed}"


@dataclass
class Problem:
    """Something wrong with one input file: skipped, or read with a warning."""

    path: str
    reason: str
    skipped: bool = True  # False: the article was kept, degraded

    def __str__(self) -> str:
        kind = "skipped" if self.skipped else "warning"
        return f"{self.path}: {kind}: {self.reason}"


@dataclass
class FileResult:
    """What reading one corpus file gave: its articles and its problems."""

    path: str
    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Mention:
    """One named entity mention found in a text."""

    text: str
    type: str  # PERSON, ORG or PLACE
    start: int
    end: int
    canonical: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "canonical": self.canonical,
        }


# --------------------------------------------------------------------------
# Search


@dataclass
class FacetFilter:
    """Values of one facet to include (any of them) and to exclude (all of them)."""

    include: set[str] = field(default_factory=set)
    exclude: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.include or self.exclude)


@dataclass
class SearchRequest:
    query: str = ""
    filters: dict[str, FacetFilter] = field(default_factory=dict)
    date_from: _dt.date | None = None  # inclusive
    date_to: _dt.date | None = None  # inclusive
    sort: str = "relevance"  # relevance | newest | oldest (empty query: relevance means newest)
    page: int = 1
    page_size: int = 20
    facets: tuple[str, ...] = FACET_FIELDS  # which facets to count
    facet_limit: int = 10  # values per facet
    histogram: bool = True
    snippets: bool = True
    #: look for a spelling suggestion (an app may ask for it separately, with suggest())
    suggest: bool = True
    #: a first-indexed stamp (see ``SearchEngine.newest_indexed``): the hits first indexed
    #: after it are new; they are counted, marked and listed first
    new_since: str | None = None
    #: with ``new_since``: only the new hits
    only_new: bool = False
    #: one hit per story (its best-ranked copy), the story's other copies with it
    collapse: bool = False
    #: what facets and the histogram count: "articles" or "stories"
    count: str = "articles"
    #: the query is still being typed: a last word that no article has, not followed
    #: by a space, is taken as the start of a word ("nucle" searches "nucle*")
    typing: bool = False


@dataclass(frozen=True)
class Copy:
    """Another copy of a hit's story."""

    key: str
    path: str
    title: str
    publication: str | None
    date: _dt.date | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "key": self.key,
            "title": self.title,
            "publication": self.publication,
            "date": self.date.isoformat() if self.date else None,
        }


@dataclass
class Story:
    """A story of the index: its copies, the first (by document order) first."""

    copies: list[Copy]

    def to_dict(self) -> dict[str, Any]:
        return {"size": len(self.copies), "copies": [c.to_dict() for c in self.copies]}


@dataclass
class Hit:
    key: str
    path: str
    title: str
    authors: list[str]
    publication: str | None
    date: _dt.date | None
    score: float
    #: a short extract of the body with the matched terms marked as
    #: (start, end) character spans into ``snippet``
    snippet: str = ""
    highlights: list[tuple[int, int]] = field(default_factory=list)
    docnum: int = -1
    #: first indexed after the request's ``new_since``
    new: bool = False
    #: with a collapsed search: the story's other copies among the hits, best first
    #: (None: not collapsed)
    copies: list[Copy] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "key": self.key,
            "title": self.title,
            "authors": list(self.authors),
            "publication": self.publication,
            "date": self.date.isoformat() if self.date else None,
            "score": round(float(self.score), 4),
            "snippet": self.snippet,
            "highlights": [list(span) for span in self.highlights],
        }
        if self.copies is not None:
            out["copies"] = [c.to_dict() for c in self.copies]
        return out


@dataclass
class FacetBucket:
    value: str
    count: int
    selected: bool = False
    excluded: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "count": self.count,
            "selected": self.selected,
            "excluded": self.excluded,
        }


@dataclass
class Facet:
    name: str
    buckets: list[FacetBucket]
    distinct: int  # number of distinct values with a non-zero count
    truncated: bool  # more values exist than are listed

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distinct": self.distinct,
            "truncated": self.truncated,
            "buckets": [b.to_dict() for b in self.buckets],
        }


@dataclass
class HistogramBucket:
    label: str  # "2016", "2016-11" or "2016-11-15"; "no date" for undated hits
    start: _dt.date | None  # first day of the bucket (None for "no date")
    end: _dt.date | None  # last day of the bucket, inclusive
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "count": self.count,
        }


@dataclass
class Histogram:
    unit: str  # "day", "month" or "year" ("none" when no hit has a date)
    buckets: list[HistogramBucket]
    undated: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "undated": self.undated,
            "buckets": [b.to_dict() for b in self.buckets],
        }


@dataclass
class SearchResult:
    request: SearchRequest
    total: int
    hits: list[Hit]
    facets: dict[str, Facet] = field(default_factory=dict)
    histogram: Histogram | None = None
    suggestion: str | None = None  # "did you mean ..." query text
    #: a word about how the query was read, e.g. that it held nothing to search for
    notice: str | None = None
    #: False when the query had no words to rank by: every match, newest first
    ranked: bool = True
    elapsed_ms: float = 0.0
    #: terms of the query that matched, for highlighting in the reader
    terms: list[str] = field(default_factory=list)
    #: with the request's ``new_since``: how many hits are new (else None)
    new: int | None = None
    #: the distinct stories among the hits (None: not asked for; see SearchRequest)
    stories: int | None = None
    #: with the request's ``typing``: the query as searched when its last word was
    #: taken as the start of a word (None: as typed)
    completed: str | None = None

    @property
    def pages(self) -> int:
        size = max(1, self.request.page_size)
        shown = self.stories if self.request.collapse and self.stories is not None else self.total
        return max(1, -(-shown // size))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "query": self.request.query,
            "total": self.total,
            "page": self.request.page,
            "page_size": self.request.page_size,
            "sort": self.request.sort,
            "elapsed_ms": round(self.elapsed_ms, 2),
            "suggestion": self.suggestion,
            "notice": self.notice,
            "ranked": self.ranked,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {name: f.to_dict() for name, f in self.facets.items()},
            "histogram": self.histogram.to_dict() if self.histogram else None,
        }
        if self.stories is not None:
            out["stories"] = self.stories
            out["collapsed"] = self.request.collapse
            out["count"] = self.request.count
        if self.new is not None:
            out["new"] = self.new
            for hit, shown in zip(self.hits, out["hits"], strict=True):
                shown["new"] = hit.new
        return out
