"""The facets' rows: every facet's values and the day of each document side by side,
counted in one pass. They must give what each facet and the date histogram give
counted apart, on any set of documents, and a search must give the same answer with
them as without them."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from searchtui import kernels, store
from searchtui.config import Config
from searchtui.facets import NO_DATE, DateIndex, FacetIndex, FacetRows
from searchtui.indexer import build_index
from searchtui.models import FacetFilter, SearchRequest
from searchtui.search import SearchEngine

loops = kernels.loops
needs_loops = pytest.mark.skipif(loops is None, reason="the loops are not compiled here")


def _facet(rng, name: str, ndocs: int, nvals: int, per_doc: float) -> FacetIndex:
    npairs = int(ndocs * per_doc)
    pairs = sorted(set(zip(rng.integers(0, ndocs, npairs).tolist(),
                           rng.integers(0, nvals, npairs).tolist(), strict=True)))
    return FacetIndex(
        name, [f"{name}{i:06d}" for i in range(nvals)],
        np.array([d for d, _ in pairs], dtype=np.int64),
        np.array([v for _, v in pairs], dtype=np.int64), ndocs,
    )


def _corpus(seed: int, ndocs: int = 3000, big: int = 40):
    """Three facets (one of ``big`` values) and days over nine years, a tenth undated."""
    rng = np.random.default_rng(seed)
    facets = {
        "one": _facet(rng, "one", ndocs, 30, 1.0),
        "many": _facet(rng, "many", ndocs, big, 6.0),
        "few": _facet(rng, "few", ndocs, 5, 0.3),
    }
    days = dt.date(1987, 1, 1).toordinal() + rng.integers(0, 9 * 365, ndocs)
    days[rng.random(ndocs) < 0.1] = NO_DATE
    return rng, facets, DateIndex(days)


def _threads(pool: ThreadPoolExecutor):
    def run(jobs):
        started = [pool.submit(job) for job in jobs]
        return lambda: [f.result() for f in started]

    return run


@needs_loops
@pytest.mark.parametrize("big", [40, 70_000])  # rows of two bytes, rows of four
@pytest.mark.parametrize("density", [0.0, 0.003, 0.2, 0.5, 0.51, 0.9, 1.0])
def test_rows_count_what_each_facet_and_the_histogram_count(big, density):
    rng, facets, dates = _corpus(int(density * 1000) + big, big=big)
    rows = FacetRows.build(facets, dates.days)
    assert rows is not None and rows.fits(facets, len(dates.days))
    assert rows.vals.dtype == (np.uint16 if big < 60_000 else np.int32)
    mask = rng.random(len(dates.days)) < density
    with ThreadPoolExecutor(3) as pool:
        for run, parts in ((None, 1), (_threads(pool), 3), (_threads(pool), 2)):
            counts = rows.count(mask, run, parts)()
            for name, facet in facets.items():
                assert rows.facet_counts(counts, name).tolist() == facet.counts(mask).tolist()
            held = rows.day_counts(counts)
            assert held is not None and rows.days is not None
            assert dates.histogram_of_days(rows.days, *held) == dates.histogram(mask)


@needs_loops
@pytest.mark.parametrize("span", [0, 60, 2000, 20_000])  # by day, by month, by year
def test_the_histogram_from_the_rows_is_the_histogram(span):
    rng = np.random.default_rng(span)
    days = dt.date(1990, 5, 17).toordinal() + rng.integers(0, span + 1, 5000)
    days[::7] = NO_DATE
    dates = DateIndex(days)
    rows = FacetRows.build({}, dates.days)
    assert rows is not None and rows.days is not None
    for density in (0.0, 0.001, 0.3, 0.7, 1.0):
        mask = rng.random(len(days)) < density
        counts = rows.count(mask)()
        held = rows.day_counts(counts)
        assert held is not None
        assert dates.histogram_of_days(rows.days, *held) == dates.histogram(mask)


@needs_loops
def test_too_many_days_are_left_out_of_the_rows(monkeypatch):
    rng, facets, dates = _corpus(5)
    monkeypatch.setattr(FacetRows, "MAX_DAYS", 10)
    rows = FacetRows.build(facets, dates.days)
    assert rows is not None and rows.days is None
    mask = rng.random(len(dates.days)) < 0.4
    counts = rows.count(mask)()
    assert rows.day_counts(counts) is None
    for name, facet in facets.items():
        assert rows.facet_counts(counts, name).tolist() == facet.counts(mask).tolist()


@needs_loops
def test_rows_pay_only_for_facets_that_hold_most_values():
    _, facets, dates = _corpus(9)
    rows = FacetRows.build(facets, dates.days)
    assert rows is not None
    assert rows.pays(["one", "many", "few"]) and rows.pays(["many"])
    assert not rows.pays(["one", "few"]) and not rows.pays([])


def test_no_rows_without_the_compiled_loops(monkeypatch):
    _, facets, dates = _corpus(3)
    monkeypatch.setattr(kernels, "loops", None)
    assert FacetRows.build(facets, dates.days) is None


@needs_loops
def test_counting_rows_refuses_arrays_that_do_not_fit():
    select = np.ones(2, dtype=np.uint8)
    out = np.zeros(3, dtype=np.int32)
    start = np.array([0, 1, 2], np.int64)
    loops.count_values(select, start, np.array([0, 2], np.uint16), out, 1, 0, 2)
    assert out.tolist() == [1, 0, 1]
    with pytest.raises(ValueError):  # no such id
        loops.count_values(select, start, np.array([0, 3], np.uint16), out, 1, 0, 2)
    with pytest.raises(ValueError):  # a row past the end
        loops.count_values(select, np.array([0, 1, 9], np.int64), np.zeros(2, np.int32), out,
                           1, 0, 2)
    with pytest.raises(ValueError):  # documents past the selection
        loops.count_values(select, start, np.zeros(2, np.int32), out, 1, 1, 3)
    with pytest.raises(ValueError):  # one start too few
        loops.count_values(select, start[:2], np.zeros(2, np.int32), out, 1, 0, 2)
    with pytest.raises((ValueError, TypeError)):  # ids of another type are not reinterpreted
        loops.count_values(select, start, np.zeros(2, np.int64), out, 1, 0, 2)


@needs_loops
def test_place_rows_refuses_values_that_do_not_fit():
    at = np.array([0, 2], np.int64)
    start = np.array([0, 1, 3], np.int64)
    vals = np.zeros(4, np.uint16)
    loops.place_rows(at, start, np.array([5, 6, 7], np.int32), 10, vals)
    assert vals.tolist() == [15, 0, 16, 17] and at.tolist() == [1, 4]
    with pytest.raises(ValueError):  # past a two-byte id
        loops.place_rows(np.array([0, 2], np.int64), start, np.array([5, 6, 7], np.int32),
                         65_530, np.zeros(4, np.uint16))
    with pytest.raises(ValueError):  # past the rows
        loops.place_rows(np.array([0, 3], np.int64), start, np.array([5, 6, 7], np.int32),
                         0, np.zeros(4, np.uint16))


# -- in the engine

ARTICLES = {
    "a.txt": "Putin meets Trump\n\nAnna Smith, Bo Lee — Daily Planet Nov 15, 2016\n\n\n"
    "The white house said putin and trump met in Paris.",
    "b.txt": "Budget talks stall\n\nBo Lee — Morning Post Mar 02, 2017\n\n\n"
    "The house budget is late; the white paper is out in London.",
    "c.txt": "Undated notes\n\nMorning Post\n\n\n"
    "Notes without a date about the budget and the house in Paris.",
    "d.txt": "Putin meets Trump\n\nCy Young — Evening Star Nov 16, 2016\n\n\n"
    "The white house said putin and trump met in Paris.",
    "e.txt": "Old wire\n\nReuters Jan 05, 1987\n\n\n"
    "THE HOUSE OF COMMONS MET IN LONDON ON THE BUDGET.",
}

REQUESTS = [
    SearchRequest(query=""),
    SearchRequest(query="house", facet_limit=1),
    SearchRequest(query="budget", histogram=False),
    SearchRequest(query="putin", sort="newest"),
    SearchRequest(query="", filters={"publication": FacetFilter({"Morning Post"})}),
    SearchRequest(query="house", filters={"authors": FacetFilter(exclude={"Bo Lee"})}),
    SearchRequest(query="", count="stories", collapse=True),
    SearchRequest(query="", facets=("publication",)),
    SearchRequest(query="nothingmatchesthis"),
]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    base = tmp_path_factory.mktemp("rows")
    corpus = base / "corpus"
    corpus.mkdir()
    for name, text in ARTICLES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build_index([str(corpus)], base / "index", config=Config(), workers=1)
    return base / "index"


def _answers(engine: SearchEngine) -> list[dict]:
    out = []
    for request in REQUESTS:
        d = engine.search(request).to_dict()
        d.pop("elapsed_ms")
        out.append(d)
    return out


@needs_loops
@pytest.mark.parametrize("threads", [False, True])
def test_a_search_answers_the_same_with_the_rows_and_without(root, monkeypatch, threads):
    from searchtui import search as search_mod

    if threads:
        monkeypatch.setattr(search_mod, "PARALLEL_FROM", 0)
    counted = []
    count = FacetRows.count

    def spy(self, *args, **kwargs):
        counted.append(self)
        return count(self, *args, **kwargs)

    monkeypatch.setattr(FacetRows, "count", spy)
    with SearchEngine.open(root) as engine:
        assert engine._data.rows is not None
        with_rows = _answers(engine)
        assert counted  # the rows did the counting
        engine._data.rows = None
        assert _answers(engine) == with_rows


@needs_loops
def test_the_rows_are_kept_in_the_cache_and_made_anew_for_a_cache_without_them(root):
    with SearchEngine.open(root) as engine:
        expected = _answers(engine)
        made = engine._data.rows
    ixdir = store.current_dir(root)
    assert ixdir is not None
    cache = next(ixdir.glob("cache-*.npz"))
    with np.load(cache) as z:
        assert "rows_vals" in z and len(z["rows_start"]) == len(ARTICLES) + 1
        assert made is not None and z["rows_vals"].tolist() == made.vals.tolist()
        # each id's count over all documents, for a search that matches most of them
        assert z["rows_totals"].tolist() == np.bincount(made.vals, minlength=made.nids).tolist()
    # A cache made before the rows were (the same cache without them) is still used:
    # the rows are made from its facets when it is opened.
    with SearchEngine.open(root) as engine:
        data = engine._data
        assert data._cached_rows({k: v for k, v in _members(cache).items()
                                  if not k.startswith("rows_")}).vals.tolist() == made.vals.tolist()
        assert _answers(engine) == expected


@needs_loops
def test_each_facet_takes_its_totals_from_the_rows(root):
    """Each value's count over all documents, which a search matching most of them
    starts from, comes from the rows' totals: the same as counting the facet's own
    pairs, whether the index was just opened from its cache or its arrays were made."""
    from searchtui.arrays import IndexData

    for fresh in (False, True):
        with SearchEngine.open(root) as engine:
            data = engine._data
            if fresh:  # made from the segments, not read from the cache
                data = IndexData(data.reader, None, write_cache=False)
            assert data.rows is not None
            for facet in data.facets.values():
                lent = facet._all_counts
                assert lent is not None
                want = np.bincount(facet.doc_vals, minlength=len(facet.values))
                assert lent.tolist() == want.tolist()


def _members(cache):
    with np.load(cache) as z:
        return {k: z[k] for k in z.files}


@needs_loops
def test_rows_that_do_not_fit_the_facets_are_made_anew(root):
    with SearchEngine.open(root) as engine:
        data = engine._data
        held = _members(next(store.current_dir(root).glob("cache-*.npz")))
        held["rows_offsets"] = held["rows_offsets"] + 1  # another facet's values
        rows = data._cached_rows(held)
        assert rows is not None and rows.offsets.tolist() == data.rows.offsets.tolist()
        held = _members(next(store.current_dir(root).glob("cache-*.npz")))
        held["rows_vals"] = held["rows_vals"][:-1]  # cut short
        assert data._cached_rows(held).vals.tolist() == data.rows.vals.tolist()


def test_without_the_compiled_loops_there_are_no_rows_and_the_same_answers(root, monkeypatch):
    with SearchEngine.open(root) as engine:
        expected = _answers(engine)
    monkeypatch.setattr(kernels, "loops", None)
    with SearchEngine.open(root) as engine:
        assert engine._data.rows is None
        assert _answers(engine) == expected

