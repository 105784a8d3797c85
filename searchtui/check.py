"""Checking a whole index, and signing one the user vouches for.

``check_index`` (``searchtui check``) verifies an index completely: the
signature of its live generation; every file's size and checksum; every
posting block, field length and stored document decodable; the lists kept
beside each segment (``whooshext.docfile``) the same as its blocks; the array
cache in agreement with the index. When the signature fails nothing else is read:
the index may come from anyone, and reading it could run its code.

``trust_index`` (``searchtui trust``) is for an index the user got from
elsewhere and trusts: the same check, made on the index as it is (so its
pickles are read: that is what trusting it means), and, if it is sound, a new
manifest of its live generation signed with this user's key.
"""

from __future__ import annotations

import json
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


def _live(root: Path) -> Path:
    ixdir = store.current_dir(root)
    if ixdir is None or not ixdir.is_dir():
        store.check_not_foreign(root)
        raise IndexMissing(
            f"no index at {root}; build it with: searchtui index CORPUS --index {root}"
        )
    store.check_compatible(root, ixdir)
    return ixdir


def _check_files(ixdir: Path, entries: dict[str, trust.Entry]) -> list[str]:
    problems = []
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
    return problems


def _check_contents(report: CheckReport, ixdir: Path, generation: int, toc: bytes):
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
        problems = [p for leaf in leaves for p in check_leaf(leaf)]
        ndocs = reader.doc_count_all()
        # Each segment's lists kept beside it, against its blocks (once they decode).
        held = [(leaf, path) for leaf in leaves if (sid := segment_id(leaf))
                and (path := ixdir / docfile.file_name(sid)).is_file()]
        beside = [p for leaf, path in held for p in docfile.check_file(leaf, path)] \
            if not problems else []
    detail = f"{len(leaves)} segment(s), {ndocs:,} document(s)"
    report.add(name, not problems, detail + (" decode" if not problems else ""), problems)
    if held and not problems:
        report.add(
            "word lists beside the segments", not beside,
            f"{len(held)} file(s)" + (" agree with the segments" if not beside else ""), beside,
        )
    return ix, ndocs


def check_index(root: str | Path) -> CheckReport:
    """Check the index at ``root`` completely (see the module's doc)."""
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
    problems = _check_files(ixdir, entries)
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
    _ix, ndocs = _check_contents(report, ixdir, generation, (ixdir / toc).read_bytes())
    if _ix is not None:
        wrong = arrays.check_cache(ixdir, manifest, ndocs)
        detail = "none yet (made on the next search)"
        if manifest.derived.get(arrays.cache_path(ixdir, generation).name):
            detail = f"agrees with the index ({ndocs:,} documents, generation {generation})"
        report.add("array cache", wrong is None, wrong or detail)
    return report


def trust_index(root: str | Path) -> CheckReport:
    """Check the index at ``root`` as it is and, if it is sound, sign it with this user's key."""
    root = Path(root)
    ixdir = _live(root)
    with store.IndexLock(root):
        generation = latest_generation(ixdir, store.INDEX_NAME)
        report = CheckReport(str(root), generation)
        claims = trust.read_claims(ixdir, generation)
        toc = toc_name(store.INDEX_NAME, generation)
        toc_bytes = (ixdir / toc).read_bytes()
        if claims is not None:
            problems = _check_files(ixdir, {**claims.files, **claims.derived})
            report.add(
                "files", not problems,
                "as its manifest lists them" if not problems else "its manifest disagrees",
                problems,
            )
        ix, ndocs = _check_contents(report, ixdir, generation, toc_bytes)
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
