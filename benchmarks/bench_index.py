"""Indexing speed: searchtui's indexer against stock Whoosh on the same files, and updates.

    python benchmarks/bench_index.py [--corpus DIR | --count N] [--limit N] [--skip-stock]
        [--stock-limit N] [--index DIR] [--update N [--updates K] [--compare-src DIR]]

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

Scale. ``--count N`` indexes the shared scaled corpus of N articles, made
once with ``make_scaled_corpus.py`` (from the allsides corpus, seed 7) in
``--scaled-dir`` (default /tmp, as ``corpus-100k``, ``corpus-300k``...) and
reused by later runs. ``--index DIR`` keeps searchtui's index in DIR; a later
run given the same DIR reuses it instead of building again.

Updates. ``--update N`` times adding N new articles to the index (the one
built, or the one reused): the index is copied, and ``searchtui index`` runs
on the copy with the corpus plus a folder of N articles it has not seen
(taken from a scaled corpus made with another seed, ``corpus-new-<N*K>``),
in a child process. ``--updates K`` runs K such updates one after another on
the same copy, each with new articles of its own, so merges show. Each update
reports its time, CPU, peak memory, the segment count before and after, and
where the time went: the commit (merges and writing the new segment) and the
arrays the engine reads (decoded again for the new generation).
``--compare-src DIR`` runs the same updates, on another copy of the same
index, with the searchtui source in DIR (a checkout of an earlier commit, say)
and prints the ratio.
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

# The searchtui source measured: this checkout, or another one (see --compare-src).
sys.path.insert(0, os.environ.get("SEARCHTUI_SRC") or str(Path(__file__).resolve().parents[1]))

from searchtui import articles  # noqa: E402

SHARED = Path(os.environ.get("SEARCHTUI_SHARED") or Path(__file__).resolve().parents[2] / "shared")
DEFAULT_CORPUS = SHARED / "corpora" / "allsides"
MAKE_SCALED = SHARED / "tools" / "make_scaled_corpus.py"
#: The seed of the scaled corpus indexed, and of the one new articles come from.
CORPUS_SEED, NEW_SEED = 7, 8


def _label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def scaled_corpus(count: int, folder: Path, seed: int = CORPUS_SEED) -> Path:
    """The scaled corpus of ``count`` articles in ``folder``, made unless it is there whole."""
    manifest = folder / "manifest.jsonl"
    if manifest.is_file():
        with manifest.open("rb") as fh:
            if sum(1 for _ in fh) == count:
                return folder
    print(f"making the scaled corpus {folder} ({count:,} articles)…", file=sys.stderr)
    subprocess.run(
        [sys.executable, str(MAKE_SCALED), "--source", str(DEFAULT_CORPUS), "--count", str(count),
         "--out", str(folder), "--seed", str(seed)],
        check=True,
    )
    return folder


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
    return {"articles": report.articles, "files": report.files, "elapsed": elapsed}


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


def _segments(index: Path) -> int:
    from searchtui import store

    ix, _ixdir, _meta = store.open_index(index)
    return len(ix._segments())


def run_update(roots: list[str], index: Path, workers: int | None, extractor: str) -> dict:
    """One incremental run over ``roots`` on the index at ``index``, timed by parts."""
    from searchtui import arrays, whooshext
    from searchtui.config import Config
    from searchtui.indexer import build_index

    parts = {"commit": 0.0, "arrays": 0.0}

    def timed(name, fn):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                parts[name] += time.perf_counter() - t
        return wrapper

    # The indexer calls both through their modules.
    whooshext.commit = timed("commit", whooshext.commit)
    arrays.prepare = timed("arrays", arrays.prepare)
    before = _segments(index)
    t0 = time.perf_counter()
    report = build_index(roots, index, config=Config(extractor=extractor), workers=workers)
    elapsed = time.perf_counter() - t0
    return {"articles": report.articles, "added": report.added, "files": report.files,
            "elapsed": elapsed, "segments_before": before, "segments_after": _segments(index),
            **parts}


def child_main(args) -> None:
    out = Path(args.out)
    with TreeMemory() as mem:
        if args.engine == "update":
            result = run_update(json.loads(args.roots), out, args.workers, args.extractor)
        elif args.engine == "searchtui":
            files = json.loads(Path(args.files_json).read_text())
            result = run_searchtui(files, out, args.workers, args.extractor)
        else:
            files = json.loads(Path(args.files_json).read_text())
            result = run_stock(files, out)
    result["peak_tree_kib"] = mem.peak_kib
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    result["cpu_seconds"] = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    result["maxrss_self_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["maxrss_children_kib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["index_bytes"] = _dir_bytes(out)
    print(json.dumps(result))


def _child(cmd: list[str], what: str, env: dict | None = None) -> dict:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"the {what} run failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(engine: str, files: list[str], tmp: Path, workers: int | None, extractor: str,
            out: Path | None = None) -> dict:
    files_json = tmp / f"{engine}-files.json"
    files_json.write_text(json.dumps(files))
    keep = out is not None
    out = out or tmp / f"{engine}-index"
    cmd = [sys.executable, __file__, "--child", engine, "--files-json", str(files_json), "--out", str(out),
           "--extractor", extractor]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    result = _child(cmd, engine)
    if not keep:
        shutil.rmtree(out, ignore_errors=True)
    return result


def measure_updates(index: Path, corpus: Path, new_files: list[Path], per_update: int, updates: int,
                    tmp: Path, workers: int | None, extractor: str, src: Path | None = None) -> list[dict]:
    """``updates`` runs on a copy of ``index``, each adding ``per_update`` new files of its own."""
    name = "baseline" if src else "searchtui"
    copy = tmp / f"update-{name}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(index, copy)
    # The copy on disk before the clock starts: the update's commit flushes the index's
    # files, and would otherwise pay for writing out the whole copy.
    os.sync()
    env = dict(os.environ, SEARCHTUI_SRC=str(src)) if src else None
    roots = [str(corpus)]
    results = []
    try:
        for i in range(updates):
            folder = tmp / f"new-{name}-{i}"
            folder.mkdir()
            for f in new_files[i * per_update : (i + 1) * per_update]:
                os.link(f, folder / f.name)
            roots.append(str(folder))
            print(f"{name}: update {i + 1} of {updates}…", file=sys.stderr)
            cmd = [sys.executable, __file__, "--child", "update", "--roots", json.dumps(roots),
                   "--out", str(copy), "--extractor", extractor]
            if workers is not None:
                cmd += ["--workers", str(workers)]
            results.append(_child(cmd, f"{name} update", env))
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return results


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


#: Runs over more files than this do not time what stories add (see ``_stories_share``).
STORIES_SHARE_MAX = 100_000


def _stories_share(files: list[str], ours: dict) -> None:
    """What stories add to the run: each body's signature (computed in the workers) and
    the grouping of the generation (when its arrays are prepared), timed here on the same
    articles, against the run's CPU seconds."""
    import numpy as np

    from searchtui import stories

    if len(files) > STORIES_SHARE_MAX:
        # every body is read into memory here: 12 GB for a million articles
        print(f"\nstories: their share is not timed past {STORIES_SHARE_MAX:,} files")
        return
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


def print_updates(rows: list[tuple[str, list[dict]]]) -> None:
    head = ("engine", "update", "added", "articles", "seconds", "CPU s", "commit s", "arrays s",
            "peak memory (tree)", "segments before -> after")
    table = [head]
    for name, results in rows:
        for i, r in enumerate(results, 1):
            table.append((
                name, str(i), f"{r['added']:,}", f"{r['articles']:,}", f"{r['elapsed']:,.1f}",
                f"{r['cpu_seconds']:,.1f}", f"{r['commit']:,.1f}", f"{r['arrays']:,.1f}",
                _mib(r["peak_tree_kib"]), f"{r['segments_before']} -> {r['segments_after']}",
            ))
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    print()
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(w) if j == 0 else cell.rjust(w) for j, (cell, w) in enumerate(zip(row, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def _holds_index(folder: Path) -> bool:
    return (folder / "CURRENT").is_file()


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
    parser.add_argument("--count", type=int, default=None, metavar="N",
                        help="index the scaled corpus of N articles (made once in --scaled-dir)")
    parser.add_argument("--scaled-dir", type=Path, default=Path(tempfile.gettempdir()),
                        help="where scaled corpora are kept (default: the temporary folder)")
    parser.add_argument("--index", type=Path, default=None, metavar="DIR",
                        help="keep searchtui's index in DIR; reuse it if DIR holds one already")
    parser.add_argument("--update", type=int, default=None, metavar="N",
                        help="time adding N new articles to the index (on a copy of it)")
    parser.add_argument("--updates", type=int, default=1, metavar="K",
                        help="with --update: K updates one after another (default 1)")
    parser.add_argument("--compare-src", type=Path, default=None, metavar="DIR",
                        help="with --update: also time the updates with the searchtui source in DIR")
    parser.add_argument("--child", choices=("searchtui", "stock", "update"), help=argparse.SUPPRESS)
    parser.add_argument("--files-json", help=argparse.SUPPRESS)
    parser.add_argument("--roots", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        args.engine = args.child
        child_main(args)
        return 0

    if args.count:
        args.corpus = scaled_corpus(args.count, args.scaled_dir / f"corpus-{_label(args.count)}")
    if not args.corpus.is_dir():
        print(f"bench_index: corpus not found: {args.corpus}", file=sys.stderr)
        return 1
    files = _corpus_files(args.corpus, args.limit)
    tmp = Path(tempfile.mkdtemp(prefix="bench-index-"))
    try:
        rows = []
        index = args.index
        if index is not None and _holds_index(index):
            print(f"searchtui: reusing the index {index} ({_segments(index)} segments)", file=sys.stderr)
        else:
            print(f"searchtui: indexing {len(files):,} files…", file=sys.stderr)
            # the folder itself when it is indexed whole, as a user names it (the index
            # records what it was given: a million paths would be 46 MB to read on open)
            given = files if args.limit else [str(args.corpus)]
            ours = measure("searchtui", given, tmp, args.workers, args.extractor, out=index)
            rows.append((f"searchtui (entities: {args.extractor})", ours, False))
        if args.update:
            if index is None or args.limit:
                raise SystemExit("bench_index: --update needs --index (the index to update a copy "
                                 "of), built from the whole corpus (no --limit)")
            total = args.update * args.updates
            new_corpus = scaled_corpus(total, args.scaled_dir / f"corpus-new-{_label(total)}", NEW_SEED)
            new_files = sorted(new_corpus.glob("*.txt"))
            runs = [("searchtui", measure_updates(index, args.corpus, new_files, args.update, args.updates,
                                                  tmp, args.workers, args.extractor))]
            if args.compare_src:
                runs.append((f"baseline ({args.compare_src})",
                             measure_updates(index, args.corpus, new_files, args.update, args.updates,
                                             tmp, args.workers, args.extractor, src=args.compare_src)))
            if rows:
                print_table(args.corpus, len(files), rows)
            print(f"\nupdates: {args.update:,} new articles each, to {index} ({args.corpus})")
            print_updates(runs)
            if len(runs) == 2:
                ours_s = sum(r["elapsed"] for r in runs[0][1])
                base_s = sum(r["elapsed"] for r in runs[1][1])
                print(f"\nbaseline / searchtui, update seconds: {base_s / ours_s:.1f}x")
            return 0
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
