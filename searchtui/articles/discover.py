"""Finding the article files under the corpus paths."""

from __future__ import annotations

import os
import re
import stat
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from searchtui import filestates, kernels
from searchtui.errors import CorpusMissing
from searchtui.models import Problem
from searchtui.untrusted import not_regular_reason

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
CSV_SUFFIXES = frozenset({".csv", ".tsv"})
SUPPORTED_SUFFIXES: frozenset[str] = TEXT_SUFFIXES | JSONL_SUFFIXES | CSV_SUFFIXES

#: File names (without suffix, lower case) that describe a folder rather than
#: hold an article; skipped, with a note, when a folder is expanded.
DOC_STEMS = frozenset(
    {"readme", "license", "licence", "copying", "changelog", "contributing", "code_of_conduct"}
)


def shown_path(path: str | os.PathLike) -> str:
    """A path as text that can always be printed, stored or dumped as JSON.

    Bytes of a file name that are not UTF-8 (kept by Python as lone
    surrogates) are shown as escapes: ``caf\\xe9.txt``.
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def is_utf8_path(path: str | os.PathLike) -> bool:
    """Whether every byte of the path's name is valid UTF-8."""
    try:
        os.fsdecode(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def discover(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[Problem]]:
    """The article files under ``paths``, sorted and without repeats.

    Folders are walked recursively (following links, each real folder once);
    hidden files and folders are passed over, and so are files of other types.
    A README, LICENSE or similar file inside a folder is skipped with a note:
    name it on its own to read it. A file named on its own is kept if its
    type is supported, else reported. Only regular files are read: a FIFO, a
    device or a socket (or a link to one) of a supported type is reported, and
    so is a file whose path is not valid UTF-8. Paths in problems are always
    printable (:func:`shown_path`). A path that does not exist raises
    :class:`~searchtui.errors.CorpusMissing`.
    """
    found, problems = discover_columns(paths)
    return [Path(p) for p in found.paths], problems


class Found(NamedTuple):
    """An article file: its path as found, its real path (links resolved), its size and
    when it was last changed. Only these are kept of its status: a corpus holds a
    million files, and a whole status each was most of a gigabyte."""

    path: str
    real: str
    size: int
    mtime_ns: int


def _path_order(path: str) -> str:
    """A key that orders paths part by part (a path before the paths below it): the
    separator made the least character, which no file name holds."""
    return path.replace(os.sep, "\0")


#: The bits of a mode that say the entry's type (what ``stat.S_IFMT`` keeps).
_FILE_TYPE = 0o170000

#: From this many entries in a folder, two threads ask for their statuses.
SPLIT_STATUSES = 20_000


def _statuses(
    folder: str, names: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The type and permissions, the size and the time in nanoseconds of each of
    ``names`` in ``folder``, links not followed, as three columns, by the compiled loop
    (None: without it, or when it cannot open the folder). An entry without a status
    has the type -1. A large folder
    is asked for in two halves at once (the system calls run without the interpreter's
    lock): a million files take half the time."""
    loops = kernels.loops
    if loops is None or not names or not hasattr(loops, "lstat_names"):
        return None
    n = len(names)
    mode = np.zeros(n, dtype=np.uint32)
    size = np.zeros(n, dtype=np.int64)
    mtime = np.zeros(n, dtype=np.int64)
    error = np.zeros(n, dtype=np.int32)
    folder_bytes = os.fsencode(folder)
    failed: list[BaseException] = []

    def part(first: int, last: int) -> None:
        try:
            loops.lstat_names(folder_bytes, names, first, last, mode, size, mtime, error)
        except (OSError, ValueError) as exc:
            failed.append(exc)

    if n >= SPLIT_STATUSES:
        half = n // 2
        other = threading.Thread(target=part, args=(half, n), daemon=True)
        other.start()
        part(0, half)
        other.join()
    else:
        part(0, n)
    if failed:
        return None
    return np.where(error == 0, mode.astype(np.int64), -1), size, mtime


def require_paths(paths: Iterable[str | os.PathLike]) -> None:
    """Raise :class:`~searchtui.errors.CorpusMissing` for the first of ``paths`` that
    does not exist."""
    for p in paths:
        if not os.path.exists(p):
            raise CorpusMissing(f"corpus path not found: {shown_path(p)}")


def discover_files(paths: Iterable[str | os.PathLike]) -> tuple[list[Found], list[Problem]]:
    """What :func:`discover` finds, each file with its real path and status."""
    found, problems = discover_columns(paths)
    return found.rows(), problems


@dataclass
class FoundFiles:
    """The files :func:`discover_columns` found, in path order, in columns: each one's
    path as found, its real path (links resolved; the same string when no link is on
    the way), its size and when it was last changed (nanoseconds;
    :data:`~searchtui.filestates.UNKNOWN_TIME` for a time past what int64 holds)."""

    paths: list[str]
    reals: list[str]
    size: np.ndarray
    mtime_ns: np.ndarray

    def __len__(self) -> int:
        return len(self.paths)

    def rows(self) -> list[Found]:
        return [
            Found(*row) for row in zip(
                self.paths, self.reals, self.size.tolist(), self.mtime_ns.tolist(), strict=True
            )
        ]


class _Collected:
    """The files found so far, in columns, each real path once (the first way to it
    found wins). Files are added in runs that are each in path order already (a
    folder's files, by name); :meth:`columns` sorts only when the runs do not follow
    each other in order."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.reals: list[str] = []
        self.size: list[int] = []
        self.mtime: list[int] = []
        self.seen: set[str] = set()
        self.runs: list[int] = []

    def new_run(self) -> None:
        self.runs.append(len(self.paths))

    def add(self, path: str, real: str, size: int, mtime_ns: int) -> None:
        if real in self.seen:
            return
        self.seen.add(real)
        self.paths.append(path)
        self.reals.append(path if real == path else real)
        self.size.append(size)
        self.mtime.append(mtime_ns)

    def add_folder(
        self, here: str, there: str, names: list[str],
        kinds: np.ndarray, size: np.ndarray, mtime: np.ndarray,
    ) -> bool:
        """Add the whole folder at once (``here``: its path and a separator; ``there``:
        its real path and one) when every one of ``names`` is a regular file that is no
        link, with a UTF-8 name, found for the first time; else add nothing and say
        False, and the caller looks at the names one by one."""
        if not (
            bool(np.all((kinds & _FILE_TYPE) == stat.S_IFREG))
            and (all(map(str.isascii, names)) or all(map(is_utf8_path, names)))
        ):
            return False
        paths = [here + name for name in names]
        reals = paths if there == here else [there + name for name in names]
        if not self.seen.isdisjoint(reals):
            return False
        self.seen.update(reals)
        self.paths += paths
        self.reals += reals
        self.size += size.tolist()
        self.mtime += mtime.tolist()
        return True

    def columns(self) -> FoundFiles:
        paths, n = self.paths, len(self.paths)
        in_order = all(
            _path_order(paths[r - 1]) < _path_order(paths[r]) for r in self.runs if 0 < r < n
        )
        size = np.array(self.size, dtype=np.int64)
        mtime = filestates.times(self.mtime)
        if in_order:
            return FoundFiles(paths, self.reals, size, mtime)
        keys = [_path_order(p) for p in paths]
        order = sorted(range(n), key=keys.__getitem__)
        return FoundFiles(
            [paths[i] for i in order], [self.reals[i] for i in order],
            size[order], mtime[order],
        )


#: An ASCII name of a file that may hold an article (the rule of
#: :func:`_article_names`, for a folder of ASCII names at once): not hidden, of a
#: supported type; and the name of a documentation file.
_ARTICLE_NAME = re.compile(
    r"[^.].*\.(?:" + "|".join(re.escape(s[1:]) for s in sorted(SUPPORTED_SUFFIXES)) + ")",
    re.IGNORECASE | re.ASCII | re.DOTALL,
)
_DOC_NAME = re.compile(
    r"(?:" + "|".join(re.escape(s) for s in sorted(DOC_STEMS)) + r")\.[^.]*",
    re.IGNORECASE | re.ASCII | re.DOTALL,
)


def _article_names(filenames: list[str], here: str, skip) -> list[str]:
    """The names of a folder's files that may hold articles, sorted: not hidden, of a
    supported type, and no documentation file (``skip`` is told of those)."""
    if all(map(str.isascii, filenames)):
        names = list(filter(_ARTICLE_NAME.fullmatch, filenames))
        docs = set(filter(_DOC_NAME.fullmatch, names))
        if docs:
            names = [name for name in names if name not in docs]
    else:
        kinds = {name: _name_kind(name) for name in filenames}
        names = [name for name, kind in kinds.items() if kind == "article"]
        docs = {name for name, kind in kinds.items() if kind == "doc"}
    for name in sorted(docs):
        skip(here + name, _DOC_REASON)
    names.sort()
    return names


def _name_kind(name: str) -> str | None:
    """What a file name is: "article" for one that may hold articles (not hidden, of a
    supported type), "doc" for a documentation file (README.md...), None otherwise."""
    if name.startswith("."):
        return None
    stem, dot, suffix = name.rpartition(".")
    if not dot or f".{suffix.lower()}" not in SUPPORTED_SUFFIXES:
        return None
    return "doc" if stem.lower() in DOC_STEMS else "article"


_DOC_REASON = "a documentation file, not an article (name it on its own to read it)"


def discover_columns(
    paths: Iterable[str | os.PathLike],
) -> tuple[FoundFiles, list[Problem]]:
    """What :func:`discover` finds, with each file's real path and status, in columns
    (read once: a corpus of a million files is walked in seconds)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    # as text, not Path objects: a caller may name a million files one by one
    given = [os.fspath(p) for p in paths]
    require_paths(given)
    found = _Collected()
    problems: list[Problem] = []

    def skip(p: str | os.PathLike, reason: str) -> None:
        problems.append(Problem(shown_path(p), reason))

    def keep(p: str, real: str, st: os.stat_result) -> None:
        if not stat.S_ISREG(st.st_mode):
            skip(p, not_regular_reason(st.st_mode))
            return
        if not is_utf8_path(p):  # the index keeps paths as UTF-8 text
            skip(p, "its path is not valid UTF-8 (rename it to index it)")
            return
        if not is_utf8_path(real):
            skip(p, "it links to a file whose path is not valid UTF-8 (rename that file)")
            return
        found.add(p, real, st.st_size, st.st_mtime_ns)

    real_folders: dict[str, str] = {}

    def real_path_of(p: str) -> str:
        """``os.path.realpath(p)``; for a file that is no link, its folder's real path
        (found once per folder) and its name."""
        folder, name = os.path.split(p)
        if not name or name in (".", ".."):
            return os.path.realpath(p)
        try:
            if stat.S_ISLNK(os.lstat(p).st_mode):
                return os.path.realpath(p)
        except OSError:
            return os.path.realpath(p)
        real = real_folders.get(folder)
        if real is None:
            if len(real_folders) > 4096:
                real_folders.clear()
            real = real_folders[folder] = os.path.realpath(folder or os.curdir)
        return os.path.join(real, name)

    def add(p: str) -> None:
        """Keep ``p`` if it is a regular file (links followed) with a UTF-8 path."""
        try:
            st = os.stat(p)
        except FileNotFoundError:
            skip(p, "broken link: its target does not exist")
            return
        except OSError as exc:
            skip(p, f"cannot read: {exc.strerror or exc}")
            return
        keep(p, real_path_of(p), st)

    def onerror(exc: OSError) -> None:
        skip(str(exc.filename), f"cannot read folder: {exc.strerror or exc}")

    visited: set[str] = set()  # real folders walked, against link loops and repeats
    for top in given:
        if not os.path.isdir(top):
            suffix = Path(top).suffix
            if suffix.lower() in SUPPORTED_SUFFIXES:
                found.new_run()
                add(top)
            else:
                skip(
                    top,
                    f"unsupported file type {shown_path(suffix) or '(none)'!r}"
                    f" (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})",
                )
            continue
        for dirpath, dirnames, filenames in os.walk(top, onerror=onerror, followlinks=True):
            real = os.path.realpath(dirpath)
            if real in visited:
                dirnames[:] = []
                continue
            visited.add(real)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            # the folder's own paths are checked once; each name alone after that
            here = dirpath if dirpath.endswith(os.sep) else dirpath + os.sep
            there = real if real.endswith(os.sep) else real + os.sep
            folder_ok = is_utf8_path(here) and is_utf8_path(there)
            names = _article_names(filenames, here, skip)
            found.new_run()
            statuses = _statuses(dirpath, names)
            if (
                statuses is not None and folder_ok
                and found.add_folder(here, there, names, *statuses)
            ):
                continue
            kinds, sizes, mtimes = (
                (a.tolist() for a in statuses) if statuses is not None else ((), (), ())
            )
            for k, name in enumerate(names):
                path = here + name
                if statuses is not None:
                    mode = kinds[k]
                    if mode < 0:  # no status: os.lstat says why
                        add(path)
                        continue
                    if (
                        folder_ok and stat.S_ISREG(mode)
                        and (name.isascii() or is_utf8_path(name))
                    ):
                        found.add(path, there + name, sizes[k], mtimes[k])
                        continue
                try:
                    st = os.lstat(path)
                except OSError:
                    add(path)  # gone meanwhile, or unreadable: said as for any file
                    continue
                if stat.S_ISLNK(st.st_mode):
                    add(path)  # its target decides
                    continue
                # in a real folder, a file that is no link is where it is
                real_path = there + name
                if (
                    folder_ok and stat.S_ISREG(st.st_mode)
                    and (name.isascii() or is_utf8_path(name))
                ):
                    found.add(path, real_path, st.st_size, st.st_mtime_ns)
                else:
                    keep(path, real_path, st)
    unique = list({(p.path, p.reason): p for p in problems}.values())
    return found.columns(), unique
