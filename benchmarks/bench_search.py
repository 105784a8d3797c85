"""Search latency: searchtui's search core against stock Whoosh on the same index.

    python benchmarks/bench_search.py --index /tmp/ix-100k [--repeat 3]

Runs a fixed set of queries (common and rare words, two-word AND, phrases,
browse, with and without facet filters and date ranges). For each, searchtui
does the full job the app asks for: hits with snippets for one page of 20, all
five facets, the date histogram and the spelling check. Stock Whoosh runs the
same parsed query with ``groupedby`` facets over the same fields (authors,
publication, people, organisations, places, year) and a page of 20 hits,
without snippets. Both run in this process after one warm-up pass; the
figures are per query, in milliseconds.

With ``SEARCHTUI_SRC=DIR`` in the environment, the searchtui measured is the one
in checkout DIR (built as this one is): two versions compared on one index.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from whoosh import query as wq
from whoosh import sorting

# The searchtui source measured: this checkout, or the one SEARCHTUI_SRC names.
sys.path.insert(0, os.environ.get("SEARCHTUI_SRC") or str(Path(__file__).resolve().parents[1]))

from searchtui.models import FacetFilter, SearchRequest  # noqa: E402
from searchtui.search import SearchEngine  # noqa: E402

WORDS_COMMON = ["trump", "president", "house", "election", "health", "police", "court", "tax",
                "immigration", "china", "economy", "vote", "women", "war", "media"]
WORDS_RARE = ["filibuster", "solyndra", "benghazi", "emoluments", "bitcoin", "zika", "fracking",
              "gerrymandering", "kombucha", "ebola"]
TWO_WORDS = ["trump russia", "health insurance", "climate change", "supreme court nominee",
             "border security", "gun control", "tax cuts", "north korea", "student loans", "trade war"]
PHRASES = ['"white house"', '"supreme court"', '"health care"', '"climate change"', '"border wall"',
           '"affordable care act"', '"national security"', '"federal reserve"']
BROWSE = ["", "date:2016", "after:2019-01-01 impeachment", "date:2012..2013 obama"]


def requests(engine: SearchEngine) -> list[tuple[str, SearchRequest]]:
    out: list[tuple[str, SearchRequest]] = []
    for group, queries in (("common", WORDS_COMMON), ("rare", WORDS_RARE), ("two-word", TWO_WORDS),
                           ("phrase", PHRASES), ("browse", BROWSE)):
        for q in queries:
            out.append((group, SearchRequest(query=q, page_size=20)))
    # With facet filters: the biggest values of each facet over everything.
    top = engine.search(SearchRequest(query="", page_size=1, facet_limit=3))
    pubs = [b.value for b in top.facets["publication"].buckets]
    authors = [b.value for b in top.facets["authors"].buckets]
    people = [b.value for b in top.facets["people"].buckets]
    places = [b.value for b in top.facets["places"].buckets]
    filtered = [
        ("trump", {"publication": FacetFilter({pubs[0]})}),
        ("election", {"publication": FacetFilter({pubs[0], pubs[1]})}),
        ("", {"authors": FacetFilter({authors[0]})}),
        ("immigration", {"people": FacetFilter({people[0]})}),
        ("economy", {"places": FacetFilter({places[0]}), "publication": FacetFilter(exclude={pubs[0]})}),
        ("", {"publication": FacetFilter({pubs[1]}), "people": FacetFilter({people[1]})}),
        ('"white house"', {"authors": FacetFilter({authors[1]})}),
        ("health care", {"places": FacetFilter(exclude={places[0]})}),
    ]
    for q, f in filtered:
        out.append(("filtered", SearchRequest(query=q, filters=f, page_size=20)))
    return out


def stock_groupedby(engine: SearchEngine) -> dict:
    facets = {
        name: sorting.FieldFacet(name, allow_overlap=True)
        for name in ("authors", "people", "organisations", "places")
    }
    facets["publication"] = sorting.FieldFacet("publication")
    years = {str(y): wq.TermRange("date", f"{y}-01-01", f"{y}-12-31") for y in range(1990, 2031)}
    facets["year"] = sorting.QueryFacet(years)
    return facets


def stock_search(engine: SearchEngine, request: SearchRequest, groupedby) -> float | None:
    """Stock Whoosh's time for the request (ms), or None when Whoosh cannot run it: a
    phrase in the body of an index whose blocks keep the body's counts, not its
    positions (see ``schema.make_schema``)."""
    parsed = engine.parse(request.query)
    q = parsed.query if parsed.query is not None else wq.Every()
    filters = []
    for name, flt in request.filters.items():
        if flt.include:
            filters.append(wq.Or([wq.Term(name, v) for v in flt.include]))
        for v in flt.exclude:
            filters.append(wq.Not(wq.Term(name, v)))
    if parsed.date_from or parsed.date_to:
        lo = parsed.date_from.isoformat() if parsed.date_from else None
        hi = parsed.date_to.isoformat() if parsed.date_to else None
        filters.append(wq.TermRange("date", lo, hi))
    flt = wq.And(filters) if filters else None
    searcher = engine._searcher
    t0 = time.perf_counter()
    try:
        results = searcher.search(q, limit=20, filter=flt, groupedby=groupedby)
    except wq.QueryError:
        return None
    for name in groupedby:
        results.groups(name)
    [hit["title"] for hit in results]
    return (time.perf_counter() - t0) * 1000


def stories_cost(engine: SearchEngine, reqs, repeat: int) -> None:
    """What collapsing to stories (and counting facets by story) adds to each query.

    Each request runs plain and collapsed one right after the other, ``repeat``
    times, without snippets: a collapsed page shows other articles than the plain
    one, and making their snippets costs what it costs either way. A query's figure
    is the fastest of its runs (the least disturbed by other work on the machine);
    the extra is the collapsed figure less the plain one."""
    plain: list[float] = []
    collapsed: list[float] = []
    extra: list[float] = []
    grouped = 0
    for _, r in reqs:
        r = replace(r, snippets=False)
        c = replace(r, collapse=True, count="stories")
        engine.search(c)  # both warm
        engine.search(r)
        a: list[float] = []
        b: list[float] = []
        for _ in range(max(repeat, 5)):
            t = time.perf_counter()
            engine.search(r)
            a.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            res = engine.search(c)
            b.append((time.perf_counter() - t) * 1000)
        grouped += sum(1 for h in res.hits if h.copies)
        plain.append(min(a))
        collapsed.append(min(b))
        extra.append(min(b) - min(a))
    stats = engine.stats()
    print(f"\nstories: {stats['stories']:,} stories in {stats['articles']:,} articles; "
          f"{grouped:,} grouped hits on the pages shown")
    print("  no snippets; each query's fastest of its runs, in ms")
    print(f"  {'':<22} {'p50':>8} {'p95':>8} {'mean':>8}")
    for name, vs in (("plain", plain), ("collapsed, by story", collapsed), ("extra", extra)):
        print(f"  {name:<22} {pct(vs, 50):>8.2f} {pct(vs, 95):>8.2f} {statistics.mean(vs):>8.2f}")
    print(f"  ratio collapsed/plain: mean {statistics.mean(collapsed) / statistics.mean(plain):.2f}x")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def rss_mib() -> float:
    """This process's resident memory now (Linux; NaN elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return float("nan")


def peak_mib() -> float:
    """This process's peak resident memory so far (ru_maxrss: KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    sys.stdout.reconfigure(line_buffering=True)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", required=True, help="a searchtui index")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes over the query set (default 3)")
    ap.add_argument("--skip-stock", action="store_true", help="do not time stock Whoosh")
    ap.add_argument("--stories", action="store_true",
                    help="also time each query collapsed to stories and counted by story, "
                         "against the same query as it is, one after the other")
    ap.add_argument("--stock-every", type=int, default=1, metavar="K",
                    help="time stock Whoosh on every K-th query only (it takes seconds per query on large indexes)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    engine = SearchEngine.open(args.index)
    open_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    first = engine.search(SearchRequest(query="", page_size=20))
    first_ms = (time.perf_counter() - t0) * 1000
    reqs = requests(engine)
    print(f"index: {args.index}: {engine.doc_count:,} articles; open {open_ms:.0f} ms, "
          f"first browse query {first_ms:.0f} ms; {len(reqs)} queries; "
          f"memory {rss_mib():.0f} MiB resident, peak {peak_mib():.0f} MiB")

    # Cold pass (first sight of each term), then warm passes.
    cold = []
    for _, r in reqs:
        t = time.perf_counter()
        engine.search(r)
        cold.append((time.perf_counter() - t) * 1000)
    ours: dict[str, list[float]] = {}
    per_query = []
    for _ in range(args.repeat):
        for group, r in reqs:
            t = time.perf_counter()
            res = engine.search(r)
            ms = (time.perf_counter() - t) * 1000
            ours.setdefault(group, []).append(ms)
            per_query.append(ms)
    allv = [v for vs in ours.values() for v in vs]
    print(f"\nsearchtui (hits+snippets, 5 facets, histogram, suggestion), ms per query")
    print(f"  {'group':<10} {'n':>4} {'p50':>8} {'p95':>8} {'max':>8}")
    for group, vs in ours.items():
        print(f"  {group:<10} {len(vs):>4} {pct(vs, 50):>8.1f} {pct(vs, 95):>8.1f} {max(vs):>8.1f}")
    print(f"  {'all':<10} {len(allv):>4} {pct(allv, 50):>8.1f} {pct(allv, 95):>8.1f} {max(allv):>8.1f}")
    print(f"  cold pass (first sight of each query): p50 {pct(cold, 50):.1f}, p95 {pct(cold, 95):.1f}, max {max(cold):.1f}")
    print(f"  memory after the queries: {rss_mib():.0f} MiB resident, peak {peak_mib():.0f} MiB")

    if args.stories:
        stories_cost(engine, reqs, args.repeat)

    if not args.skip_stock:
        groupedby = stock_groupedby(engine)
        stock_search(engine, reqs[0][1], groupedby)  # warm-up
        stock: list[float] = []
        ours_same: list[float] = []
        cannot: list[str] = []
        for i, (_, r) in enumerate(reqs):
            if i % args.stock_every:
                continue
            took = stock_search(engine, r, groupedby)
            if took is None:
                cannot.append(r.query)
                continue
            stock.append(took)
            t = time.perf_counter()
            engine.search(r)
            ours_same.append((time.perf_counter() - t) * 1000)
        print(f"\nstock Whoosh search(groupedby=6 facets, limit=20) on {len(stock)} of the queries, ms per query")
        if cannot:
            print(f"  (left out, phrases in a body whose blocks keep no positions: {', '.join(cannot)})")
        print(f"  {'stock':<10} {len(stock):>4} {pct(stock, 50):>8.1f} {pct(stock, 95):>8.1f} {max(stock):>8.1f}")
        print(f"  {'searchtui':<10} {len(ours_same):>4} {pct(ours_same, 50):>8.1f} {pct(ours_same, 95):>8.1f} {max(ours_same):>8.1f}")
        print(f"\nratio stock/searchtui on the same queries: p50 {pct(stock, 50) / pct(ours_same, 50):.1f}x, "
              f"p95 {pct(stock, 95) / pct(ours_same, 95):.1f}x, mean "
              f"{statistics.mean(stock) / statistics.mean(ours_same):.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
