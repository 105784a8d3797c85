"""Entity extraction speed on the allsides corpus, one core; optionally the top facet values.

    python benchmarks/bench_entities.py [--limit N] [--extractor rules] [--top 50] [--corpus DIR]

Articles are read first (not timed); then ``article_entities`` runs once over
each, in this process only, with a freshly built extractor: a single cold pass,
as indexing uses it (whatever the extractor keeps between articles starts
empty). ``--repeat N`` times N such passes, each with a new extractor, and
keeps the best. Prints articles/s and MB/s of article text.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from searchtui.config import Config  # noqa: E402
from searchtui.entities import get_extractor  # noqa: E402
from searchtui.models import ENTITY_FIELDS, Article  # noqa: E402

DEFAULT = REPO.parent / "shared" / "corpora" / "allsides"


def load_articles(folder: Path, limit: int | None) -> list[Article]:
    files = sorted(p for p in folder.iterdir() if p.suffix == ".txt")
    if limit:
        files = files[:limit]
    try:
        from searchtui.articles import read_file
    except ImportError:  # a plain reader: title, blank line, byline, body
        read_file = None
    out: list[Article] = []
    for p in files:
        if read_file is not None:
            out.extend(read_file(p).articles)
        else:
            title, _, rest = p.read_text(encoding="utf-8").partition("\n")
            out.append(Article(key=str(p), path=str(p), title=title, body=rest))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--extractor", default="rules")
    ap.add_argument("--top", type=int, default=0, help="print the N most frequent values per facet")
    ap.add_argument(
        "--repeat", type=int, default=1,
        help="time this many cold passes (a new extractor each), keep the best",
    )
    args = ap.parse_args()
    t0 = time.perf_counter()
    ext = get_extractor(Config(extractor=args.extractor))
    load = time.perf_counter() - t0
    articles = load_articles(args.corpus, args.limit)
    size = sum(len(a.title) + len(a.body) for a in articles)
    best = float("inf")
    counts: dict[str, Counter] = {f: Counter() for f in ENTITY_FIELDS}
    for r in range(max(1, args.repeat)):
        if r:
            ext = type(ext)(ext.aliases)  # cold again: nothing kept from the last pass
        t0 = time.perf_counter()
        results = [ext.article_entities(a) for a in articles]
        best = min(best, time.perf_counter() - t0)
    for res in results:
        for f in ENTITY_FIELDS:
            counts[f].update(res[f])
    n = len(articles)
    try:
        from searchtui.ner import engine_build

        build = f", engine {engine_build()}"
    except ImportError:  # an older tree
        build = ""
    print(f"extractor {ext.name}{build}: loaded in {load:.3f} s")
    print(f"{n} articles, {size / n / 1000:.1f} kB on average, {best:.2f} s: "
          f"{n / best:,.0f} articles/s, {size / best / 1e6:.1f} MB/s "
          f"(one core, cold pass, best of {max(1, args.repeat)})")
    if args.top:
        for f in ENTITY_FIELDS:
            print(f"\n{f} ({len(counts[f])} distinct):")
            print(", ".join(f"{v} ({c})" for v, c in counts[f].most_common(args.top)))


if __name__ == "__main__":
    main()
