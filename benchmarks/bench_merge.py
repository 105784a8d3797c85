"""Merging segments: Whoosh's sorting pool against the bulk writer's block copy.

    python benchmarks/bench_merge.py --index /tmp/ix-100k [--segments 2]

Copies the index's live folder twice and, on each copy, merges its
``--segments`` smallest segments into one new segment, once with Whoosh's
``SegmentWriter.add_reader`` (every posting through the sorting pool: what
Whoosh's ``MERGE_SMALL`` policy did on each update) and once with
``BulkWriter.add_reader`` (postings copied a block at a time). Nothing is
committed; the figures are the seconds to copy the documents and write the
merged segment, and documents per second.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from whoosh.codec.whoosh3 import W3Codec  # noqa: E402
from whoosh.reading import SegmentReader  # noqa: E402
from whoosh.writing import SegmentWriter  # noqa: E402

from searchtui import store  # noqa: E402
from searchtui.whooshext import open_index  # noqa: E402
from searchtui.whooshext.segments import BulkWriter  # noqa: E402


def merge_once(folder: Path, writer_class, count: int) -> tuple[int, float]:
    ix = open_index(folder, store.INDEX_NAME)
    segments = sorted(ix._segments(), key=lambda s: s.doc_count())[:count]
    writer = writer_class(ix, _lk=False, codec=W3Codec(compression=0), compound=False)
    t0 = time.perf_counter()
    for seg in segments:
        reader = SegmentReader(ix.storage, ix.schema, seg)
        writer.add_reader(reader)
        reader.close()
    writer._finalize_segment()
    elapsed = time.perf_counter() - t0
    writer._close_segment()
    return sum(s.doc_count() for s in segments), elapsed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="a searchtui index")
    ap.add_argument("--segments", type=int, default=2, help="segments to merge (the smallest)")
    args = ap.parse_args(argv)
    live = store.current_dir(args.index)
    if live is None:
        raise SystemExit(f"bench_merge: no index at {args.index}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-merge-"))
    try:
        rows = []
        for name, writer_class in (("Whoosh pool", SegmentWriter), ("bulk writer", BulkWriter)):
            folder = tmp / name.replace(" ", "-")
            shutil.copytree(live, folder)
            docs, seconds = merge_once(folder, writer_class, args.segments)
            rows.append((name, docs, seconds))
            shutil.rmtree(folder)
        print(f"index: {args.index}; merging its {args.segments} smallest segments")
        for name, docs, seconds in rows:
            print(f"  {name:<12} {docs:>8,} documents  {seconds:>8.1f} s  {docs / seconds:>8,.0f} docs/s")
        print(f"  pool / bulk: {rows[0][2] / rows[1][2]:.1f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
