"""Finding the article files under the corpus paths."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from searchtui.errors import CorpusMissing
from searchtui.models import Problem

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


def discover(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[Problem]]:
    """The article files under ``paths``, sorted and without repeats.

    Folders are walked recursively (following links, each real folder once);
    hidden files and folders are passed over, and so are files of other types.
    A README, LICENSE or similar file inside a folder is skipped with a note:
    name it on its own to read it. A file named on its own is kept if its
    type is supported, else reported. A path that does not exist raises
    :class:`~searchtui.errors.CorpusMissing`.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    given = [Path(p) for p in paths]
    for p in given:
        if not p.exists():
            raise CorpusMissing(f"corpus path not found: {p}")
    found: dict[str, Path] = {}
    problems: list[Problem] = []

    def add(p: Path) -> None:
        key = os.path.realpath(p)
        found.setdefault(key, p)

    def onerror(exc: OSError) -> None:
        problems.append(Problem(str(exc.filename), f"cannot read folder: {exc.strerror or exc}"))

    visited: set[str] = set()  # real folders walked, against link loops and repeats
    for top in given:
        if not top.is_dir():
            if top.suffix.lower() in SUPPORTED_SUFFIXES:
                add(top)
            else:
                problems.append(
                    Problem(
                        str(top),
                        f"unsupported file type {top.suffix or '(none)'!r}"
                        f" (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})",
                    )
                )
            continue
        for dirpath, dirnames, filenames in os.walk(top, onerror=onerror, followlinks=True):
            real = os.path.realpath(dirpath)
            if real in visited:
                dirnames[:] = []
                continue
            visited.add(real)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            base = Path(dirpath)
            for name in filenames:
                if name.startswith("."):
                    continue
                stem, dot, suffix = name.rpartition(".")
                if not dot or f".{suffix.lower()}" not in SUPPORTED_SUFFIXES:
                    continue
                p = base / name
                if stem.lower() in DOC_STEMS:
                    problems.append(
                        Problem(
                            str(p),
                            "a documentation file, not an article (name it on its own to read it)",
                        )
                    )
                elif p.is_file():
                    add(p)
                elif not p.exists():
                    problems.append(Problem(str(p), "broken link: its target does not exist"))
    unique = list({(p.path, p.reason): p for p in problems}.values())
    return sorted(found.values()), unique
