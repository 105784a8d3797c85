"""Build and refresh the index.

``build_index`` is the one entry point for the CLI and the TUI. It is
incremental by default (new files are added, changed ones re-indexed,
documents of vanished files deleted), reports progress through a callback,
stops when its ``cancel`` event is set, and never leaves a broken index (see
``store``). Large runs are spread over worker processes, each writing its own
Whoosh segment; the parent makes them live in one commit.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing as mp
import os
import queue as queue_mod
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import chain
from pathlib import Path

import numpy as np
from whoosh.index import Index
from whoosh.query import Or, Term

try:  # the JSON files' states older versions wrote: read 2x faster than by json
    import orjson
except ImportError:  # pragma: no cover - a platform without its wheels
    orjson = None  # type: ignore[assignment]

from searchtui import arrays, canonical, store, stories, trust, untrusted, whooshext
from searchtui import articles as articles_mod
from searchtui.config import Config
from searchtui.errors import (
    Cancelled,
    CorpusMissing,
    IndexUnwritable,
    SearchtuiError,
    WouldDropArticles,
)
from searchtui.filestates import UNKNOWN_TIME, FileStates, Unsound
from searchtui.models import ENTITY_FIELDS, Article, Problem
from searchtui.schema import (
    EVIDENCE_FIELD,
    FIRST_INDEXED,
    SKETCH_BYTES,
    SKETCH_FIELD,
    compress_body,
    make_schema,
    next_stamp,
    path_once,
    sketch_bytes,
    stored_path,
)
from searchtui.whooshext.storage import write_durably

#: Below this many files to read, the work is done in this process.
PARALLEL_THRESHOLD = 400
#: Share of the index's articles a run may remove before it must be told to go ahead.
DROP_LIMIT = 0.5
BATCH_FILES = 64
#: A worker hands the states of the files it has read to the parent once it holds this many.
STATES_SENT_EVERY = 4096
#: A worker sends how many files and articles it has read at most this often (seconds).
PROGRESS_EVERY = 0.1
#: How far ahead of the workers files are read into memory (see ``_ReadAhead``).
READ_AHEAD_FILES = 1024
READ_AHEAD_BYTES = 64 << 20
WRITER_LIMIT_MB = 256


@dataclass
class Progress:
    phase: str  # "indexing", "writing" (all read, segments being written), "committing", "done"
    done: int  # files handled
    total: int  # files to handle
    articles: int  # articles indexed so far
    elapsed: float
    rate: float  # articles per second
    eta: float | None  # seconds left, when known
    current: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Progress:
        return cls(**data)


@dataclass
class IndexReport:
    added: int = 0  # articles added from new files
    updated: int = 0  # articles written again for changed files
    deleted: int = 0  # articles removed (their files are gone or changed)
    unchanged: int = 0  # files left as they were
    articles: int = 0  # articles in the index after the run
    files: int = 0  # corpus files found
    problems: list[Problem] = field(default_factory=list)
    elapsed: float = 0.0
    nothing_to_do: bool = False
    rebuilt: bool = False
    index_dir: str = ""
    #: things to tell the user about the index as a whole
    notes: list[str] = field(default_factory=list)
    #: the corpus folders read
    corpus: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> IndexReport:
        data = dict(data)
        data["problems"] = [Problem(**p) for p in data.get("problems", [])]
        return cls(**data)

    @property
    def skipped(self) -> list[Problem]:
        return [p for p in self.problems if p.skipped]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.skipped]

    def summary_lines(self, limit: int = 10) -> list[str]:
        lines = []
        if self.nothing_to_do:
            lines.append(
                f"Index is up to date: {_count(self.files, 'file')} unchanged, "
                f"{_count(self.articles, 'article')}, nothing to do."
            )
        else:
            verb = "Rebuilt" if self.rebuilt else "Updated"
            lines.append(
                f"{verb} {self.index_dir}: {self.added} added, {self.updated} updated, "
                f"{self.deleted} deleted, {len(self.skipped)} skipped, "
                f"{_count(self.unchanged, 'file')} unchanged; "
                f"{_count(self.articles, 'article')} in the index."
            )
        lines.extend(self.notes)
        for title, items in (("Skipped", self.skipped), ("Warnings", self.warnings)):
            if not items:
                continue
            lines.append(f"{title} ({len(items)}):")
            for p in items[:limit]:
                lines.append(f"  {p.path}: {p.reason}")
            if len(items) > limit:
                lines.append(f"  ... and {len(items) - limit} more")
        lines.append(f"Elapsed: {self.elapsed:.1f} s")
        return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------------------
# The Whoosh writer


#: Bound on the estimated memory of the postings a writer collects for one
#: segment; past it the segment is written and a new one started.
BULK_LIMIT_MB = whooshext.DEFAULT_LIMIT_MB

#: Garbage collector thresholds while indexing. An index run makes millions of
#: small objects that live until their segment is written; with the default
#: thresholds the collector walks them over and over (about a tenth of the
#: run's time). Cycles are still collected, only less often.
GC_THRESHOLDS = (50_000, 20, 20)


@contextlib.contextmanager
def _relaxed_gc():
    old = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*old)


@contextlib.contextmanager
def _paused_gc():
    """No garbage collection while finding the files: each file is a few objects that
    all live on and hold no cycle, and the collector walking them again and again
    took longer than the finding (300,000 files: 2 s of 5)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def new_writer(ix: Index, *, lock: bool, limit_mb: float | None = None) -> whooshext.Writer:
    """A segment writer tuned for bulk indexing (see ``whooshext.new_writer``)."""
    return whooshext.new_writer(
        ix, lock=lock, limit_mb=BULK_LIMIT_MB if limit_mb is None else limit_mb,
        pool_mb=WRITER_LIMIT_MB,
    )


# ---------------------------------------------------------------------------
# Turning articles into documents


def _load_extractor(config: Config):
    if config.extractor == "none":
        return None
    from searchtui.entities import get_extractor

    return get_extractor(config)


@dataclass
class FirstIndexed:
    """When the articles of a run were first indexed: ``known`` for those the index held
    before (by key), ``stamp`` (the run's) for the others."""

    stamp: str
    known: dict[str, str] = field(default_factory=dict)

    def of(self, key: str) -> str:
        return self.known.get(key) or self.stamp


def article_document(
    article: Article, file_hash: str, extractor, first_indexed: FirstIndexed | None = None,
    store_text: bool = True, sketch_width: int = SKETCH_BYTES, path_once: bool = True,
) -> dict:
    """The fields Whoosh indexes and stores for one article. Its text is stored only
    when ``store_text`` is true; else it is read from its file again when wanted
    (:mod:`searchtui.texts`). ``sketch_width``: the index's signature width
    (``schema.sketch_bytes``); ``path_once``: whether the index keeps a path only
    where it is not the key (``schema.path_once``)."""
    doc = {
        "key": article.key,
        "hash": file_hash,
        "title": article.title,
        "body": article.body,
        "_stored_body": compress_body(article.body) if store_text else None,
        "authors": list(article.authors),
    }
    if article.path != article.key or not path_once:
        doc["path"] = article.path
    if article.publication:
        doc["publication"] = [article.publication]
    if article.date:
        doc["date"] = article.date.isoformat()
    if article.url:
        doc["url"] = article.url
    entities = extractor.article_entities(article) if extractor is not None else article.entities
    for name in ENTITY_FIELDS:
        values = entities.get(name) or []
        if values:
            doc[name] = sorted(set(values))
            # not stored: the facets read from the index give an article's names
            doc[f"_stored_{name}"] = None
    evidence = canonical.evidence_terms(f"{article.title or ''}\n\n{article.body or ''}")
    if evidence:
        doc[EVIDENCE_FIELD] = evidence
    doc[FIRST_INDEXED] = (first_indexed or FirstIndexed(next_stamp())).of(article.key)
    sketch = stories.sketch(article.body, sketch_width)
    if sketch is not None:
        doc[SKETCH_FIELD] = sketch
    return doc


@dataclass(slots=True)
class _FileJob:
    path: str
    size: int
    mtime_ns: int


def _index_files(
    writer, jobs, config, extractor, on_file, cancelled, first_indexed: FirstIndexed
) -> tuple[dict, list[Problem], int]:
    """Read ``jobs`` and add their articles to ``writer``.

    Returns the file states to remember, the problems, and the article count.
    """
    states: dict[str, list] = {}
    problems: list[Problem] = []
    count = 0
    max_bytes = int(config.max_file_mb * 2**20)
    sketch_width = sketch_bytes(writer.schema)
    once = path_once(writer.schema)
    for job in jobs:
        if cancelled():
            raise Cancelled("cancelled")
        try:
            # Regular files only, never more than the limit at once (a file may
            # have become a FIFO or grown since the scan).
            try:
                data = untrusted.read_regular(job.path, max_bytes)
                fhash = articles_mod.file_hash(data)
            except untrusted.TooLarge:
                # The reader decides (a table is read row by row; an article is skipped).
                data, fhash = None, articles_mod.file_hash_at(job.path)
        except OSError as exc:
            problems.append(Problem(job.path, f"cannot read: {exc.strerror or exc}"))
            on_file(job.path, 0)
            continue
        result = articles_mod.read_file(
            job.path, data, columns=config.columns or None, max_bytes=max_bytes
        )
        problems.extend(result.problems)
        # A file of one article is read again for its text: the index keeps no copy.
        store_text = config.store_text or not articles_mod.one_article_file(job.path)
        n = 0
        for article in result.articles:
            writer.add_document(
                **article_document(
                    article, fhash, extractor, first_indexed, store_text, sketch_width, once
                )
            )
            n += 1
        count += n
        states[job.path] = [fhash, job.size, job.mtime_ns, n, bool(n == 0 and result.problems)]
        on_file(job.path, n)
    return states, problems, count


# ---------------------------------------------------------------------------
# Worker processes


def _exit_with_parent(parent_pid: int) -> None:
    """End this worker when the process that started it is gone (killed with -9, say).

    Otherwise it would wait on its task queue for ever, holding files open in
    an index folder that the next run deletes.
    """

    def watch():
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _worker_main(ixdir, config_dict, tasks, results, progress, cancel_event, parent_pid,
                 first_indexed, limit_mb=None, states_every=STATES_SENT_EVERY):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent(parent_pid)
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        config = Config(**config_dict)
        extractor = _load_extractor(config)
        ix = whooshext.open_index(ixdir, store.INDEX_NAME)
        writer = new_writer(ix, lock=False, limit_mb=limit_mb)
        states, problems, count = {}, [], 0

        # Files and articles read since progress was last sent: sent at most every
        # PROGRESS_EVERY seconds and after each batch. A message for every file woke
        # the queue's thread for every file, a few per cent of a run.
        files_read = articles_read = 0
        sent_at = time.monotonic()

        def send_progress():
            nonlocal files_read, articles_read, sent_at
            if files_read:
                progress.put((files_read, articles_read))
                files_read = articles_read = 0
            sent_at = time.monotonic()

        def on_file(path, n):
            nonlocal files_read, articles_read
            files_read += 1
            articles_read += n
            if time.monotonic() - sent_at >= PROGRESS_EVERY:
                send_progress()

        while True:
            batch = tasks.get()
            if batch is None or cancel_event.is_set():
                break
            s, p, c = _index_files(
                writer, batch, config, extractor, on_file, cancel_event.is_set, first_indexed
            )
            send_progress()
            states.update(s)
            problems.extend(p)
            count += c
            if len(states) >= states_every:
                # handed over as they come, not all at the end: half a million files'
                # states took a worker a few hundred megabytes, twice over when pickled
                results.put(("part", None, states, problems, count, None))
                states, problems, count = {}, [], 0
        if cancel_event.is_set():
            whooshext.discard(writer)
            results.put(("cancelled", None, None, None, None, None))
            return
        segments = whooshext.hand_over(writer)
        # Each worker decodes the arrays of its own segments, side by side with the
        # others, instead of the parent decoding them all after the last one.
        decoded = arrays.decode_segments(ix, segments, Path(ixdir))
        results.put(("ok", segments, states, problems, count, decoded))
    except Cancelled:
        results.put(("cancelled", None, None, None, None, None))
    except BaseException as exc:  # report anything to the parent, which fails the run
        import traceback

        message = f"{exc.__class__.__name__}: {exc}"
        results.put(("error", message, traceback.format_exc(), None, None, None))


#: A merge of at least this many documents is made ahead, in a process of its own (see
#: ``_MergeAhead``); a smaller one is made by the commit itself.
MERGE_AHEAD_DOCS = 2_000


def _merge_ahead_main(ixdir, sources, results, parent_pid) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # stopped by the parent: finally clauses run, and take half-written files with them
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    _exit_with_parent(parent_pid)
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        ix = whooshext.open_index(ixdir, store.INDEX_NAME)
        made = whooshext.merge_ahead(ix, new_writer(ix, lock=False), tuple(sources))
        decoded = arrays.decode_segments(ix, [made.segment], Path(ixdir)) if made else {}
        results.put(("ok", made, decoded))
    except Exception as exc:  # the commit merges instead; this only loses time
        results.put(("error", f"{exc.__class__.__name__}: {exc}", None))


class _MergeAhead:
    """The merge an update's commit is to make (``whooshext.merge_plan``), made in a
    process of its own from before the files are scanned, while the parent scans them
    and the workers index the new ones: at a million articles, the merge of ten small
    segments took seven seconds after everything else. The commit takes it if its
    segments are still the ones it would merge, as they were (``whooshext.commit``);
    otherwise, or if the process fails, the commit merges them itself, as before."""

    def __init__(self, ixdir: Path, sources) -> None:
        ctx = mp.get_context("spawn")
        self._results = ctx.Queue()
        self._proc = ctx.Process(
            target=_merge_ahead_main,
            args=(str(ixdir), sources, self._results, os.getpid()),
            daemon=True,
        )
        self._proc.start()

    @classmethod
    def start(cls, ixdir: Path) -> _MergeAhead | None:
        """The merge of the live index at ``ixdir`` (verified), started; None when its
        next commit merges nothing, or too little to be worth a process, or when it
        cannot be planned (whatever stops it is met again by the run, and said there)."""
        if not whooshext.fast_paths():
            return None
        try:
            sources, docs = whooshext.merge_plan(whooshext.open_index(ixdir, store.INDEX_NAME))
            if not sources or docs < MERGE_AHEAD_DOCS:
                return None
            return cls(ixdir, sources)
        except Exception:
            return None

    def result(
        self, is_cancelled: Callable[[], bool]
    ) -> tuple[whooshext.MergedAhead | None, dict[str, trust.Entry]]:
        """The merge once made, with its segment's decoded arrays (see
        ``arrays.decode_segments``); (None, {}) if it could not be made."""
        outcome = None
        while outcome is None:
            if is_cancelled():
                raise Cancelled("cancelled")
            try:
                outcome = self._results.get(timeout=0.1)
            except queue_mod.Empty:
                if not self._proc.is_alive() and self._results.empty():
                    return None, {}
        self.close()
        if outcome[0] != "ok" or outcome[1] is None:
            return None, {}
        return outcome[1], outcome[2]

    def close(self) -> None:
        """Stop the process if it is still at work, and wait for it to end."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join(timeout=10)


# ---------------------------------------------------------------------------
# The run


@dataclass(slots=True)
class _Scanned:
    """The files a scan found, in columns: each one's real path, size and time."""

    paths: list[str]
    size: np.ndarray
    mtime: np.ndarray

    def __len__(self) -> int:
        return len(self.paths)

    def job(self, i: int) -> _FileJob:
        return _FileJob(self.paths[i], int(self.size[i]), int(self.mtime[i]))

    def clear(self) -> None:
        self.paths.clear()
        self.size = self.mtime = np.zeros(0, dtype=np.int64)


def _scan(paths: Sequence[str | os.PathLike[str]]) -> tuple[_Scanned, list[Problem]]:
    found, problems = articles_mod.discover_columns(paths)
    return _Scanned(found.reals, found.size, found.mtime_ns), problems


def _found(rows: np.ndarray) -> np.ndarray:
    """The rows of ``FileStates.where`` that were found."""
    return rows[rows >= 0]


def _files_state_path(ixdir: Path, generation: int) -> Path:
    return ixdir / f"files-{generation}.npz"


def _legacy_state_path(ixdir: Path, generation: int) -> Path:
    """Where versions before the states were kept in columns wrote them, as JSON."""
    return ixdir / f"files-{generation}.json"


def _sound_state(state: object) -> bool:
    # exact types, tested one by one: a million of them are read on every update
    return (
        type(state) is list and len(state) == 5 and type(state[0]) is str
        and type(state[1]) is int and type(state[2]) is int and type(state[3]) is int
        and type(state[4]) is bool
    )


def _listed_bytes(path: Path, manifest: trust.Manifest) -> bytes | None:
    """A file's bytes, when the manifest lists it with these bytes (else None)."""
    entry = manifest.derived.get(path.name)
    if entry is None:
        return None
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if len(raw) != entry.size or trust.sha256_bytes(raw) != entry.sha256:
        return None
    return raw


def _read_states(ixdir: Path, generation: int, manifest: trust.Manifest) -> FileStates | None:
    """The states file as the manifest lists it (or the JSON file of an index made
    before the states were kept in columns), or None if it is absent, changed or unsound."""
    raw = _listed_bytes(_files_state_path(ixdir, generation), manifest)
    if raw is not None:
        try:
            return FileStates.from_bytes(raw, generation)
        except Unsound:
            return None
    legacy = _read_legacy_states(_legacy_state_path(ixdir, generation), generation, manifest)
    return FileStates.from_dict(legacy) if legacy is not None else None


def _read_legacy_states(
    path: Path, generation: int, manifest: trust.Manifest
) -> dict[str, list] | None:
    raw = _listed_bytes(path, manifest)
    if raw is None:
        return None
    try:
        data = _from_json(raw)
        files = data["files"]
        if data.get("generation") != generation or not isinstance(files, dict):
            return None
    except (ValueError, KeyError, TypeError):
        return None
    if not all(isinstance(p, str) and _sound_state(st) for p, st in files.items()):
        return None
    return files


def _load_states(ix, ixdir: Path, manifest: trust.Manifest) -> FileStates:
    """The states of the files the live generation read (see ``FileStates``).

    From the states file when the manifest vouches for it; otherwise from the
    index's own stored paths and hashes, which are the truth: a states file
    that lost entries must not make their articles look new (and be added twice).
    """
    gen = ix.latest_generation()
    files = _read_states(ixdir, gen, manifest)
    if files is not None:
        return files
    # Rebuild from the stored fields (slow, but only after a crash or damage).
    states: dict[str, list] = {}
    with ix.reader() as reader:
        for _docnum, fields_ in reader.iter_docs():
            path = stored_path(fields_)
            if not path:
                continue
            st = states.setdefault(path, [fields_.get("hash", ""), -1, -1, 0, False])
            st[3] += 1
    return FileStates.from_dict(states)


def _from_json(raw: bytes):
    """JSON ``raw`` read back: by orjson, or by json where orjson declines (its
    bounds differ: integers past 64 bits); ValueError when neither can read it."""
    if orjson is not None:
        try:
            return orjson.loads(raw)
        except ValueError:  # orjson.JSONDecodeError is a ValueError
            pass
    return json.loads(raw)


def _save_states(ixdir: Path, generation: int, states: FileStates) -> str:
    """Write the states file (flushed before it replaces the old one); its name."""
    write_durably(_files_state_path(ixdir, generation), states.to_bytes(generation))
    for old in [*ixdir.glob("files-*.json"), *ixdir.glob("files-*.npz")]:
        if old.name != _files_state_path(ixdir, generation).name:
            try:
                old.unlink()
            except OSError:
                pass
    return _files_state_path(ixdir, generation).name


def inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies under it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _under(path: str, roots: list[str]) -> bool:
    return any(inside(path, r) for r in roots)


def choose_corpus(
    index_dir: str | os.PathLike, config: Config, paths: Sequence[str] | None = None
) -> tuple[list[str], str]:
    """The folders to index, and where they come from.

    In this order: the ``paths`` given ("given"); the ``corpus:`` a configuration
    file sets ("config"); the folders the index at ``index_dir`` was built from
    ("index"); the default ``corpus`` ("default").
    """
    if paths:
        return [str(p) for p in paths], "given"
    configured = [str(config.resolve(p)) for p in config.corpus]
    if "corpus" in config.given:
        return configured, "config"
    remembered = store.recorded_corpus(index_dir)
    if remembered:
        return remembered, "index"
    return configured, "default"


def index_corpus(
    index_dir: str | os.PathLike,
    config: Config,
    paths: Sequence[str] | None = None,
    **options,
) -> IndexReport:
    """``build_index`` over the folders :func:`choose_corpus` picks.

    A folder the index remembers that is gone is named as such: the index is
    left as it was.
    """
    chosen, origin = choose_corpus(index_dir, config, paths)
    try:
        return build_index(chosen, index_dir, config=config, **options)
    except CorpusMissing as exc:
        if origin != "index":
            raise
        raise CorpusMissing(
            f"{exc} (the index was built from it: moved, or not mounted?); "
            "the index is as it was"
        ) from None


def build_index(
    paths: Sequence[str | os.PathLike[str]],
    index_dir: str | os.PathLike,
    *,
    config: Config | None = None,
    rebuild: bool = False,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    workers: int | None = None,
    drop_limit: float | None = None,
) -> IndexReport:
    """Bring the index at ``index_dir`` up to date with the files under ``paths``.

    With ``drop_limit`` (a share, e.g. :data:`DROP_LIMIT`), a run that would
    remove more than that share of the index's articles (their files are gone,
    or a rebuild reads other folders) raises :class:`WouldDropArticles` and
    changes nothing.
    """
    config = config or Config()
    start = time.monotonic()
    root = Path(index_dir)
    report = IndexReport(index_dir=str(root))
    notify = progress or (lambda p: None)
    is_cancelled = cancel.is_set if cancel is not None else (lambda: False)

    articles_mod.require_paths([os.fspath(p) for p in paths])
    roots = [str(Path(p).resolve()) for p in paths]
    report.corpus = roots

    made_root = not root.exists()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SearchtuiError(
            f"cannot create the index folder {root}: {exc.strerror or exc}"
        ) from None
    if not os.access(root, os.W_OK):
        raise SearchtuiError(f"cannot write to the index folder {root}: permission denied")

    try:
        with store.IndexLock(root):
            return _locked_run(
                paths, roots, root, rebuild, drop_limit, config, report, notify,
                is_cancelled, workers, start,
            )
    except BaseException:
        if made_root:  # a first build that failed leaves no empty index folder behind
            with contextlib.suppress(OSError):
                root.rmdir()
        raise


def _locked_run(
    paths, roots, root, rebuild, drop_limit, config, report, notify, is_cancelled, workers, start
) -> IndexReport:
    """The run, the index's lock held: the live index verified, then the files scanned
    (the merge the update's commit will make is made meanwhile, see ``_MergeAhead``)."""
    store.remove_stale_dirs(root)
    live = None
    manifest = None
    if not rebuild:
        live = store.current_dir(root)
        if live is not None:
            store.check_compatible(root, live)
            # Nothing of the live index is read before it is verified.
            manifest, _toc = store.verify(root, live)
            if not os.access(live, os.W_OK):
                raise IndexUnwritable(
                    f"cannot write to the index folder {live}: permission denied"
                )
        else:
            store.check_not_foreign(root)
    ahead = _MergeAhead.start(live) if live is not None else None
    try:
        with _paused_gc():
            jobs, scan_problems = _scan(paths)
        report.files = len(jobs)
        report.problems.extend(scan_problems)
        return _scanned_run(
            jobs, roots, root, live, manifest, rebuild, drop_limit, config, report, notify,
            is_cancelled, workers, start, ahead,
        )
    finally:
        if ahead is not None:
            ahead.close()


def _scanned_run(
    jobs, roots, root, live, manifest, rebuild, drop_limit, config, report, notify,
    is_cancelled, workers, start, ahead,
) -> IndexReport:
    known: dict[str, str] = {}
    if rebuild:
        # a rebuild keeps when each article was first indexed
        known = _previous_first_indexed(root)
    if rebuild and drop_limit is not None:
        previous = _previous_states(root)
        unseen = np.ones(len(previous), dtype=bool)
        unseen[_found(previous.where(jobs.paths))] = False
        _check_drop(
            "this rebuild",
            int(previous.articles[unseen].sum()),
            int(previous.articles.sum()),
            drop_limit,
            roots,
        )
    fresh = live is None
    ixdir = live
    before = store.generation_token(root)
    try:
        if fresh:
            ixdir = store.new_index_dir(root)
        report.rebuilt = fresh
        # An update reads the live index: decoding errors there are damage.
        reading = contextlib.nullcontext() if fresh else store.reading(root)
        with _relaxed_gc(), reading:
            return _run(
                jobs, roots, ixdir, root, manifest, config, report, notify, is_cancelled,
                workers, start, drop_limit, known, ahead,
            )
    except BaseException as exc:
        # An interrupt may come after the new folder became live: keep it then.
        if fresh and ixdir is not None and not _is_live(root, ixdir):
            shutil.rmtree(ixdir, ignore_errors=True)
        if not isinstance(exc, OSError):
            raise
        kept = (
            "; the index is as it was before this run"
            if store.generation_token(root) == before else ""
        )
        raise IndexUnwritable(
            f"cannot write the index at {root}: {exc.strerror or exc}{kept}"
        ) from None


def _previous_states(root: Path) -> FileStates:
    """The file states of the live index a rebuild replaces (none if it cannot be read)."""
    return _read_previous(root, _load_states) or FileStates.empty()


def _previous_first_indexed(root: Path) -> dict[str, str]:
    """When each article of the live index a rebuild replaces was first indexed, by key
    (none if it cannot be read: an index of an older format, say)."""

    def read(ix, ixdir, manifest) -> dict[str, str]:
        with ix.reader() as reader:
            return {
                fields_["key"]: fields_[FIRST_INDEXED]
                for _docnum, fields_ in reader.iter_docs()
                if fields_.get(FIRST_INDEXED) and fields_.get("key")
            }

    return _read_previous(root, read) or {}


def _read_previous(root: Path, read: Callable):
    """What ``read(ix, ixdir, manifest)`` finds in the live index at ``root`` (None if
    there is none, or it cannot be read). Read only once the index is verified, like any
    other read of it."""
    try:
        live = store.current_dir(root)
        if live is None:
            return None
        store.check_compatible(root, live)
        manifest, _toc = store.verify(root, live)
        ix, ixdir, _meta = store.open_index(root)
        with store.reading(root):
            return read(ix, ixdir, manifest)
    except SearchtuiError:
        return None


def _delete_file(writer, path: str) -> int:
    """Delete the articles of the file ``path``; how many there were. A file of one
    article keeps its path only as its key (``schema.path_once``); one query finds
    each article once, whichever the index keeps."""
    return writer.delete_by_query(Or([Term("path", path), Term("key", path)]))


def _first_indexed_of(ix, paths: Sequence[str]) -> dict[str, str]:
    """When the articles of ``paths`` in ``ix`` were first indexed, by key."""
    known: dict[str, str] = {}
    if not paths:
        return known
    with ix.searcher() as searcher:
        for path in paths:
            # a file of one article is found by its key, which is its path
            for fields_ in chain(searcher.documents(path=path), searcher.documents(key=path)):
                if fields_.get(FIRST_INDEXED) and fields_.get("key"):
                    known[fields_["key"]] = fields_[FIRST_INDEXED]
    return known


def _newest_first_indexed(ix) -> str | None:
    """The latest first-indexed stamp the index holds (stamps sort as text)."""
    with ix.reader() as reader:
        if FIRST_INDEXED not in reader.indexed_field_names():
            return None
        newest = None
        for term in reader.lexicon(FIRST_INDEXED):
            newest = term
        return newest.decode("utf-8") if newest is not None else None


def _check_drop(what: str, dropped: int, total: int, limit: float | None, roots) -> None:
    if limit is None or not total or dropped <= limit * total:
        return
    where = ", ".join(roots) or "the folders given"
    raise WouldDropArticles(
        f"{what} would drop {dropped:,} of the {total:,} articles in the index "
        f"(their files are not in {where}); the index is unchanged",
        dropped,
        total,
    )


def _is_live(root: Path, ixdir: Path) -> bool:
    """Whether ``ixdir`` is the live folder of the index at ``root``."""
    try:
        return store.current_dir(root) == ixdir
    except SearchtuiError:
        return False


ENTITIES_CHANGED = (
    "Entity extraction has changed since this index was built (the alias file, the "
    "extractor or searchtui itself): articles indexed before keep their people, "
    "organisations and places until the index is rebuilt (searchtui index --rebuild)."
)


def _run(
    jobs, roots, ixdir, root, manifest, config, report, notify, is_cancelled, workers, start,
    drop_limit=None, known=None, ahead=None,
):
    """The run on ``ixdir``: a new folder (``manifest`` None) or the live one, verified.

    ``known``: when the articles of the index a rebuild replaces were first indexed.
    ``ahead``: the merge being made for the commit (see ``_MergeAhead``)."""
    from searchtui.entities import extraction_fingerprint

    fresh = manifest is None
    fingerprint = extraction_fingerprint(config)
    if fresh:
        store.write_meta(ixdir, corpus=roots, entities=fingerprint)
        # the body's positions only beside the segments, where the bulk writer keeps them
        schema = make_schema(body_positions=not whooshext.fast_paths())
        ix = whooshext.create_index(ixdir, schema, store.INDEX_NAME, seal=store.seal)
        old_states = FileStates.empty()
    else:
        ix = whooshext.open_index(ixdir, store.INDEX_NAME, seal=store.seal)
        old_states = _load_states(ix, ixdir, manifest)
        if store.read_meta(ixdir).get("entities") != fingerprint:
            report.notes.append(ENTITIES_CHANGED)

    # Decide what to do with each file: a file of the size and time its state says
    # is as it was (whole arrays at once: a million files are compared in a second).
    at = old_states.where_each(jobs.paths)
    listed = at >= 0
    same = listed.copy()
    if same.any():
        rows = at[listed]
        same[listed] = (old_states.size[rows] == jobs.size[listed]) & (
            old_states.mtime[rows] == jobs.mtime[listed]
        ) & (jobs.mtime[listed] != UNKNOWN_TIME)
    todo: list[_FileJob] = []
    changed_paths: list[str] = []
    rehashed: list[int] = []  # files touched, their bytes the same: their new size and time
    for i in np.flatnonzero(listed & ~same).tolist():
        path = jobs.paths[i]
        try:
            unchanged = articles_mod.file_hash_at(path) == old_states.hashes[int(at[i])]
        except OSError:
            unchanged = False
        if unchanged:
            rehashed.append(i)
        else:
            changed_paths.append(path)
            todo.append(jobs.job(i))
    todo.extend(jobs.job(i) for i in np.flatnonzero(~listed).tolist())
    report.unchanged = int(np.count_nonzero(same)) + len(rehashed)
    unseen = np.ones(len(old_states), dtype=bool)
    unseen[at[listed]] = False
    gone_rows = [
        i for i in np.flatnonzero(unseen).tolist()
        if _under(p := old_states.paths[i], roots) or not os.path.exists(p)
    ]
    gone = [old_states.paths[i] for i in gone_rows]
    unseen[gone_rows] = False  # the rest are kept: files of other folders, still there
    retimed = old_states.taken(at[rehashed])
    retimed.size[:] = jobs.size[rehashed]
    retimed.mtime[:] = jobs.mtime[rehashed]
    kept = [old_states.taken(at[same]), retimed, old_states.taken(np.flatnonzero(unseen))]
    if not fresh:
        _check_drop(
            "this update",
            int(old_states.articles[gone_rows].sum()),
            int(old_states.articles.sum()),
            drop_limit,
            roots,
        )

    if not todo and not gone and not fresh:
        report.nothing_to_do = True
        report.articles = ix.doc_count()
        report.elapsed = time.monotonic() - start
        if rehashed:  # the same bytes at a new size or time: remembered, not read again
            generation = ix.latest_generation()
            name = _save_states(ixdir, generation, FileStates.joined(kept))
            trust.add_derived(ixdir, generation, [name])
        notify(Progress("done", 0, 0, 0, report.elapsed, 0.0, 0.0))
        return report

    if fresh:
        known = known or {}
        first_indexed = FirstIndexed(next_stamp(max(known.values(), default=None)), known)
    else:
        first_indexed = FirstIndexed(
            next_stamp(_newest_first_indexed(ix)), _first_indexed_of(ix, changed_paths)
        )
    writer = new_writer(ix, lock=True)
    try:
        for p in changed_paths:
            _delete_file(writer, p)
        report.deleted = sum(_delete_file(writer, p) for p in gone)

        segments_from_workers, states, problems, count, decoded = _index_todo(
            writer, ixdir, todo, config, notify, is_cancelled, workers, start, first_indexed
        )
        report.problems.extend(problems)
        changed = set(changed_paths)
        for path, st in states.items():
            if path in changed:
                report.updated += st[3]
            else:
                report.added += st[3]
        if is_cancelled():
            raise Cancelled("cancelled")

        elapsed = time.monotonic() - start
        notify(Progress("committing", len(todo), len(todo), count, elapsed, 0.0, None))
        merged = whooshext.Merged()
        made, made_files = ahead.result(is_cancelled) if ahead is not None else (None, {})
        generation = whooshext.commit(writer, segments_from_workers, merged, made)
        if made is not None and merged.into == made.segment.segment_id():
            decoded = {**decoded, **made_files}
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise

    # The files' states are written out, and what the run read of the files let go,
    # before the arrays are put together: at a million files they are most of a gigabyte.
    new_states = FileStates.joined([*kept, FileStates.from_dict(states)])
    states_name = _save_states(ixdir, generation, new_states)
    done = len(todo)
    todo.clear()
    jobs.clear()  # the caller holds the scan too: emptied, not only let go of here
    del kept, states, new_states, old_states
    prepared = arrays.prepare(ix, ixdir, decoded, merged)
    trust.add_derived(ixdir, generation, [states_name, *prepared], prepared)
    trust.prune(ixdir, generation)
    if fresh:
        store.switch_current(root, ixdir)
    report.articles = ix.doc_count()
    report.elapsed = time.monotonic() - start
    notify(Progress("done", done, done, count, report.elapsed, 0.0, 0.0))
    return report


def worker_count(requested: int | None, files: int) -> int:
    """Worker processes for ``files`` files to read: as many as requested (0 or
    None: one per core), but never more than the cores, nor more than one per
    ``BATCH_FILES`` files."""
    cores = os.cpu_count() or 1
    per_files = -(-files // BATCH_FILES)
    return max(1, min(requested or cores, cores, per_files))


def _index_todo(
    writer, ixdir, todo, config, notify, is_cancelled, workers, start, first_indexed
):
    total = len(todo)
    done = articles = 0
    last = 0.0

    def tick(path: str, n: int, files: int = 1):
        nonlocal done, articles, last
        done += files
        articles += n
        now = time.monotonic()
        if now - last >= 0.1 or done == total:
            last = now
            elapsed = now - start
            rate = articles / elapsed if elapsed > 0 else 0.0
            frate = done / elapsed if elapsed > 0 else 0.0
            eta = (total - done) / frate if frate > 0 else None
            # Once every file is read, the segments are still to be written out.
            phase = "writing" if done == total else "indexing"
            notify(Progress(phase, done, total, articles, elapsed, rate, eta, path))

    nworkers = worker_count(workers if workers is not None else config.workers, total)
    # Worker processes hand their segments over through Whoosh's internals.
    if nworkers <= 1 or total < PARALLEL_THRESHOLD or not whooshext.fast_paths():
        extractor = _load_extractor(config)
        states, problems, count = _index_files(
            writer, todo, config, extractor, tick, is_cancelled, first_indexed
        )
        return [], states, problems, count, {}
    return _index_parallel(
        writer, ixdir, todo, config, tick, is_cancelled, nworkers, first_indexed
    )


def _drain(q) -> None:
    """Take what is left in a queue, so the thread feeding it can finish."""
    try:
        while True:
            q.get(timeout=0.05)
    except (queue_mod.Empty, OSError, EOFError, ValueError):
        pass


class _ReadAhead:
    """Has the files the workers will read next read into memory ahead of them.

    Workers take the batches in order, so the files after the ones reported read
    are the ones they open next. A thread of this process, which waits on the
    workers otherwise, asks the system to read up to ``READ_AHEAD_FILES`` files
    (at most ``READ_AHEAD_BYTES``) ahead of them (``untrusted.read_soon``); the
    workers then find them in memory instead of each waiting for the disk in turn.
    """

    def __init__(self, jobs: Sequence[_FileJob]):
        self._jobs = jobs
        #: files the workers have reported read
        self.done = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="read-ahead", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        jobs = self._jobs
        n = len(jobs)
        # bytes of the files before each: those asked for and not reported read are
        # before[i] - before[done]
        before = np.zeros(n + 1, dtype=np.int64)
        np.cumsum([job.size for job in jobs], out=before[1:])
        i = 0  # the next file to ask for
        while not self._stop.is_set():
            done = min(self.done, n)
            i = max(i, done)  # never behind the workers: no use reading what they read
            if i >= n:
                return
            if i - done >= READ_AHEAD_FILES or before[i] - before[done] >= READ_AHEAD_BYTES:
                self._stop.wait(0.01)
                continue
            untrusted.read_soon(jobs[i].path)
            i += 1


def _index_parallel(writer, ixdir, todo, config, tick, is_cancelled, nworkers, first_indexed):
    ctx = mp.get_context("spawn")
    tasks = ctx.Queue()
    # Batches left unread when the run stops early must not keep this process
    # from exiting (its queue thread would wait for ever to hand them over).
    tasks.cancel_join_thread()
    results = ctx.Queue()
    progress_q = ctx.Queue()
    stop = ctx.Event()
    # Big files first, so the workers finish at about the same time.
    ordered = sorted(todo, key=lambda j: -j.size)
    batches = [ordered[i : i + BATCH_FILES] for i in range(0, len(ordered), BATCH_FILES)]
    for b in batches:
        tasks.put(b)
    for _ in range(nworkers):
        tasks.put(None)
    config_dict = {k: v for k, v in vars(config).items()}
    procs = [
        ctx.Process(
            target=_worker_main,
            args=(str(ixdir), config_dict, tasks, results, progress_q, stop, os.getpid(),
                  first_indexed, BULK_LIMIT_MB, STATES_SENT_EVERY),
            daemon=True,
        )
        for _ in range(nworkers)
    ]
    for p in procs:
        p.start()
    readahead = _ReadAhead(ordered)
    readahead.start()
    outcomes: list[tuple] = []
    # what the workers hand over as they go (see STATES_SENT_EVERY), then at their end
    states: dict[str, list] = {}
    problems: list[Problem] = []
    count = 0
    try:
        while len(outcomes) < nworkers:
            if is_cancelled():
                stop.set()
            try:
                while True:
                    files, n = progress_q.get_nowait()
                    readahead.done += files
                    tick("", n, files)
            except queue_mod.Empty:
                pass
            try:
                outcome = results.get(timeout=0.1)
                if outcome[0] == "part":
                    states.update(outcome[2])
                    problems.extend(outcome[3])
                    count += outcome[4]
                else:
                    outcomes.append(outcome)
            except queue_mod.Empty:
                if not any(p.is_alive() for p in procs) and results.empty():
                    raise SearchtuiError("an indexing worker process died unexpectedly") from None
        while True:
            try:
                files, n = progress_q.get_nowait()
                tick("", n, files)
            except queue_mod.Empty:
                break
        for p in procs:
            p.join(timeout=10)
    except BaseException:
        stop.set()
        for p in procs:
            p.join(timeout=2)
            if p.is_alive():
                p.terminate()
        raise
    finally:
        readahead.stop()
        _drain(tasks)
    errors = [o for o in outcomes if o[0] == "error"]
    if errors:
        raise SearchtuiError(f"indexing failed in a worker: {errors[0][1]}\n{errors[0][2]}")
    if any(o[0] == "cancelled" for o in outcomes) or is_cancelled():
        raise Cancelled("cancelled")
    segments: list = []
    decoded: dict = {}
    for _, segs, s, p, c, d in outcomes:
        segments.extend(segs)
        states.update(s)
        problems.extend(p)
        count += c
        decoded.update(d)
    return segments, states, problems, count, decoded
