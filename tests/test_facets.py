"""Facets on a small index built here: counted over every hit, disjunctive
within a facet and conjunctive across facets, exclusions, truncation, the
facet value search, the date histogram, and the JSON of the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from searchtui.cli import main
from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.models import (
    FACET_FIELDS,
    Facet,
    FacetBucket,
    FacetFilter,
    Histogram,
    HistogramBucket,
    SearchRequest,
)
from searchtui.search import SearchEngine

D = dt.date
ANN, BEN, CAT, DAN, EVE = "Ann Archer", "Ben Barker", "Cat Archibald", "Dan Marchant", "Eve Evans"

# name: (body word, authors, publication, date, people, organisations, places)
ARTICLES = {
    "e1": ("economy", [ANN], "Alpha", D(2020, 1, 10), ["Xi Jinping"], ["IMF"], ["Paris", "Berlin"]),
    "e2": ("economy", [ANN, BEN], "Beta", D(2020, 1, 12), ["Angela Merkel"], [], ["Berlin"]),
    "e3": ("economy", [BEN], "Alpha", D(2020, 2, 1), [], ["IMF", "World Bank"], ["Paris"]),
    "e4": ("economy", [CAT], "Gamma", D(2020, 3, 15), ["Xi Jinping"], [], []),
    "e5": ("economy", [DAN], "Beta", None, [], [], []),
    "s1": ("sport", [EVE], "Alpha", D(2020, 1, 10), [], [], []),
    "t1": ("trade", [EVE], "Delta", D(2019, 11, 20), [], [], []),
    "t2": ("trade", [EVE], "Delta", D(2020, 2, 3), [], [], []),
    "t3": ("trade", [EVE], "Delta", D(2020, 2, 28), [], [], []),
    "t4": ("trade", [EVE], "Delta", None, [], [], []),
    "h1": ("history", [], "Delta", D(2001, 5, 5), [], [], []),
    "h2": ("history", [], "Delta", D(2010, 7, 7), [], [], []),
    "n1": ("notes", [], None, None, [], [], []),
}


def write_article(folder: Path, name: str, spec) -> None:
    word, authors, publication, date, people, orgs, places = spec
    front = {"title": f"Article {name}"}
    if authors:
        front["authors"] = authors
    if publication:
        front["publication"] = publication
    if date:
        front["date"] = date
    front["entities"] = {"people": people, "organisations": orgs, "places": places}
    text = "---\n" + yaml.safe_dump(front, sort_keys=False) + "---\n\n"
    text += f"A short piece about {word}, number {name}.\n"
    (folder / f"{name}.md").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("facets-corpus")
    for name, spec in ARTICLES.items():
        write_article(corpus, name, spec)
    index = tmp_path_factory.mktemp("facets-index")
    report = build_index([str(corpus)], index, config=Config(extractor="none"), workers=1)
    assert not report.skipped
    return index


@pytest.fixture(scope="module")
def engine(index_dir):
    with SearchEngine.open(index_dir) as eng:
        yield eng


def request(query="economy", page_size=50, facet_limit=10, **filters) -> SearchRequest:
    """A request; filters as ``authors=({included}, {excluded})``."""
    return SearchRequest(
        query=query,
        filters={name: FacetFilter(set(inc), set(exc)) for name, (inc, exc) in filters.items()},
        page_size=page_size,
        facet_limit=facet_limit,
    )


def names(result) -> set[str]:
    return {Path(h.path).stem for h in result.hits}


def B(value, count, selected=False, excluded=False) -> FacetBucket:
    return FacetBucket(value, count, selected, excluded)


# ---------------------------------------------------------------------------
# Counting


def test_facets_of_a_query(engine):
    result = engine.search(request())
    assert names(result) == {"e1", "e2", "e3", "e4", "e5"}
    assert list(result.facets) == list(FACET_FIELDS)
    assert result.facets == {
        "publication": Facet("publication", [B("Alpha", 2), B("Beta", 2), B("Gamma", 1)], 3, False),
        "authors": Facet("authors", [B(ANN, 2), B(BEN, 2), B(CAT, 1), B(DAN, 1)], 4, False),
        "people": Facet("people", [B("Xi Jinping", 2), B("Angela Merkel", 1)], 2, False),
        "organisations": Facet("organisations", [B("IMF", 2), B("World Bank", 1)], 2, False),
        "places": Facet("places", [B("Berlin", 2), B("Paris", 2)], 2, False),
    }


def test_facets_count_every_hit_not_the_page(engine):
    whole = engine.search(request(page_size=50))
    for page in (1, 2, 3):
        part = engine.search(SearchRequest(query="economy", page=page, page_size=2))
        assert part.total == 5
        assert part.facets == whole.facets
        assert part.histogram == whole.histogram


def test_match_all_facets(engine):
    result = engine.search(SearchRequest(page_size=50))
    assert result.total == len(ARTICLES)
    assert result.facets["publication"] == Facet(
        "publication", [B("Delta", 6), B("Alpha", 3), B("Beta", 2), B("Gamma", 1)], 4, False
    )
    assert result.facets["authors"] == Facet(
        "authors", [B(EVE, 5), B(ANN, 2), B(BEN, 2), B(CAT, 1), B(DAN, 1)], 5, False
    )


def test_only_the_facets_asked_for(engine):
    req = request()
    req.facets = ("authors", "places")
    result = engine.search(req)
    assert list(result.facets) == ["authors", "places"]


# ---------------------------------------------------------------------------
# Selecting and excluding


def test_disjunctive_within_a_facet(engine):
    result = engine.search(request(authors=({ANN, BEN}, ())))
    assert names(result) == {"e1", "e2", "e3"}
    assert result.total == 3
    # the author facet is counted as if no author were selected ...
    assert result.facets["authors"] == Facet(
        "authors", [B(ANN, 2, True), B(BEN, 2, True), B(CAT, 1), B(DAN, 1)], 4, False
    )
    # ... every other facet over the filtered hits
    assert result.facets["publication"] == Facet(
        "publication", [B("Alpha", 2), B("Beta", 1)], 2, False
    )
    assert result.facets["people"] == Facet(
        "people", [B("Angela Merkel", 1), B("Xi Jinping", 1)], 2, False
    )
    assert result.facets["places"] == Facet("places", [B("Berlin", 2), B("Paris", 2)], 2, False)
    assert [b.to_dict() for b in result.histogram.buckets if b.count] == [
        {"label": "2020-01-10", "start": "2020-01-10", "end": "2020-01-10", "count": 1},
        {"label": "2020-01-12", "start": "2020-01-12", "end": "2020-01-12", "count": 1},
        {"label": "2020-02-01", "start": "2020-02-01", "end": "2020-02-01", "count": 1},
    ]


def test_conjunctive_across_facets(engine):
    result = engine.search(request(authors=({ANN, BEN}, ()), publication=({"Alpha"}, ())))
    assert names(result) == {"e1", "e3"}
    # authors: over the hits of the query in Alpha, whatever their author
    assert result.facets["authors"] == Facet(
        "authors", [B(ANN, 1, True), B(BEN, 1, True)], 2, False
    )
    # publications: over the hits by Ann or Ben, whatever their publication
    assert result.facets["publication"] == Facet(
        "publication", [B("Alpha", 2, True), B("Beta", 1)], 2, False
    )
    assert result.facets["organisations"] == Facet(
        "organisations", [B("IMF", 2), B("World Bank", 1)], 2, False
    )


@pytest.mark.parametrize(
    "filters, expected",
    [
        (dict(places=({"Paris", "Berlin"}, ())), {"e1", "e2", "e3"}),
        (dict(places=({"Paris"}, ()), people=({"Xi Jinping"}, ())), {"e1"}),
        (dict(people=({"Xi Jinping", "Angela Merkel"}, ()), organisations=({"IMF"}, ())), {"e1"}),
        (dict(places=((), {"Paris"})), {"e2", "e4", "e5"}),
        (dict(places=((), {"Paris", "Berlin"})), {"e4", "e5"}),
        (dict(authors=({ANN}, {BEN})), {"e1"}),
        (dict(authors=((), {BEN}), publication=((), {"Gamma"})), {"e1", "e5"}),
        (dict(publication=({"Beta"}, ()), authors=({DAN, CAT}, ())), {"e5"}),
        (dict(authors=({"Nobody At All"}, ())), set()),
        (dict(organisations=((), {"Nobody At All"})), {"e1", "e2", "e3", "e4", "e5"}),
    ],
)
def test_filters_select_the_right_articles(engine, filters, expected):
    result = engine.search(request(**filters))
    assert names(result) == expected
    assert result.total == len(expected)


def test_excluded_values_drop_their_articles_and_stay_listed(engine):
    result = engine.search(request(authors=((), {BEN})))
    assert names(result) == {"e1", "e4", "e5"}
    # An excluded value counts the hits it removes (Ben wrote e2 and e3).
    assert result.facets["authors"] == Facet(
        "authors", [B(ANN, 1), B(CAT, 1), B(DAN, 1), B(BEN, 2, False, True)], 3, False
    )
    assert result.facets["publication"] == Facet(
        "publication", [B("Alpha", 1), B("Beta", 1), B("Gamma", 1)], 3, False
    )


def test_included_and_excluded_in_one_facet(engine):
    result = engine.search(request(authors=({ANN}, {BEN})))
    assert names(result) == {"e1"}
    # counted as if no author were included, the exclusion still holding;
    # the excluded author counts what excluding him removes
    assert result.facets["authors"] == Facet(
        "authors", [B(ANN, 1, True), B(CAT, 1), B(DAN, 1), B(BEN, 2, False, True)], 3, False
    )


def test_unknown_selected_value_is_listed_with_no_count(engine):
    result = engine.search(request(authors=({"Nobody At All"}, ())))
    assert result.total == 0
    assert result.facets["authors"] == Facet(
        "authors",
        [B(ANN, 2), B(BEN, 2), B(CAT, 1), B(DAN, 1), B("Nobody At All", 0, True)],
        4,
        False,
    )
    assert result.facets["publication"] == Facet("publication", [], 0, False)


# ---------------------------------------------------------------------------
# Top N, distinct and truncated


@pytest.mark.parametrize(
    "limit, buckets, truncated",
    [
        (1, [B(ANN, 2)], True),
        (2, [B(ANN, 2), B(BEN, 2)], True),
        (3, [B(ANN, 2), B(BEN, 2), B(CAT, 1)], True),
        (4, [B(ANN, 2), B(BEN, 2), B(CAT, 1), B(DAN, 1)], False),
        (5, [B(ANN, 2), B(BEN, 2), B(CAT, 1), B(DAN, 1)], False),
    ],
)
def test_top_n_distinct_and_truncated(engine, limit, buckets, truncated):
    result = engine.search(request(facet_limit=limit))
    assert result.facets["authors"] == Facet("authors", buckets, 4, truncated)


def test_selected_and_excluded_values_listed_outside_the_top_n(engine):
    result = engine.search(request(facet_limit=2, authors=({DAN}, ())))
    assert names(result) == {"e5"}
    assert result.facets["authors"] == Facet(
        "authors", [B(ANN, 2), B(BEN, 2), B(DAN, 1, True)], 4, True
    )
    result = engine.search(
        request(facet_limit=1, authors=((), {DAN}), places=({"Paris"}, {"Berlin"}))
    )
    assert names(result) == {"e3"}
    assert result.facets["authors"] == Facet(
        "authors", [B(BEN, 1), B(DAN, 0, False, True)], 1, False
    )
    assert result.facets["places"] == Facet(
        "places", [B("Paris", 1, True), B("Berlin", 2, False, True)], 1, False
    )


# ---------------------------------------------------------------------------
# Facet value search


@pytest.mark.parametrize(
    "text, buckets",
    [
        # values with a word starting with the text first, then those containing it
        ("arch", [B(ANN, 2), B(CAT, 1), B(DAN, 1)]),
        ("ARCHI", [B(CAT, 1)]),
        ("a", [B(ANN, 2), B(CAT, 1), B(BEN, 2), B(DAN, 1)]),
        ("marchant", [B(DAN, 1)]),
        ("ann a", [B(ANN, 2)]),
        ("barker", [B(BEN, 2)]),
        ("zz", []),
        ("", [B(ANN, 2), B(BEN, 2), B(CAT, 1), B(DAN, 1)]),
    ],
)
def test_facet_value_search(engine, text, buckets):
    facet = engine.facet_values("authors", request(), text)
    assert facet == Facet("authors", buckets, len(buckets), False)


def test_facet_value_search_counts_follow_the_query_and_other_filters(engine):
    assert engine.facet_values("authors", request(query=""), "e") == Facet(
        "authors", [B(EVE, 5), B(ANN, 2), B(BEN, 2)], 3, False
    )
    # other facets' filters apply; this facet's own selection does not narrow it
    req = request(publication=({"Alpha"}, ()), authors=({ANN}, ()))
    assert engine.facet_values("authors", req, "") == Facet(
        "authors", [B(ANN, 1, True), B(BEN, 1)], 2, False
    )
    assert engine.facet_values("places", request(), "PAR") == Facet(
        "places", [B("Paris", 2)], 1, False
    )
    assert engine.facet_values("people", request(), "jin") == Facet(
        "people", [B("Xi Jinping", 2)], 1, False
    )


def test_facet_value_search_limit(engine):
    assert engine.facet_values("authors", request(), "a", limit=2) == Facet(
        "authors", [B(ANN, 2), B(CAT, 1)], 4, True
    )


def test_facet_value_search_of_an_unknown_facet(engine):
    with pytest.raises(ValueError, match="unknown facet"):
        engine.facet_values("colours", request(), "")


# ---------------------------------------------------------------------------
# Date histogram


def days(first: dt.date, last: dt.date, counts: dict) -> list[HistogramBucket]:
    out = []
    d = first
    while d <= last:
        out.append(HistogramBucket(d.isoformat(), d, d, counts.get(d, 0)))
        d += dt.timedelta(days=1)
    return out


NO_DATE = HistogramBucket("no date", None, None, 1)


def test_histogram_by_day_with_empty_days_kept(engine):
    hist = engine.search(request()).histogram
    counts = {D(2020, 1, 10): 1, D(2020, 1, 12): 1, D(2020, 2, 1): 1, D(2020, 3, 15): 1}
    assert hist == Histogram("day", days(D(2020, 1, 10), D(2020, 3, 15), counts) + [NO_DATE], 1)


def test_histogram_by_month(engine):
    hist = engine.search(request("trade")).histogram
    assert hist == Histogram(
        "month",
        [
            HistogramBucket("2019-11", D(2019, 11, 1), D(2019, 11, 30), 1),
            HistogramBucket("2019-12", D(2019, 12, 1), D(2019, 12, 31), 0),
            HistogramBucket("2020-01", D(2020, 1, 1), D(2020, 1, 31), 0),
            HistogramBucket("2020-02", D(2020, 2, 1), D(2020, 2, 29), 2),
            NO_DATE,
        ],
        1,
    )


def test_histogram_by_year(engine):
    hist = engine.search(request("history")).histogram
    assert hist == Histogram(
        "year",
        [
            HistogramBucket(str(y), D(y, 1, 1), D(y, 12, 31), int(y in (2001, 2010)))
            for y in range(2001, 2011)
        ],
        0,
    )


def test_histogram_of_match_all_counts_every_article(engine):
    hist = engine.search(SearchRequest()).histogram
    assert hist.unit == "year"
    assert [(b.label, b.count) for b in hist.buckets] == [
        ("2001", 1),
        *[(str(y), 0) for y in range(2002, 2010)],
        ("2010", 1),
        *[(str(y), 0) for y in range(2011, 2019)],
        ("2019", 1),
        ("2020", 7),
        ("no date", 3),
    ]
    assert hist.undated == 3
    assert sum(b.count for b in hist.buckets) == len(ARTICLES)


def test_histogram_without_dates(engine):
    assert engine.search(request("notes")).histogram == Histogram("none", [NO_DATE], 1)
    assert engine.search(request("zeppelin")).histogram == Histogram("none", [], 0)


def test_histogram_follows_filters_and_date_ranges(engine):
    hist = engine.search(request(places=((), {"Paris"}))).histogram
    counts = {D(2020, 1, 12): 1, D(2020, 3, 15): 1}
    assert hist == Histogram("day", days(D(2020, 1, 12), D(2020, 3, 15), counts) + [NO_DATE], 1)
    # a date range leaves the undated out
    hist = engine.search(request("economy date:2020-01")).histogram
    assert hist == Histogram(
        "day", days(D(2020, 1, 10), D(2020, 1, 12), {D(2020, 1, 10): 1, D(2020, 1, 12): 1}), 0
    )


def test_no_histogram_when_not_asked(engine):
    req = request()
    req.histogram = False
    assert engine.search(req).histogram is None


# ---------------------------------------------------------------------------
# The JSON of the CLI


def test_to_dict_is_what_search_json_prints(engine, index_dir, capsys):
    code = main(
        [
            "search",
            "economy OR trade",
            "--json",
            "--index",
            str(index_dir),
            "--author",
            ANN,
            "--author",
            EVE,
            "--exclude-place",
            "Paris",
            "--facet-limit",
            "3",
            "--limit",
            "4",
            "--page",
            "2",
        ]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    printed = json.loads(out)
    req = request(
        "economy OR trade",
        page_size=4,
        facet_limit=3,
        authors=({ANN, EVE}, ()),
        places=((), {"Paris"}),
    )
    req.page = 2
    expected = engine.search(req).to_dict()
    for d in (printed, expected):
        d.pop("elapsed_ms")
    assert printed == expected
    assert printed["total"] == 5  # e2, t1-t4
    assert len(printed["hits"]) == 1
    assert printed["facets"]["authors"] == {
        "name": "authors",
        "distinct": 5,
        "truncated": True,
        "buckets": [
            {"value": EVE, "count": 4, "selected": True, "excluded": False},
            {"value": ANN, "count": 1, "selected": True, "excluded": False},
            {"value": BEN, "count": 1, "selected": False, "excluded": False},
        ],
    }
    assert printed["histogram"]["unit"] == "month"
    assert printed["histogram"]["buckets"][-1] == {
        "label": "no date",
        "start": None,
        "end": None,
        "count": 1,
    }


def test_facets_command_json_is_the_facet_value_search(engine, index_dir, capsys):
    code = main(
        [
            "facets",
            "authors",
            "--query",
            "economy",
            "--prefix",
            "arch",
            "--json",
            "--index",
            str(index_dir),
        ]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert json.loads(out) == engine.facet_values("authors", request(), "arch").to_dict()
    assert json.loads(out)["buckets"] == [
        B(ANN, 2).to_dict(),
        B(CAT, 1).to_dict(),
        B(DAN, 1).to_dict(),
    ]
