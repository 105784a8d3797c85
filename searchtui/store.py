"""Where an index lives on disk, and how it changes safely.

An index folder (``index/`` by default) holds:

- ``CURRENT``: the name of the live Whoosh index folder inside it;
- ``ix-*``: Whoosh index folders, each with ``searchtui.json`` (schema version, the
  corpus folders it was built from);
- ``.lock``: held (``flock``) by the one process that is updating the index, and
  removed when it is done.

A full build writes a new ``ix-*`` folder and then replaces ``CURRENT`` in one
atomic rename, so an interrupted build leaves the previous index untouched. An
incremental update writes new segments into the live folder and makes them
visible with Whoosh's own atomic table-of-contents rename, after the segment
files are flushed to disk (``whooshext.storage``); until then readers see the
previous generation.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import fcntl
import json
import os
import shutil
import time
import uuid
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from searchtui.errors import IndexIncompatible, IndexLocked, IndexMissing
from searchtui.schema import SCHEMA_VERSION
from searchtui.whooshext import fsync_file, fsync_folder, latest_generation

POINTER = "CURRENT"
META = "searchtui.json"
LOCK = ".lock"
INDEX_NAME = "MAIN"


def current_dir(root: Path) -> Path | None:
    """The live Whoosh folder of the index at ``root``, or None if there is none."""
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexIncompatible(f"{root}: cannot read {POINTER}: {exc.strerror}") from None
    if not name or "/" in name or name.startswith("."):
        raise IndexIncompatible(
            f"{root}: the index pointer is damaged; rebuild with: searchtui index --rebuild"
        )
    return root / name


def read_meta(ixdir: Path) -> dict:
    try:
        return json.loads((ixdir / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def check_compatible(root: Path, ixdir: Path) -> dict:
    meta = read_meta(ixdir)
    version = meta.get("schema_version")
    if version != SCHEMA_VERSION:
        found = "an unknown version" if version is None else f"version {version}"
        raise IndexIncompatible(
            f"the index at {root} was written by {found} of searchtui's index format "
            f"(this one reads version {SCHEMA_VERSION}); rebuild it with: "
            f"searchtui index --rebuild --index {root}"
        )
    try:
        exists = whoosh_index.exists_in(str(ixdir), indexname=INDEX_NAME)
    except Exception as exc:  # a damaged table of contents: Whoosh raises assorted types
        raise IndexIncompatible(
            f"the index at {root} cannot be opened ({exc.__class__.__name__}: {exc}); "
            f"rebuild it with: searchtui index --rebuild --index {root}"
        ) from None
    if not exists:
        raise IndexIncompatible(
            f"the index at {root} is incomplete; rebuild it with: "
            f"searchtui index --rebuild --index {root}"
        )
    return meta


def check_not_foreign(root: Path) -> None:
    """Refuse a folder that holds a Whoosh index searchtui did not write."""
    if root.is_dir() and whoosh_index.exists_in(str(root)):
        raise IndexIncompatible(
            f"{root} holds a Whoosh index that searchtui did not write; "
            f"rebuild it with: searchtui index --rebuild --index {root}"
        )


def open_index(root: str | os.PathLike):
    """Open the live index read-only: (whoosh index, its folder, its meta)."""
    root = Path(root)
    ixdir = current_dir(root)
    if ixdir is None or not ixdir.is_dir():
        check_not_foreign(root)
        raise IndexMissing(
            f"no index at {root}; build it with: searchtui index CORPUS --index {root}"
        )
    meta = check_compatible(root, ixdir)
    storage = FileStorage(str(ixdir), readonly=True)
    try:
        ix = storage.open_index(INDEX_NAME)
    except Exception as exc:  # Whoosh raises several unrelated types for a damaged index
        raise IndexIncompatible(
            f"the index at {root} cannot be opened ({exc.__class__.__name__}: {exc}); "
            f"rebuild it with: searchtui index --rebuild --index {root}"
        ) from None
    return ix, ixdir, meta


def generation_token(root: str | os.PathLike) -> str | None:
    """A string that changes whenever a new index generation becomes live."""
    root = Path(root)
    try:
        ixdir = current_dir(root)
    except IndexIncompatible:
        return None
    if ixdir is None:
        return None
    return f"{ixdir.name}:{latest_generation(ixdir, INDEX_NAME)}"


class IndexLock:
    """An exclusive, non-blocking lock on an index folder for one updating process.

    The kernel releases it when the process dies, so a killed run never leaves
    a stale lock behind.
    """

    def __init__(self, root: Path):
        self.root = root
        self.path = root / LOCK
        self._fd: int | None = None

    def acquire(self) -> IndexLock:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = ""
                try:
                    holder = os.read(fd, 64).decode("ascii", "replace").strip()
                except OSError:
                    pass
                os.close(fd)
                if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    who = f" (pid {holder})" if holder else ""
                    raise IndexLocked(
                        f"the index at {self.root} is being updated by another process{who}; "
                        f"try again when it has finished"
                    ) from None
                raise
            if self._still_linked(fd):
                break
            # The holder removed the file between our open and our lock: lock the new one.
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def _still_linked(self, fd: int) -> bool:
        try:
            on_disk = os.stat(self.path)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)

    def release(self) -> None:
        """Unlock, and remove the lock file: none is left behind once a run ends."""
        if self._fd is not None:
            try:
                # Removed while still held, so no one can lock the old file after us.
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.path)
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> IndexLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def new_index_dir(root: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = root / f"ix-{stamp}-{uuid.uuid4().hex[:6]}"
    path.mkdir(parents=True)
    return path


def write_meta(ixdir: Path, **extra) -> None:
    meta = {
        "schema_version": SCHEMA_VERSION,
        "written": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    meta.update(extra)
    tmp = ixdir / (META + ".tmp")
    tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    fsync_file(tmp)
    os.replace(tmp, ixdir / META)


def update_meta(ixdir: Path, **changes) -> None:
    """Change some entries of an index's meta, keeping the others."""
    meta = read_meta(ixdir)
    meta.update(changes)
    tmp = ixdir / (META + ".tmp")
    tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    fsync_file(tmp)
    os.replace(tmp, ixdir / META)


def recorded_corpus(root: str | os.PathLike) -> list[str]:
    """The corpus folders the live index at ``root`` was built from (none if no index)."""
    try:
        ixdir = current_dir(Path(root))
    except IndexIncompatible:
        return []
    if ixdir is None:
        return []
    folders = read_meta(ixdir).get("corpus")
    if not isinstance(folders, list):
        return []
    return [f for f in folders if isinstance(f, str)]


def switch_current(root: Path, ixdir: Path) -> None:
    """Make ``ixdir`` the live index in one atomic step, then drop the old folders."""
    fsync_folder(ixdir)
    tmp = root / (POINTER + ".tmp")
    tmp.write_text(ixdir.name + "\n", encoding="utf-8")
    fsync_file(tmp)
    os.replace(tmp, root / POINTER)
    fsync_file(root)
    remove_stale_dirs(root)


def remove_stale_dirs(root: Path) -> None:
    """Delete index folders that are not live (left by finished or interrupted builds)."""
    try:
        live = current_dir(root)
    except IndexIncompatible:
        return
    for entry in root.iterdir():
        if entry.is_dir() and entry.name.startswith("ix-") and entry != live:
            shutil.rmtree(entry, ignore_errors=True)
