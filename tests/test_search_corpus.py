"""Cross-checks of the search core against the shared AllSides corpus: facet
counts, author selection and date ranges must agree with ``manifest.jsonl``.

The index is built once per session (about half a minute); the tests skip
when the corpus is not there.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from searchtui.articles import split_authors
from searchtui.canonical import canonical_list, canonical_names
from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.models import FacetFilter, SearchRequest
from searchtui.schema import normalise_word, scan
from searchtui.search import SearchEngine

D = dt.date
EVERYTHING = 100_000  # a page size and facet limit larger than the corpus


@pytest.fixture(scope="session")
def manifest(allsides_dir) -> list[dict]:
    with open(allsides_dir / "manifest.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def allsides(allsides_dir, tmp_path_factory):
    index = tmp_path_factory.mktemp("allsides-index")
    build_index([str(allsides_dir)], index, config=Config(extractor="none"), workers=2)
    with SearchEngine.open(index) as engine:
        yield engine


@pytest.fixture(scope="session")
def authors_of(manifest):
    """A manifest record's authors as the index shows them: spellings that differ by
    case or accents are one name (see ``canonical``)."""
    counts = Counter(a for rec in manifest for a in split_authors(rec["author"]))
    table = canonical_names("authors", counts)
    return lambda rec: canonical_list(split_authors(rec["author"]), table)


def everything(engine, query: str = "", **kw):
    request = SearchRequest(
        query=query, page_size=EVERYTHING, facet_limit=EVERYTHING, snippets=False, **kw
    )
    return engine.search(request)


def files(result) -> set[str]:
    assert len(result.hits) == result.total
    return {Path(h.path).name for h in result.hits}


def date_of(rec: dict) -> dt.date | None:
    return dt.date.fromisoformat(rec["date"]) if rec["date"] else None


def test_match_all_counts_equal_the_manifest(allsides, manifest, authors_of):
    result = allsides.search(SearchRequest(page_size=1, facet_limit=EVERYTHING))
    assert result.total == len(manifest)

    authors = Counter(a for rec in manifest for a in authors_of(rec))
    facet = result.facets["authors"]
    assert {b.value: b.count for b in facet.buckets} == dict(authors)
    shape = (facet.distinct, facet.truncated, len(facet.buckets))
    assert shape == (len(authors), False, len(authors))

    publications = Counter(rec["publication"] for rec in manifest if rec["publication"])
    facet = result.facets["publication"]
    assert {b.value: b.count for b in facet.buckets} == dict(publications)
    assert facet.distinct == len(publications)

    years = Counter(date_of(rec).year for rec in manifest if rec["date"])
    undated = sum(1 for rec in manifest if not rec["date"])
    hist = result.histogram
    assert hist.unit == "year"
    expected = [(str(y), years.get(y, 0)) for y in range(min(years), max(years) + 1)]
    expected.append(("no date", undated))
    assert [(b.label, b.count) for b in hist.buckets] == expected
    assert hist.undated == undated


def test_top_authors_are_the_manifests_most_frequent(allsides, manifest, authors_of):
    authors = Counter(a for rec in manifest for a in authors_of(rec))
    facet = allsides.search(SearchRequest(page_size=1, facet_limit=10)).facets["authors"]
    top = sorted(authors.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [(b.value, b.count) for b in facet.buckets] == top
    assert (facet.distinct, facet.truncated) == (len(authors), True)


def pick_authors(manifest, authors_of) -> list[str]:
    """The five most frequent authors, a prolific single author, and a few who
    share long bylines or have accents in their names."""
    authors = Counter(a for rec in manifest for a in authors_of(rec))
    chosen = [a for a, _ in sorted(authors.items(), key=lambda kv: (-kv[1], kv[0]))[:5]]
    shared = sorted({a for rec in manifest for a in authors_of(rec)
                     if len(authors_of(rec)) > 2 and authors[a] > 1})
    accented = sorted(a for a in authors if not a.isascii())
    picked = chosen + ["Stephen Dinan"] + shared[:3] + accented[:2]
    return [a for a in dict.fromkeys(picked) if a in authors]


def test_selecting_an_author_gives_exactly_their_articles(allsides, manifest, authors_of):
    counts = {b.value: b.count for b in everything(allsides).facets["authors"].buckets}
    for author in pick_authors(manifest, authors_of):
        expected = {rec["file"] for rec in manifest if author in authors_of(rec)}
        result = everything(allsides, filters={"authors": FacetFilter(include={author})})
        assert files(result) == expected, author
        assert counts[author] == len(expected)


def test_selecting_two_authors_gives_either(allsides, manifest, authors_of):
    a, b = pick_authors(manifest, authors_of)[:2]
    expected = {rec["file"] for rec in manifest if {a, b} & set(authors_of(rec))}
    result = everything(allsides, filters={"authors": FacetFilter(include={a, b})})
    assert files(result) == expected
    excluded = everything(allsides, filters={"authors": FacetFilter(exclude={a, b})})
    assert files(excluded) == {rec["file"] for rec in manifest} - expected


@pytest.mark.parametrize(
    "query, first, last",
    [
        ("date:2016-11-01..2016-11-30", D(2016, 11, 1), D(2016, 11, 30)),
        ("date:2016-11-08", D(2016, 11, 8), D(2016, 11, 8)),
        ("date:2019-02", D(2019, 2, 1), D(2019, 2, 28)),
        ("date:2012", D(2012, 1, 1), D(2012, 12, 31)),
        ("after:2020-07-01", D(2020, 7, 1), None),
        ("before:2012-01-01", None, D(2011, 12, 31)),
        ("after:2017-01-20 before:2017-02", D(2017, 1, 20), D(2017, 1, 31)),
    ],
)
def test_date_ranges_give_exactly_the_manifests_articles(allsides, manifest, query, first, last):
    def inside(rec):
        d = date_of(rec)
        return d is not None and (first is None or d >= first) and (last is None or d <= last)

    expected = {rec["file"] for rec in manifest if inside(rec)}
    assert expected  # a range with articles in it
    assert files(everything(allsides, query)) == expected
    assert files(everything(allsides, date_from=first, date_to=last)) == expected


def test_a_range_whose_end_days_hold_articles_includes_both(allsides, manifest, authors_of):
    days = sorted({date_of(rec) for rec in manifest if rec["date"]})
    first, last = days[100], days[130]
    on_edges = {rec["file"] for rec in manifest if date_of(rec) in (first, last)}
    result = everything(allsides, f"date:{first}..{last}")
    assert on_edges and on_edges <= files(result)
    in_range = [rec for rec in manifest if rec["date"] and first <= date_of(rec) <= last]
    assert result.total == len(in_range)
    # the histogram of a month-long range is by day, both ends kept
    assert result.histogram.unit == "day"
    assert (result.histogram.buckets[0].start, result.histogram.buckets[-1].end) == (first, last)


def test_a_word_and_an_author_and_a_publication(allsides, manifest, authors_of):
    author = pick_authors(manifest, authors_of)[0]
    by_author = [rec for rec in manifest if author in authors_of(rec)]
    pub = Counter(rec["publication"] for rec in by_author).most_common(1)[0][0]
    result = everything(
        allsides,
        filters={
            "authors": FacetFilter(include={author}),
            "publication": FacetFilter(include={pub}),
        },
    )
    expected = {rec["file"] for rec in by_author if rec["publication"] == pub}
    assert files(result) == expected
    # the publication facet counts the author's articles in every publication
    by_pub = Counter(rec["publication"] for rec in by_author)
    assert {b.value: b.count for b in result.facets["publication"].buckets} == dict(by_pub)


def _holds_phrase(text: str, phrase: str) -> bool:
    """Whether the words of ``phrase`` stand one after another in one sentence of
    ``text``, its stop words standing for any word."""
    want = [normalise_word(w) for w in scan(phrase)]
    while want and want[0] is None:
        want.pop(0)
    while want and want[-1] is None:
        want.pop()
    words = scan(text)  # an empty string for each sentence end
    n = len(want)
    for i in range(len(words) - n + 1):
        window = zip(words[i : i + n], want, strict=True)
        if all(w and (x is None or normalise_word(w) == x) for w, x in window):
            return True
    return False


@pytest.mark.parametrize(
    "phrase", ["supreme court justice", "state of the union", "bank of america"]
)
def test_phrases_match_exactly_the_articles_with_the_words_in_a_row(allsides, phrase):
    candidates = everything(allsides, phrase)  # every word, anywhere
    expected = set()
    for hit in candidates.hits:
        article = allsides.document(hit.key)
        if any(_holds_phrase(text, phrase) for text in (article.title, article.body)):
            expected.add(Path(hit.path).name)
    assert expected  # the phrase is in the corpus
    assert files(everything(allsides, f'"{phrase}"')) == expected


@pytest.mark.parametrize(
    "query, sort",
    [
        ("impeachment", "relevance"),
        ("senate vote", "relevance"),
        ("", "newest"),
        ("border", "oldest"),
    ],
)
def test_pages_continue_each_other(allsides, query, sort):
    def page(p, size=20):
        request = SearchRequest(query=query, sort=sort, page=p, page_size=size, snippets=False)
        return allsides.search(request)

    pages = [page(p) for p in (1, 2, 3)]
    whole = page(1, 60)
    assert [h.key for r in pages for h in r.hits] == [h.key for h in whole.hits]
    assert len({h.key for h in whole.hits}) == 60
    assert {r.total for r in pages} == {whole.total}
