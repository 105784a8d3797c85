"""The indexer: incremental runs, skipped files, the parallel path, cancelling,
a build killed mid-way, the lock and incompatible indexes.

Every index here is built in a temporary folder from small generated corpora.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from whoosh import fields as wfields
from whoosh import index as whoosh_index

from searchtui import articles as articles_mod
from searchtui import store, trust
from searchtui.cli import main
from searchtui.config import Config
from searchtui.errors import (
    Cancelled,
    CorpusMissing,
    IndexIncompatible,
    IndexLocked,
    IndexMissing,
    SearchtuiError,
)
from searchtui.indexer import PARALLEL_THRESHOLD, build_index
from searchtui.models import SearchRequest
from searchtui.schema import FIRST_INDEXED, stored_path
from searchtui.search import SearchEngine

FAST = Config(workers=1, extractor="none")
WORDS = (
    "senate budget climate talks brexit vote court census pelosi putin china trade "
    "market energy oil vaccine election campaign harbour bridge"
).split()
START = dt.date(2019, 1, 7)


def article_text(title: str, body: str, author: str = "Ann Lee", pub: str = "Daily Post",
                 date: dt.date = START) -> str:
    return f"{title}\n\n{author} — {pub} {date.strftime('%b %d, %Y')}\n\n{body}\n"


def write_article(folder: Path, name: str, title: str, body: str, **kw) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(article_text(title, body, **kw), encoding="utf-8")
    return path


def write_corpus(folder: Path, n: int, prefix: str = "a", words: int = 40) -> Path:
    for i in range(n):
        body = " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(words))
        write_article(
            folder,
            f"{prefix}{i:05d}.txt",
            f"Story {prefix}{i} on {WORDS[i % len(WORDS)]}",
            f"{body}.\n\nParagraph two of {prefix}{i}.",
            author=["Ann Lee", "Bo Diaz", "Cy Young"][i % 3],
            pub=["Daily Post", "The Ledger"][i % 2],
            date=START + dt.timedelta(days=i % 500),
        )
    return folder


def search(root: Path, query: str) -> list[str]:
    """Titles of every hit for ``query``, in a stable order."""
    with SearchEngine.open(root) as engine:
        result = engine.search(
            SearchRequest(
                query=query, page_size=100_000, facets=(), histogram=False, snippets=False
            )
        )
        assert result.total == len(result.hits)
        return sorted(h.title for h in result.hits)


def stored(root: Path) -> dict[str, dict]:
    """Every stored document of the live index, by key, but for when it was first indexed
    (the time of the run that first held it: two builds differ there)."""
    ix, _ixdir, _meta = store.open_index(root)
    with ix.searcher() as s:
        return {
            d["key"]: {k: v for k, v in d.items() if k != FIRST_INDEXED}
            for d in s.all_stored_fields()
        }


def first_indexed(root: Path) -> dict[str, str]:
    """When each article of the live index was first indexed, by key."""
    ix, _ixdir, _meta = store.open_index(root)
    with ix.searcher() as s:
        return {d["key"]: d[FIRST_INDEXED] for d in s.all_stored_fields()}


def term_stats(root: Path) -> dict[tuple[str, bytes], tuple[int, int]]:
    """(field, term) -> (document frequency, total frequency) over the live documents."""
    ix, _ixdir, _meta = store.open_index(root)
    with ix.reader() as r:
        return {
            (fn, t): (r.doc_frequency(fn, t), int(r.frequency(fn, t)))
            for fn, t in r.all_terms()
            if r.doc_frequency(fn, t) and fn != FIRST_INDEXED
        }


def listing(root: Path) -> dict[str, int]:
    """Every file of an index folder (but the lock) with its modification time."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != store.LOCK:
            out[str(p.relative_to(root))] = p.stat().st_mtime_ns
    return out


def ix_dirs(root: Path) -> list[str]:
    if not root.exists():  # a first build that failed leaves no index folder
        return []
    return sorted(p.name for p in root.iterdir() if p.name.startswith("ix-"))


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    """The CLI must not pick up a searchtui.yaml from the working or config folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SEARCHTUI_CONFIG", raising=False)


@pytest.fixture
def small(tmp_path) -> Path:
    return write_corpus(tmp_path / "corpus", 12)


@pytest.fixture
def built(small, tmp_path) -> tuple[Path, Path]:
    root = tmp_path / "index"
    report = build_index([small], root, config=FAST)
    assert report.added == 12 and report.rebuilt
    return small, root


# ---------------------------------------------------------------------------
# Incremental runs


def test_first_build_report_and_contents(small, tmp_path):
    root = tmp_path / "index"
    report = build_index([small], root, config=FAST)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (12, 0, 0, 0)
    assert (report.articles, report.files, report.problems) == (12, 12, [])
    assert report.rebuilt and not report.nothing_to_do
    docs = stored(root)
    one = docs[str((small / "a00001.txt").resolve())]
    assert "path" not in one  # a file of one article: its path is its key
    assert {k: one[k] for k in ("key", "title", "authors", "publication", "date")} == {
        "key": str((small / "a00001.txt").resolve()),
        "title": "Story a1 on budget",
        "authors": ["Bo Diaz"],
        "publication": ["The Ledger"],
        "date": "2019-01-08",
    }
    assert search(root, "paragraph a1") == ["Story a1 on budget"]


def test_add_a_file(built):
    small, root = built
    write_article(small, "new.txt", "Volcano erupts", "The volcano erupted near the harbour.")
    report = build_index([small], root, config=FAST)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (1, 0, 0, 12)
    assert report.articles == 13 and not report.rebuilt
    assert search(root, "volcano") == ["Volcano erupts"]
    assert len(stored(root)) == 13


def test_change_a_file_replaces_its_document(built):
    small, root = built
    before = stored(root)
    path = small / "a00003.txt"
    write_article(small, path.name, "Story rewritten", "A zeppelin landed on the bridge.")
    report = build_index([small], root, config=FAST)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 1, 0, 11)
    assert report.articles == 12
    assert search(root, "zeppelin") == ["Story rewritten"]
    assert search(root, '"paragraph two of a3"') == []
    after = stored(root)
    assert set(after) == set(before)
    key = str(path.resolve())
    assert after[key]["title"] == "Story rewritten"
    assert after[key]["hash"] != before[key]["hash"]
    others_after = {k: v for k, v in after.items() if k != key}
    assert others_after == {k: v for k, v in before.items() if k != key}


def test_delete_a_file_removes_its_documents(built):
    small, root = built
    (small / "a00004.txt").unlink()
    report = build_index([small], root, config=FAST)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 0, 1, 11)
    assert report.articles == 11
    assert search(root, '"paragraph two of a4"') == []
    assert str((small / "a00004.txt").resolve()) not in stored(root)


def test_unchanged_corpus_does_nothing(built, capsys):
    small, root = built
    before = listing(root)
    token = store.generation_token(root)
    report = build_index([small], root, config=FAST)
    assert report.nothing_to_do
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 0, 0, 12)
    assert report.articles == 12
    assert store.generation_token(root) == token
    assert listing(root) == before  # nothing written at all
    code, out, _err = run_cli(capsys, "index", small, "--index", root, "--workers", "1")
    assert code == 0
    assert out.startswith("Index is up to date: 12 files unchanged, 12 articles, nothing to do.\n")
    assert listing(root) == before


def test_touch_without_change_does_not_reindex(built, monkeypatch):
    small, root = built
    token = store.generation_token(root)
    docs = stored(root)
    later = time.time() + 100
    for p in small.iterdir():
        os.utime(p, (later, later))
    report = build_index([small], root, config=FAST)
    assert report.nothing_to_do and report.unchanged == 12
    assert store.generation_token(root) == token
    assert stored(root) == docs
    # The new times were remembered: the next run does not even hash the files.
    def no_hashing(data):
        raise AssertionError("a file was hashed")

    monkeypatch.setattr(articles_mod, "file_hash", no_hashing)
    assert build_index([small], root, config=FAST).nothing_to_do


def test_lost_file_states_are_rebuilt_from_the_index(built):
    """After a crash between the commit and saving the file states, nothing is indexed twice."""
    small, root = built
    token = store.generation_token(root)
    live = store.current_dir(root)
    assert live is not None
    states = list(live.glob("files-*.npz"))
    assert len(states) == 1
    states[0].unlink()
    report = build_index([small], root, config=FAST)
    assert report.nothing_to_do and report.unchanged == 12
    assert store.generation_token(root) == token
    assert store.current_dir(root) == live
    assert [p.name for p in live.glob("files-*.npz")] == [states[0].name]
    write_article(small, "a00002.txt", "Changed meanwhile", "Different words.")
    report = build_index([small], root, config=FAST)
    assert (report.updated, report.unchanged, report.articles) == (1, 11, 12)


STATES = {
    "/corpus/a.txt": ["ab" * 20, 120, 1_795_989_076_880_466_293, 1, False],
    "/corpus/Zürich — café.txt": ["cd" * 20, 0, -1, 0, True],
    "/corpus/\udcff\udcfe.txt": ["ef" * 20, 5, 2**70, 2, False],  # not UTF-8; past 64 bits
}


def test_file_states_are_written_and_read_back_the_same():
    from searchtui.filestates import UNKNOWN_TIME, FileStates, Unsound

    for states in (STATES, {}, {"/corpus/only.txt": ["", 0, 0, 0, False]}):
        kept = FileStates.from_dict(states)
        back = FileStates.from_bytes(kept.to_bytes(3), 3)
        # a time past what the column holds is kept as not known
        assert back.to_dict() == {
            p: [h, n, t if t < 2**63 - 1 else UNKNOWN_TIME, a, k]
            for p, (h, n, t, a, k) in states.items()
        }
        assert back.where([*states, "/elsewhere.txt"]).tolist() == [*range(len(states)), -1]
    with pytest.raises(Unsound):
        FileStates.from_bytes(FileStates.from_dict(STATES).to_bytes(3), 4)  # another generation
    with pytest.raises(Unsound):
        FileStates.from_bytes(b"PK\x03\x04 not really", 3)


@pytest.mark.parametrize("seed", range(30))
def test_file_states_joined_from_a_read_file_save_what_joining_anew_saves(seed):
    """States read from their file keep its paths and hashes as saved, and states joined
    from such parts save those one after the other instead of joining every path again:
    the same bytes as states made from the rows alone. Rows taken whole in order share
    the paths, not the columns."""
    from searchtui.filestates import FileStates

    rng = np.random.default_rng(seed)

    def rows(n: int, tag: str) -> dict:
        return {
            f"/c/{tag}{k} é.txt": ["" if rng.random() < 0.2 else f"h{tag}{k}", k, k * 7,
                                   int(rng.integers(0, 3)), bool(rng.random() < 0.1)]
            for k in range(n)
        }

    old = rows(int(rng.integers(0, 6)), "o")
    read = FileStates.from_bytes(FileStates.from_dict(old).to_bytes(2), 2)
    n = len(read)
    whole = read.taken(np.arange(n))
    some = read.taken(np.flatnonzero(rng.random(n) < 0.5))
    new = FileStates.from_dict(rows(int(rng.integers(0, 4)), "n"))
    nothing = whole.taken(np.zeros(0, np.int64))
    parts = [[whole, new], [whole, FileStates.empty(), new], [some, nothing, new],
             [FileStates.empty(), whole]][seed % 4]
    joined = FileStates.joined(parts)
    plain = FileStates.from_dict(joined.to_dict())
    assert joined.to_bytes(3) == plain.to_bytes(3)
    assert FileStates.from_bytes(joined.to_bytes(3), 3).to_dict() == joined.to_dict()
    if n:
        whole.size[0] += 1
        assert read.size[0] == 0  # its own columns


@pytest.mark.parametrize("seed", range(30))
def test_where_each_is_where_for_paths_each_given_once(seed):
    """A scan's paths (each once) that start with the states' paths, in order, or not."""
    from searchtui.filestates import FileStates

    rng = np.random.default_rng(seed)
    known = [f"/c/{k:03d}.txt" for k in range(int(rng.integers(0, 8)))]
    states = FileStates.from_dict({p: ["h", 1, 1, 1, False] for p in known})
    others = [f"/d/{k}.txt" for k in range(int(rng.integers(0, 4)))]
    paths = [*known, *others]
    if seed % 3 == 1 and len(known) > 1:
        paths[0], paths[1] = paths[1], paths[0]  # not in their order
    elif seed % 3 == 2 and known:
        paths.remove(known[int(rng.integers(len(known)))])  # one gone
    assert states.where_each(paths).tolist() == states.where(paths).tolist()


def test_a_file_dated_past_what_a_time_column_holds_is_compared_by_its_bytes(built):
    """A file's time past the year 2262 does not fit 64 bits of nanoseconds: it is indexed,
    and at each update its bytes, not its time, tell whether it changed."""
    small, root = built
    far = 32_503_680_000 * 10**9  # the year 3000
    path = small / "a00003.txt"
    os.utime(path, ns=(far, far))
    if os.stat(path).st_mtime_ns < 2**63:
        pytest.skip("this file system does not keep times that far ahead")
    report = build_index([small], root, config=FAST)
    assert report.nothing_to_do and report.unchanged == 12
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("a", "b", 1), encoding="utf-8")  # same size, other bytes
    os.utime(path, ns=(far, far))
    report = build_index([small], root, config=FAST)
    assert (report.updated, report.unchanged, report.articles) == (1, 11, 12)


@pytest.mark.parametrize("fast", [True, False], ids=["orjson", "json"])
def test_file_states_of_an_older_version_are_read(built, monkeypatch, fast):
    """An index whose states an older version wrote as JSON is updated without reading
    its files again, whichever JSON reader reads them."""
    from searchtui import indexer

    if not fast:
        monkeypatch.setattr(indexer, "orjson", None)
    small, root = built
    live = store.current_dir(root)
    assert live is not None
    generation = store.open_index(root)[0].latest_generation()
    states = indexer._read_states(live, generation, trust.read_manifest(live, generation))
    assert states is not None and len(states) == 12
    (live / f"files-{generation}.npz").unlink()
    legacy = live / f"files-{generation}.json"
    legacy.write_text(json.dumps({"generation": generation, "files": states.to_dict()}))
    trust.add_derived(live, generation, [legacy.name])
    monkeypatch.setattr(articles_mod, "file_hash", lambda *a: pytest.fail("a file was read"))
    report = build_index([small], root, config=FAST)
    assert report.nothing_to_do and report.unchanged == 12
    with pytest.raises(ValueError):
        indexer._from_json(b'{"generation": 3, "files": {')


def test_rebuild_writes_a_new_index_and_drops_the_old(built, capsys):
    small, root = built
    old = ix_dirs(root)
    docs = stored(root)
    code, out, err = run_cli(capsys, "index", small, "--index", root, "--rebuild", "--workers", "1")
    assert code == 0, err
    assert out.startswith(f"Rebuilt {root}: 12 added, 0 updated, 0 deleted, 0 skipped")
    new = ix_dirs(root)
    assert len(new) == 1 and new != old
    assert (root / store.POINTER).read_text().strip() == new[0]
    assert stored(root) == docs


def write_jsonl(path: Path, titles: list[str]) -> None:
    rows = [{"title": t, "author": "Ann Lee", "publication": "Wire", "date": f"2020-03-0{i + 1}",
             "body": f"Body of {t.lower()}."} for i, t in enumerate(titles)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_table_file_with_many_articles(small, tmp_path):
    """A JSON Lines file holds several articles.

    Changed, they are all replaced; gone, all removed.
    """
    table = small / "wire.jsonl"
    write_jsonl(table, ["Alpha report", "Beta report", "Gamma report"])
    root = tmp_path / "index"
    assert build_index([small], root, config=FAST).added == 15
    assert search(root, "report") == ["Alpha report", "Beta report", "Gamma report"]
    write_jsonl(table, ["Alpha report", "Delta report"])
    report = build_index([small], root, config=FAST)
    assert (report.added, report.updated, report.deleted, report.articles) == (0, 2, 0, 14)
    assert search(root, "report") == ["Alpha report", "Delta report"]
    table.unlink()
    report = build_index([small], root, config=FAST)
    assert (report.deleted, report.articles) == (2, 12)
    assert search(root, "report") == []


def test_open_engine_keeps_its_view_during_an_update(built):
    """A searcher opened before an update keeps answering from the old generation, then reloads."""
    small, root = built
    with SearchEngine.open(root) as engine:
        request = SearchRequest(query="story", page_size=100, facets=(), histogram=False,
                                snippets=False)
        before = sorted(h.title for h in engine.search(request).hits)
        for i in range(3):  # several commits: small segments are merged and their files deleted
            write_article(small, f"n{i}.txt", f"Story new {i}", "A new story.")
            build_index([small], root, config=FAST)
        assert sorted(h.title for h in engine.search(request).hits) == before
        assert engine.changed_on_disk()
        engine.reload()
        assert len(engine.search(request).hits) == 15


def test_file_gone_from_another_root_is_kept(tmp_path):
    """Indexing one folder does not delete the documents of another folder indexed before."""
    a = write_corpus(tmp_path / "a", 3, prefix="a")
    b = write_corpus(tmp_path / "b", 2, prefix="b")
    root = tmp_path / "index"
    build_index([a, b], root, config=FAST)
    report = build_index([a], root, config=FAST)
    assert report.nothing_to_do and report.articles == 5


# ---------------------------------------------------------------------------
# Skipped files and errors


def test_bad_files_are_reported_and_the_rest_indexed(small, tmp_path, capsys):
    (small / "empty.txt").write_bytes(b"")
    (small / "blob.txt").write_bytes(bytes(range(256)) * 40)
    root = tmp_path / "index"
    report = build_index([small], root, config=FAST)
    assert report.added == 12 and report.articles == 12
    skipped = {Path(p.path).name: p.reason for p in report.skipped}
    assert set(skipped) == {"empty.txt", "blob.txt"}
    assert all(reason for reason in skipped.values())
    assert all(Path(p.path).is_absolute() for p in report.skipped)

    # Through the CLI: exit 0, each skipped file listed with its reason.
    code, out, _err = run_cli(capsys, "index", small, "--index", tmp_path / "ix2", "--workers", "1")
    assert code == 0
    assert "12 added, 0 updated, 0 deleted, 2 skipped" in out
    assert "Skipped (2):" in out
    for p in report.skipped:
        assert f"  {p.path}: {p.reason}\n" in out


def test_missing_corpus_path(tmp_path, capsys):
    with pytest.raises(CorpusMissing):
        build_index([tmp_path / "nowhere"], tmp_path / "index", config=FAST)
    code, out, err = run_cli(capsys, "index", tmp_path / "nowhere", "--index", tmp_path / "index")
    assert code != 0 and out == ""
    assert err == f"searchtui: corpus path not found: {tmp_path / 'nowhere'}\n"
    assert not (tmp_path / "index").exists()


def test_index_folder_that_cannot_be_written(small, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(SearchtuiError, match="cannot create the index folder"):
        build_index([small], blocker / "index", config=FAST)
    code, out, err = run_cli(capsys, "index", small, "--index", blocker / "index")
    assert code != 0 and out == ""
    assert err.startswith("searchtui: cannot create the index folder") and err.count("\n") == 1


def test_read_only_index_folder(small, tmp_path, capsys):
    root = tmp_path / "index"
    root.mkdir()
    root.chmod(0o555)
    try:
        if os.access(root, os.W_OK):
            pytest.skip("running as root: permissions are not enforced")
        code, out, err = run_cli(capsys, "index", small, "--index", root)
        assert code != 0 and out == ""
        assert err.startswith("searchtui: cannot write to the index folder")
        assert err.count("\n") == 1
    finally:
        root.chmod(0o755)


# ---------------------------------------------------------------------------
# The parallel path


@pytest.fixture(scope="module")
def parallel_corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("parallel") / "corpus"
    write_corpus(folder, PARALLEL_THRESHOLD + 50, words=25)
    (folder / "bad.txt").write_bytes(b"\x00\x01\x02" * 50)
    return folder


@pytest.mark.parametrize("states_every", [None, 50])
def test_parallel_build_gives_the_same_index(parallel_corpus, tmp_path, monkeypatch, states_every):
    """Workers give the index one process gives, and every file's state: handed over at
    their end, or every ``STATES_SENT_EVERY`` files as they go."""
    if states_every is not None:
        monkeypatch.setattr("searchtui.indexer.STATES_SENT_EVERY", states_every)
    config = Config(workers=0, extractor="rules")
    one = build_index([parallel_corpus], tmp_path / "one", config=config, workers=1)
    two = build_index([parallel_corpus], tmp_path / "two", config=config, workers=2)
    n = PARALLEL_THRESHOLD + 50
    assert (one.added, one.articles) == (two.added, two.articles) == (n, n)
    assert [(p.path, p.reason) for p in one.problems] == [(p.path, p.reason) for p in two.problems]
    assert len(one.skipped) == 1
    assert stored(tmp_path / "one") == stored(tmp_path / "two")
    assert term_stats(tmp_path / "one") == term_stats(tmp_path / "two")
    # one run, one first-indexed time, whichever process wrote the article
    assert len(set(first_indexed(tmp_path / "two").values())) == 1
    # The same files remembered: an incremental run over either does nothing.
    assert build_index([parallel_corpus], tmp_path / "two", config=config, workers=2).nothing_to_do


def test_workers_decode_their_own_segments_for_the_parent(parallel_corpus, tmp_path, monkeypatch):
    """Each worker saves its segments' arrays (``arrays.decode_segments``); the parent
    decodes none of them itself, lists every file in the manifest, and the arrays
    put together from the files are what decoding the whole index gives."""
    from searchtui import arrays, segarrays, trust
    from searchtui.segarrays import SegmentArrays

    decoded_here: list[str] = []
    real = SegmentArrays.decode.__func__  # type: ignore[attr-defined]

    def counting(cls, leaf):
        decoded_here.append(segarrays.segment_id(leaf))
        return real(cls, leaf)

    monkeypatch.setattr(SegmentArrays, "decode", classmethod(counting))  # this process only
    root = tmp_path / "index"
    report = build_index([parallel_corpus], root, config=FAST, workers=2)
    assert report.articles == PARALLEL_THRESHOLD + 50
    assert decoded_here == []
    ix, ixdir, _meta = store.open_index(root)
    with ix.reader() as reader:
        sids = {segarrays.segment_id(leaf) for leaf, _o in reader.leaf_readers()}
        assert sids  # one worker or both may have written them (whoever took the batches)
        manifest = trust.read_manifest(ixdir, reader.generation())
        for sid in sids:
            name = segarrays.file_name(sid)
            assert manifest.derived[name].sha256 == trust.sha256_file(ixdir / name)
        monkeypatch.undo()
        from_files = arrays.IndexData(reader, ixdir, write_cache=False)._arrays()
        whole = arrays.IndexData(reader, None, write_cache=False)._arrays()
    from_files.pop("digest"), whole.pop("digest")
    assert sorted(from_files) == sorted(whole)
    for key in whole:
        assert (from_files[key] == whole[key]).all(), key


def test_parallel_update_replaces_changed_files(parallel_corpus, tmp_path):
    """Changed files re-indexed by workers: the old versions are gone, nothing twice."""
    corpus = tmp_path / "corpus"
    shutil.copytree(parallel_corpus, corpus)
    root = tmp_path / "index"
    build_index([corpus], root, config=FAST, workers=1)
    for p in sorted(corpus.glob("a*.txt"))[:420]:
        text = p.read_text(encoding="utf-8")
        p.write_text(text.replace("Paragraph two", "Paragraph deux"), encoding="utf-8")
    (corpus / "a00449.txt").unlink()
    report = build_index([corpus], root, config=FAST, workers=2)
    n = PARALLEL_THRESHOLD + 50
    # unchanged: 29 untouched files and bad.txt
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 420, 1, 30)
    assert report.articles == n - 1
    docs = stored(root)
    assert len(docs) == n - 1 and len({stored_path(d) for d in docs.values()}) == n - 1
    assert len(search(root, '"paragraph deux"')) == 420
    assert len(search(root, '"paragraph two"')) == n - 421


# ---------------------------------------------------------------------------
# Cancelling


def cancel_on_first_progress():
    cancel = threading.Event()
    seen = []

    def progress(p):
        seen.append(p.phase)
        if p.phase == "indexing":
            cancel.set()

    return cancel, progress, seen


def test_cancel_first_build_leaves_no_index(small, tmp_path):
    root = tmp_path / "index"
    cancel, progress, seen = cancel_on_first_progress()
    with pytest.raises(Cancelled):
        build_index([small], root, config=FAST, progress=progress, cancel=cancel)
    assert "indexing" in seen and "committing" not in seen
    assert ix_dirs(root) == [] and not (root / store.POINTER).exists()
    with pytest.raises(IndexMissing):
        SearchEngine.open(root)
    assert build_index([small], root, config=FAST).added == 12


@pytest.mark.parametrize("workers", [1, 2])
def test_cancel_update_leaves_the_old_index(workers, built, big_corpus):
    small, root = built
    before, titles, token = listing(root), search(root, "story"), store.generation_token(root)
    cancel, progress, seen = cancel_on_first_progress()
    with pytest.raises(Cancelled):
        build_index([small, big_corpus], root, config=FAST, progress=progress, cancel=cancel,
                    workers=workers)
    assert "committing" not in seen
    # No thread is left waiting to hand batches to workers that are gone.
    time.sleep(0.2)
    assert [t.name for t in threading.enumerate() if "Feeder" in t.name] == []
    assert store.generation_token(root) == token
    assert search(root, "story") == titles and len(titles) == 12
    assert build_index([small], root, config=FAST).nothing_to_do
    assert {k: v for k, v in listing(root).items() if k in before} == before


def test_cancel_rebuild_leaves_the_old_index(built):
    small, root = built
    before, dirs = listing(root), ix_dirs(root)
    cancel, progress, _seen = cancel_on_first_progress()
    with pytest.raises(Cancelled):
        build_index([small], root, config=FAST, rebuild=True, progress=progress, cancel=cancel)
    assert ix_dirs(root) == dirs and listing(root) == before


# ---------------------------------------------------------------------------
# A build killed mid-way (kill -9), in a child process


#: Articles in the corpus of the killed builds: enough for a child build to take a few seconds.
BIG = 6000


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("big") / "corpus", BIG, prefix="b", words=150)


def start_index(tmp_path: Path, *args, new_group: bool = False) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / f"child-{time.monotonic_ns()}.log"
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    env.pop("SEARCHTUI_CONFIG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "searchtui", "index", *map(str, args)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=open(log, "w"),
        start_new_session=new_group,
        # as from a terminal: Ctrl-C interrupts (a test runner's worker may ignore SIGINT,
        # and an ignored signal stays ignored in the programs it starts)
        preexec_fn=_default_sigint,
    )
    return proc, log


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for_indexing(proc: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    """Until the child has indexed its first files (it then holds the lock)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if "indexing:" in log.read_text():
            return
        assert proc.poll() is None, f"the child ended early: {log.read_text()}"
        time.sleep(0.05)
    raise AssertionError("the child never started indexing")


def kill_mid_build(proc: subprocess.Popen, log: Path) -> None:
    wait_for_indexing(proc, log)
    time.sleep(0.3)
    assert proc.poll() is None, "the build finished before it could be killed"
    children = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    # Its worker processes follow it instead of waiting for ever.
    end = time.monotonic() + 10
    while time.monotonic() < end and any(_alive(c) for c in children):
        time.sleep(0.1)
    left = [c for c in children if _alive(c)]
    for c in left:
        os.kill(c, signal.SIGKILL)
    assert left == [], "worker processes outlived the killed build"


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_killed_first_build_leaves_no_index(big_corpus, small, tmp_path):
    root = tmp_path / "index"
    proc, log = start_index(tmp_path, big_corpus, "--index", root, "--workers", "2")
    kill_mid_build(proc, log)
    assert not (root / store.POINTER).exists()
    with pytest.raises(IndexMissing):
        SearchEngine.open(root)
    report = build_index([small], root, config=FAST)
    assert report.added == 12 and len(ix_dirs(root)) == 1  # the half-built folder is gone
    assert search(root, "story") == search(root, "paragraph")


def test_killed_rebuild_leaves_the_old_index(big_corpus, built, tmp_path):
    small, root = built
    before, titles, dirs = listing(root), search(root, "story"), ix_dirs(root)
    proc, log = start_index(tmp_path, small, big_corpus, "--index", root, "--rebuild",
                            "--workers", "2")
    kill_mid_build(proc, log)
    assert (root / store.POINTER).read_text().strip() == dirs[0]
    assert {k: v for k, v in listing(root).items() if k in before} == before
    with SearchEngine.open(root) as engine:
        assert engine.doc_count == 12
    assert search(root, "story") == titles
    report = build_index([small], root, config=FAST)
    assert report.nothing_to_do and ix_dirs(root) == dirs


def test_killed_update_leaves_the_old_index(big_corpus, built, tmp_path, capsys):
    small, root = built
    before, titles, token = listing(root), search(root, "story"), store.generation_token(root)
    proc, log = start_index(tmp_path, small, big_corpus, "--index", root, "--workers", "2")
    try:
        wait_for_indexing(proc, log)
        # Meanwhile, a second update is refused with a clear message.
        with pytest.raises(IndexLocked):
            build_index([small], root, config=FAST)
        code, out, err = run_cli(capsys, "index", small, "--index", root)
        assert code != 0 and out == ""
        assert "being updated by another process" in err and err.count("\n") == 1
        # Readers still see the old index.
        assert search(root, "story") == titles
    finally:
        kill_mid_build(proc, log)
    assert store.generation_token(root) == token
    assert {k: v for k, v in listing(root).items() if k in before} == before
    with SearchEngine.open(root) as engine:
        assert engine.doc_count == 12
    assert search(root, "story") == titles
    # The next run completes the update.
    report = build_index([small, big_corpus], root, config=FAST, workers=2)
    assert (report.added, report.unchanged, report.articles) == (BIG, 12, BIG + 12)
    assert len(search(root, "story")) == BIG + 12
    expected = [f"Story b1999 on {WORDS[1999 % len(WORDS)]}"]
    assert search(root, '"paragraph two of b1999"') == expected


DIE_AT = """
import os, signal, sys
from searchtui import indexer, store
from searchtui.config import Config

where, corpus, root, rebuild = sys.argv[1:5]

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

progress = None
if where == "committing":
    progress = lambda p: die() if p.phase == "committing" else None
else:
    module, name = where.split(".")
    setattr({"indexer": indexer, "store": store}[module], name, die)
indexer.build_index([corpus], root, config=Config(workers=1, extractor="none"),
                    rebuild=rebuild == "1", progress=progress)
"""


@pytest.mark.parametrize(
    "where, rebuild, committed",
    [
        ("committing", False, False),  # segments being written
        ("indexer._save_states", False, True),  # new generation live, file states not saved
        ("store.switch_current", True, False),  # new index complete, not yet live
    ],
)
def test_killed_at_each_step_of_the_commit(where, rebuild, committed, built, tmp_path):
    small, root = built
    before, titles, dirs = listing(root), search(root, "story"), ix_dirs(root)
    write_article(small, "new.txt", "Story added", "A late story.")
    argv = [sys.executable, "-c", DIE_AT, where, str(small), str(root), "1" if rebuild else "0"]
    proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    if committed:
        assert search(root, "story") == sorted(titles + ["Story added"])
    else:
        assert {k: v for k, v in listing(root).items() if k in before} == before
        assert search(root, "story") == titles
    report = build_index([small], root, config=FAST)
    assert report.nothing_to_do == committed
    assert report.articles == 13 and ix_dirs(root) == dirs
    assert search(root, "story") == sorted(titles + ["Story added"])


@pytest.mark.parametrize("workers", ["1", "2"])
def test_interrupted_update_leaves_the_old_index(workers, big_corpus, built, tmp_path):
    """Ctrl-C (SIGINT to the process group) mid-update: a message, exit 130, old index kept."""
    small, root = built
    before, titles, token = listing(root), search(root, "story"), store.generation_token(root)
    proc, log = start_index(tmp_path, small, big_corpus, "--index", root, "--workers", workers,
                            new_group=True)
    wait_for_indexing(proc, log)
    children = _children(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(30) == 130, log.read_text()
    # (multiprocessing's resource tracker, a separate process, may warn after it about
    # semaphores of the interrupted workers: that is Python's output, not searchtui's)
    ours = [line for line in log.read_text().splitlines() if "resource_tracker" not in line]
    assert ours[-1] == "searchtui: interrupted; the index is as it was before this run"
    end = time.monotonic() + 10
    while time.monotonic() < end and any(_alive(c) for c in children):
        time.sleep(0.1)
    assert not any(_alive(c) for c in children)
    assert store.generation_token(root) == token
    assert {k: v for k, v in listing(root).items() if k in before} == before
    assert search(root, "story") == titles
    assert build_index([small], root, config=FAST).nothing_to_do


# ---------------------------------------------------------------------------
# The lock


def test_locked_index_is_refused(built, capsys):
    small, root = built
    write_article(small, "new.txt", "Volcano erupts", "The volcano erupted.")
    lock = store.IndexLock(root).acquire()
    try:
        with pytest.raises(IndexLocked, match="being updated by another process"):
            build_index([small], root, config=FAST)
        code, out, err = run_cli(capsys, "index", small, "--index", root)
        assert code != 0 and out == ""
        assert err == (
            f"searchtui: the index at {root} is being updated by another process "
            f"(pid {os.getpid()}); "
            "try again when it has finished\n"
        )
    finally:
        lock.release()
    assert build_index([small], root, config=FAST).added == 1


# ---------------------------------------------------------------------------
# Incompatible indexes


def test_other_schema_version_must_be_rebuilt(built, capsys):
    small, root = built
    ixdir = store.current_dir(root)
    assert ixdir is not None
    meta = json.loads((ixdir / store.META).read_text())
    meta["schema_version"] = 999
    (ixdir / store.META).write_text(json.dumps(meta))
    with pytest.raises(IndexIncompatible, match="rebuild"):
        SearchEngine.open(root)
    with pytest.raises(IndexIncompatible, match="rebuild"):
        build_index([small], root, config=FAST)
    for argv in (["search", "story"], ["index", small]):
        code, out, err = run_cli(capsys, *argv, "--index", root)
        assert code != 0 and out == ""
        assert "version 999" in err and "searchtui index --rebuild" in err and err.count("\n") == 1
    code, _out, err = run_cli(capsys, "index", small, "--index", root, "--rebuild",
                              "--workers", "1")
    assert code == 0, err
    assert len(search(root, "story")) == 12


def test_plain_whoosh_index_must_be_rebuilt(small, tmp_path, capsys):
    root = tmp_path / "index"
    root.mkdir()
    ix = whoosh_index.create_in(str(root), wfields.Schema(title=wfields.TEXT(stored=True)))
    with ix.writer() as w:
        w.add_document(title="hello")
    with pytest.raises(IndexIncompatible, match="rebuild"):
        SearchEngine.open(root)
    with pytest.raises(IndexIncompatible, match="rebuild"):
        build_index([small], root, config=FAST)
    code, out, err = run_cli(capsys, "search", "story", "--index", root)
    assert code != 0 and "did not write" in err and "--rebuild" in err
    code, out, err = run_cli(capsys, "index", small, "--index", root, "--rebuild", "--workers", "1")
    assert code == 0, err
    assert len(search(root, "story")) == 12


def test_a_table_over_the_size_cap_is_read_by_rows_and_hashed_whole(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = "".join(f"Title {i},Body number {i} about the budget.\n" for i in range(200))
    table = corpus / "big.csv"
    table.write_text("title,body\n" + rows, encoding="utf-8")
    config = Config(extractor="none", max_file_mb=0.001)  # about 1 KB: the table is larger
    assert table.stat().st_size > 0.001 * 2**20
    report = build_index([str(corpus)], tmp_path / "ix", config=config, workers=1)
    assert (report.added, report.skipped) == (200, [])
    # touched, not changed: the whole-file hash matches, nothing is read again
    os.utime(table, ns=(time.time_ns(), time.time_ns() + 10**9))
    again = build_index([str(corpus)], tmp_path / "ix", config=config, workers=1)
    assert again.nothing_to_do and again.articles == 200


# ---------------------------------------------------------------------------
# Entity extraction settings


def test_a_change_in_entity_extraction_is_reported_until_rebuilt(built, tmp_path):
    from searchtui.indexer import ENTITIES_CHANGED

    small, root = built  # with extraction off
    assert build_index([small], root, config=FAST).notes == []
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text("people:\n  Bo Diaz: [Diaz]\n", encoding="utf-8")
    changed = Config(workers=1, extractor="rules", entities=str(aliases))
    report = build_index([small], root, config=changed)
    assert report.nothing_to_do and report.notes == [ENTITIES_CHANGED]
    assert ENTITIES_CHANGED in report.summary_lines()
    assert build_index([small], root, config=changed, rebuild=True).notes == []
    assert build_index([small], root, config=changed).notes == []
    aliases.write_text("people:\n  Bo Diaz: [Bo]\n", encoding="utf-8")  # the user edits it
    assert build_index([small], root, config=changed).notes == [ENTITIES_CHANGED]


def test_index_and_config_before_the_command_apply_to_it(built, tmp_path, capsys):
    small, root = built
    code, out, err = run_cli(capsys, "--index", root, "stats")
    assert code == 0 and f"Index:         {root}" in out, err
    config = tmp_path / "other.yaml"
    config.write_text(f"index: {root}\nextractor: none\nworkers: 1\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "--config", config, "index", small)
    assert code == 0 and out.startswith("Index is up to date: 12 files unchanged"), err
    assert "Entity extraction has changed" not in out  # the configured extractor was used
    code, out, err = run_cli(capsys, "--index", tmp_path / "nowhere", "stats", "--index", root)
    assert code == 0 and f"Index:         {root}" in out, err


@pytest.mark.parametrize(
    "state, sound",
    [
        (["ab12", 10, 1_700_000_000_000_000_000, 1, False], True),
        (["", 0, 0, 0, True], True),
        (("ab12", 10, 1, 1, False), False),  # not a list
        (["ab12", 10, 1, 1], False),
        (["ab12", 10, 1, 1, False, 0], False),
        ([12, 10, 1, 1, False], False),
        (["ab12", "10", 1, 1, False], False),
        (["ab12", 10, 1.5, 1, False], False),
        (["ab12", 10, 1, True, False], False),  # a flag where a count belongs
        (["ab12", 10, 1, 1, 0], False),
        ({"hash": "ab12"}, False),
        (None, False),
    ],
)
def test_a_files_state_is_sound_only_in_the_shape_it_is_written(state, sound):
    from searchtui import indexer

    assert indexer._sound_state(state) is sound


# ---------------------------------------------------------------------------
# Files read into memory ahead of the workers


def _wait_for(cond, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.005)
    return cond()


def _readahead_of(monkeypatch, sizes, files=4, max_bytes=1 << 30):
    from searchtui import indexer

    asked: list[str] = []
    monkeypatch.setattr(indexer.untrusted, "read_soon", asked.append)
    monkeypatch.setattr(indexer, "READ_AHEAD_FILES", files)
    monkeypatch.setattr(indexer, "READ_AHEAD_BYTES", max_bytes)
    jobs = [indexer._FileJob(f"f{i}", size, 0) for i, size in enumerate(sizes)]
    return indexer._ReadAhead(jobs), asked


def test_files_are_read_ahead_as_far_as_the_workers_allow(monkeypatch):
    ra, asked = _readahead_of(monkeypatch, [10] * 20, files=4)
    ra.start()
    try:
        assert _wait_for(lambda: len(asked) == 4)
        time.sleep(0.05)
        assert asked == ["f0", "f1", "f2", "f3"]  # no further while nothing is read
        ra.done = 3
        assert _wait_for(lambda: len(asked) == 7)
        time.sleep(0.05)
        assert asked[4:] == ["f4", "f5", "f6"]
        ra.done = 15  # the workers got past it: the files behind them are not asked for
        assert _wait_for(lambda: asked[-1] == "f18")
        assert "f8" not in asked and asked[7:] == ["f15", "f16", "f17", "f18"]
        ra.done = 20
        assert _wait_for(lambda: not ra._thread.is_alive())
    finally:
        ra.stop()
    assert not ra._thread.is_alive()


def test_reading_ahead_is_bounded_in_bytes_and_stops_when_told(monkeypatch):
    ra, asked = _readahead_of(monkeypatch, [100, 100, 100, 5, 5, 5], files=100, max_bytes=250)
    ra.start()
    try:
        assert _wait_for(lambda: len(asked) == 3)
        time.sleep(0.05)
        assert asked == ["f0", "f1", "f2"]  # 300 bytes asked for: no more
        ra.done = 2
        assert _wait_for(lambda: len(asked) == 6)
    finally:
        ra.stop()
    assert not ra._thread.is_alive()
    ra2, asked2 = _readahead_of(monkeypatch, [10] * 10, files=2)
    ra2.start()
    assert _wait_for(lambda: len(asked2) == 2)
    ra2.stop()
    assert not ra2._thread.is_alive() and len(asked2) == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_read_soon_passes_over_what_it_cannot_read(tmp_path):
    from searchtui import untrusted

    (tmp_path / "a.txt").write_text("words")
    os.mkfifo(tmp_path / "pipe.txt")
    done = threading.Event()

    def ask():
        untrusted.read_soon(tmp_path / "a.txt")
        untrusted.read_soon(tmp_path / "pipe.txt")  # no writer: must not wait for one
        untrusted.read_soon(tmp_path / "gone.txt")
        untrusted.read_soon(tmp_path)
        done.set()

    threading.Thread(target=ask, daemon=True).start()
    assert done.wait(5)
