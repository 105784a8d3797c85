"""Index folders that reach the disk in order, and their latest generation.

Whoosh makes a generation live by writing its table of contents (TOC) to a
temporary file and renaming it into place. ``DurableStorage`` flushes every
file of the folder to disk before that rename, and the folder after it, so a
crash (or power loss) at any moment leaves either the previous generation or
a complete new one: never a TOC that names segment files still in the page
cache. It does so through ``Storage.rename_file``, the public method Whoosh's
``TOC.write`` calls, so any writer on an index opened here commits durably.
"""

from __future__ import annotations

import os

from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, Index

from searchtui.whooshext.version import fast_paths

TOC_SUFFIX = ".toc"


def fsync_file(path: str | os.PathLike[str]) -> None:
    """Flush one file (or a folder's entries) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(path: str | os.PathLike[str]) -> None:
    """Flush every file of a folder, and the folder itself, to disk."""
    for entry in os.scandir(path):
        if entry.is_file(follow_symlinks=False):
            fsync_file(entry.path)
    fsync_file(path)


class DurableStorage(FileStorage):
    """A ``FileStorage`` whose table of contents is renamed into place only after a flush."""

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        if not newname.endswith(TOC_SUFFIX):
            super().rename_file(oldname, newname, safe=safe)
            return
        fsync_folder(self.folder)
        super().rename_file(oldname, newname, safe=safe)
        fsync_file(self.folder)


def create_index(folder: str | os.PathLike, schema: Schema, indexname: str) -> Index:
    """A new, empty index in ``folder``, whose commits are durable."""
    return DurableStorage(str(folder)).create_index(schema, indexname=indexname)


def open_index(folder: str | os.PathLike, indexname: str) -> Index:
    """The index in ``folder``, opened for writing; its commits are durable."""
    return DurableStorage(str(folder)).open_index(indexname)


def latest_generation(folder: str | os.PathLike, indexname: str) -> int:
    """The number of the live generation of the index in ``folder`` (-1: there is none).

    Read from the names of the TOC files alone (no unpickling) on the release
    the fast paths are written for; by opening the index otherwise.
    """
    storage = FileStorage(str(folder), readonly=True)
    if fast_paths():
        return int(TOC._latest_generation(storage, indexname))
    try:
        return int(storage.open_index(indexname).latest_generation())
    except Exception:  # no TOC (EmptyIndexError), or a damaged one: Whoosh raises assorted types
        return -1
