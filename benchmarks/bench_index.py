"""Indexing speed: searchtui's indexer against stock Whoosh on the same files.

    python benchmarks/bench_index.py [--corpus DIR] [--limit N] [--skip-stock] [--stock-limit N]

searchtui builds a fresh index (as ``searchtui index --rebuild``) into a
temporary folder, with its default settings (entity extraction on, one worker
process per core; ``--extractor none`` measures the indexer without it). Stock Whoosh indexes the same files with a plain schema
(``StemmingAnalyzer`` text fields for title and body, stored; path, authors,
publication and date stored as ID/KEYWORD fields), the default ``ix.writer()``
and one process. Both read the files with ``searchtui.articles.read_file``, so
reading costs the same.

Each engine runs in its own child process, so that its peak memory is its own:
the peak is the largest sum of resident memory over that process and its
worker children, sampled from /proc every 50 ms (the kernel's per-process
maxima from ``getrusage`` are shown beside it). CPU seconds (the process and
its children, user and system) say how much work a run did even when other
jobs share the machine. Index size is the bytes on disk after the run.

With ``--stock-limit N`` stock Whoosh indexes only the first N files and its
rate for the whole corpus is extrapolated from them; the table says so.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchtui import articles  # noqa: E402

SHARED = Path(os.environ.get("SEARCHTUI_SHARED") or Path(__file__).resolve().parents[2] / "shared")
DEFAULT_CORPUS = SHARED / "corpora" / "allsides"


# ---------------------------------------------------------------------------
# Measuring


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/task/{p}/children") as fh:
                kids = [int(x) for x in fh.read().split()]
        except OSError:
            kids = []
        out.extend(kids)
        todo.extend(kids)
    return out


class TreeMemory:
    """Samples the resident memory of this process and all its descendants."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            total = sum(_rss_kib(p) for p in [me, *_descendants(me)])
            self.peak_kib = max(self.peak_kib, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _corpus_files(corpus: Path, limit: int | None) -> list[str]:
    files, _problems = articles.discover([corpus])
    files = [str(f) for f in files]
    return files[:limit] if limit else files


# ---------------------------------------------------------------------------
# The two engines (each run in a child process of its own)


def run_searchtui(files: list[str], out: Path, workers: int | None, extractor: str) -> dict:
    from searchtui.config import Config
    from searchtui.indexer import build_index

    config = Config(extractor=extractor)
    t0 = time.perf_counter()
    report = build_index(files, out, config=config, rebuild=True, workers=workers)
    elapsed = time.perf_counter() - t0
    return {"articles": report.articles, "files": len(files), "elapsed": elapsed}


def run_stock(files: list[str], out: Path) -> dict:
    from whoosh import index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, KEYWORD, TEXT, Schema

    schema = Schema(
        path=ID(stored=True, unique=True),
        title=TEXT(analyzer=StemmingAnalyzer(), stored=True),
        body=TEXT(analyzer=StemmingAnalyzer(), stored=True),
        authors=KEYWORD(stored=True, commas=True),
        publication=ID(stored=True),
        date=ID(stored=True),
    )
    out.mkdir(parents=True)
    t0 = time.perf_counter()
    ix = index.create_in(str(out), schema)
    writer = ix.writer()
    n = 0
    for path in files:
        for a in articles.read_file(path).articles:
            doc = {"path": a.key, "title": a.title, "body": a.body}
            if a.authors:
                doc["authors"] = ",".join(a.authors)
            if a.publication:
                doc["publication"] = a.publication
            if a.date:
                doc["date"] = a.date.isoformat()
            writer.add_document(**doc)
            n += 1
    writer.commit()
    elapsed = time.perf_counter() - t0
    return {"articles": n, "files": len(files), "elapsed": elapsed}


def child_main(args) -> None:
    files = json.loads(Path(args.files_json).read_text())
    out = Path(args.out)
    with TreeMemory() as mem:
        if args.engine == "searchtui":
            result = run_searchtui(files, out, args.workers, args.extractor)
        else:
            result = run_stock(files, out)
    result["peak_tree_kib"] = mem.peak_kib
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    result["cpu_seconds"] = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    result["maxrss_self_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["maxrss_children_kib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["index_bytes"] = _dir_bytes(out)
    print(json.dumps(result))


def measure(engine: str, files: list[str], tmp: Path, workers: int | None, extractor: str) -> dict:
    files_json = tmp / f"{engine}-files.json"
    files_json.write_text(json.dumps(files))
    out = tmp / f"{engine}-index"
    cmd = [sys.executable, __file__, "--child", engine, "--files-json", str(files_json), "--out", str(out),
           "--extractor", extractor]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"the {engine} run failed")
    shutil.rmtree(out, ignore_errors=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# Report


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def print_table(corpus: Path, total_files: int, rows: list[tuple[str, dict, bool]]) -> None:
    print(f"corpus: {corpus} ({total_files:,} files)")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print()
    head = ("engine", "files", "articles", "seconds", "articles/s", "CPU s", "peak memory (tree)",
            "maxrss self/child", "index size")
    table = [head]
    for name, r, extrapolated in rows:
        rate = r["articles"] / r["elapsed"] if r["elapsed"] else 0.0
        seconds = f"{r['elapsed']:,.1f}"
        if extrapolated:
            seconds += f" (~{total_files / r['files'] * r['elapsed']:,.0f} for all, extrapolated)"
        table.append((
            name,
            f"{r['files']:,}",
            f"{r['articles']:,}",
            seconds,
            f"{rate:,.0f}",
            f"{r['cpu_seconds']:,.1f}",
            _mib(r["peak_tree_kib"]),
            f"{_mib(r['maxrss_self_kib'])} / {_mib(r['maxrss_children_kib'])}",
            f"{r['index_bytes'] / 2**20:,.1f} MiB" + (" (partial)" if extrapolated else ""),
        ))
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(w) if j == 0 else cell.rjust(w) for j, (cell, w) in enumerate(zip(row, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def _stories_share(files: list[str], ours: dict) -> None:
    """What stories add to the run: each body's signature (computed in the workers) and
    the grouping of the generation (when its arrays are prepared), timed here on the same
    articles, against the run's CPU seconds."""
    import numpy as np

    from searchtui import stories

    bodies = [a.body for f in files for a in articles.read_file(f).articles]
    t = time.process_time()
    sketches = [stories.sketch(b) for b in bodies]
    signing = time.process_time() - t
    raw = np.zeros((len(bodies), stories.PERMS * 4), np.uint8)
    for i, sk in enumerate(sketches):
        if sk is not None:
            raw[i] = np.frombuffer(sk, np.uint8)
    t = time.process_time()
    stories.group(stories.signatures_from_bytes(raw))
    grouping = time.process_time() - t
    cpu = ours["cpu_seconds"]
    print(f"\nstories: signatures {signing:.1f} CPU s ({signing / len(bodies) * 1000:.2f} ms per "
          f"article), grouping {grouping:.2f} CPU s; {100 * (signing + grouping) / cpu:.1f}% of "
          f"the run's {cpu:.1f} CPU s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the corpus folder")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N files")
    parser.add_argument("--skip-stock", action="store_true", help="do not run stock Whoosh")
    parser.add_argument("--stock-limit", type=int, default=None, metavar="N",
                        help="stock Whoosh indexes only the first N files; its rate is extrapolated")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="searchtui worker processes (default: one per core)")
    parser.add_argument("--extractor", choices=("rules", "spacy", "none"), default="rules",
                        help="searchtui's entity extractor (default rules, as in use; none: the indexer alone)")
    parser.add_argument("--child", choices=("searchtui", "stock"), help=argparse.SUPPRESS)
    parser.add_argument("--files-json", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        args.engine = args.child
        child_main(args)
        return 0

    if not args.corpus.is_dir():
        print(f"bench_index: corpus not found: {args.corpus}", file=sys.stderr)
        return 1
    files = _corpus_files(args.corpus, args.limit)
    tmp = Path(tempfile.mkdtemp(prefix="bench-index-"))
    try:
        rows = []
        print(f"searchtui: indexing {len(files):,} files…", file=sys.stderr)
        ours = measure("searchtui", files, tmp, args.workers, args.extractor)
        rows.append((f"searchtui (entities: {args.extractor})", ours, False))
        stock = None
        if not args.skip_stock:
            part = files[: args.stock_limit] if args.stock_limit else files
            print(f"stock Whoosh: indexing {len(part):,} files…", file=sys.stderr)
            stock = measure("stock", part, tmp, None, args.extractor)
            rows.append(("stock Whoosh", stock, len(part) < len(files)))
        print_table(args.corpus, len(files), rows)
        _stories_share(files, ours)
        if stock is not None:
            ratio = (ours["articles"] / ours["elapsed"]) / (stock["articles"] / stock["elapsed"])
            note = " (stock rate from a partial run)" if len(part) < len(files) else ""
            print(f"\nsearchtui / stock Whoosh, articles/s: {ratio:.2f}x{note}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
