"""Paste an article's title, get the article first: the share of titles for which it does.

    python benchmarks/bench_titles.py --corpus DIR --index DIR [--limit N] [--upper]

Reads the corpus's ``manifest.jsonl`` (``file`` and ``title`` per article), searches
each title exactly as written (questions, colons, capitals and all) and counts where
the article ranks. Titles shared by several articles count as found when any of them
is first. ``--upper`` pastes every title in capitals, as wire copy writes them.
Prints the share ranked first, in the top 10, and the titles that matched nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchtui.models import SearchRequest  # noqa: E402
from searchtui.search import SearchEngine  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--index", required=True, type=Path)
    ap.add_argument("--limit", type=int, default=0, help="at most this many titles (0: all)")
    ap.add_argument("--upper", action="store_true", help="paste the titles in capitals")
    args = ap.parse_args()

    by_title: dict[str, set[str]] = defaultdict(set)
    with open(args.corpus / "manifest.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("title"):
                by_title[row["title"]].add(row["file"])
    titles = sorted(by_title)
    if args.limit:
        titles = titles[: args.limit]

    first = top10 = 0
    empty, missed = [], []
    with SearchEngine(args.index) as engine:
        for title in titles:
            query = title.upper() if args.upper else title
            result = engine.search(
                SearchRequest(query=query, page_size=10, facets=(), histogram=False,
                              snippets=False, suggest=False)
            )
            names = [Path(h.path).name for h in result.hits]
            wanted = by_title[title]
            if names and names[0] in wanted:
                first += 1
            elif any(n in wanted for n in names):
                top10 += 1
                missed.append(title)
            else:
                (empty if result.total == 0 else missed).append(title)
    n = len(titles)
    print(f"titles: {n}")
    print(f"ranked first: {first} ({first / n:.1%})")
    print(f"in the top 10: {first + top10} ({(first + top10) / n:.1%})")
    print(f"matched nothing: {len(empty)}")
    for title in empty[:20]:
        print(f"  nothing: {title}")
    for title in missed[:20]:
        print(f"  not first: {title}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
