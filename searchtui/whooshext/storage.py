"""Index folders that reach the disk in order, signed generations, and pinned reading.

Whoosh makes a generation live by writing its table of contents (TOC) to a
temporary file and renaming it into place. ``DurableStorage`` flushes every
file of the folder to disk before that rename, and the folder after it, so a
crash (or power loss) at any moment leaves either the previous generation or
a complete new one: never a TOC that names segment files still in the page
cache. It does so through ``Storage.rename_file``, the public method Whoosh's
``TOC.write`` calls, so any writer on an index opened here commits durably.

Just before that rename, a storage given a ``seal`` function calls it with the
new ``Generation`` (its number, its TOC and its segment files), so the
generation is signed before any reader can see it. The segment files are
named by ``writers.commit``, which knows the generation's segments; a commit
that does not go through it is refused on a sealed storage.

``PinnedStorage`` reads one generation whose TOC was read and checked before:
its TOC comes from those bytes, and newer TOCs are not seen, so Whoosh
unpickles exactly what was verified.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.index import Index

TOC_SUFFIX = ".toc"


def toc_name(indexname: str, generation: int) -> str:
    """The name of a generation's table of contents (as Whoosh names it)."""
    return f"_{indexname}_{generation}{TOC_SUFFIX}"


def _toc_pattern(indexname: str) -> re.Pattern[str]:
    return re.compile(rf"^_{re.escape(indexname)}_([0-9]+)\.toc$")


#: The TOC of any Whoosh index, whatever its name.
ANY_TOC = re.compile(r"^_.+_[0-9]+\.toc$")


def fsync_file(path: str | os.PathLike[str]) -> None:
    """Flush one file (or a folder's entries) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, write: Callable[[BinaryIO], object] | bytes) -> None:
    """Write a file whole or not at all: a temporary file beside it, written (these
    bytes, or by ``write(fh)``), flushed to disk, then renamed over ``path``. On any
    failure the temporary file is removed and the error raised."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            if isinstance(write, bytes):
                fh.write(write)
            else:
                write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def fsync_folder(path: str | os.PathLike[str]) -> None:
    """Flush every file of a folder, and the folder itself, to disk."""
    for entry in os.scandir(path):
        if entry.is_file(follow_symlinks=False):
            fsync_file(entry.path)
    fsync_file(path)


@dataclass
class Generation:
    """A generation about to become live: what a ``seal`` function signs."""

    folder: str
    number: int
    toc: str  # the TOC's name
    toc_source: str  # the file its bytes are in now (its temporary name)
    segment_files: list[str] = field(default_factory=list)


class DurableStorage(FileStorage):
    """A ``FileStorage`` whose table of contents is renamed into place only after a flush."""

    def __init__(
        self, path: str, *, seal: Callable[[Generation], None] | None = None, **kwargs
    ) -> None:
        super().__init__(path, **kwargs)
        self.seal = seal
        #: the segment ids of the generation being committed (set by writers.commit)
        self.committing: list[str] | None = None

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        if not newname.endswith(TOC_SUFFIX):
            super().rename_file(oldname, newname, safe=safe)
            return
        fsync_folder(self.folder)
        if self.seal is not None:
            self.seal(self._generation(oldname, newname))
        super().rename_file(oldname, newname, safe=safe)
        fsync_file(self.folder)

    def _generation(self, oldname: str, newname: str) -> Generation:
        number = int(newname[: -len(TOC_SUFFIX)].rsplit("_", 1)[1])
        segments = self.committing
        if segments is None:
            if number != 0:  # the empty TOC a new index starts with has no segments
                raise ValueError("a signed index commits through searchtui.whooshext.commit")
            segments = []
        prefixes = tuple(f"{segid}." for segid in segments)
        files = sorted(n for n in self.list() if n.startswith(prefixes)) if prefixes else []
        return Generation(self.folder, number, newname, oldname, files)


class PinnedStorage(FileStorage):
    """A read-only ``FileStorage`` showing one generation, its TOC served from checked bytes."""

    def __init__(self, path: str, indexname: str, generation: int, toc: bytes) -> None:
        super().__init__(path, readonly=True)
        self._toc_name = toc_name(indexname, generation)
        self._toc = toc

    def list(self) -> list[str]:
        return [
            name for name in super().list()
            if not name.endswith(TOC_SUFFIX) or name == self._toc_name
        ]

    def open_file(self, name: str, **kwargs):
        if name == self._toc_name:
            return BufferFile(self._toc, name=name)
        return super().open_file(name, **kwargs)


def create_index(
    folder: str | os.PathLike, schema: Schema, indexname: str, *,
    seal: Callable[[Generation], None] | None = None,
) -> Index:
    """A new, empty index in ``folder``, whose commits are durable (and signed with ``seal``)."""
    return DurableStorage(str(folder), seal=seal).create_index(schema, indexname=indexname)


def open_index(
    folder: str | os.PathLike, indexname: str, *,
    seal: Callable[[Generation], None] | None = None,
) -> Index:
    """The index in ``folder``, opened for writing; its commits are durable (and signed)."""
    return DurableStorage(str(folder), seal=seal).open_index(indexname)


def open_generation(
    folder: str | os.PathLike, indexname: str, generation: int, toc: bytes
) -> Index:
    """Generation ``generation`` of the index in ``folder``, read-only, from its checked TOC."""
    return PinnedStorage(str(folder), indexname, generation, toc).open_index(indexname)


def segment_files(ix: Index) -> list[str]:
    """The names of the segment files of the generation ``ix`` reads (its TOC is unpickled)."""
    prefixes = tuple(f"{segment.segment_id()}." for segment in ix._read_toc().segments)
    if not prefixes:
        return []
    return sorted(name for name in ix.storage.list() if name.startswith(prefixes))


def latest_generation(folder: str | os.PathLike, indexname: str) -> int:
    """The number of the live generation of the index in ``folder`` (-1: there is none).

    Read from the names of the TOC files alone: nothing is unpickled.
    """
    pattern = _toc_pattern(indexname)
    try:
        names = os.listdir(folder)
    except OSError:
        return -1
    found = [int(m.group(1)) for m in map(pattern.match, names) if m]
    return max(found, default=-1)


def holds_whoosh_index(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` holds a Whoosh index (any name), from the file names alone."""
    try:
        return any(ANY_TOC.match(name) for name in os.listdir(folder))
    except OSError:
        return False
