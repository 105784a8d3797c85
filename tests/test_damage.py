"""A damaged index is reported in one line, never answered wrong; derived data is made again.

Each case damages a small index the way disks, copies and users do (a file
cut short, changed bytes, a missing file, a pointer of random bytes, a lock
that is a folder, a read-only folder, a full disk) and checks what the
commands say: one line naming the folder and the way out, no traceback, and
the previous index intact where a run failed.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from whoosh.filedb.structfile import StructFile

from searchtui import arrays, mapped, store, trust, whooshext
from searchtui.cli import main
from searchtui.config import Config
from searchtui.errors import IndexDamaged
from searchtui.filestates import FileStates
from searchtui.indexer import build_index
from searchtui.models import SearchRequest
from searchtui.search import SearchEngine

FAST = Config(workers=1, extractor="none")
WORDS = ["harbour", "budget", "senate", "bridge", "strike", "mayor", "rail", "storm"]


def write_corpus(folder: Path, n: int = 8, salt: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        a, b = WORDS[i % len(WORDS)], WORDS[(i * 3 + 1) % len(WORDS)]
        (folder / f"{i:03d}.txt").write_text(
            f"Story {i} on the {a}{salt}\n\nAnn Lee — Daily Post Jan {i + 1:02d}, 2020\n\n\n"
            f"The {a} and the {b} were in the news{salt}. More on the {a} tomorrow.\n",
            encoding="utf-8",
        )
    return folder


@pytest.fixture
def built(tmp_path) -> tuple[Path, Path]:
    corpus = write_corpus(tmp_path / "corpus")
    root = tmp_path / "index"
    build_index([corpus], root, config=FAST)
    return corpus, root


def live(root: Path) -> Path:
    ixdir = store.current_dir(root)
    assert ixdir is not None
    return ixdir


def answers(root: Path) -> list:
    out = []
    with SearchEngine.open(root) as engine:
        for q in ["", *WORDS, '"the harbour"', "sen*"]:
            d = engine.search(SearchRequest(query=q)).to_dict()
            d.pop("elapsed_ms")
            out.append(d)
    return out


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(capsys, *argv: str) -> str:
    """Run a command that must fail with one line on standard error; that line."""
    code, out, err = run(capsys, *argv)
    assert code == 1, (out, err)
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def cut(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def overwrite_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[8 : len(data) - 8] = b"\xff" * (len(data) - 16)
    path.write_bytes(bytes(data))


# ---------------------------------------------------------------------------
# Segment files


def test_a_postings_file_cut_in_half(built, capsys):
    corpus, root = built
    pst = next(live(root).glob("*.pst"))
    cut(pst)
    for argv in (["search", "harbour"], ["stats"], ["search", ""]):
        line = one_line_error(capsys, *argv, "--index", root)
        assert line == (
            f"searchtui: the index at {root} is damaged and cannot be opened "
            f"({pst.name} is {pst.stat().st_size:,} bytes long instead of "
            f"{trust.read_manifest(live(root), 1).files[pst.name].size:,}); "
            f"rebuild with: searchtui index --rebuild --index {root}"
        )
    # An update says the index is damaged and how to fix it, not "up to date".
    line = one_line_error(capsys, "index", corpus, "--index", root, "-q")
    assert "is damaged" in line and "searchtui index --rebuild" in line
    code, out, _err = run(capsys, "index", corpus, "--index", root, "-q", "--rebuild")
    assert code == 0 and out.startswith("Rebuilt")
    assert answers(root)[1]["total"] == 2


@pytest.mark.parametrize("pattern", ["*.trm", "*._stored.col", "*.date.col"])
def test_a_terms_or_column_file_cut_short(built, capsys, pattern):
    _corpus, root = built
    path = next(live(root).glob(pattern))
    cut(path, 0.7)
    line = one_line_error(capsys, "search", "harbour", "--index", root)
    assert f"({path.name} is " in line and "rebuild with: searchtui index --rebuild" in line


def test_a_missing_segment_file(built, capsys):
    _corpus, root = built
    path = next(live(root).glob("*.trm"))
    path.unlink()
    line = one_line_error(capsys, "stats", "--index", root)
    assert f"({path.name} is missing)" in line


def test_changed_bytes_in_the_postings_are_reported_not_answered(built, capsys):
    """Sizes hold, so the index opens; the blocks then fail to decode: one line, no NaN.

    A term's documents are read from the file beside the segment: that is damaged
    too here, so the blocks are read (``test_docfile`` damages it alone)."""
    corpus, root = built
    pst = next(live(root).glob("*.pst"))
    overwrite_middle(pst)
    overwrite_middle(pst.with_name(pst.name.replace(".pst", whooshext.docfile.SUFFIX)))
    with SearchEngine.open(root) as engine:
        with pytest.raises(IndexDamaged) as info:
            engine.search(SearchRequest(query="harbour"))
    message = str(info.value)
    assert message.startswith(f"the index at {root} is damaged (")
    assert message.endswith(f"rebuild with: searchtui index --rebuild --index {root}")
    line = one_line_error(capsys, "search", "budget", "--index", root)
    assert "is damaged" in line
    # The check names the file. An update reads none of the damaged bytes (a file's
    # articles are found by their path, whose one posting is kept in the terms file),
    # and hides nothing: the search and the check still say the index is damaged.
    code, out, _err = run(capsys, "check", "--index", root)
    assert code == 1 and f"{pst.name} has changed since it was written" in out
    (corpus / "000.txt").write_text("Changed\n\nBody of a changed story.\n", encoding="utf-8")
    code, out, _err = run(capsys, "index", corpus, "--index", root, "-q")
    assert code == 0 and "1 updated" in out
    line = one_line_error(capsys, "search", "budget", "--index", root)
    assert "is damaged" in line and "--rebuild" in line
    code, out, _err = run(capsys, "check", "--index", root)
    assert code == 1 and f"{pst.name} has changed since it was written" in out


@pytest.mark.parametrize("seed", range(6))
def test_flipped_bytes_never_give_a_traceback_or_nan(built, seed):
    _corpus, root = built
    pst = next(live(root).glob("*.pst"))
    data = bytearray(pst.read_bytes())
    rng = np.random.default_rng(seed)
    for at in rng.integers(4, len(data), size=12):
        data[at] ^= 1 << int(rng.integers(0, 8))
    pst.write_bytes(bytes(data))
    with SearchEngine.open(root) as engine:
        for word in WORDS:
            try:
                result = engine.search(SearchRequest(query=word))
            except IndexDamaged:
                continue
            assert all(np.isfinite(hit.score) for hit in result.hits)


def test_posting_lists_that_decode_but_cannot_be_right_are_damage(built, monkeypatch):
    from searchtui.whooshext import postings

    _corpus, root = built
    real = postings._raw_blocks

    def out_of_order(m, values):
        for ids, other in real(m, values):
            yield list(reversed(ids)) + [10**6], list(other) + [float("nan")]

    monkeypatch.setattr(postings, "_raw_blocks", out_of_order)
    ixdir = live(root)
    for cache in [*ixdir.glob("cache-*.npz"), *ixdir.glob("seg-*.npz")]:
        cache.unlink()  # the arrays are decoded from the segments again
    with pytest.raises(IndexDamaged, match="do not decode to a sound list"):
        SearchEngine.open(root)


# ---------------------------------------------------------------------------
# The pointer, the lock, the folders, the disk


def test_random_bytes_in_the_pointer(built, capsys):
    corpus, root = built
    (root / store.POINTER).write_bytes(bytes(range(256)))
    for argv in (["search", "x", "--index", root], ["index", corpus, "--index", root, "-q"]):
        line = one_line_error(capsys, *argv)
        assert line == (
            f"searchtui: {root}: the index pointer CURRENT is damaged; "
            f"rebuild with: searchtui index --rebuild --index {root}"
        )
    code, _out, _err = run(capsys, "index", corpus, "--index", root, "-q", "--rebuild")
    assert code == 0 and answers(root)[1]["total"] == 2


def test_a_lock_that_is_a_folder(built, capsys):
    corpus, root = built
    (root / store.LOCK).unlink(missing_ok=True)  # none is left after a run
    (root / store.LOCK).mkdir()
    line = one_line_error(capsys, "index", corpus, "--index", root, "-q")
    assert line == (
        f"searchtui: cannot lock the index at {root}: {root / store.LOCK} is a folder, "
        f"not a lock file: remove it"
    )
    code, _out, _err = run(capsys, "search", "harbour", "--index", root)
    assert code == 0  # reading needs no lock


def test_a_lock_that_cannot_be_written(built, capsys, monkeypatch):
    corpus, root = built
    real_open = os.open

    def refuse_lock(path, flags, *args, **kwargs):
        if str(path).endswith(store.LOCK):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse_lock)
    line = one_line_error(capsys, "index", corpus, "--index", root, "-q")
    assert line == (
        f"searchtui: cannot lock the index at {root}: {root / store.LOCK} cannot be opened "
        f"for writing (Permission denied)"
    )


def test_a_read_only_live_folder(built, capsys, monkeypatch):
    corpus, root = built
    before = answers(root)
    ixdir = live(root)
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == ixdir else real_access(p, mode)
    )
    write_corpus(corpus, 10)
    line = one_line_error(capsys, "index", corpus, "--index", root, "-q")
    assert line == f"searchtui: cannot write to the index folder {ixdir}: permission denied"
    assert answers(root) == before


def test_permission_denied_while_writing_leaves_the_index(built, capsys, monkeypatch):
    corpus, root = built
    before, token = answers(root), store.generation_token(root)

    def denied(self, name, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", name)

    monkeypatch.setattr(whooshext.storage.DurableStorage, "create_file", denied)
    write_corpus(corpus, 10)
    line = one_line_error(capsys, "index", corpus, "--index", root, "-q")
    assert line == (
        f"searchtui: cannot write the index at {root}: Permission denied; "
        f"the index is as it was before this run"
    )
    monkeypatch.undo()
    assert store.generation_token(root) == token and answers(root) == before


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_full_disk_leaves_the_old_index(built, capsys, monkeypatch, rebuild):
    corpus, root = built
    before, token = answers(root), store.generation_token(root)
    dirs = sorted(p.name for p in root.iterdir())

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(StructFile, "write", full)
    write_corpus(corpus, 10)
    argv = ["index", corpus, "--index", root, "-q"] + (["--rebuild"] if rebuild else [])
    line = one_line_error(capsys, *argv)
    assert line == (
        f"searchtui: cannot write the index at {root}: No space left on device; "
        f"the index is as it was before this run"
    )
    monkeypatch.undo()
    assert store.generation_token(root) == token and answers(root) == before
    assert sorted(p.name for p in root.iterdir()) == dirs
    code, _out, _err = run(capsys, "check", "--index", root)
    assert code == 0
    report = build_index([corpus], root, config=FAST)
    assert (report.added, report.articles) == (2, 10)


def test_a_full_disk_while_signing_leaves_the_old_index(built, capsys, monkeypatch):
    corpus, root = built
    before, token = answers(root), store.generation_token(root)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(trust, "write_manifest", full)
    write_corpus(corpus, 10)
    line = one_line_error(capsys, "index", corpus, "--index", root, "-q")
    assert "No space left on device; the index is as it was before this run" in line
    monkeypatch.undo()
    assert store.generation_token(root) == token and answers(root) == before
    assert build_index([corpus], root, config=FAST).articles == 10


# ---------------------------------------------------------------------------
# The array cache is derived data


def _cache(root: Path) -> Path:
    return next(live(root).glob("cache-*.npz"))


@pytest.mark.parametrize("damage", ["empty", "truncated", "flipped", "garbage"])
def test_a_damaged_cache_is_made_again(built, capsys, damage):
    _corpus, root = built
    before = answers(root)
    cache = _cache(root)
    good = cache.read_bytes()
    if damage == "empty":
        cache.write_bytes(b"")
    elif damage == "truncated":
        cache.write_bytes(good[: len(good) // 2])
    elif damage == "flipped":
        data = bytearray(good)
        data[len(data) // 3] ^= 0x10
        cache.write_bytes(bytes(data))
    else:
        cache.write_bytes(os.urandom(len(good)))
    assert answers(root) == before
    assert cache.read_bytes() == good  # made again, the same, and listed again
    code, _out, _err = run(capsys, "check", "--index", root)
    assert code == 0


def test_a_cache_from_another_index_of_the_same_size_is_not_used(built, tmp_path, capsys):
    _corpus, root = built
    other = tmp_path / "other-index"
    build_index([write_corpus(tmp_path / "other-corpus", salt="x")], other, config=FAST)
    before = answers(root)
    ixdir = live(root)
    mine = _cache(root).read_bytes()
    shutil.copyfile(_cache(other), ixdir / _cache(root).name)
    assert answers(root) == before  # its checksum is not the listed one
    assert _cache(root).read_bytes() == mine
    # Even listed in the manifest (as a user with the key could), its digest gives it away.
    shutil.copyfile(_cache(other), ixdir / _cache(root).name)
    trust.add_derived(ixdir, 1, [_cache(root).name])
    code, out, _err = run(capsys, "check", "--index", root)
    assert code == 1 and "it was made for another index or generation" in out
    assert answers(root) == before
    code, _out, _err = run(capsys, "check", "--index", root)
    assert code == 0


def test_a_cache_that_cannot_be_written_is_only_skipped(built, monkeypatch):
    _corpus, root = built
    before = answers(root)
    _cache(root).unlink()
    monkeypatch.setattr(
        mapped, "save", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "full"))
    )
    assert answers(root) == before
    assert not list(live(root).glob("cache-*.npz"))


def test_the_cache_is_written_through_a_flushed_temporary_file(built, monkeypatch):
    _corpus, root = built
    _cache(root).unlink()
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    answers(root)
    assert any(".cache-1.npz." in p and p.endswith(".tmp") for p in synced)
    assert arrays.check_cache(live(root), trust.read_manifest(live(root), 1), 8) is None


# ---------------------------------------------------------------------------
# The file states


@pytest.mark.parametrize("damage", ["half the entries", "garbage", "wrong types", "unlisted"])
def test_damaged_file_states_never_double_the_counts(built, damage):
    corpus, root = built
    ixdir = live(root)
    states = ixdir / "files-1.npz"
    held = FileStates.from_bytes(states.read_bytes(), 1)
    if damage == "half the entries":
        states.write_bytes(held.taken(np.arange(0, len(held), 2)).to_bytes(1))
    elif damage == "garbage":
        states.write_bytes(held.to_bytes(1)[: states.stat().st_size // 2])
    elif damage == "wrong types":
        out = io.BytesIO()
        with np.load(io.BytesIO(states.read_bytes())) as z:
            columns = {name: z[name] for name in z.files}
        columns["articles"] = columns["articles"].astype(np.float64) / 2
        np.savez(out, **columns)
        states.write_bytes(out.getvalue())
        trust.add_derived(ixdir, 1, [states.name])  # even signed, an unsound entry is not used
    else:
        manifest = trust.read_manifest(ixdir, 1)
        manifest.derived.pop(states.name)
        trust.write_manifest(ixdir, manifest)
    report = build_index([corpus], root, config=FAST)
    assert (report.added, report.updated, report.articles) == (0, 0, 8)
    assert answers(root)[0]["total"] == 8
    # The states were made again from the index's stored paths, and are used from now on.
    assert build_index([corpus], root, config=FAST).nothing_to_do
    write_corpus(corpus, 9)
    report = build_index([corpus], root, config=FAST)
    assert (report.added, report.unchanged, report.articles) == (1, 8, 9)
