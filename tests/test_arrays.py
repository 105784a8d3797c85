"""The arrays decoded per index generation, and their cache beside the index."""

from __future__ import annotations

import numpy as np
import pytest

from searchtui import arrays, store
from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.models import FacetFilter, SearchRequest
from searchtui.search import SearchEngine

ARTICLES = {
    "a.txt": "Putin meets Trump\n\nAnna Smith, Bo Lee — Daily Planet Nov 15, 2016\n\n\n"
    "The white house said putin and trump met.",
    "b.txt": "Budget talks stall\n\nBo Lee — Morning Post Mar 02, 2017\n\n\n"
    "The house budget is late; the white paper is out.",
    "c.txt": "Undated notes\n\nMorning Post\n\n\n"
    "Notes without a date about the budget and the house.",
}


@pytest.fixture()
def index(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in ARTICLES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    root = tmp_path / "index"
    build_index([str(corpus)], root, config=Config(extractor="none"), workers=1)
    return corpus, root


def _snapshot(engine: SearchEngine) -> list:
    out = []
    for req in (
        SearchRequest(query=""),
        SearchRequest(query="house", sort="oldest"),
        SearchRequest(query='"white house"'),
        SearchRequest(query="", filters={"authors": FacetFilter({"Bo Lee"})}),
    ):
        d = engine.search(req).to_dict()
        d.pop("elapsed_ms")
        out.append(d)
    return out


def test_indexer_writes_the_cache_of_the_live_generation(index):
    _, root = index
    ixdir = store.current_dir(root)
    assert ixdir is not None
    caches = sorted(p.name for p in ixdir.glob("cache-*.npz"))
    assert caches == ["cache-1.npz"]


def test_results_are_the_same_from_the_cache_and_from_the_index(index):
    _, root = index
    with SearchEngine.open(root) as engine:
        cached = _snapshot(engine)
    ixdir = store.current_dir(root)
    assert ixdir is not None
    for p in ixdir.glob("cache-*.npz"):
        p.unlink()
    with SearchEngine.open(root) as engine:
        rebuilt = _snapshot(engine)
    assert rebuilt == cached
    # Opening without a cache wrote it again.
    assert [p.name for p in ixdir.glob("cache-*.npz")] == ["cache-1.npz"]


def test_a_damaged_cache_is_ignored_and_replaced(index):
    _, root = index
    with SearchEngine.open(root) as engine:
        expected = _snapshot(engine)
    ixdir = store.current_dir(root)
    assert ixdir is not None
    cache = next(ixdir.glob("cache-*.npz"))
    cache.write_bytes(b"not an npz file")
    with SearchEngine.open(root) as engine:
        assert _snapshot(engine) == expected
    with np.load(cache) as z:
        assert int(z["ndocs"][0]) == 3


def test_an_update_makes_a_new_cache_and_drops_the_old(index):
    corpus, root = index
    (corpus / "d.txt").write_text(
        "Fourth\n\nCy Young — Daily Planet Jan 01, 2018\n\n\nAnother house story.", encoding="utf-8"
    )
    (corpus / "a.txt").unlink()
    build_index([str(corpus)], root, config=Config(extractor="none"), workers=1)
    ixdir = store.current_dir(root)
    assert ixdir is not None
    assert [p.name for p in ixdir.glob("cache-*.npz")] == ["cache-2.npz"]
    with SearchEngine.open(root) as engine:
        result = engine.search(SearchRequest(query="", facet_limit=10))
        assert result.total == 3
        authors = {b.value: b.count for b in result.facets["authors"].buckets}
        assert authors == {"Bo Lee": 1, "Cy Young": 1}


def test_positions_and_phrases(index):
    _, root = index
    with SearchEngine.open(root) as engine:
        data = engine._data
        docs, poses = data.positions("body", "hous")
        assert len(docs) == len(poses) == 3
        # "white house" stands together only in a.txt; b.txt has "white paper".
        result = engine.search(SearchRequest(query='"white house"'))
        assert [h.title for h in result.hits] == ["Putin meets Trump"]


def test_deleted_articles_leave_terms_and_phrases_of_their_segment_alone(index, counting):
    """A term's documents are taken from each segment whole when none of it is deleted,
    and filtered where some are: a changed article's old copy is found by no word and
    no phrase, the other articles of its segment still are."""
    corpus, root = index
    (corpus / "a.txt").write_text(
        "Leaders meet\n\nAnna Smith — Daily Planet Nov 15, 2016\n\n\n"
        "A statement came from the white house on Monday.", encoding="utf-8")
    build_index([str(corpus)], root, config=Config(extractor="none"), workers=1)
    with SearchEngine.open(root) as engine:
        data = engine._data
        # a.txt's first segment
        assert [leaf.has_deletions() for leaf, _o in data.leaves].count(True) == 1
        assert not all(data.live)
        putin = engine.search(SearchRequest(query="putin"))
        assert putin.total == 0
        house = engine.search(SearchRequest(query='"white house"'))
        assert [h.path.rsplit("/", 1)[-1] for h in house.hits] == ["a.txt"]
        assert "monday" in house.hits[0].snippet.lower()
        assert engine.search(SearchRequest(query="budget")).total == 2
        docs, _w = data.postings("body", "hous")
        assert all(data.live[docs]) and len(docs) == 3


def test_cache_path_names_the_generation(tmp_path):
    assert arrays.cache_path(tmp_path, 7).name == "cache-7.npz"


@pytest.mark.parametrize("density", [0.0, 0.001, 0.05, 0.19, 0.21, 0.6, 0.79, 0.81, 0.95, 1.0])
def test_facet_counts_agree_with_a_plain_count_at_every_density(density, counting):
    from searchtui.facets import FacetIndex

    rng = np.random.default_rng(7)
    ndocs, nvals = 2000, 50
    pair_doc = rng.integers(0, ndocs, 6000)
    pair_val = rng.integers(0, nvals, 6000)
    pairs = sorted(set(zip(pair_doc.tolist(), pair_val.tolist(), strict=True)))
    pair_doc = np.array([d for d, _ in pairs])
    pair_val = np.array([v for _, v in pairs])
    fidx = FacetIndex("x", [f"v{i:02d}" for i in range(nvals)], pair_doc, pair_val, ndocs)
    mask = rng.random(ndocs) < density
    expected = np.zeros(nvals, dtype=np.int64)
    for d, v in pairs:
        if mask[d]:
            expected[v] += 1
    assert fidx.counts(mask).tolist() == expected.tolist()


def test_a_searcher_on_an_older_generation_keeps_the_newer_cache(index):
    corpus, root = index
    with SearchEngine.open(root) as old:
        assert old._data.generation == 1
        (corpus / "d.txt").write_text(
            "Fourth\n\nCy Young — Daily Planet Jan 01, 2018\n\n\nAnother story.", encoding="utf-8"
        )
        build_index([str(corpus)], root, config=Config(extractor="none"), workers=1)
        ixdir = store.current_dir(root)
        assert ixdir is not None
        assert [p.name for p in ixdir.glob("cache-*.npz")] == ["cache-2.npz"]
        # the older searcher writes its cache late (as when it opened without one)
        assert old._data._write(arrays.cache_path(ixdir, 1))
        names = sorted(p.name for p in ixdir.glob("cache-*.npz"))
        assert "cache-2.npz" in names
    with SearchEngine.open(root) as engine:
        assert engine.search(SearchRequest(query="")).total == 4


@pytest.mark.parametrize("span_days", [0, 40, 900, 9000])
def test_the_date_histogram_agrees_with_a_plain_count(span_days, counting):
    """Buckets by day, month or year as the span asks, empty ones kept, undated
    documents in their own bucket: the same from the compiled loops and numpy."""
    import datetime as dt

    from searchtui.facets import NO_DATE, DateIndex

    rng = np.random.default_rng(span_days + 1)
    n = 3000
    start = dt.date(1987, 3, 1).toordinal()
    days = start + rng.integers(0, span_days + 1, size=n)
    days[rng.random(n) < 0.1] = NO_DATE
    index = DateIndex(days)
    for density in (0.0, 0.01, 0.5, 1.0):
        mask = rng.random(n) < density
        hist = index.histogram(mask)
        dated = [dt.date.fromordinal(int(d)) for d in days[mask] if d != NO_DATE]
        undated = int(np.count_nonzero(days[mask] == NO_DATE))
        assert hist.undated == undated
        buckets = [b for b in hist.buckets if b.start is not None]
        assert sum(b.count for b in buckets) == len(dated)
        for b in buckets:
            assert b.count == sum(1 for d in dated if b.start <= d <= b.end)
        if dated:
            assert buckets[0].start <= min(dated) and buckets[-1].end >= max(dated)
            assert hist.unit == ("day" if span_days < 92 else "month" if span_days < 2000
                                 else "year")
        else:
            assert hist.unit == "none" and not buckets
