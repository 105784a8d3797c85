"""Checking a whole index, and signing one the user vouches for.

``check_index`` (``searchtui check``) verifies an index completely: the
signature of its live generation; every file's size and checksum; every
posting block, field length and stored document decodable; the lists kept
beside each segment (``whooshext.docfile``) the same as its blocks; the array
cache in agreement with the index. When the signature fails nothing else is read:
the index may come from anyone, and reading it could run its code. A large
index's segments are decoded by one process a core, and the caller is told how
far the check has got (a million articles take minutes).

``trust_index`` (``searchtui trust``) is for an index the user got from
elsewhere and trusts: the same check, made on the index as it is (so its
pickles are read: that is what trusting it means), and, if it is sound, a new
manifest of its live generation signed with this user's key.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing as mp
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from searchtui import arrays, store, trust
from searchtui.errors import IndexMissing
from searchtui.whooshext import (
    check_leaf,
    docfile,
    latest_generation,
    open_generation,
    segment_files,
    segment_id,
    toc_name,
)


@dataclass
class Check:
    """One thing checked: what, whether it is sound, and what is wrong."""

    name: str
    ok: bool
    detail: str
    problems: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    index: str
    generation: int | None = None
    checks: list[Check] = field(default_factory=list)
    #: ``trust_index`` only: whether the index was signed with this user's key
    signed: bool = False

    @property
    def sound(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str, problems: list[str] | None = None) -> Check:
        check = Check(name, ok, detail, list(problems or []))
        self.checks.append(check)
        return check

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "generation": self.generation,
            "sound": self.sound,
            "signed": self.signed,
            "checks": [asdict(c) for c in self.checks],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    def lines(self, limit: int = 10) -> list[str]:
        out = [f"Index: {self.index} (generation {self.generation})"]
        for c in self.checks:
            out.append(f"{'ok' if c.ok else 'FAILED':<7} {c.name}: {c.detail}")
            for problem in c.problems[:limit]:
                out.append(f"        {problem}")
            if len(c.problems) > limit:
                out.append(f"        ... and {len(c.problems) - limit} more")
        return out


@dataclass(frozen=True)
class CheckProgress:
    """How far a check has got: through the files' checksums (``stage`` "checksums",
    counted in bytes) or the segments' contents ("contents", in documents)."""

    stage: str
    done: int
    total: int
    elapsed: float

    #: Seconds of work before the pace so far says how long is left.
    PACE_AFTER = 2.0

    @property
    def left(self) -> float | None:
        """Seconds left at the pace so far (None: not known yet)."""
        if not self.done or self.elapsed < self.PACE_AFTER:
            return None
        return self.elapsed * (self.total - self.done) / self.done


ProgressFn = Callable[[CheckProgress], None]

#: From this many documents, the segments are decoded by one process a core.
PARALLEL_DOCS = 50_000


def _live(root: Path) -> Path:
    ixdir = store.current_dir(root)
    if ixdir is None or not ixdir.is_dir():
        store.check_not_foreign(root)
        raise IndexMissing(
            f"no index at {root}; build it with: searchtui index CORPUS --index {root}"
        )
    store.check_compatible(root, ixdir)
    return ixdir


def _check_files(
    ixdir: Path, entries: dict[str, trust.Entry], progress: ProgressFn | None = None
) -> list[str]:
    problems = []
    total = sum(e.size for e in entries.values())
    done = 0
    start = time.monotonic()
    for name, entry in sorted(entries.items()):
        path = ixdir / name
        try:
            size = path.stat().st_size
            if size != entry.size:
                problems.append(f"{name} is {size:,} bytes long instead of {entry.size:,}")
            elif trust.sha256_file(path) != entry.sha256:
                problems.append(f"{name} has changed since it was written")
        except FileNotFoundError:
            problems.append(f"{name} is missing")
        except OSError as exc:
            problems.append(f"{name} cannot be read: {exc.strerror}")
        done += entry.size
        if progress is not None:
            progress(CheckProgress("checksums", done, total, time.monotonic() - start))
    return problems


def _check_segment(leaf, ixdir: Path) -> tuple[list[str], list[str] | None]:
    """(what of the segment cannot be decoded, what of the word lists kept beside it
    disagrees with its blocks: None when it has no such file or did not decode)."""
    problems = check_leaf(leaf)
    sid = segment_id(leaf)
    path = ixdir / docfile.file_name(sid) if sid else None
    if path is None or not path.is_file() or problems:
        return problems, None
    return problems, docfile.check_file(leaf, path)


#: The generation a process that checks segments has open (see ``_open_for_check``).
_CHECKING: dict = {}


def _open_for_check(ixdir: str, generation: int, toc: bytes) -> None:
    ix = open_generation(Path(ixdir), store.INDEX_NAME, generation, toc)
    _CHECKING["reader"] = ix.reader()
    _CHECKING["ixdir"] = Path(ixdir)


def _check_segment_at(k: int) -> tuple[list[str], list[str] | None]:
    leaf = _CHECKING["reader"].leaf_readers()[k][0]
    return _check_segment(leaf, _CHECKING["ixdir"])


def _check_segments(
    leaves: list, ixdir: Path, generation: int, toc: bytes, progress: ProgressFn | None
) -> list[tuple[list[str], list[str] | None]]:
    """What ``_check_segment`` says of each leaf, in order: a large index's segments
    are decoded by one process a core, a small one's here."""
    docs = [leaf.doc_count_all() for leaf in leaves]
    total = sum(docs)
    start = time.monotonic()
    done = 0
    results: list[tuple[list[str], list[str] | None] | None] = [None] * len(leaves)

    def tell(k: int) -> None:
        nonlocal done
        done += docs[k]
        if progress is not None:
            progress(CheckProgress("contents", done, total, time.monotonic() - start))

    cores = os.cpu_count() or 1
    if cores > 1 and len(leaves) > 1 and total >= PARALLEL_DOCS:
        try:
            with concurrent.futures.ProcessPoolExecutor(
                max_workers=min(cores, len(leaves)), mp_context=mp.get_context("spawn"),
                initializer=_open_for_check, initargs=(str(ixdir), generation, toc),
            ) as pool:
                # the largest segments first, so the processes end together
                order = sorted(range(len(leaves)), key=lambda k: -docs[k])
                futures = {pool.submit(_check_segment_at, k): k for k in order}
                for future in concurrent.futures.as_completed(futures):
                    k = futures[future]
                    results[k] = future.result()
                    tell(k)
            return [r for r in results if r is not None]
        except (OSError, concurrent.futures.process.BrokenProcessPool):
            results = [None] * len(leaves)  # no processes here: decoded in this one
            done = 0
    for k, leaf in enumerate(leaves):
        results[k] = _check_segment(leaf, ixdir)
        tell(k)
    return [r for r in results if r is not None]


def _check_contents(
    report: CheckReport, ixdir: Path, generation: int, toc: bytes,
    progress: ProgressFn | None = None,
):
    """Decode everything of the generation; its index object (None if it cannot be opened)."""
    name = "postings, lengths and stored fields"
    try:
        ix = open_generation(ixdir, store.INDEX_NAME, generation, toc)
        reader = ix.reader()
    except Exception as exc:  # a damaged segment: Whoosh raises assorted types
        report.add(name, False, "the index cannot be opened", [f"{type(exc).__name__}: {exc}"])
        return None, 0
    with reader:
        leaves = [leaf for leaf, _offset in reader.leaf_readers()]
        checked = _check_segments(leaves, ixdir, generation, toc, progress)
        problems = [p for decoding, _beside in checked for p in decoding]
        ndocs = reader.doc_count_all()
        # Each segment's lists kept beside it, against its blocks (once they decode).
        held = [beside for _decoding, beside in checked if beside is not None]
        beside = [p for found in held for p in found] if not problems else []
    detail = f"{len(leaves)} segment(s), {ndocs:,} document(s)"
    report.add(name, not problems, detail + (" decode" if not problems else ""), problems)
    if held and not problems:
        report.add(
            "word lists beside the segments", not beside,
            f"{len(held)} file(s)" + (" agree with the segments" if not beside else ""), beside,
        )
    return ix, ndocs


def check_index(root: str | Path, progress: ProgressFn | None = None) -> CheckReport:
    """Check the index at ``root`` completely (see the module's doc); ``progress`` is
    told how far the check has got."""
    root = Path(root)
    ixdir = _live(root)
    generation = latest_generation(ixdir, store.INDEX_NAME)
    report = CheckReport(str(root), generation)
    try:
        manifest = trust.read_manifest(ixdir, generation)
    except trust.NotSigned as exc:
        report.add(
            "signature", False,
            f"{exc}: it may not have been written by your searchtui, so nothing more "
            f"was read; if you trust it: searchtui trust {root}",
        )
        return report
    report.add("signature", True, f"signed with your key ({trust.key_path()})")
    entries = {**manifest.files, **manifest.derived}
    problems = _check_files(ixdir, entries, progress)
    size = sum(e.size for e in entries.values())
    report.add(
        "files", not problems,
        f"{len(entries)} files, {size / 2**20:,.1f} MiB"
        + (": sizes and checksums as written" if not problems else ""),
        problems,
    )
    toc = toc_name(store.INDEX_NAME, generation)
    if any(p.startswith(f"{toc} ") for p in problems):
        report.add("postings, lengths and stored fields", False, "not read: the TOC is damaged")
        return report
    _ix, ndocs = _check_contents(report, ixdir, generation, (ixdir / toc).read_bytes(), progress)
    if _ix is not None:
        wrong = arrays.check_cache(ixdir, manifest, ndocs)
        detail = "none yet (made on the next search)"
        if manifest.derived.get(arrays.cache_path(ixdir, generation).name):
            detail = f"agrees with the index ({ndocs:,} documents, generation {generation})"
        report.add("array cache", wrong is None, wrong or detail)
    return report


def trust_index(root: str | Path, progress: ProgressFn | None = None) -> CheckReport:
    """Check the index at ``root`` as it is and, if it is sound, sign it with this user's
    key; ``progress`` is told how far the check has got."""
    root = Path(root)
    ixdir = _live(root)
    with store.IndexLock(root):
        generation = latest_generation(ixdir, store.INDEX_NAME)
        report = CheckReport(str(root), generation)
        claims = trust.read_claims(ixdir, generation)
        toc = toc_name(store.INDEX_NAME, generation)
        toc_bytes = (ixdir / toc).read_bytes()
        if claims is not None:
            problems = _check_files(ixdir, {**claims.files, **claims.derived}, progress)
            report.add(
                "files", not problems,
                "as its manifest lists them" if not problems else "its manifest disagrees",
                problems,
            )
        ix, ndocs = _check_contents(report, ixdir, generation, toc_bytes, progress)
        if ix is None or not report.sound:
            return report
        names = {toc: ixdir / toc, store.META: ixdir / store.META}
        names.update((name, ixdir / name) for name in segment_files(ix))
        manifest = trust.Manifest(generation, trust.describe(ixdir, names))
        derived = [
            name for name in (
                f"files-{generation}.npz", f"files-{generation}.json",  # (as older versions wrote)
                arrays.cache_path(ixdir, generation).name,
            )
            if (ixdir / name).is_file()
        ]
        manifest.derived = trust.describe(ixdir, {name: ixdir / name for name in derived})
        cache = arrays.cache_path(ixdir, generation).name
        if cache in manifest.derived and arrays.check_cache(ixdir, manifest, ndocs) is not None:
            # Made for another signature: made again when the index is opened.
            del manifest.derived[cache]
            (ixdir / cache).unlink()
        trust.write_manifest(ixdir, manifest)
        trust.prune(ixdir, generation)
        report.signed = True
        entries = {**manifest.files, **manifest.derived}
        size = sum(e.size for e in entries.values())
        report.add(
            "signature", True,
            f"{len(entries)} files, {size / 2**20:,.1f} MiB, signed with your key "
            f"({trust.key_path()})",
        )
    return report
