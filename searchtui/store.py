"""Where an index lives on disk, and how it changes safely.

An index folder (``index/`` by default) holds:

- ``CURRENT``: the name of the live Whoosh index folder inside it;
- ``ix-*``: Whoosh index folders, each with ``searchtui.json`` (schema version)
  and the signed manifest of its live generation (see ``trust``);
- ``.lock``: held (``flock``) by the one process that is updating the index, and
  removed when it is done.

A full build writes a new ``ix-*`` folder and then replaces ``CURRENT`` in one
atomic rename, so an interrupted build leaves the previous index untouched. An
incremental update writes new segments into the live folder and makes them
visible with Whoosh's own atomic table-of-contents rename, after the segment
files are flushed to disk (``whooshext.storage``); until then readers see the
previous generation.

Nothing of an index is unpickled before ``verify`` has checked it: the
manifest of the live generation signed with this user's key, every file it
names present at its size, the table of contents and ``searchtui.json`` at
their checksums (the big segment files are hashed by ``searchtui check``
only, so opening stays fast). Whoosh then reads that very generation, its
table of contents from the bytes checked (``whooshext.open_generation``).
Errors from decoding damaged files while reading become ``IndexDamaged``
(``reading``).
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
from collections.abc import Iterator
from pathlib import Path

from searchtui import trust
from searchtui.errors import (
    IndexDamaged,
    IndexIncompatible,
    IndexLocked,
    IndexMissing,
    IndexUntrusted,
    IndexUnwritable,
    SearchtuiError,
)
from searchtui.schema import READABLE_VERSIONS, SCHEMA_VERSION
from searchtui.whooshext import (
    Generation,
    fsync_file,
    fsync_folder,
    holds_whoosh_index,
    is_damage,
    latest_generation,
    open_generation,
    toc_name,
    what_is_damaged,
)

POINTER = "CURRENT"
META = "searchtui.json"
LOCK = ".lock"
INDEX_NAME = "MAIN"


def current_dir(root: Path) -> Path | None:
    """The live Whoosh folder of the index at ``root``, or None if there is none."""
    try:
        raw = (root / POINTER).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexDamaged(
            f"{root}: cannot read {POINTER}: {exc.strerror}; "
            f"rebuild with: searchtui index --rebuild --index {root}"
        ) from None
    try:
        name = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        name = ""
    if not name or "/" in name or name.startswith(".") or not name.isprintable():
        raise IndexDamaged(
            f"{root}: the index pointer {POINTER} is damaged; "
            f"rebuild with: searchtui index --rebuild --index {root}"
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
    if version not in READABLE_VERSIONS:
        found = "an unknown version" if version is None else f"version {version}"
        *earlier, last = READABLE_VERSIONS
        listed = ", ".join(map(str, earlier))
        reads = f"versions {listed} and {last}" if earlier else f"version {last}"
        raise IndexIncompatible(
            f"the index at {root} was written by {found} of searchtui's index format "
            f"(this one reads {reads}); rebuild it with: "
            f"searchtui index --rebuild --index {root}"
        )
    if latest_generation(ixdir, INDEX_NAME) < 0:
        raise IndexDamaged(
            f"the index at {root} is incomplete; rebuild it with: "
            f"searchtui index --rebuild --index {root}"
        )
    return meta


def check_not_foreign(root: Path) -> None:
    """Refuse a folder that holds a Whoosh index searchtui did not write (by file names)."""
    if root.is_dir() and holds_whoosh_index(root):
        raise IndexIncompatible(
            f"{root} holds a Whoosh index that searchtui did not write; "
            f"rebuild it with: searchtui index --rebuild --index {root}"
        )


def untrusted(root: Path, reason: str) -> IndexUntrusted:
    return IndexUntrusted(
        f"the index at {root} is not opened: {reason}, so it may not have been written by "
        f"your searchtui; if you trust it: searchtui trust {root}; "
        f"or rebuild it with: searchtui index --rebuild --index {root}"
    )


def damaged(root: Path, what: str, *, opening: bool = False) -> IndexDamaged:
    state = "is damaged and cannot be opened" if opening else "is damaged"
    return IndexDamaged(
        f"the index at {root} {state} ({what}); "
        f"rebuild with: searchtui index --rebuild --index {root}"
    )


def verify(root: Path, ixdir: Path) -> tuple[trust.Manifest, bytes]:
    """Check the live generation before anything of it is unpickled (see the module's doc).

    Returns its manifest and the bytes of its table of contents, as checked.
    """
    generation = latest_generation(ixdir, INDEX_NAME)
    if generation < 0:
        raise damaged(root, "it has no table of contents", opening=True)
    try:
        manifest = trust.read_manifest(ixdir, generation)
    except trust.NotSigned as exc:
        raise untrusted(root, str(exc)) from None
    toc = toc_name(INDEX_NAME, generation)
    if toc not in manifest.files or META not in manifest.files:
        raise untrusted(root, "its signature does not cover its table of contents")
    for name, entry in manifest.files.items():
        try:
            size = (ixdir / name).stat().st_size
        except FileNotFoundError:
            raise damaged(root, f"{name} is missing", opening=True) from None
        except OSError as exc:
            raise damaged(root, f"{name} cannot be read: {exc.strerror}", opening=True) from None
        if size != entry.size:
            raise damaged(
                root, f"{name} is {size:,} bytes long instead of {entry.size:,}", opening=True
            )
    checked = {}
    for name in (toc, META):
        try:
            data = (ixdir / name).read_bytes()
        except OSError as exc:
            raise damaged(root, f"{name} cannot be read: {exc.strerror}", opening=True) from None
        if trust.sha256_bytes(data) != manifest.files[name].sha256:
            raise damaged(root, f"{name} has changed since it was written", opening=True)
        checked[name] = data
    return manifest, checked[toc]


def open_index(root: str | os.PathLike):
    """Open the live index read-only: (whoosh index, its folder, its meta).

    Only a generation that ``verify`` passed is read.
    """
    root = Path(root)
    ixdir = current_dir(root)
    if ixdir is None or not ixdir.is_dir():
        check_not_foreign(root)
        raise IndexMissing(
            f"no index at {root}; build it with: searchtui index CORPUS --index {root}"
        )
    meta = check_compatible(root, ixdir)
    manifest, toc = verify(root, ixdir)
    try:
        ix = open_generation(ixdir, INDEX_NAME, manifest.generation, toc)
    except Exception as exc:  # a damaged segment: Whoosh raises several unrelated types
        raise damaged(
            root, f"{exc.__class__.__name__}: {exc}", opening=True
        ) from None
    return ix, ixdir, meta


@contextlib.contextmanager
def reading(root: Path) -> Iterator[None]:
    """Errors from decoding damaged index files, raised inside, become ``IndexDamaged``."""
    try:
        yield
    except SearchtuiError:
        raise
    except Exception as exc:
        if not is_damage(exc):
            raise
        raise damaged(Path(root), what_is_damaged(exc)) from None


def seal(generation: Generation) -> None:
    """Sign a generation about to become live: its TOC, segment files and meta."""
    folder = Path(generation.folder)
    names = {generation.toc: folder / generation.toc_source, META: folder / META}
    names.update((name, folder / name) for name in generation.segment_files)
    trust.seal(folder, generation.number, names)


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
            fd = self._open()
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
        try:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        except OSError:
            pass  # the pid is only shown to another process that waits
        self._fd = fd
        return self

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if isinstance(exc, IsADirectoryError):
                why = "is a folder, not a lock file: remove it"
            else:
                why = f"cannot be opened for writing ({exc.strerror})"
            raise IndexUnwritable(
                f"cannot lock the index at {self.root}: {self.path} {why}"
            ) from None

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
                with contextlib.suppress(OSError):
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
