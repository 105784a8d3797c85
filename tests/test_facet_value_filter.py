"""Filtering a facet's values keeps their counts: excluded values, here or in another
facet, neither empty the list's counts nor show in lists they do not match."""

from __future__ import annotations

from test_facets import ANN, BEN, engine, index_dir  # noqa: F401 (fixtures)

from searchtui.models import FacetFilter, SearchRequest


def test_an_exclusion_elsewhere_keeps_the_counts(engine):  # noqa: F811
    plain = engine.facet_values("authors", SearchRequest(), "")
    req = SearchRequest(filters={"publication": FacetFilter(exclude={"Alpha"})})
    filtered = engine.facet_values("authors", req, "")
    expected = engine.search(req).facets["authors"]
    assert {b.value: b.count for b in filtered.buckets} == {
        b.value: b.count for b in expected.buckets
    }
    assert any(b.count for b in filtered.buckets) and filtered != plain


def test_an_excluded_value_shows_only_where_it_matches_with_what_it_removes(engine):  # noqa: F811
    req = SearchRequest(filters={"authors": FacetFilter(exclude={BEN})})
    whole = engine.search(SearchRequest()).facets["authors"]
    removes = next(b.count for b in whole.buckets if b.value == BEN)
    facet = engine.facet_values("authors", req, BEN.split()[0][:3])
    excluded = [b for b in facet.buckets if b.excluded]
    assert [(b.value, b.count) for b in excluded] == [(BEN, removes)] and removes > 0
    other = engine.facet_values("authors", req, ANN.split()[0])
    assert BEN not in [b.value for b in other.buckets]
    assert [b.value for b in other.buckets if b.count] == [ANN]
