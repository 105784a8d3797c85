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

    def taken(self, rows: np.ndarray) -> FileStates:
        """The states of ``rows``, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        return FileStates(
            [self.paths[i] for i in rows.tolist()], [self.hashes[i] for i in rows.tolist()],
            self.size[rows], self.mtime[rows], self.articles[rows], self.skipped[rows],
        )

    @classmethod
    def joined(cls, parts: Sequence[FileStates]) -> FileStates:
        """The rows of ``parts`` one after the other (a path in one part only)."""
        if not parts:
            return cls.empty()
        return cls(
            [p for part in parts for p in part.paths],
            [h for part in parts for h in part.hashes],
            *(np.concatenate([getattr(part, c) for part in parts]) for c in _COLUMNS),
        )

    # -- the saved file

    def to_bytes(self, generation: int) -> bytes:
        out = io.BytesIO()
        mapped.save(out, {
            "generation": np.array([generation], dtype=np.int64),
            "count": np.array([len(self)], dtype=np.int64),
            "paths": _blob(self.paths), "hashes": _blob(self.hashes),
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
                paths = _unblob(z["paths"], count)
                hashes = _unblob(z["hashes"], count)
                columns = {c: z[c] for c in _COLUMNS}
        except _UNREADABLE as exc:
            raise Unsound(f"cannot be read ({type(exc).__name__})") from None
        want = {"size": np.int64, "mtime": np.int64, "articles": np.int64, "skipped": np.bool_}
        for name, column in columns.items():
            if column.dtype != want[name] or column.shape != (count,):
                raise Unsound(f"its column {name} is not {count} of {np.dtype(want[name])}")
        if count and (columns["articles"].min() < 0):
            raise Unsound("a file with fewer than no articles")
        return cls(paths, hashes, **columns)


def _blob(texts: list[str]) -> np.ndarray:
    return np.frombuffer(SEP.join(texts).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def _unblob(blob: np.ndarray, count: int) -> list[str]:
    if blob.dtype != np.uint8 or blob.ndim != 1:
        raise ValueError("not a byte string")
    texts = blob.tobytes().decode("utf-8", "surrogatepass").split(SEP) if count else []
    if len(texts) != count or (not count and len(blob)):
        raise ValueError("another number of entries")
    return texts
