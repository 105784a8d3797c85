"""Following the corpus folders: the index updated as files come, change and go.

:func:`follow` brings the index up to date, then watches the folders (through
``watchfiles``: the kernel's file notifications, or polling where there are
none). Changes are gathered until the folders have been quiet for about a
second (or for at most :data:`LONGEST_MS` of steady change), and then indexed
in one batch: an ordinary incremental update (:func:`~searchtui.indexer.build_index`)
of the folders that hold the changes, so a burst of thousands of files is a
few commits, not thousands. The index's lock is taken only while a batch is
written; a batch that finds the index locked by another run waits and tries
again. Setting ``stop`` ends it: a batch under way is abandoned (or finishes
if it is already committing) and the index stays whole.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from searchtui.articles.discover import SUPPORTED_SUFFIXES
from searchtui.config import Config
from searchtui.errors import Cancelled, IndexLocked, SearchtuiError, WouldDropArticles
from searchtui.indexer import (
    IndexReport,
    Progress,
    build_index,
    choose_corpus,
    index_corpus,
    inside,
)
from searchtui.models import Problem

#: A batch starts once the folders have been quiet this long...
QUIET_MS = 1_000
#: ...or once changes have been gathered this long.
LONGEST_MS = 10_000
#: How often the watcher wakes when nothing happens (a batch the lock held back is
#: tried again then).
WAKE_MS = 1_000


@dataclass
class Batch:
    """What one batch did: its report, or why it did nothing."""

    changed: int  # paths the file system reported
    report: IndexReport | None = None
    #: the files of this batch skipped, with the reason
    skipped: list[Problem] = field(default_factory=list)
    error: str | None = None
    #: the index was locked by another run: tried again later
    waiting: bool = False
    #: stopped while it ran: nothing of it was written
    abandoned: bool = False
    at: float = field(default_factory=time.time)

    @property
    def quiet(self) -> bool:
        """Nothing worth a line: no article added, changed or removed, nothing skipped."""
        r = self.report
        return (
            r is not None and not self.skipped
            and (r.nothing_to_do or not (r.added or r.updated or r.deleted))
        )

    def line(self) -> str:
        when = time.strftime("%H:%M:%S", time.localtime(self.at))
        if self.abandoned:
            return f"{when} batch abandoned; the index is as it was"
        if self.waiting:
            return f"{when} {self.error}; waiting to index {self.changed} change(s)"
        if self.error is not None or self.report is None:
            return f"{when} batch not indexed: {self.error}"
        r = self.report
        text = (
            f"{when} {r.added} added, {r.updated} updated, {r.deleted} deleted, "
            f"{len(self.skipped)} skipped"
        )
        if self.skipped:
            text += " (" + "; ".join(f"{p.path}: {p.reason}" for p in self.skipped) + ")"
        return text + f"; {r.articles:,} article{'' if r.articles == 1 else 's'} in the index"


def _root_of(path: str, roots: Sequence[str]) -> str | None:
    """The corpus folder (or file) ``path`` is in, the deepest if several."""
    found = [r for r in roots if inside(path, r)]
    return max(found, key=len) if found else None


class Relevant:
    """Which reported changes can matter to the index: under a corpus folder, not
    hidden there (the index passes over hidden files and folders), not inside the
    index folder, and of a type the index reads (or a folder, or gone: it may have
    been a folder)."""

    def __init__(self, roots: Sequence[str], index_root: str):
        self.roots = list(roots)
        self.index_root = index_root

    def __call__(self, change: object, path: str) -> bool:
        root = _root_of(path, self.roots)
        if root is None or inside(path, self.index_root):
            return False
        rel = os.path.relpath(path, root)
        if rel != "." and any(part.startswith(".") for part in Path(rel).parts):
            return False
        if Path(path).suffix.lower() in SUPPORTED_SUFFIXES:
            return True
        return os.path.isdir(path) or not os.path.lexists(path)


def folders_to_scan(changed: Iterable[str], roots: Sequence[str]) -> list[str]:
    """The folders (or corpus files) to look at again for ``changed`` paths: the
    folder holding each change, or the nearest that still exists, none inside another."""
    folders: set[str] = set()
    for path in changed:
        root = _root_of(path, roots)
        if root is None:
            continue
        if path == root or not os.path.isdir(root):
            folders.add(root)
            continue
        folder = os.path.dirname(path)
        while folder != root and not os.path.isdir(folder):
            folder = os.path.dirname(folder)
        folders.add(folder)
    return sorted(f for f in folders if not any(o != f and inside(f, o) for o in folders))


def _batch_skips(report: IndexReport, changed: Iterable[str]) -> list[Problem]:
    """The skipped files of a batch that were among its changes (a folder looked at
    again reports its old skips too)."""
    changed = list(changed)
    return [p for p in report.skipped if any(inside(p.path, c) for c in changed)]


def follow(
    index_dir: str | os.PathLike,
    config: Config,
    paths: Sequence[str] | None = None,
    *,
    stop: threading.Event,
    on_batch: Callable[[Batch], None],
    on_ready: Callable[[IndexReport], None] | None = None,
    progress: Callable[[Progress], None] | None = None,
    rebuild: bool = False,
    workers: int | None = None,
    drop_limit: float | None = None,
) -> None:
    """Bring the index up to date, then index each batch of changes until ``stop`` is set.

    The first run is ``searchtui index``'s (its report goes to ``on_ready``); it
    raises as that does, :class:`~searchtui.errors.Cancelled` if stopped. A batch
    that fails is reported to ``on_batch`` and the watch goes on.
    """
    import watchfiles

    chosen, _origin = choose_corpus(index_dir, config, paths)
    roots = [str(Path(p).resolve()) for p in chosen]
    index_root = str(Path(index_dir).resolve())
    changes = watchfiles.watch(
        *[r for r in roots if os.path.exists(r)],
        watch_filter=Relevant(roots, index_root),
        debounce=LONGEST_MS,
        step=QUIET_MS,
        stop_event=stop,
        rust_timeout=WAKE_MS,
        yield_on_timeout=True,
        raise_interrupt=False,
        ignore_permission_denied=True,
    )
    try:
        # Watching from here: what changes during the first run makes a batch after it.
        pending = {path for _change, path in next(changes, set())}
        report = index_corpus(
            index_dir, config, paths, rebuild=rebuild, progress=progress, cancel=stop,
            workers=workers, drop_limit=drop_limit,
        )
        if on_ready is not None:
            on_ready(report)
        waiting = False
        for found in changes:
            pending |= {path for _change, path in found}
            if stop.is_set():
                break
            if not pending:
                continue
            batch = _index_batch(index_dir, config, roots, pending, stop, workers, drop_limit)
            if batch.waiting:
                if not waiting:
                    on_batch(batch)
                waiting = True
                continue
            waiting = False
            pending = set()
            if not batch.quiet:
                on_batch(batch)
            if batch.abandoned:
                break
    finally:
        changes.close()


def _index_batch(
    index_dir, config: Config, roots: list[str], pending: set[str], stop: threading.Event,
    workers: int | None, drop_limit: float | None,
) -> Batch:
    batch = Batch(changed=len(pending))
    folders = folders_to_scan(pending, roots)
    if not folders:
        batch.report = IndexReport(nothing_to_do=True)
        return batch
    try:
        report = build_index(
            folders, index_dir, config=config, cancel=stop, workers=workers,
            drop_limit=drop_limit,
        )
    except Cancelled:
        batch.abandoned = True
    except IndexLocked as exc:
        batch.waiting = True
        batch.error = str(exc).split(";")[0]
    except WouldDropArticles as exc:
        batch.error = f"{exc}; to go ahead, run: searchtui index --yes"
    except SearchtuiError as exc:
        batch.error = str(exc)
    else:
        batch.report = report
        batch.skipped = _batch_skips(report, pending)
    return batch
