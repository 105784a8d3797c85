"""What the index knows of each file it has read, in columns.

For each file: its path, the hash of its bytes, its size and modification time
when read, how many articles it gave, and whether it was skipped. An update
compares a scan of the corpus with these: a file of the same size and time is
not read again. A corpus holds a million files, so the states are kept as arrays
(a list of paths and one array a column), saved as one ``.npz`` file, and
compared with a scan in whole-array steps, not file by file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat

import numpy as np

from searchtui import mapped

#: Between the paths (and the hashes) in the saved file: no path holds it.
SEP = "\0"
_COLUMNS = ("size", "mtime", "articles", "skipped")
#: A time that does not fit the column (a file dated past the year 2262): a file
#: that has it is never taken to be unchanged by its time, its bytes are compared.
UNKNOWN_TIME = int(np.iinfo(np.int64).max)


def times(values: Sequence[int]) -> np.ndarray:
    """Modification times (nanoseconds) as a column, those that do not fit it
    as :data:`UNKNOWN_TIME`."""
    try:
        return np.fromiter(values, dtype=np.int64, count=len(values))
    except OverflowError:
        return np.fromiter(
            (v if -UNKNOWN_TIME <= v < UNKNOWN_TIME else UNKNOWN_TIME for v in values),
            dtype=np.int64, count=len(values),
        )
_UNREADABLE = (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile, UnicodeDecodeError)


class Unsound(Exception):
    """A states file that cannot be read, or holds what no states file holds."""


class FileStates:
    """The states of files, a row each: ``paths[i]`` and ``hashes[i]``, with
    ``size``, ``mtime`` (nanoseconds), ``articles`` and ``skipped`` at ``i``."""

    def __init__(
        self, paths: list[str], hashes: list[str], size: np.ndarray, mtime: np.ndarray,
        articles: np.ndarray, skipped: np.ndarray,
    ):
        n = len(paths)
        if len(hashes) != n or any(len(a) != n for a in (size, mtime, articles, skipped)):
            raise ValueError("file states: the columns differ in length")
        self.paths = paths
        self.hashes = hashes
        self.size = np.asarray(size, dtype=np.int64)
        self.mtime = np.asarray(mtime, dtype=np.int64)
        self.articles = np.asarray(articles, dtype=np.int64)
        self.skipped = np.asarray(skipped, dtype=bool)
        self._where: dict[str, int] | None = None
        #: the paths and the hashes as the saved file holds them (see ``_blob``), when
        #: known: a million paths take a second to join again
        self._blobs: tuple[np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.paths)

    @classmethod
    def empty(cls) -> FileStates:
        return cls.from_dict({})

    @classmethod
    def from_dict(cls, states: Mapping[str, Sequence]) -> FileStates:
        """From path -> [hash, size, mtime_ns, articles, skipped]."""
        rows = list(states.values())
        return cls(
            list(states), [r[0] for r in rows],
            np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows)),
            times([r[2] for r in rows]),
            np.fromiter((r[3] for r in rows), dtype=np.int64, count=len(rows)),
            np.fromiter((r[4] for r in rows), dtype=bool, count=len(rows)),
        )

    def row(self, i: int) -> list:
        """Row ``i`` as [hash, size, mtime_ns, articles, skipped]."""
        return [self.hashes[i], int(self.size[i]), int(self.mtime[i]),
                int(self.articles[i]), bool(self.skipped[i])]

    def to_dict(self) -> dict[str, list]:
        return {p: self.row(i) for i, p in enumerate(self.paths)}

    def where(self, paths: Iterable[str]) -> np.ndarray:
        """The row of each of ``paths`` (-1: none)."""
        if self._where is None:
            self._where = dict(zip(self.paths, range(len(self.paths)), strict=True))
        return np.fromiter(map(self._where.get, paths, repeat(-1)), dtype=np.int64)

    def where_each(self, paths: list[str]) -> np.ndarray:
        """:meth:`where` for ``paths`` that hold each path once (a scan's): when they
        start with these states' paths, in order (an update that only adds files after
        the others), without a lookup a path."""
        n = len(self.paths)
        if n and len(paths) >= n and paths[n - 1] == self.paths[-1] and paths[:n] == self.paths:
            # the paths after those are none of these: each path comes once
            return np.concatenate([np.arange(n, dtype=np.int64),
                                   np.full(len(paths) - n, -1, dtype=np.int64)])
        return self.where(paths)

    def taken(self, rows: np.ndarray) -> FileStates:
        """The states of ``rows``, in that order (columns of their own)."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == len(self) and np.array_equal(rows, np.arange(len(self))):
            # every row in order (an update that only adds files): the paths and hashes,
            # which nothing changes, are shared, with what was made of them
            whole = FileStates(
                self.paths, self.hashes, self.size.copy(), self.mtime.copy(),
                self.articles.copy(), self.skipped.copy(),
            )
            whole._where, whole._blobs = self._where, self._blobs
            return whole
        return FileStates(
            [self.paths[i] for i in rows.tolist()], [self.hashes[i] for i in rows.tolist()],
            self.size[rows], self.mtime[rows], self.articles[rows], self.skipped[rows],
        )

    @classmethod
    def joined(cls, parts: Sequence[FileStates]) -> FileStates:
        """The rows of ``parts`` one after the other (a path in one part only)."""
        if not parts:
            return cls.empty()
        out = cls(
            [p for part in parts for p in part.paths],
            [h for part in parts for h in part.hashes],
            *(np.concatenate([getattr(part, c) for part in parts]) for c in _COLUMNS),
        )
        if any(part._blobs is not None for part in parts):
            # the saved form of each part, one after the other: what joining every path
            # again gives
            held = [part.blobs() for part in parts if len(part)]
            out._blobs = (_joined([b[0] for b in held]), _joined([b[1] for b in held]))
        return out

    def blobs(self) -> tuple[np.ndarray, np.ndarray]:
        """The paths and the hashes as the saved file holds them."""
        if self._blobs is None:
            self._blobs = (_blob(self.paths), _blob(self.hashes))
        return self._blobs

    # -- the saved file

    def to_bytes(self, generation: int) -> bytes:
        out = io.BytesIO()
        mapped.save(out, {
            "generation": np.array([generation], dtype=np.int64),
            "count": np.array([len(self)], dtype=np.int64),
            "paths": self.blobs()[0], "hashes": self.blobs()[1],
            **{c: getattr(self, c) for c in _COLUMNS},
        })
        return out.getvalue()

    @classmethod
    def from_bytes(cls, raw: bytes, generation: int) -> FileStates:
        """The states a file's bytes hold for ``generation``; :class:`Unsound` if they
        are not a states file of it."""
        try:
            with np.load(io.BytesIO(raw), allow_pickle=False) as z:
                if int(z["generation"][0]) != generation:
                    raise Unsound("made for another generation")
                count = int(z["count"][0])
                blobs = (z["paths"], z["hashes"])
                paths = _unblob(blobs[0], count)
                hashes = _unblob(blobs[1], count)
                columns = {c: z[c] for c in _COLUMNS}
        except _UNREADABLE as exc:
            raise Unsound(f"cannot be read ({type(exc).__name__})") from None
        want = {"size": np.int64, "mtime": np.int64, "articles": np.int64, "skipped": np.bool_}
        for name, column in columns.items():
            if column.dtype != want[name] or column.shape != (count,):
                raise Unsound(f"its column {name} is not {count} of {np.dtype(want[name])}")
        if count and (columns["articles"].min() < 0):
            raise Unsound("a file with fewer than no articles")
        states = cls(paths, hashes, **columns)
        states._blobs = blobs
        return states


def _blob(texts: list[str]) -> np.ndarray:
    return np.frombuffer(SEP.join(texts).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def _joined(blobs: list[np.ndarray]) -> np.ndarray:
    """The saved forms of several lists of texts (see ``_blob``, none of them empty),
    as the saved form of all their texts one after the other."""
    if not blobs:
        return _blob([])
    sep = np.frombuffer(SEP.encode(), dtype=np.uint8)
    return np.concatenate([x for k, b in enumerate(blobs) for x in ((sep, b) if k else (b,))])


def _unblob(blob: np.ndarray, count: int) -> list[str]:
    if blob.dtype != np.uint8 or blob.ndim != 1:
        raise ValueError("not a byte string")
    texts = blob.tobytes().decode("utf-8", "surrogatepass").split(SEP) if count else []
    if len(texts) != count or (not count and len(blob)):
        raise ValueError("another number of entries")
    return texts
