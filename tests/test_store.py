"""The index folder: the CURRENT pointer, the lock, the schema check, the atomic switch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh import fields as wfields
from whoosh import index as whoosh_index

from searchtui import store
from searchtui.config import Config
from searchtui.errors import IndexIncompatible, IndexLocked, IndexMissing
from searchtui.indexer import build_index
from searchtui.schema import SCHEMA_VERSION

FAST = Config(workers=1, extractor="none")


def write_articles(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{i:03d}.txt").write_text(
            f"Article {i}\n\nAnn Lee — Daily Post Jan 0{i % 9 + 1}, 2020\n\nBody of article {i}.\n",
            encoding="utf-8",
        )
    return folder


@pytest.fixture
def built(tmp_path) -> tuple[Path, Path]:
    corpus = write_articles(tmp_path / "corpus", 3)
    root = tmp_path / "index"
    build_index([corpus], root, config=FAST)
    return corpus, root


# ---------------------------------------------------------------------------
# The pointer


def test_no_pointer_means_no_index(tmp_path):
    assert store.current_dir(tmp_path) is None
    with pytest.raises(IndexMissing, match="searchtui index"):
        store.open_index(tmp_path)
    with pytest.raises(IndexMissing):
        store.open_index(tmp_path / "does-not-exist")
    assert store.generation_token(tmp_path) is None


@pytest.mark.parametrize("content", ["", "\n", "../elsewhere", ".hidden", "a/b"])
def test_damaged_pointer(tmp_path, content):
    (tmp_path / store.POINTER).write_text(content)
    with pytest.raises(IndexIncompatible, match="rebuild"):
        store.current_dir(tmp_path)
    assert store.generation_token(tmp_path) is None


def test_pointer_to_a_missing_folder(built):
    _corpus, root = built
    (root / store.POINTER).write_text("ix-gone\n")
    with pytest.raises(IndexMissing):
        store.open_index(root)


def test_built_index_layout(built):
    _corpus, root = built
    live = store.current_dir(root)
    assert live is not None and live.name.startswith("ix-") and live.parent == root
    assert sorted(p.name for p in root.iterdir()) == sorted([store.POINTER, live.name])
    meta = store.read_meta(live)
    assert meta["schema_version"] == SCHEMA_VERSION
    assert meta["corpus"] == [str((root.parent / "corpus").resolve())]
    ix, ixdir, meta2 = store.open_index(root)
    assert ixdir == live and meta2 == meta and ix.doc_count() == 3
    assert store.generation_token(root) == f"{live.name}:{ix.latest_generation()}"


def test_generation_token_changes_with_each_update(built):
    corpus, root = built
    first = store.generation_token(root)
    write_articles(corpus, 4)
    build_index([corpus], root, config=FAST)
    second = store.generation_token(root)
    assert first is not None and second is not None
    assert second != first and second.split(":")[0] == first.split(":")[0]
    build_index([corpus], root, config=FAST, rebuild=True)
    third = store.generation_token(root)
    assert third is not None
    assert third.split(":")[0] != first.split(":")[0]


# ---------------------------------------------------------------------------
# The schema check


def test_other_schema_version(built):
    _corpus, root = built
    live = store.current_dir(root)
    assert live is not None
    meta = store.read_meta(live)
    meta["schema_version"] = SCHEMA_VERSION + 1
    (live / store.META).write_text(json.dumps(meta))
    with pytest.raises(IndexIncompatible) as info:
        store.open_index(root)
    assert str(info.value) == (
        f"the index at {root} was written by version {SCHEMA_VERSION + 1} "
        f"of searchtui's index format (this one reads versions 3, 4 and {SCHEMA_VERSION}); "
        f"rebuild it with: searchtui index --rebuild --index {root}"
    )


@pytest.mark.parametrize("damage", ["missing", "not json"])
def test_missing_or_damaged_meta(built, damage):
    _corpus, root = built
    live = store.current_dir(root)
    assert live is not None
    if damage == "missing":
        (live / store.META).unlink()
    else:
        (live / store.META).write_text("{not json")
    with pytest.raises(IndexIncompatible, match="an unknown version.*--rebuild"):
        store.open_index(root)


def test_whoosh_files_missing(built):
    _corpus, root = built
    live = store.current_dir(root)
    assert live is not None
    for p in live.glob("*.toc"):
        p.unlink()
    with pytest.raises(IndexIncompatible, match="incomplete.*--rebuild"):
        store.open_index(root)


def test_damaged_table_of_contents(built):
    corpus, root = built
    live = store.current_dir(root)
    assert live is not None
    for p in live.glob("*.toc"):
        p.write_bytes(b"garbage")
    with pytest.raises(IndexIncompatible, match="cannot be opened.*--rebuild"):
        store.open_index(root)
    with pytest.raises(IndexIncompatible, match="cannot be opened.*--rebuild"):
        build_index([corpus], root, config=FAST)
    assert build_index([corpus], root, config=FAST, rebuild=True).articles == 3
    assert store.open_index(root)[0].doc_count() == 3


def test_foreign_whoosh_index(tmp_path):
    whoosh_index.create_in(str(tmp_path), wfields.Schema(t=wfields.TEXT))
    with pytest.raises(IndexIncompatible, match="did not write.*--rebuild"):
        store.open_index(tmp_path)
    with pytest.raises(IndexIncompatible, match="did not write"):
        store.check_not_foreign(tmp_path)
    store.check_not_foreign(tmp_path / "elsewhere")  # nothing there: fine


# ---------------------------------------------------------------------------
# The lock


def test_lock_is_exclusive_and_names_its_holder(tmp_path):
    first = store.IndexLock(tmp_path).acquire()
    try:
        assert (tmp_path / store.LOCK).read_text() == str(os.getpid())
        with pytest.raises(IndexLocked) as info:
            store.IndexLock(tmp_path).acquire()
        assert str(info.value) == (
            f"the index at {tmp_path} is being updated by another process (pid {os.getpid()}); "
            "try again when it has finished"
        )
    finally:
        first.release()
    assert not (tmp_path / store.LOCK).exists()
    with store.IndexLock(tmp_path):
        pass
    with store.IndexLock(tmp_path):  # released by the context manager
        pass


def test_lock_of_a_killed_process_is_released(tmp_path):
    code = (
        "import sys, time; from pathlib import Path; from searchtui import store; "
        "store.IndexLock(Path(sys.argv[1])).acquire(); print('locked', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(IndexLocked, match=f"pid {proc.pid}"):
            store.IndexLock(tmp_path).acquire()
    finally:
        proc.kill()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    with store.IndexLock(tmp_path):
        pass


# ---------------------------------------------------------------------------
# The switch


def test_switch_current_and_stale_folders(tmp_path):
    old = store.new_index_dir(tmp_path)
    (old / "f").write_text("old")
    store.switch_current(tmp_path, old)
    assert store.current_dir(tmp_path) == old
    leftover = store.new_index_dir(tmp_path)  # as an interrupted build leaves it
    time.sleep(0.001)
    new = store.new_index_dir(tmp_path)
    assert len({old, leftover, new}) == 3
    store.switch_current(tmp_path, new)
    assert store.current_dir(tmp_path) == new
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([store.POINTER, new.name])
    assert not (tmp_path / (store.POINTER + ".tmp")).exists()


def test_stale_folders_are_kept_when_the_pointer_is_damaged(tmp_path):
    a = store.new_index_dir(tmp_path)
    (tmp_path / store.POINTER).write_text("../x")
    store.remove_stale_dirs(tmp_path)
    assert a.is_dir()


def test_write_meta(tmp_path):
    store.write_meta(tmp_path, corpus=["/c"])
    meta = store.read_meta(tmp_path)
    assert meta["schema_version"] == SCHEMA_VERSION and meta["corpus"] == ["/c"]
    assert set(meta) == {"schema_version", "written", "corpus"}
    assert [p.name for p in tmp_path.iterdir()] == [store.META]
